"""Ingest benchmark: a full ``update`` of every shipped list into an empty store.

Prints one table: per dataset version, parse time and entity count, then the total wall
time (discovery + parsing + writing the store) and the peak resident memory of the
process that did it. Each repetition runs in a fresh subprocess so peak RSS is that of a
real ``sanctio update`` and not of earlier repetitions.

    python bench/ingest.py [--lists ../shared/data/lists] [--repeat 3]

Target (issue 2): <= 10 s on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LISTS = Path(os.environ.get("SANCTIO_TEST_DATA", REPO.parent / "shared" / "data")) / "lists"


def one_run(lists: Path) -> dict[str, Any]:
    """Run inside a child process: update a fresh store, report timings as JSON."""
    import resource
    import time

    started = time.perf_counter()
    from sanctio.ingest import discover, update
    from sanctio.store import Store

    imported = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        found = discover(lists)
        discovered = time.perf_counter()
        results = update(store, found.filesets)
        finished = time.perf_counter()
        db_size = (Path(tmp) / "bench.db").stat().st_size
    rows = [
        {
            "dataset": r.dataset,
            "file": r.parsed.fileset.primary.parent.name + "/" + r.parsed.fileset.primary.name
            if r.parsed
            else "",
            "status": r.status,
            "entities": len(r.parsed.entities) if r.parsed else 0,
            "parse_s": r.parsed.seconds if r.parsed else 0.0,
        }
        for r in results
    ]
    return {
        "rows": rows,
        "import_s": imported - started,
        "discover_s": discovered - imported,
        "update_s": finished - discovered,
        "total_s": finished - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": db_size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.lists)))
        return
    if not args.lists.is_dir():
        sys.exit(f"no list files at {args.lists}; pass --lists or set SANCTIO_TEST_DATA")
    runs = []
    with tempfile.TemporaryDirectory() as cache:
        # The first run starts with an empty country cache (a first-ever update); the
        # others reuse it, as every later update on a machine does.
        env = {**os.environ, "SANCTIO_CACHE": cache}
        for _ in range(args.repeat + 1):
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--lists", str(args.lists)],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            runs.append(json.loads(out.stdout))
    cold, runs = runs[0], runs[1:]
    last = runs[-1]
    print(
        f"\nsanctio ingest benchmark: {args.lists}"
        f"  (1 cold + {args.repeat} warm run(s), {os.cpu_count()} cores)\n"
    )
    print(f"{'dataset':<26} {'file':<58} {'status':<9} {'entities':>9} {'parse s':>8}")
    print("-" * 114)
    for row in last["rows"]:
        print(
            f"{row['dataset']:<26} {row['file'][:58]:<58} {row['status']:<9} "
            f"{row['entities']:>9,} {row['parse_s']:>8.2f}"
        )
    print("-" * 114)
    totals = [float(r["total_s"]) for r in runs]
    print(f"{'versions loaded':<40} {len(last['rows']):>10}")
    print(f"{'entities (sum over versions)':<40} {sum(r['entities'] for r in last['rows']):>10,}")
    print(f"{'import s':<40} {last['import_s']:>10.2f}")
    print(f"{'discover s':<40} {last['discover_s']:>10.2f}")
    print(f"{'parse + store s':<40} {last['update_s']:>10.2f}")
    print(f"{'total s, first run (cold caches)':<40} {cold['total_s']:>10.2f}   target <= 10")
    median = statistics.median(totals)
    print(f"{'total s (median of warm runs)':<40} {median:>10.2f}   target <= 10")
    print(f"{'total s (min / max of warm runs)':<40} {min(totals):>10.2f} / {max(totals):.2f}")
    peak = max(float(r["peak_rss_mb"]) for r in [cold, *runs])
    print(f"{'peak RSS MB':<40} {peak:>10.0f}")
    print(f"{'store size MB':<40} {last['db_mb']:>10.1f}")


if __name__ == "__main__":
    main()
