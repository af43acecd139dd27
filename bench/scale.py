"""Scale benchmark: a synthetic list of a million names, built and screened.

    python bench/scale.py                         # 1,000,000 names, 1,000 queries
    python bench/scale.py --names 100000          # quicker
    python bench/scale.py --names 20000 --queries 50   # against a slow placeholder engine

The official lists hold ~70,000 names; customers add their own watchlists and the issue
asks for headroom: **1M names at p50 <= 5 ms per query and <= 2 GB resident memory**.

The list is synthetic but made of real material: given names, surnames and organisation
words taken from the shipped lists (``bench/queries.py:name_parts``), recombined with a
seeded generator, ~70% Person and ~30% Organization, about one entity in five with an
alias, most persons with a birth date and many entities with a country. It is written as
one version of dataset ``custom_synthetic`` into a fresh store with ``Store.add_version``,
exactly as a customer watchlist would be.

Measured:

- **build**: generating the entities, writing the store, then in a fresh process opening
  the ``Screener`` and (when the engine exposes ``Screener.build_index``) building its
  index;
- **screen**: in another fresh process pinned to one core, that only opens the
  ``Screener`` and runs the queries: open time, first query, p50/p95/p99/max per query
  over ``--queries`` (names present in the list, perturbed ones, absent ones; same mix as
  the speed benchmark) and the process's peak RSS (``VmHWM``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from queries import NameParts, build_queries, load_queries, name_parts, save_queries  # noqa: E402
from speed import (  # noqa: E402
    DEFAULT_LISTS,
    SINGLE_THREAD_ENV,
    WARN_P50_MS,
    build_step,
    build_store,
    machine,
    md_table,
    peak_rss_mb,
    pin_one_core,
    progress,
    run_child,
    summarize,
    time_queries,
    warn,
)

from sanctio.model import Entity, Name, NameKind  # noqa: E402

DATASET = "custom_synthetic"
TARGET_P50_MS = 5.0
TARGET_RSS_MB = 2048.0
PERSON_SHARE = 0.70
ALIAS_SHARE = 0.20


def real_material(entities: Sequence[Entity], seed: int) -> tuple[NameParts, list[str]]:
    """Name parts and countries from the real lists."""
    parts = name_parts(entities, seed=seed)
    countries = sorted({c for e in entities for c in e.countries})
    return parts, countries


def synthesize(
    parts: NameParts, countries: Sequence[str], n_names: int, seed: int
) -> Iterator[Entity]:
    """Entities holding ``n_names`` names in all, seeded: the same list for the same seed."""
    rng = random.Random(seed)
    given, surnames, words = parts.given, parts.surnames, parts.org_words
    left, i = n_names, 0
    while left > 0:
        i += 1
        if rng.random() < PERSON_SHARE:
            entity = Entity(dataset=DATASET, source_id=f"P{i:07d}", schema="Person")
            first = rng.choice(given)
            if rng.random() < 0.35:
                first = f"{first} {rng.choice(given)}"
            last = rng.choice(surnames)
            if rng.random() < 0.15:
                last = f"{last} {rng.choice(surnames)}"
            entity.names.append(Name(f"{first} {last}", first=first, last=last))
            if left > 1 and rng.random() < ALIAS_SHARE:  # another spelling of the given name
                alias_first = rng.choice(given)
                entity.names.append(
                    Name(f"{alias_first} {last}", NameKind.ALIAS, first=alias_first, last=last)
                )
            if rng.random() < 0.6:
                entity.birth_dates.append(
                    f"{rng.randint(1940, 2002)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                )
        else:
            entity = Entity(dataset=DATASET, source_id=f"O{i:07d}", schema="Organization")
            picked = [rng.choice(words) for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))]
            entity.names.append(Name(" ".join(picked)))
            if left > 1 and rng.random() < ALIAS_SHARE:  # a renamed or abbreviated form
                alias = [*picked[:-1], rng.choice(words)] if len(picked) > 1 else [*picked, "LLC"]
                entity.names.append(Name(" ".join(alias), NameKind.ALIAS))
        if countries and rng.random() < 0.5:
            entity.countries.append(rng.choice(countries))
        left -= len(entity.names)
        yield entity


# --------------------------------------------------------------------------- child phases


def phase_build(store_path: Path) -> dict[str, Any]:
    """First ``Screener.open`` on the new store: builds and saves the index (when the
    engine persists one). Without a saved index to load, an engine without a build step
    just loads, and the number is its plain open time."""
    from sanctio.screener import Screener
    from sanctio.store import Store

    started = time.perf_counter()
    Screener.open(Store(store_path))
    step = build_step()
    return {
        "open_s": time.perf_counter() - started,
        "build_step": step[0] if step else None,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_screen(store_path: Path, queries_file: Path) -> dict[str, Any]:
    """Only open the Screener and run the queries, so VmHWM is the screening footprint."""
    cpu = pin_one_core()
    queries = load_queries(queries_file)
    started = time.perf_counter()
    from sanctio.screener import Screener
    from sanctio.store import Store

    store = Store(store_path)
    screener = Screener.open(store)
    opened = time.perf_counter()
    rss_open = peak_rss_mb()
    screener.screen(queries[0].name, schema=queries[0].schema)
    first = time.perf_counter()
    progress(f"screen: {len(queries):,} queries on cpu {cpu}")
    latencies, found = time_queries(screener, queries, label="scale")
    by_kind: dict[str, list[float]] = {}
    hits: dict[str, list[bool]] = {}
    for q, ms, ids in zip(queries, latencies, found, strict=True):
        by_kind.setdefault(q.kind, []).append(ms)
        if q.expected:
            hits.setdefault(q.kind, []).append(q.expected in ids)
    return {
        "cpu": cpu,
        "open_s": opened - started,
        "first_query_s": first - opened,
        "peak_rss_mb_after_open": rss_open,
        "peak_rss_mb": peak_rss_mb(),
        "overall": summarize(latencies),
        "by_kind": {
            k: {**summarize(v), "found_top10": sum(hits[k]) / len(hits[k]) if k in hits else None}
            for k, v in sorted(by_kind.items())
        },
        "latencies_ms": latencies,
    }


# --------------------------------------------------------------------------- orchestration


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--names", type=int, default=1_000_000, help="names in the list")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--store", type=Path, help="a real-lists sanctio.db to take names from")
    parser.add_argument("--lists", type=Path, default=DEFAULT_LISTS, help="or build one from here")
    parser.add_argument("--out", type=Path, help="keep the synthetic store in this folder")
    parser.add_argument("--reuse", action="store_true", help="reuse the store already in --out")
    parser.add_argument("--json", type=Path, help="write all results here")
    parser.add_argument("--phase", choices=("build", "screen"), help=argparse.SUPPRESS)
    parser.add_argument("--synthetic", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "build":
        print(json.dumps(phase_build(args.synthetic)))
        return
    if args.phase == "screen":
        print(json.dumps(phase_screen(args.synthetic, args.queries_file)))
        return
    if args.reuse and not args.out:
        parser.error("--reuse needs --out")

    with tempfile.TemporaryDirectory(prefix="sanctio-scale-") as tmp_name:
        results = orchestrate(args, Path(tmp_name))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
        print(f"\nresults written to {args.json}")


def orchestrate(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from sanctio.store import Store

    script = Path(__file__).resolve()
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    results["machine"] = machine()
    out_dir = args.out or tmp / "synthetic"
    out_dir.mkdir(parents=True, exist_ok=True)
    synthetic_db = out_dir / "sanctio.db"

    if args.reuse and synthetic_db.exists():
        progress(f"reusing {synthetic_db}")
        with Store(synthetic_db) as store:
            entities = list(store.entities(DATASET))
        results["reused"] = True
    else:
        if synthetic_db.exists():
            sys.exit(f"{synthetic_db} exists; pass --reuse or another --out")
        real_db = args.store
        if real_db is None:
            if not args.lists.is_dir():
                sys.exit(f"no list files at {args.lists}; pass --store or --lists")
            progress(f"building a store of the real lists from {args.lists}")
            (tmp / "real").mkdir()
            build_store(args.lists, tmp / "real")
            real_db = tmp / "real" / "sanctio.db"
        with Store(real_db) as store:
            parts, countries = real_material(list(store.all_entities()), args.seed)
        progress(
            f"material: {len(parts.given):,} given names, {len(parts.surnames):,} surnames, "
            f"{len(parts.org_words):,} organisation words, {len(countries)} countries"
        )
        started = time.perf_counter()
        entities = list(synthesize(parts, countries, args.names, args.seed))
        results["generate_s"] = time.perf_counter() - started
        progress(f"generated {len(entities):,} entities in {results['generate_s']:.1f} s")
        started = time.perf_counter()
        with Store(synthetic_db) as store:
            store.add_version(DATASET, entities, label=f"synthetic-{args.names}")
        results["store_write_s"] = time.perf_counter() - started
        progress(f"store written in {results['store_write_s']:.1f} s")

    n_names = sum(len(e.names) for e in entities)
    persons = sum(e.schema == "Person" for e in entities)
    results["list"] = {
        "entities": len(entities),
        "names": n_names,
        "persons": persons,
        "organizations": len(entities) - persons,
        "db_mb": synthetic_db.stat().st_size / 1e6,
    }
    queries = build_queries(entities, args.queries, seed=args.seed)
    del entities
    queries_file = tmp / "queries.jsonl"
    save_queries(queries, queries_file)

    progress("build: fresh process opens the Screener (+ build_index)")
    build = run_child(script, ["--phase", "build", "--synthetic", str(synthetic_db)])
    results["build"] = build
    progress("screen: fresh process, one core, only opens the Screener and queries")
    screen = run_child(
        script,
        [
            "--phase",
            "screen",
            "--synthetic",
            str(synthetic_db),
            "--queries-file",
            str(queries_file),
        ],
        env=SINGLE_THREAD_ENV,
    )
    results["screen"] = screen
    results["load_average_end"] = os.getloadavg()
    print_report(results)
    return results


def print_report(r: dict[str, Any]) -> None:
    lst, build, screen = r["list"], r["build"], r["screen"]
    print(
        f"\n## Scale: {lst['names']:,} synthetic names ({lst['entities']:,} entities: "
        f"{lst['persons']:,} Person, {lst['organizations']:,} Organization)\n"
    )
    total_build = sum(v for v in (r.get("store_write_s"), build["open_s"]) if isinstance(v, float))
    how = "builds + saves the index" if build.get("build_step") else "no build step: loads"
    if r.get("reused"):
        how = "reused store: loads an index saved earlier, if any"
    rows: list[list[Any]] = [
        ["generate entities", r.get("generate_s", "reused"), "s"],
        ["store write (add_version)", r.get("store_write_s", "reused"), "s"],
        ["store size", lst["db_mb"], "MB"],
        [f"first Screener.open, fresh process ({how})", build["open_s"], "s"],
        ["build total (store write + first open)", total_build, "s"],
        ["peak RSS while building", build["peak_rss_mb"], "MB"],
    ]
    print(md_table(["build step", "value", "unit"], rows))

    o = screen["overall"]
    print(f"\n## Screening process (cpu {screen['cpu']}; opens the Screener and queries only)\n")
    rows = [
        ["Screener.open (index saved by the build step)", screen["open_s"], "s"],
        ["first query", screen["first_query_s"], "s"],
        ["peak RSS after open", screen["peak_rss_mb_after_open"], "MB"],
        ["peak RSS (VmHWM)", screen["peak_rss_mb"], "MB"],
        ["queries", o["n"], ""],
        ["p50", o["p50"], "ms"],
        ["p95", o["p95"], "ms"],
        ["p99", o["p99"], "ms"],
        ["max", o["max"], "ms"],
        ["queries/s (1 core)", 1000 / o["mean"] if o["mean"] else float("nan"), ""],
    ]
    print(md_table(["measure", "value", "unit"], rows))

    print("\n### By query kind\n")
    kind_rows = []
    for kind, s in screen["by_kind"].items():
        found = s.get("found_top10")
        kind_rows.append(
            [kind, s["n"], s["p50"], s["p99"], "—" if found is None else f"{found:.0%}"]
        )
    print(md_table(["kind", "n", "p50 ms", "p99 ms", "expected in top 10"], kind_rows))

    print("\n### Targets (issue: 1M names, p50 <= 5 ms, RSS <= 2 GB)\n")
    scaled = lst["names"] >= 1_000_000
    note = "" if scaled else f" (at {lst['names']:,} names, not 1M)"
    print(
        md_table(
            ["target", "measured", "verdict"],
            [
                [
                    f"p50 <= {TARGET_P50_MS:.0f} ms",
                    f"{o['p50']:.2f} ms",
                    ("PASS" if o["p50"] <= TARGET_P50_MS else "FAIL") + note,
                ],
                [
                    f"peak RSS <= {TARGET_RSS_MB / 1024:.0f} GB",
                    f"{screen['peak_rss_mb']:,.0f} MB",
                    ("PASS" if screen["peak_rss_mb"] <= TARGET_RSS_MB else "FAIL") + note,
                ],
            ],
        )
    )
    m = r["machine"]
    print(
        f"\n{m['cpus']} CPUs ({m['cpu_model']}); load average at start {m['load_average'][0]:.2f}, "
        f"at end {r['load_average_end'][0]:.2f}"
    )
    if o["p50"] > WARN_P50_MS:
        warn(
            f"p50 is {o['p50']:,.0f} ms (> {WARN_P50_MS:.0f} ms): the engine is still the "
            "placeholder (it scans every name per query) or something is wrong."
        )


if __name__ == "__main__":
    main()
