"""The province at 7 a.m., every figure in one run (issue: "one run prints them all").

    .venv/bin/python bench/morning_bench.py [--province 800000] [--deliver 100000] [--days 30]
        [--workers 4] [--tokens 4] [--skip-province] [--skip-delivery]

Runs the two benches that measure it, each on its own fresh PostgreSQL database, and prints
their figures together at the end:
- bench/province_bench.py: --province learners due at 07:00 with --days of points history:
  planning rate and the time until sending can start, a tick with nobody due, /leaderboard p95;
- bench/scaleout_bench.py: --deliver learners delivered by --workers worker processes over
  --tokens fake bot tokens (30 messages a second each, 429 + retry_after): throughput against
  tokens x 30/s, learners not reached, 429s per 10,000 sends, worker CPU per learner.
Two databases rather than one: the delivery figure needs every learner on a unit's own bot and
the standings figure a month of ledger, and seeding each server-side is faster than both in one.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The lines of each bench's output that carry the figures.
KEEP = (
    "tick with nobody due",
    "planning everyone due",
    "the next minute's tick",
    "p95",
    "4 workers",
    "workers,",
    "throughput",
    "learners not reached",
    "429 answers",
    "worker CPU",
    "planned ",
)


def run(script: str, *args: str) -> list[str]:
    """Run one bench, its output shown as it comes; returns the lines that carry figures."""
    command = [sys.executable, str(HERE / script), *args]
    print(f"$ {' '.join(command[1:])}", flush=True)
    kept: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            if any(key in line for key in KEEP):
                kept.append(line.rstrip())
    if proc.returncode:
        raise SystemExit(f"{script} failed with {proc.returncode}")
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", type=int, default=800_000, help="learners due at 07:00")
    parser.add_argument("--deliver", type=int, default=100_000, help="learners delivered")
    parser.add_argument("--days", type=int, default=30, help="days of points history")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=4)
    parser.add_argument("--skip-province", action="store_true")
    parser.add_argument("--skip-delivery", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    figures: list[str] = []
    if not args.skip_province:
        figures += run(
            "province_bench.py", "--learners", str(args.province), "--days", str(args.days)
        )
    if not args.skip_delivery:
        figures += run(
            "scaleout_bench.py",
            "--learners",
            str(args.deliver),
            "--workers",
            str(args.workers),
            "--tokens",
            str(args.tokens),
        )
    print(f"\n==== the province at 7 a.m. ({time.perf_counter() - started:.0f} s in all) ====")
    for line in figures:
        print(line)


if __name__ == "__main__":
    main()
