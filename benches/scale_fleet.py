#!/usr/bin/env python3
"""Helpers of benches/scale.sh (issue 12, fleet scale); Python 3 standard library only.

    scale_fleet.py run RAW.jsonl LABEL META_JSON [--ok CODES] -- CMD...
        Runs CMD and appends one JSON line to RAW.jsonl: wall seconds, user and system CPU
        seconds and peak RSS of CMD and every descendant it waited for (os.wait4), its exit
        status, and the CPU that other processes used meanwhile ("neighbour", from
        /proc/stat). Exits 2 if the status is not in CODES (default 0,1).
    scale_fleet.py same A.json B.json
        Exit 0 and print IDENTICAL if two inventories are equal apart from the run timings
        (`scanned_at`, `totals.elapsed_seconds`); else print the first differences, exit 1.
    scale_fleet.py fleet-tsv DIR...
        One line per store: name, files, bytes (what the stores hold).
    scale_fleet.py hollow SRC DST
        Copies SRC's tree with every file empty (the same walk, nothing to read).
    scale_fleet.py split DST CHUNK_BYTES ROOT...
        Every file of the roots cut at line ends into files of about CHUNK_BYTES (a share of
        many small files): DST/<root name>/<folders>/<name>.<k>.<ext>; each chunk of a CSV
        starts with its header line; chunks of SQL dumps are named .txt. Prints the count.
    scale_fleet.py empty-tree DIR N
        N empty files, 1,000 per folder (a big tree to walk, nothing to read).
    scale_fleet.py report RUN_DIR
        Reads RUN_DIR/raw/{runs.jsonl,fleet.tsv,env.txt,...} and writes RUN_DIR/summary.json,
        RUN_DIR/runs.csv and RUN_DIR/README.md (the tables).
"""

import csv
import json
import os
import statistics
import subprocess
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------
# run


def busy_seconds():
    """CPU seconds every process on the machine has used (user, nice, system, irq, softirq,
    steal), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[1:9])
    return (user + nice + system + irq + softirq + steal) / HZ


def cmd_run(argv):
    raw, label, meta = argv[0], argv[1], json.loads(argv[2])
    rest = argv[3:]
    ok = {0, 1}
    if rest and rest[0] == "--ok":
        ok = {int(c) for c in rest[1].split(",")}
        rest = rest[2:]
    if not rest or rest[0] != "--":
        sys.exit("scale_fleet.py run: expected -- CMD...")
    cmd = rest[1:]
    busy0 = busy_seconds()
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    busy1 = busy_seconds()
    code = os.waitstatus_to_exitcode(status)
    own = ru.ru_utime + ru.ru_stime
    neighbour = max(0.0, (busy1 - busy0) - own)
    shown = cmd if len(cmd) <= 40 else (
        cmd[:8] + [f"... ({len(cmd) - 12} more arguments of the same kind) ..."] + cmd[-4:])
    rec = {
        "label": label,
        **meta,
        "cmd": shown,
        "exit": code,
        "wall_s": round(wall, 3),
        "user_s": round(ru.ru_utime, 3),
        "sys_s": round(ru.ru_stime, 3),
        "cpu_s": round(own, 3),
        "maxrss_mib": round(ru.ru_maxrss / 1024, 1),
        "neighbour_cores": round(neighbour / wall, 2) if wall > 0 else 0.0,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    with open(raw, "a") as f:
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"[scale] {label}: {wall:.2f} s wall, {own:.2f} s cpu, "
          f"{rec['maxrss_mib']} MiB, exit {code}, others {rec['neighbour_cores']} cores",
          file=sys.stderr)
    if code not in ok:
        print(f"[scale] {label} failed with exit {code}: {' '.join(cmd)}", file=sys.stderr)
        sys.exit(2)


# --------------------------------------------------------------------------------------------
# same

IGNORED = {("scanned_at",), ("totals", "elapsed_seconds")}


def diffs(a, b, path=(), out=None, limit=10):
    if out is None:
        out = []
    if len(out) >= limit or path in IGNORED:
        return out
    where = "." + ".".join(map(str, path)) if path else "(top)"
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if (*path, k) in IGNORED:
                continue
            if k not in a or k not in b:
                out.append(f"{where}: key {k!r} only in {'B' if k in b else 'A'}")
            else:
                diffs(a[k], b[k], (*path, k), out, limit)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items in A, {len(b)} in B")
        for i, (x, y) in enumerate(zip(a, b)):
            diffs(x, y, (*path, i), out, limit)
            if len(out) >= limit:
                break
    elif a != b or type(a) is not type(b):
        out.append(f"{where}: A {json.dumps(a)[:80]} B {json.dumps(b)[:80]}")
    return out


def cmd_same(argv):
    with open(argv[0]) as f:
        a = json.load(f)
    with open(argv[1]) as f:
        b = json.load(f)
    d = diffs(a, b)
    if d:
        print("DIFFERENT: " + "; ".join(d))
        sys.exit(1)
    print("IDENTICAL")


# --------------------------------------------------------------------------------------------
# fleet-tsv, hollow


def tree(root):
    for d, _, files in os.walk(root):
        for name in files:
            yield os.path.join(d, name)


def cmd_fleet_tsv(argv):
    for root in argv:
        paths = list(tree(root))
        print(f"{os.path.basename(root)}\t{len(paths)}\t{sum(os.path.getsize(p) for p in paths)}")


def cmd_hollow(argv):
    src, dst = argv
    for path in tree(src):
        rel = os.path.relpath(path, src)
        os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
        open(os.path.join(dst, rel), "w").close()


def cmd_split(argv):
    dst, chunk = argv[0], int(argv[1])
    n = 0
    for root in argv[2:]:
        for d, _, files in os.walk(root):
            for name in sorted(files):
                src = os.path.join(d, name)
                rel = os.path.relpath(src, os.path.dirname(root))
                stem, ext = os.path.splitext(rel)
                if ext == ".sql":
                    ext = ".txt"  # a slice of a dump is not a dump
                with open(src, "rb") as f:
                    data = f.read()
                header = b""
                if ext == ".csv":
                    end = data.find(b"\n") + 1
                    header, data = data[:end], data[end:]
                os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
                pos, k = 0, 0
                while pos < len(data):
                    end = data.find(b"\n", pos + chunk)
                    end = len(data) if end < 0 else end + 1
                    with open(os.path.join(dst, f"{stem}.{k:05d}{ext}"), "wb") as out:
                        out.write(header + data[pos:end])
                    pos, k, n = end, k + 1, n + 1
    print(n)


def cmd_empty_tree(argv):
    root, n = argv[0], int(argv[1])
    for i in range(n):
        d = os.path.join(root, f"d{i // 1000:04d}")
        if i % 1000 == 0:
            os.makedirs(d, exist_ok=True)
        open(os.path.join(d, f"f{i:07d}.log"), "w").close()


# --------------------------------------------------------------------------------------------
# report


def lstsq(rows, ys):
    """Least squares for ys ~ rows (each row a list of regressors, a 1 first for the
    intercept), by the normal equations and Gauss-Jordan; None if singular."""
    k = len(rows[0])
    a = [[sum(r[i] * r[j] for r in rows) for j in range(k)] + [sum(r[i] * y for r, y in zip(rows, ys))]
         for i in range(k)]
    for c in range(k):
        p = max(range(c, k), key=lambda i: abs(a[i][c]))
        if abs(a[p][c]) < 1e-12:
            return None
        a[c], a[p] = a[p], a[c]
        for i in range(k):
            if i != c:
                f = a[i][c] / a[c][c]
                a[i] = [x - f * y for x, y in zip(a[i], a[c])]
    return [a[i][k] / a[i][i] for i in range(k)]


def med(xs):
    return statistics.median(xs) if xs else None


def f2(x, nd=2):
    return "–" if x is None else f"{x:.{nd}f}"


def spread(xs, nd=2):
    """'min / median (n runs)'"""
    if not xs:
        return "–"
    if len(xs) == 1:
        return f"{xs[0]:.{nd}f} (1 run)"
    return f"{min(xs):.{nd}f} / {med(xs):.{nd}f} ({len(xs)} runs)"


def read_lines(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def read_text(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


def cmd_report(argv):
    run_dir = argv[0]
    raw = os.path.join(run_dir, "raw")
    runs = read_lines(os.path.join(raw, "runs.jsonl"))
    fleet = [line.split("\t") for line in read_text(os.path.join(raw, "fleet.tsv")).splitlines()]
    fleet_files = sum(int(r[1]) for r in fleet)
    fleet_bytes = sum(int(r[2]) for r in fleet)
    mb = fleet_bytes / 1e6
    checks = read_lines(os.path.join(raw, "checks.jsonl"))
    spark_note = read_text(os.path.join(raw, "spark-status.txt"), "not run")
    env = read_text(os.path.join(raw, "env.txt"))
    params = read_text(os.path.join(raw, "params.txt"))
    summary = {"fleet": {"stores": len(fleet), "files": fleet_files, "bytes": fleet_bytes},
               "throughput": [], "spark": [], "spark_tiny": [], "merge": [], "checks": checks,
               "spark_status": spark_note}

    def sel(**kw):
        return [r for r in runs if all(r.get(k) == v for k, v in kw.items())]

    # Throughput of one process.
    tp_rows = []
    for j in sorted({r["threads"] for r in sel(phase="scan")}):
        rs = sel(phase="scan", threads=j)
        walls = [r["wall_s"] for r in rs]
        cpus = [r["cpu_s"] for r in rs]
        row = {
            "threads": j, "runs": len(rs), "wall_min": min(walls), "wall_median": med(walls),
            "mb_per_s_median": mb / med(walls), "mb_per_s_best": mb / min(walls),
            "cpu_median": med(cpus), "mb_per_cpu_s": mb / med(cpus),
            "rss_max_mib": max(r["maxrss_mib"] for r in rs),
            "neighbour_max": max(r["neighbour_cores"] for r in rs),
        }
        summary["throughput"].append(row)
        tp_rows.append(
            f"| `pimap scan` {len(fleet)} roots, -j{j} | {spread(walls)} | {row['mb_per_s_median']:.1f} "
            f"(best {row['mb_per_s_best']:.1f}) | {f2(row['cpu_median'])} "
            f"({row['mb_per_cpu_s']:.1f} MB/s per CPU s) | {row['rss_max_mib']:.1f} | "
            f"{row['neighbour_max']:.2f} |")

    walk_rows = []
    for r0 in sorted({r["files"] for r in sel(phase="walk")}):
        rs = sel(phase="walk", files=r0)
        walls = [r["wall_s"] for r in rs]
        cpus = [r["cpu_s"] for r in rs]
        summary.setdefault("walk", []).append(
            {"files": r0, "wall_min": min(walls), "wall_median": med(walls),
             "cpu_median": med(cpus), "us_per_file": med(walls) / r0 * 1e6})
        walk_rows.append(f"| {r0:,} empty files, `--shard 1/1000 -j1` | {spread(walls, 3)} | "
                         f"{f2(med(cpus), 3)} | {med(walls) / r0 * 1e6:.1f} |")

    for r in sel(phase="scan-fp") + sel(phase="scan-many"):
        files = r.get("files_scanned", fleet_files)
        in_mb = r.get("bytes_scanned", fleet_bytes) / 1e6
        what = (f"`pimap scan` {r.get('stores', len(fleet))} roots"
                + (", --fingerprints" if r.get("fingerprints", 1) else "")
                + f", -j{r['threads']}"
                + (f", many small files ({files:,} files)" if r["phase"] == "scan-many" else ""))
        summary["throughput"].append({"what": what, "wall": r["wall_s"], "cpu": r["cpu_s"],
                                      "mb": in_mb, "files": files,
                                      "rss_mib": r["maxrss_mib"]})
        tp_rows.append(f"| {what} | {r['wall_s']:.2f} (1 run) | {in_mb / r['wall_s']:.1f} | "
                       f"{r['cpu_s']:.2f} ({in_mb / r['cpu_s']:.1f} MB/s per CPU s) | "
                       f"{r['maxrss_mib']:.1f} | {r['neighbour_cores']:.2f} |")

    refresh_rows = []
    for series in sorted({r["series"] for r in sel(phase="refresh")}):
        rs = sel(phase="refresh", series=series)
        walls = [r["wall_s"] for r in rs]
        cpus = [r["cpu_s"] for r in rs]
        files = rs[0]["files_scanned"]
        full = (sel(phase="scan-fp") if series == "fleet"
                else sel(phase="scan-many", fingerprints=1))
        full_cpu = full[0]["cpu_s"] if full else None
        rec = {"series": series, "files": files, "baseline_bytes": rs[0]["baseline_bytes"],
               "wall_min": min(walls), "wall_median": med(walls), "cpu_median": med(cpus),
               "rss_max_mib": max(r["maxrss_mib"] for r in rs),
               "cpu_us_per_file": med(cpus) / files * 1e6,
               "cpu_vs_full_scan": med(cpus) / full_cpu if full_cpu else None}
        summary.setdefault("refresh", []).append(rec)
        refresh_rows.append(
            f"| {series}, {files:,} files, baseline {rec['baseline_bytes'] / 1e6:.1f} MB | "
            f"{spread(walls)} | {f2(med(cpus))} | {rec['rss_max_mib']:.1f} | "
            f"{rec['cpu_us_per_file']:.0f} | "
            + (f"{rec['cpu_vs_full_scan'] * 100:.1f} % (full scan {full_cpu:.2f} CPU s at -j2)"
               if full_cpu else "–") + " |")

    # Spark.
    def spark_rows(phase, key):
        out = []
        for r in sel(phase=phase):
            t = r.get("timings_data")
            if t is None:
                try:
                    with open(r["timings"]) as f:
                        t = json.load(f)
                except (OSError, KeyError, ValueError):
                    t = None
            ex = r["executors"]
            rec = {"master": r["master"], "shards": r["shards"], "rep": r.get("rep"),
                   "submit_wall": r["wall_s"], "cpu_s": r["cpu_s"], "exit": r["exit"],
                   "maxrss_mib": r["maxrss_mib"], "neighbour": r["neighbour_cores"]}
            if t:
                tasks = list(t["task_seconds"].values())
                rec.update(stage=t["stage_seconds"], merge=t["merge_seconds"],
                           task_sum=sum(tasks), task_median=med(tasks), task_max=max(tasks),
                           overhead_per_task=(t["stage_seconds"] * ex - sum(tasks)) / len(tasks),
                           fixed_per_task=t["stage_seconds"] * ex / len(tasks),
                           startup=r["wall_s"] - t["total_seconds"])
            out.append(rec)
            summary[key].append(rec)
        return out

    spark = spark_rows("spark", "spark")
    tiny = spark_rows("spark-tiny", "spark_tiny")

    def group(recs):
        g = {}
        for rec in recs:
            g.setdefault((rec["master"], rec["shards"]), []).append(rec)
        return sorted(g.items())

    def vals(rs, k):
        return [r[k] for r in rs if r.get(k) is not None]

    spark_table = []
    for (master, shards), rs in group(spark):
        walls = vals(rs, "submit_wall")
        stages = vals(rs, "stage")
        spark_table.append(
            f"| Spark `{master}`, {shards} shards | {spread(walls)} | {spread(stages)} | "
            f"{mb / med(walls):.1f} / {mb / med(stages):.1f} | "
            f"{f2(med(vals(rs, 'task_sum')))} | {f2(med(vals(rs, 'overhead_per_task')))} "
            f"(min {f2(min(vals(rs, 'overhead_per_task'), default=None))}) | "
            f"{f2(med(vals(rs, 'merge')))} | {f2(med(vals(rs, 'startup')))} |")
    tiny_table = []
    for (master, shards), rs in group(tiny):
        walls = vals(rs, "submit_wall")
        tiny_table.append(
            f"| Spark `{master}`, {shards} shards, hollow fleet | {spread(walls)} | "
            f"{spread(vals(rs, 'stage'))} | {f2(med(vals(rs, 'task_median')), 3)} | "
            f"{f2(med(vals(rs, 'overhead_per_task')), 3)} | "
            f"{f2(med(vals(rs, 'fixed_per_task')), 3)} | {f2(med(vals(rs, 'startup')))} |")

    # Merges.
    merge_table = []
    for r0 in sel(phase="parts"):
        n, fp, series = r0["parts"], r0["fingerprints"], r0.get("series", "fleet")
        ms = sel(phase="merge", parts=n, fingerprints=fp, series=series)
        if not ms:
            continue
        walls = [r["wall_s"] for r in ms]
        rss = max(r["maxrss_mib"] for r in ms)
        in_mb = ms[0]["parts_bytes"] / 1e6
        out_mb = ms[0]["merged_bytes"] / 1e6
        check = next((c["result"] for c in checks
                      if c.get("what") == f"merge {series} {n} fp={fp}"), "not checked")
        rec = {"series": series, "stores": r0["stores"], "parts": n, "fingerprints": fp,
               "parts_bytes": ms[0]["parts_bytes"], "merged_bytes": ms[0]["merged_bytes"],
               "empty_parts": r0.get("empty_parts"), "make_parts_wall": r0["wall_s"],
               "make_parts_cpu": r0["cpu_s"], "merge_wall_min": min(walls),
               "merge_wall_median": med(walls), "merge_rss_mib": rss,
               "s_per_mb": med(walls) / in_mb if in_mb else None,
               "rss_per_mb": rss / in_mb if in_mb else None, "equal_to_single_scan": check}
        summary["merge"].append(rec)
        merge_table.append(
            f"| {series} ({r0['stores']} stores) | {n}"
            + (f" ({r0['empty_parts']} empty)" if r0.get("empty_parts") else "")
            + f" | {'yes' if fp else 'no'} | "
            f"{in_mb:.2f} | {out_mb:.2f} | {spread(walls)} | {rss:.1f} | "
            f"{f2(rec['s_per_mb'], 3)} | {f2(rec['rss_per_mb'], 1)} | "
            f"{r0['wall_s']:.1f} ({r0['cpu_s']:.1f} CPU s) | {check.split(':')[0]} |")

    # Is merging linear? wall ~ a + b * MB in + c * parts; RSS ~ r0 + r1 * MB in.
    merge_fit = []
    ms = summary["merge"]
    if len(ms) >= 4:
        fit = lstsq([[1, m["parts_bytes"] / 1e6, m["parts"]] for m in ms],
                    [m["merge_wall_median"] for m in ms])
        rfit = lstsq([[1, m["parts_bytes"] / 1e6] for m in ms], [m["merge_rss_mib"] for m in ms])
        if fit and rfit:
            summary["merge_fit"] = {"wall_intercept_s": fit[0], "wall_s_per_mb": fit[1],
                                    "wall_s_per_part": fit[2], "rss_intercept_mib": rfit[0],
                                    "rss_mib_per_mb": rfit[1]}
            worst = max(abs(m["merge_wall_median"] - (fit[0] + fit[1] * m["parts_bytes"] / 1e6
                                                      + fit[2] * m["parts"])) for m in ms)
            rworst = max(abs(m["merge_rss_mib"] - (rfit[0] + rfit[1] * m["parts_bytes"] / 1e6))
                         for m in ms)
            merge_fit = [
                f"Least-squares fit over the {len(ms)} cases above: merge wall ≈ {fit[0]:.3f} s "
                f"{fit[1]:+.4f} s per MB of parts {fit[2] * 1000:+.2f} ms per part (largest "
                f"residual {worst:.3f} s); peak RSS ≈ {rfit[0]:.1f} MiB {rfit[1]:+.2f} MiB per "
                f"MB of parts (largest residual {rworst:.1f} MiB).",
                "",
            ]
    # What each part costs to make beyond the scan itself (a pimap process: start, walk of
    # every root, part written): (CPU of making the N parts - CPU of one scan) / N.
    scan_cpu = {0: med([r["cpu_s"] for r in sel(phase="scan", threads=1)]),
                1: med([r["cpu_s"] for r in sel(phase="scan-fp")])}
    many_cpu = {r.get("fingerprints"): r for r in sel(phase="scan-many")}
    part_cost = []
    for m in ms:
        if m["series"] == "fleet":
            ref, files = scan_cpu.get(m["fingerprints"]), fleet_files
        elif m["series"] == "many" and m["fingerprints"] in many_cpu:
            ref = many_cpu[m["fingerprints"]]["cpu_s"]
            files = many_cpu[m["fingerprints"]]["files_scanned"]
        else:
            continue
        if ref is not None and m["parts"] >= 100:
            m["cpu_per_part_beyond_scan"] = (m["make_parts_cpu"] - ref) / m["parts"]
            part_cost.append(f"{m['series']}, {files:,} files, {m['parts']} parts"
                             f"{' with --fingerprints' if m['fingerprints'] else ''}: "
                             f"{m['cpu_per_part_beyond_scan'] * 1000:.0f} ms")
    if part_cost:
        merge_fit += [
            "CPU per part beyond the scan itself, (CPU of making the N parts − CPU of one "
            "scan of the same roots) / N, i.e. one pimap process starting, walking every "
            "file of the roots and writing its part: " + "; ".join(part_cost)
            + ". (The one-scan reference is the -j1 scan of the fleet without "
            "--fingerprints, else the -j2 scan with the same options; noisy: two "
            "measured totals subtracted.)",
            "",
        ]
    # Spark: the first task against each further one, from the hollow fleet.
    tiny_fit = []
    for master, ex in sorted({(r["master"], r["executors"]) for r in sel(phase="spark-tiny")}):
        by_n = {}
        for rec in tiny:
            if rec["master"] == master and rec.get("stage") is not None:
                by_n.setdefault(rec["shards"], []).append(rec["stage"])
        if len(by_n) >= 2:
            lo, hi = min(by_n), max(by_n)
            per = (med(by_n[hi]) - med(by_n[lo])) * ex / (hi - lo)
            summary.setdefault("spark_tiny_fit", []).append(
                {"master": master, "stage_first_s": med(by_n[lo]) if lo == 1 else None,
                 "marginal_per_task_s": per, "from_shards": [lo, hi]})
            tiny_fit.append(
                f"- `{master}`: stage with {lo} shard(s) {med(by_n[lo]):.2f} s, with {hi} "
                f"{med(by_n[hi]):.2f} s (medians): each further task costs "
                f"({med(by_n[hi]):.2f} − {med(by_n[lo]):.2f}) × {ex} / {hi - lo} = "
                f"**{per:.3f} executor-seconds**.")

    with open(os.path.join(run_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    with open(os.path.join(run_dir, "runs.csv"), "w", newline="") as f:
        cols = ["label", "phase", "threads", "master", "shards", "parts", "fingerprints",
                "series", "rep", "exit", "wall_s", "user_s", "sys_s", "cpu_s", "maxrss_mib",
                "neighbour_cores", "parts_bytes", "merged_bytes", "finished"]
        w = csv.DictWriter(f, cols, extrasaction="ignore")
        w.writeheader()
        for r in runs:
            w.writerow(r)

    neighbour_max = max((r["neighbour_cores"] for r in runs), default=0.0)
    neighbour_med = med([r["neighbour_cores"] for r in runs]) or 0.0
    lines = [
        f"# Fleet scale (issue 12), {os.path.basename(os.path.abspath(run_dir))}",
        "",
        "Written by `benches/scale.sh` (helpers in `benches/scale_fleet.py`). Every run: "
        "[raw/runs.jsonl](raw/runs.jsonl) (command, wall, user/sys CPU, peak RSS via "
        "`wait4`, other processes' CPU meanwhile), as CSV in [runs.csv](runs.csv); "
        "the figures below in [summary.json](summary.json).",
        "",
        "## Setup",
        "",
        "```",
        env,
        "```",
        "",
        "```",
        params,
        "```",
        "",
        f"Fleet: {len(fleet)} stores from `gen-corpus` (seeds 1..{len(fleet)}), "
        f"{fleet_files} files, {fleet_bytes:,} bytes ({mb:.1f} MB), warm page cache "
        "([raw/fleet.tsv](raw/fleet.tsv)). MB = 10^6 bytes.",
        "",
        f"Other processes used {neighbour_med:.2f} cores (median over runs), at most "
        f"{neighbour_max:.2f}, of the 2 (column `neighbour_cores` of runs.csv): "
        + ("**the machine was shared; timings are upper bounds**."
           if neighbour_max > 0.15 else "quiet."),
        "",
        "## One process over the fleet",
        "",
        "| run | wall s, min / median | MB/s (median wall) | user+sys CPU s, median | "
        "peak RSS MiB | others' cores, max |",
        "|---|---|---|---|---|---|",
        *tp_rows,
        "",
        *(["## The walk every shard repeats", "",
            "Each `--shard k/N` process walks every root and reads only its files, so N "
            "shards walk the tree N times. A tree of empty files (page-cached local disk: a "
            "lower bound for a network share):", "",
            "| run | wall s, min / median | CPU s, median | µs per file walked (median wall) |",
            "|---|---|---|---|", *walk_rows, ""] if walk_rows else []),
        *(["## Refresh of an unchanged tree", "",
            "`pimap scan <roots> --fingerprints --baseline <the single --fingerprints scan> "
            "-j1`: every file is taken over (stat, a keyed sample of at most 16 KiB, the "
            "baseline's entry). CPU per file includes starting pimap and reading the "
            "baseline.", "",
            "| tree | wall s, min / median | CPU s, median | peak RSS MiB | CPU µs per file | "
            "CPU against a full scan |",
            "|---|---|---|---|---|---|", *refresh_rows, ""] if refresh_rows else []),
        "## Spark local mode (`deploy/spark/pimap_spark.py`)",
        "",
        f"Status: {spark_note}",
        "",
    ]
    if spark_table:
        lines += [
            f"Each task runs `pimap scan <{len(fleet)} roots> --shard k/N -j1`. *submit wall*: the whole "
            "`spark-submit` (JVM, SparkContext, stage, merge, shutdown); *stage*: the scan "
            "stage alone (`--timings`). *Overhead per task* = (stage wall × executors − Σ pimap "
            "task seconds) / tasks: what Spark adds per task beyond the pimap process "
            "(task launch, Python worker, py4j, result transfer, idle executors at the "
            "stage's tail). *Startup*: submit wall − the job's own total (JVM, SparkContext "
            "start and stop).",
            "",
            "| run | submit wall s, min / median | stage s, min / median | MB/s (submit / stage) "
            "| Σ task s (median) | overhead per task s, median | merge s | startup s |",
            "|---|---|---|---|---|---|---|---|",
            *spark_table,
            "",
        ]
    if tiny_table:
        lines += [
            "Hollow fleet: the fleet's tree with every file empty (same walk, nothing to "
            "read), so a task's time is fixed cost: the pimap process (start, walk of "
            f"{fleet_files} entries, part written) and Spark's per-task cost. "
            "*Fixed per task* = stage wall × executors / tasks.",
            "",
            "| run | submit wall s, min / median | stage s, min / median | pimap task s, "
            "median | Spark overhead per task s | fixed per task s | startup s |",
            "|---|---|---|---|---|---|---|",
            *tiny_table,
            "",
        ]
        if tiny_fit:
            lines += ["Fixed cost of the first task against each further one (hollow fleet; "
                      "the first task also starts the Python worker and fetches the pimap "
                      "binary shipped with `addFile`):", "", *tiny_fit, ""]
    lines += [
        "## Merge",
        "",
        "Parts made by real runs: `pimap scan <roots> --shard k/N -j1 -o part-k.json` for "
        "k = 1..N (two at a time), with and without `--fingerprints`; then "
        "`pimap merge part-1.json ... part-N.json -o merged.json -q`. *make parts*: wall and "
        "CPU of making all N parts. *s per MB*: median merge wall / MB of parts in; "
        "*RSS per MB*: peak RSS / MB of parts in. *Equal*: merged inventory against the "
        "single scan of the same roots (same key, same --fingerprints), ignoring "
        "`scanned_at` and `totals.elapsed_seconds`.",
        "",
        "| roots | parts | --fingerprints | parts MB in | merged MB | merge wall s, min / "
        "median | peak RSS MiB | s per MB | RSS MiB per MB in | make parts s | equal |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *merge_table,
        "",
        *merge_fit,
        "## Correctness checks",
        "",
        *[f"- {c['what']}: {c['result']}" for c in checks],
        "",
    ]
    with open(os.path.join(run_dir, "README.md"), "w") as f:
        f.write("\n".join(lines))
    print(os.path.join(run_dir, "README.md"))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, argv = sys.argv[1], sys.argv[2:]
    {"run": cmd_run, "same": cmd_same, "fleet-tsv": cmd_fleet_tsv, "hollow": cmd_hollow,
     "empty-tree": cmd_empty_tree,
     "split": cmd_split,
     "report": cmd_report}.get(cmd, lambda _: sys.exit(__doc__))(argv)


if __name__ == "__main__":
    main()
