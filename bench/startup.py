"""Benchmark: start-up cost of light commands as whole processes.

Runs `python -c pass`, `jointcheck --help` and `jointcheck validate` (built-in plugins only)
interleaved, N times each, and prints medians and ratios against the bare interpreter
measured in the same run. Targets: --help within 4x, validate within 10x.

    python bench/startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    script = Path(sys.executable).with_name("jointcheck")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "jointcheck --help": [str(script), "--help"],
        "jointcheck validate": [str(script), "validate"],
    }
    env = dict(os.environ, JOINTCHECK_CACHE_DIR=tempfile.mkdtemp(prefix="jc-bench-cache-"))
    for cmd in commands.values():  # warm the OS file cache and the parse cache
        subprocess.run(cmd, check=True, capture_output=True, env=env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["python -c pass"])
    targets = {"jointcheck --help": 4.0, "jointcheck validate": 10.0}
    print(f"runs per command: {args.runs} (interleaved); medians:")
    for name, values in times.items():
        median = statistics.median(values)
        line = f"  {name:22s} {median * 1000:7.1f} ms  ({median / base:4.1f}x bare python)"
        if name in targets:
            ok = median / base <= targets[name]
            line += f"  target <= {targets[name]:.0f}x -> {'OK' if ok else 'MISSED'}"
        print(line)


if __name__ == "__main__":
    main()
