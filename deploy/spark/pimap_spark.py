#!/usr/bin/env python3
"""Run one pimap scan as N shards on Spark and merge the parts on the driver.

    spark-submit deploy/spark/pimap_spark.py --pimap ./pimap --shards 64 --out merged.json \
        [options] [--] TARGET...

Task k of N runs `pimap scan TARGET... --shard k/N -o <local temp> -q [scan options]` on an
executor and hands the part back to the driver, which writes it to --parts-dir and runs
`pimap merge` over all N parts. The merged inventory equals what one `pimap scan TARGET... -o`
would write (apart from run timings), so nothing downstream needs to know Spark was involved.

TARGET... is passed to `pimap scan` verbatim: roots must be readable at the same path on every
executor (a shared mount), and so must --policy, --detectors, --key-file, --files-from and
--baseline-dir. Put `--` before TARGET... when a target starts with `-`.

See deploy/spark/README.md for running it locally, on YARN and on Kubernetes. Only the standard
library and pyspark are used, so the job runs wherever spark-submit does.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

# Exit statuses of pimap (and of this job, which mirrors them).
OK, SOME_UNREADABLE, FAILED = 0, 1, 2

# Lines of a failing pimap's stderr carried into the task's exception (Spark shows it in the
# driver's error and in the UI, which is where an operator will look first).
STDERR_TAIL_LINES = 20


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="pimap_spark.py",
        description="Run a pimap scan as N Spark tasks (one shard each) and merge the parts.",
        epilog="Arguments that start with '-' need the '=' form: --scan-arg=--exclude "
        "--scan-arg='*.tmp'. Put '--' before targets that start with '-' (--store NAME=ROOT).",
    )
    p.add_argument("--pimap", required=True, metavar="PATH",
                   help="the pimap binary on the driver; shipped to executors with "
                        "SparkContext.addFile unless --executor-pimap is given")
    p.add_argument("--executor-pimap", metavar="PATH",
                   help="pimap's path on every executor (baked into the image or on shared "
                        "storage) instead of shipping --pimap")
    p.add_argument("--shards", type=int, required=True, metavar="N",
                   help="number of shards = number of Spark tasks")
    p.add_argument("--out", required=True, metavar="FILE", help="merged inventory")
    p.add_argument("--parts-dir", metavar="DIR",
                   help="where the driver keeps part-K-of-N.json (default: a temporary "
                        "directory removed after the merge); pass it as --baseline-dir to "
                        "the next run for a refresh")
    p.add_argument("--baseline-dir", metavar="DIR",
                   help="parts of an earlier run with the same --shards, readable by every "
                        "executor: task K scans with --baseline DIR/part-K-of-N.json if it "
                        "exists")
    p.add_argument("--merge-baseline", metavar="FILE",
                   help="the earlier merged inventory, given to `pimap merge --baseline` "
                        "(driver side) so the merged inventory records what changed")
    p.add_argument("--allow-shrink", action="store_true",
                   help="with a baseline, write even if most of its files are gone: passed "
                        "to the tasks that have a baseline part and to a merge with "
                        "--merge-baseline")
    p.add_argument("--policy", metavar="FILE", help="passed to every scan task and to merge")
    p.add_argument("--detectors", metavar="DIR", help="passed to every scan task and to merge")
    p.add_argument("--key-file", metavar="FILE",
                   help="fingerprint key file on storage every executor reads (else each "
                        "executor needs PIMAP_KEY in its environment)")
    p.add_argument("--files-from", metavar="FILE",
                   help="list of paths relative to the root (on shared storage), passed to "
                        "every scan task")
    p.add_argument("--scan-arg", action="append", default=[], metavar="ARG",
                   help="one more argument for every `pimap scan` (repeatable, in order)")
    p.add_argument("--timings", metavar="FILE",
                   help="write per-task seconds, the Spark stage's wall time and the merge "
                        "time as JSON")
    p.add_argument("targets", nargs="+", metavar="TARGET",
                   help="roots (or other scan targets) passed verbatim to `pimap scan`")
    args = p.parse_args(argv)
    if args.shards < 1:
        p.error("--shards must be at least 1")
    # These go to every scan through the job's own options, so that merge is given the same
    # ones; a second copy among the scan arguments could silently differ from merge's.
    for flag in ("--shard", "-o", "--inventory", "--policy", "--detectors", "--baseline",
                 "--allow-shrink"):
        if any(a == flag or a.startswith(flag + "=") for a in args.scan_arg):
            p.error(f"{flag} is set by the job, not through --scan-arg")
    return args


def scan_command(pimap, cfg, shard, out):
    """The argument list of task `shard`'s pimap scan."""
    cmd = [pimap, "scan", *cfg["targets"], "--shard", f"{shard}/{cfg['shards']}",
           "-o", out, "-q"]
    for flag, key in (("--policy", "policy"), ("--detectors", "detectors"),
                      ("--key-file", "key_file"), ("--files-from", "files_from")):
        if cfg[key]:
            cmd += [flag, cfg[key]]
    if cfg["threads"] is not None:
        cmd += ["-j", str(cfg["threads"])]
    if cfg["baseline_dir"]:
        # Shard assignment is a stable hash of each path, so with the same N the files of
        # part K are the files the previous run's part K scanned: its own baseline. A part
        # that does not exist yet (first run, or N changed) reads all of its files.
        baseline = os.path.join(cfg["baseline_dir"], part_name(shard, cfg["shards"]))
        if os.path.isfile(baseline):
            cmd += ["--baseline", baseline]
            # Only with a baseline: pimap refuses --allow-shrink without one.
            if cfg["allow_shrink"]:
                cmd.append("--allow-shrink")
    return cmd + cfg["scan_args"]


def part_name(shard, shards):
    return f"part-{shard}-of-{shards}.json"


def executor_pimap(cfg):
    """Path of an executable pimap on this executor."""
    if cfg["executor_pimap"]:
        path = cfg["executor_pimap"]
    else:
        from pyspark import SparkFiles

        path = SparkFiles.get(cfg["pimap_name"])
    if not os.path.isfile(path):
        raise RuntimeError(f"no pimap binary at {path} on this executor (shipped with "
                           "--pimap, or given by --executor-pimap)")
    if not os.access(path, os.X_OK):
        # Spark marks the files it fetches executable, but some file systems (a mount without
        # modes, a file someone else owns) do not let us: then run a private copy.
        try:
            os.chmod(path, os.stat(path).st_mode | 0o111)
        except OSError:
            copy_dir = tempfile.mkdtemp(prefix="pimap-bin-")
            path = shutil.copy(path, os.path.join(copy_dir, os.path.basename(path)))
            os.chmod(path, 0o700)
    return path


def run_shards(cfg, shards):
    """Spark task body: run the scan of each shard in this partition (one with numSlices=N).

    Yields (shard, zlib-compressed part JSON, pimap's exit status, seconds). Raises on exit
    status 2 (or a crash) so that Spark retries the task, up to spark.task.maxFailures.
    """
    pimap = executor_pimap(cfg)
    for shard in shards:
        # The part goes to executor-local temporary space (private directory) and comes back
        # through the task result: executors need no writable shared storage.
        work = tempfile.mkdtemp(prefix=f"pimap-part-{shard}-")
        try:
            out = os.path.join(work, "part.json")
            cmd = scan_command(pimap, cfg, shard, out)
            start = time.monotonic()
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
            seconds = time.monotonic() - start
            if proc.returncode not in (OK, SOME_UNREADABLE) or not os.path.isfile(out):
                tail = proc.stderr.decode("utf-8", "replace").splitlines()[-STDERR_TAIL_LINES:]
                raise RuntimeError(
                    f"pimap scan of shard {shard}/{cfg['shards']} exited with "
                    f"{describe_status(proc.returncode)} after {seconds:.1f} s; its stderr "
                    "ends with:\n" + "\n".join(tail))
            with open(out, "rb") as f:
                # Inventories are repetitive JSON: compressed, a part costs the driver (and
                # spark.driver.maxResultSize) several times less.
                part = zlib.compress(f.read(), 6)
            yield shard, part, proc.returncode, seconds
        finally:
            shutil.rmtree(work, ignore_errors=True)


def describe_status(code):
    return f"signal {-code}" if code < 0 else f"status {code}"


def write_private(path, data):
    """Writes `data` to `path` with mode 0600, replacing it only once fully written.

    Parts list paths and keyed fingerprints, so no one else should read them; and a parts
    directory that is also the next run's --baseline-dir must never hold a half-written part.
    """
    tmp = f"{path}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def threads_per_task(conf, scan_args):
    """pimap's -j for each task: spark.task.cpus, unless the scan arguments set it.

    pimap uses every core by default, and Spark runs one task per core at once, so without
    this an executor with C cores would run C scans of C threads each.
    """
    if any(a.startswith("-j") or a == "--threads" or a.startswith("--threads=")
           for a in scan_args):
        return None
    return int(conf.get("spark.task.cpus", "1"))


def have_key(args, conf):
    """Whether the scans can get a stable key: without one every task would fail, and be
    retried, for nothing. Only local mode's executors share the driver's environment."""
    if args.key_file or conf.get("spark.executorEnv.PIMAP_KEY", None):
        return True
    local = conf.get("spark.master", "").startswith("local")
    return local and bool(os.environ.get("PIMAP_KEY"))


class JobFailed(Exception):
    """The job cannot go on; the message says why (one line for the operator)."""


def run_stage(sc, args):
    """Runs the N scan tasks: (their results, the stage's seconds, its start)."""
    conf = sc.getConf()
    if not have_key(args, conf):
        raise JobFailed("shards need a stable fingerprint key: pass --key-file (on storage "
                        "every executor reads) or set PIMAP_KEY (spark.executorEnv.PIMAP_KEY "
                        "on a cluster)")

    pimap_name = os.path.basename(args.pimap)
    if not args.executor_pimap and pimap_name not in {os.path.basename(f) for f in
                                                      sc.listFiles}:
        # Already there if spark-submit --files shipped it (standalone, Kubernetes); adding
        # another file of the same name would make executors refuse both.
        sc.addFile(os.path.abspath(args.pimap))

    cfg = {
        "targets": args.targets,
        "shards": args.shards,
        "pimap_name": pimap_name,
        "executor_pimap": args.executor_pimap,
        "policy": args.policy,
        "detectors": args.detectors,
        "key_file": args.key_file,
        "files_from": args.files_from,
        "baseline_dir": args.baseline_dir,
        "allow_shrink": args.allow_shrink,
        "threads": threads_per_task(conf, args.scan_arg),
        "scan_args": args.scan_arg,
    }

    job_start = time.monotonic()
    # numSlices=N over a range gives exactly one shard number per partition, hence per task,
    # so a retry redoes one shard and the task's seconds are one shard's seconds.
    shards = sc.parallelize(range(1, args.shards + 1), numSlices=args.shards)
    sc.setJobDescription(f"pimap scan, {args.shards} shards")
    try:
        results = shards.mapPartitions(lambda it: run_shards(cfg, it)).collect()
    except Exception as e:  # Py4JJavaError and friends: Spark gave up after its retries.
        raise JobFailed(f"the scan stage failed: {first_line_of_cause(e)}") from e
    return results, time.monotonic() - job_start, job_start


def main(argv):
    args = parse_args(argv)
    # Imported here so that `--help` works without pyspark on the path.
    from pyspark import SparkConf, SparkContext

    if not os.path.isfile(args.pimap):
        # The driver runs the merge with it, whether or not executors get this copy.
        print(f"pimap_spark: --pimap {args.pimap}: no such file on the driver", file=sys.stderr)
        return FAILED

    sc = SparkContext.getOrCreate(SparkConf().setAppName("pimap scan"))
    try:
        sc.setLogLevel(os.environ.get("PIMAP_SPARK_LOG_LEVEL", "WARN"))
        results, stage_seconds, job_start = run_stage(sc, args)
    except JobFailed as e:
        print(f"pimap_spark: {e}", file=sys.stderr)
        return FAILED
    finally:
        # The merge needs no cluster: give the executors back before it.
        sc.stop()

    # A retried or speculative task may in principle report twice; keep one per shard.
    by_shard = {shard: (part, code, seconds) for shard, part, code, seconds in results}
    missing = sorted(set(range(1, args.shards + 1)) - set(by_shard))
    if missing:
        print(f"pimap_spark: no part came back for shards {missing}", file=sys.stderr)
        return FAILED

    parts_dir = args.parts_dir or tempfile.mkdtemp(prefix="pimap-parts-")
    try:
        os.makedirs(parts_dir, mode=0o700, exist_ok=True)
        part_paths = []
        for shard in range(1, args.shards + 1):
            path = os.path.join(parts_dir, part_name(shard, args.shards))
            write_private(path, zlib.decompress(by_shard[shard][0]))
            part_paths.append(path)
        merge = [args.pimap, "merge", *part_paths, "-o", args.out, "-q"]
        for flag, value in (("--policy", args.policy), ("--detectors", args.detectors),
                            ("--baseline", args.merge_baseline)):
            if value:
                merge += [flag, value]
        if args.allow_shrink and args.merge_baseline:
            merge.append("--allow-shrink")
        merge_start = time.monotonic()
        merge_code = subprocess.run(merge, stdin=subprocess.DEVNULL).returncode
        merge_seconds = time.monotonic() - merge_start
    finally:
        if not args.parts_dir:
            shutil.rmtree(parts_dir, ignore_errors=True)

    codes = {shard: by_shard[shard][1] for shard in by_shard}
    seconds = [by_shard[shard][2] for shard in sorted(by_shard)]
    unreadable = sorted(s for s, c in codes.items() if c == SOME_UNREADABLE)
    print(f"pimap_spark: {args.shards} shards, task seconds min {min(seconds):.2f} / median "
          f"{statistics.median(seconds):.2f} / max {max(seconds):.2f}, stage "
          f"{stage_seconds:.2f} s, merge {merge_seconds:.2f} s (exit {merge_code})"
          + (f"; shards with unreadable inputs (see the inventory's errors): {unreadable}"
             if unreadable else ""), file=sys.stderr)
    if args.timings:
        timings = {
            "shards": args.shards,
            "task_seconds": {str(s): by_shard[s][2] for s in sorted(by_shard)},
            "task_exit_codes": {str(s): codes[s] for s in sorted(codes)},
            "stage_seconds": stage_seconds,
            "merge_seconds": merge_seconds,
            "merge_exit_code": merge_code,
            "total_seconds": time.monotonic() - job_start,
        }
        with open(args.timings, "w") as f:
            json.dump(timings, f, indent=2)
            f.write("\n")

    if merge_code != OK:
        return merge_code if merge_code > 0 else FAILED
    # As a one-process scan would: 1 when some inputs could not be read.
    return SOME_UNREADABLE if unreadable else OK


def first_line_of_cause(e):
    """What an operator needs of a Spark job failure: our RuntimeError's message (pimap's
    exit status and stderr tail) when the task raised one; the Java stack is noise here."""
    text = str(e)
    marker = "RuntimeError: "
    if marker in text:
        return text[text.rindex(marker) + len(marker):].split("\n\tat ")[0].strip()
    return text.strip().splitlines()[0] if text.strip() else type(e).__name__


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
