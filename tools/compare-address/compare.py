#!/usr/bin/env python3
"""Compare pimap's address findings with cpca and jionlp on the dev store (not part of CI).

    python3 tools/compare-address/compare.py [--shared ../shared] [--pimap target/release/pimap]

Runs itself inside a virtualenv (default /tmp/pimap-compare-venv, created on first use with
`pip install cpca jionlp`), extracts the "address-bearing text units" of the text-like files of
the store, runs cpca and jionlp on them and pimap on the corpus, and scores all three with the
address matching of the store's own score.py, restricted to the same files. See README.md.
"""
from __future__ import annotations

import argparse
import collections
import csv
import glob
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_VENV = "/tmp/pimap-compare-venv"
PACKAGES = ("cpca", "jionlp")

# Formats read, by extension; everything else (xlsx, xls, SQLite .db, zip and its members, ...) is
# skipped and listed.
TEXT_EXT = (".txt", ".log")
TABLE_EXT = {".csv": ",", ".tsv": "\t"}
JSON_EXT = (".json",)
NDJSON_EXT = (".ndjson", ".jsonl")
SQL_EXT = (".sql",)

CJK = re.compile(r"[\u3400-\u9fff]")
# A label in front of the address is context, not part of the value (issue 4).
LABEL = re.compile(
    r"^\s*(?:收货地址|收件地址|收件人地址|详细地址|联系地址|通讯地址|邮寄地址|家庭住址|现住址|户籍地址|住址|地址"
    r"|shipping[_ ]?address|receiver[_ ]?address|address|addr)\s*[:：]?\s*",
    re.I,
)
# What the "structured" rule takes as detail below the county: a digit or a street, number,
# building, village or estate word (detectors.md §4.1, levels 4-9).
STRUCTURE = re.compile(
    r"[0-9０-９]|路|街|道|巷|弄|胡同|号|栋|幢|座|单元|室|楼|层|村|组|镇|乡|小区|花园|苑|大厦|公寓|新村|家园"
)


# ---------------------------------------------------------------- environment

def ensure_venv(venv):
    """Re-executes this script with the virtualenv's Python, creating it when needed."""
    py = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    if not os.path.exists(py):
        print(f"creating virtualenv {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    for pkg in PACKAGES:
        probe = subprocess.run([py, "-c", f"import {pkg}"], capture_output=True)
        if probe.returncode != 0:
            print(f"pip install {pkg}", file=sys.stderr)
            r = subprocess.run([py, "-m", "pip", "install", "-q", pkg])
            if r.returncode != 0:
                print(f"warning: pip install {pkg} failed; its row will be missing", file=sys.stderr)
    os.execv(py, [py, os.path.abspath(__file__)] + sys.argv[1:])


def versions():
    from importlib import metadata

    out = {}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


# ---------------------------------------------------------------- text units

def decode(data):
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def json_strings(v):
    """Every string value in a JSON document; a string that is itself JSON is walked too."""
    if isinstance(v, dict):
        for x in v.values():
            yield from json_strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from json_strings(x)
    elif isinstance(v, str):
        s = v.strip()
        if s[:1] in "{[" and s[-1:] in "}]":
            try:
                yield from json_strings(json.loads(s))
                return
            except ValueError:
                pass
        yield v


SQL_QUOTED = re.compile(r"'((?:[^'\\]|\\.|'')*)'", re.S)
SQL_ESC = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}
COPY_ESC = re.compile(r"\\(.)")


def sql_units(text):
    """Quoted strings of INSERT statements, and the fields of pg_dump COPY ... FROM stdin blocks
    (tab-separated, backslash-escaped, \\N for NULL), which have no quotes at all."""
    in_copy = False
    for line in text.split("\n"):
        if in_copy:
            if line == "\\.":
                in_copy = False
                continue
            for f in line.split("\t"):
                if f != "\\N":
                    yield COPY_ESC.sub(lambda m: SQL_ESC.get(m.group(1), m.group(1)), f)
            continue
        if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            in_copy = True
            continue
        for m in SQL_QUOTED.finditer(line):
            s = m.group(1).replace("''", "'")
            yield re.sub(r"\\(.)", lambda m: SQL_ESC.get(m.group(1), m.group(1)), s)


def file_units(path, rel):
    ext = os.path.splitext(rel)[1].lower()
    with open(path, "rb") as f:
        data = f.read()
    text = decode(data)
    if ext in TEXT_EXT:
        return text.splitlines()
    if ext in TABLE_EXT:
        return [c for row in csv.reader(io.StringIO(text), delimiter=TABLE_EXT[ext]) for c in row]
    if ext in JSON_EXT:
        return list(json_strings(json.loads(text)))
    if ext in NDJSON_EXT:
        out = []
        for line in text.splitlines():
            if line.strip():
                try:
                    out.extend(json_strings(json.loads(line)))
                except ValueError:
                    out.append(line)
        return out
    if ext in SQL_EXT:
        return list(sql_units(text))
    return None


def collect(corpus):
    """(rel_path, unit) pairs for every unit that passes the shared prefilter, the files read,
    and the files skipped."""
    units, read, skipped = [], [], []
    # followlinks: a store may be assembled from symlinked folders (README, "realaddr-only store");
    # without it os.walk lists the link but never enters it, and nothing is read.
    for dp, _, names in os.walk(corpus, followlinks=True):
        for n in sorted(names):
            full = os.path.join(dp, n)
            rel = os.path.relpath(full, corpus).replace(os.sep, "/")
            if rel in ("truth.jsonl", "manifest.json"):
                continue
            got = file_units(full, rel)
            if got is None:
                skipped.append(rel)
                continue
            read.append(rel)
            for u in got:
                u = u.strip()
                # Shared prefilter, blind to addresses: some Chinese text and 6+ characters.
                if len(u) >= 6 and CJK.search(u):
                    units.append((rel, u))
    return units, sorted(read), sorted(skipped)


def value_of(unit):
    return LABEL.sub("", unit, count=1)


def decide(has_admin, detail, rule):
    """Is a unit an address finding? `has_admin`: the tool resolved a province or city;
    `detail`: what the tool left after the admin names."""
    if not has_admin:
        return False
    d = re.sub(r"[\s\W_]+", "", detail or "")
    if rule == "loose":
        return len(d) >= 2
    # structured: some detail below the county, not masked
    return len(d) >= 3 and bool(STRUCTURE.search(d)) and "*" not in (detail or "")


# ---------------------------------------------------------------- tools

def run_cpca(texts):
    import cpca

    t0 = time.time()
    df = cpca.transform(list(texts))
    secs = time.time() - t0
    out = {}
    for text, prov, city, detail in zip(texts, df["省"], df["市"], df["地址"]):
        has = any(isinstance(x, str) and x for x in (prov, city))
        out[text] = (has, detail if isinstance(detail, str) else "")
    return out, secs


def run_jionlp(texts):
    import jionlp as jio

    out = {}
    t0 = time.time()
    for text in texts:
        try:
            r = jio.parse_location(text)
        except Exception:  # noqa: BLE001 - jionlp raises on odd input; count as nothing found
            out[text] = (False, "")
            continue
        out[text] = (bool(r.get("province") or r.get("city")), r.get("detail") or "")
    return out, time.time() - t0


def run_pimap(binary, corpus):
    fd, tmp = tempfile.mkstemp(prefix="pimap-compare-", suffix=".jsonl")
    os.close(fd)
    t0 = time.time()
    # --follow: like os.walk(followlinks=True) in collect(), so both sides see symlinked folders.
    r = subprocess.run([binary, "scan", corpus, "--follow", "--findings", tmp, "--reveal", "-q"])
    secs = time.time() - t0
    if r.returncode not in (0, 1):
        print(f"warning: pimap exited with status {r.returncode}", file=sys.stderr)
    found = []
    with open(tmp, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if d.get("category") == "address" or d.get("detector") == "cn_address":
                found.append(d)
    os.remove(tmp)
    return found, secs


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(REPO), "shared"),
                    help="the shared folder holding eval-dev/ (default: ../shared from the repo root)")
    ap.add_argument("--store", help="the labelled store (default: SHARED/eval-dev); holds corpus/, "
                                    "truth.jsonl and score.py")
    ap.add_argument("--pimap", default=os.path.join(REPO, "target", "release", "pimap"),
                    help="pimap binary (default: target/release/pimap; not built by this script)")
    ap.add_argument("--venv", default=DEFAULT_VENV, help="virtualenv for cpca and jionlp (default %(default)s)")
    ap.add_argument("--tools", default="cpca,jionlp,pimap", help="comma list (default %(default)s)")
    ap.add_argument("--examples", type=int, default=0, help="print N masked FP/FN examples per tool")
    ap.add_argument("--json", metavar="OUT", help="also write the table as JSON")
    a = ap.parse_args()
    ensure_venv(a.venv)

    store = a.store or os.path.join(a.shared, "eval-dev")
    corpus = os.path.join(store, "corpus")
    truth = os.path.join(store, "truth.jsonl")
    sys.path.insert(0, store)
    import score  # the store's own scorer: same normalisation and address matching

    tools = [t.strip() for t in a.tools.split(",") if t.strip()]
    ver = versions()
    print(f"store: {store}")
    print("versions: " + ", ".join(f"{k} {v or 'NOT INSTALLED'}" for k, v in ver.items()))

    t0 = time.time()
    units, read, skipped = collect(corpus)
    texts = sorted({u for _, u in units})
    print(f"read {len(read)} files, {len(units)} units after the prefilter ({len(texts)} distinct) "
          f"in {time.time() - t0:.1f} s")
    print(f"skipped (not text-like): {', '.join(skipped)}")
    if not texts:
        # cpca.transform([]) raises KeyError "None of [Index(['省', '市', ...])] are in the
        # [columns]"; an empty corpus is the cause, not cpca or pandas.
        sys.exit(f"error: no text units under {corpus} (wrong --store, or an unreadable corpus)")

    req, opt = score.load_truth(truth)
    known = score.known_files(corpus, {p for p, _ in list(req) + list(opt)})
    absd = os.path.abspath(corpus)
    prefixes = sorted({absd + "/", corpus + "/", os.path.realpath(corpus) + "/"}, key=len, reverse=True)
    only = [glob.escape(p) for p in read]  # fnmatch: [ and ] in names must not act as patterns

    rows = []

    def add_row(name, findings, secs, note=""):
        stats = collections.Counter()
        tp, fp, fn, _, ex_fp, ex_fn = score.score(req, opt, findings, prefixes, known, 0.6, stats, only)
        m = score.prf(tp["address"], fp["address"], fn["address"])
        rows.append(dict(tool=name, seconds=round(secs, 2), note=note, **m))
        if a.examples:
            for kind, ex in (("FP", ex_fp["address"]), ("FN", ex_fn["address"])):
                for p, v in score.spread(ex, a.examples):
                    print(f"  [{name}] {kind} {score.mask(v):<14s} {p}")

    for tool, runner in (("cpca", run_cpca), ("jionlp", run_jionlp)):
        if tool not in tools:
            continue
        if not ver[tool]:
            print(f"{tool}: not installed, skipped")
            continue
        res, secs = runner(texts)
        for rule in ("loose", "structured"):
            findings = [{"path": p, "category": "address", "value": value_of(u)}
                        for p, u in units if decide(*res[u], rule)]
            add_row(f"{tool} ({rule})", findings, secs, f"{ver[tool]}")
    if "pimap" in tools:
        if os.path.exists(a.pimap):
            found, secs = run_pimap(a.pimap, corpus)
            add_row("pimap", found, secs, "whole corpus scan")
        else:
            print(f"pimap: {a.pimap} not found (build it with cargo build --release), skipped")

    print(f"\naddress findings on the {len(read)} text-like files "
          f"(score.py matching: >= 60% of the true address)")
    hdr = f"{'tool':22s}{'TP':>7s}{'FP':>7s}{'FN':>7s}  {'prec%':>6s}  {'rec%':>6s}  {'F1%':>6s}  {'seconds':>8s}"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(f"{r['tool']:22s}{r['tp']:7d}{r['fp']:7d}{r['fn']:7d}  {score.fmt(r['precision'])}  "
              f"{score.fmt(r['recall'])}  {score.fmt(r['f1'])}  {r['seconds']:8.2f}")
    print("\nseconds: cpca/jionlp = the tool's own calls on the distinct units (extraction not counted); "
          "pimap = the whole scan of the corpus, all formats and detectors.")
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump({"store": store, "versions": ver, "files": read, "skipped": skipped,
                       "units": len(units), "rows": rows}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
