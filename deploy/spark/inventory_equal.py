#!/usr/bin/env python3
"""Compare two pimap inventories field for field, apart from run timings.

    python3 inventory_equal.py [--ignore FIELD.PATH ...] A.json B.json

`scanned_at`, `totals.elapsed_seconds` and every `first_seen` (of files and columns: the time
of the run that first listed them) differ between any two runs and are ignored;
everything else (object keys and values, list order and length, number types) must be equal,
apart from the fields named with --ignore (dotted, from the top: `changes.baseline_file`).
Prints "inventories are equal" and exits 0, or prints the first differing JSON paths and
exits 1 (2 if a file cannot be read as JSON).
"""

import argparse
import json
import sys

# Run timings: anything else that differs between two runs of the same scan is a bug.
ALWAYS_IGNORED = ("scanned_at", "totals.elapsed_seconds")
# Run timings at any depth: each part of a sharded scan stamps its own files' first_seen.
IGNORED_KEYS = ("first_seen",)
SHOWN = 10  # differences printed before giving up


def differences(a, b, ignored, path=()):
    """Yields (path, a's value, b's value) for each place where a and b differ."""
    if path in ignored:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            if key in IGNORED_KEYS:
                continue
            if key not in b:
                yield path + (key,), a[key], "<absent>"
            elif key not in a:
                yield path + (key,), "<absent>", b[key]
            else:
                yield from differences(a[key], b[key], ignored, path + (key,))
    elif isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, ignored, path + (i,))
        if len(a) != len(b):
            yield path + ("<length>",), len(a), len(b)
    # type() as well: 1 and 1.0 or 1 and true are equal to Python but not the same JSON.
    elif type(a) is not type(b) or a != b:
        yield path, a, b


def show_path(path):
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def short(value, width=120):
    text = value if value == "<absent>" else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def main(argv):
    p = argparse.ArgumentParser(prog="inventory_equal.py",
                                description="Compare two inventories apart from run timings.")
    p.add_argument("--ignore", action="append", default=[], metavar="FIELD.PATH",
                   help="also ignore this field (dotted path from the top; repeatable)")
    p.add_argument("a", metavar="A.json")
    p.add_argument("b", metavar="B.json")
    args = p.parse_args(argv)
    ignored = {tuple(field.split(".")) for field in (*ALWAYS_IGNORED, *args.ignore)}
    try:
        a, b = (json.load(open(path, encoding="utf-8")) for path in (args.a, args.b))
    except (OSError, ValueError) as e:
        print(f"inventory_equal: {e}", file=sys.stderr)
        return 2
    found = 0
    for path, x, y in differences(a, b, ignored):
        if found == 0:
            print(f"inventories differ ({args.a} vs {args.b}):")
        found += 1
        if found > SHOWN:
            print("  ... and more")
            break
        print(f"  {show_path(path)}: {short(x)} vs {short(y)}")
    if found:
        return 1
    apart = sorted(['.'.join(f) for f in ignored] + [f"*.{k}" for k in IGNORED_KEYS])
    print(f"inventories are equal (apart from {', '.join(apart)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
