"""The field test, long version: `copydesk serve` through 60 (or more) simulated days of the field
world, stopped with SIGTERM and SIGKILL at seeded random moments and restarted, every invariant
checked after every day (copydesk/demo/field_run.py). Results go into RELIABILITY.md.

    .venv/bin/python bench/field.py --days 60 --seed 1 --out /tmp/field-60 [--json report.json]

Prints one line per simulated day and a summary: violations by invariant (with the first day each
was seen), start-up times against corpus size, the most requests in flight to one host (at the
server), the slowest answers. Exit status 0 when no invariant was violated, 1 otherwise.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from copydesk.demo.field_run import DayReport, FieldSettings, run_field  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True, help="work directory (replaced): corpus, config, daemon log")
    ap.add_argument("--wire-per-day", type=int, default=3)
    ap.add_argument("--archive-per-year", type=int, default=60, help="years-old archive pages per year, 2014-2020")
    ap.add_argument("--interval", default="3s", help="every source's interval (default 3s)")
    ap.add_argument("--kill-rate", type=float, default=0.5, help="chance that a day has a SIGTERM/SIGKILL restart")
    ap.add_argument("--day-timeout", type=float, default=60.0)
    ap.add_argument("--json", type=Path, help="also write the full report as JSON")
    ap.add_argument("--no-allowed-domains", action="store_true",
                    help="leave `allowed_domains` out of the config (for a copydesk that does not know the key)")
    args = ap.parse_args(argv)

    if args.out.exists():
        shutil.rmtree(args.out)
    settings = FieldSettings(days=args.days, seed=args.seed, wire_per_day=args.wire_per_day,
                             archive_per_year=args.archive_per_year, interval=args.interval,
                             kill_rate=args.kill_rate, day_timeout=args.day_timeout,
                             allowed_domains=not args.no_allowed_domains)
    print("day  secs  stored/expected  requests  peak  slowest_ms  slow  events / violations", flush=True)

    def line(d: DayReport) -> None:
        print(f"{d.day:3d} {d.seconds:5.1f}  {d.stored:6d}/{d.expected:<6d}  {d.fetched:8d}  {d.peak_in_flight:4d}"
              f"  {d.slowest_ms:10.1f}  {d.slow_answers:4d}  {'; '.join(d.events)}", flush=True)
        for v in d.violations:
            print(f"      VIOLATION {v}", flush=True)

    t0 = time.monotonic()
    report = run_field(settings, args.out, progress=line)
    took = time.monotonic() - t0
    if args.json:
        args.json.write_text(report.to_json())

    by_invariant: dict[str, list[int]] = {}
    for d in report.days:
        for v in d.violations:
            by_invariant.setdefault(v.split(":", 1)[0], []).append(d.day)
    days = report.days
    print(f"\n{len(days)} simulated days in {took / 60:.1f} min (seed {args.seed}); "
          f"{days[-1].stored if days else 0} articles stored of {days[-1].expected if days else 0} expected")
    kills = [e.split()[0] for d in days for e in d.events if e.startswith(("SIGTERM", "SIGKILL"))]
    print(f"restarts: {len(kills)} ({kills.count('SIGTERM')} after SIGTERM, {kills.count('SIGKILL')} after SIGKILL)")
    if report.startups:
        print(f"start-up (spawn to 'serving'): first {report.startups[0]:.2f} s, median "
              f"{statistics.median(report.startups):.2f} s, last {report.startups[-1]:.2f} s at "
              f"{report.startup_docs[-1]} documents; all: "
              + ", ".join(f"{s:.1f}@{n}" for s, n in zip(report.startups, report.startup_docs)))
    if days:
        print(f"most requests in flight to one host (server side): {max(d.peak_in_flight for d in days)}; "
              f"slowest answer {max(d.slowest_ms for d in days):.1f} ms; answers of 5 ms or more: "
              f"{sum(d.slow_answers for d in days)} of {sum(d.fetched for d in days)}")
    if by_invariant:
        print("violated invariants (days):")
        for name, ds in sorted(by_invariant.items()):
            print(f"  {name}: first on day {ds[0]}, {len(ds)} day(s)")
    else:
        print("no invariant violated")
    return 1 if by_invariant else 0


if __name__ == "__main__":
    raise SystemExit(main())
