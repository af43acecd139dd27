"""Speed benchmark: engine load, per-query latency, bulk throughput, and nomenklatura peers.

    python bench/speed.py                         # temp store from ../shared/data/lists
    python bench/speed.py --store ~/.local/share/sanctio/sanctio.db --queries 2000
    python bench/speed.py --queries 50 --rows 200 --skip-peers     # quick look

Prints one table per measurement and a summary; ``--json OUT`` keeps everything, including
each query's latency. Each measurement runs in a fresh subprocess so that start-up costs
are real and one phase's caches don't flatter the next:

1. **Load** (``--repeat`` fresh processes): import, ``Screener.open`` over the store (all
   shipped lists), the first query (lazy loading shows up here) and, when the engine
   exposes ``Screener.build_index``, a rebuild of the index.
2. **Latency**, pinned to one CPU core, one process, one query at a time, over a seeded
   query set (see ``bench/queries.py``: listed names exact and perturbed, cross-script
   forms, names that are not listed). p50/p95/p99/max overall and per kind.
3. **Peers**, in the same latency process: nomenklatura's ``logic-v1``, ``logic-v2`` and
   ``name-based`` algorithms rescoring, for each query, the top-10 candidates sanctio
   returned at threshold 0. This is how yente scores (``algorithm.compare(query, result,
   config)`` on each search hit), minus its Elasticsearch retrieval: the peers' times
   exclude retrieval, which favours them.
4. **Bulk**: names/s screening a ``--rows`` CSV with ``sanctio.batch.screen_file`` when
   it exists, else a ``multiprocessing`` pool whose workers each open their own
   ``Screener``; with 2 workers and with 1. Wall time includes the workers' start-up.

No timing is asserted anywhere; the numbers are for the issue notes and ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import importlib.util
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_LISTS = Path(os.environ.get("SANCTIO_TEST_DATA", REPO.parent / "shared" / "data")) / "lists"
PEERS = ("logic-v1", "logic-v2", "name-based")
PEER_CANDIDATES = 10
WARMUP_NAMES = (
    ("Person", "John Michael Smith"),
    ("Organization", "Acme Trading Company LLC"),
    ("Person", "Владимир Владимирович Путин"),
    ("Person", "محمد علي حسن"),
    ("Person", "金正恩"),
    ("LegalEntity", "Vessel Ocean Star"),
)
WARN_P50_MS = 100.0
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
}

if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from queries import BenchQuery, build_queries, load_queries, save_queries  # noqa: E402

# --------------------------------------------------------------------------- shared helpers


def pct(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile, linear between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarize(ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50": pct(ms, 50),
        "p95": pct(ms, 95),
        "p99": pct(ms, 99),
        "max": max(ms, default=float("nan")),
        "mean": statistics.fmean(ms) if ms else float("nan"),
    }


def peak_rss_mb() -> float:
    """Peak resident set of this process (VmHWM), falling back to getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pin_one_core() -> int | None:
    """Pin this process to one CPU so latency is single-core latency, not a lucky spread."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def build_step() -> tuple[str, Callable[[Any, Any], object]] | None:
    """How this engine (re)builds its index, probed at run time: (label, call(store, screener)).

    Tried in order: ``Screener.build_index`` (method or classmethod taking the store), a
    module-level ``sanctio.screener.build_index(store)``, ``Screener.open(store,
    rebuild=True)``. None when the engine has no build step.
    """
    from sanctio import screener as module

    cls = module.Screener
    if hasattr(cls, "build_index"):
        attr = inspect.getattr_static(cls, "build_index")
        if isinstance(attr, classmethod | staticmethod):
            return "Screener.build_index(store)", lambda store, _: cls.build_index(store)
        return "screener.build_index()", lambda _, screener: screener.build_index()
    if callable(getattr(module, "build_index", None)):
        return "sanctio.screener.build_index(store)", lambda store, _: module.build_index(store)
    if "rebuild" in inspect.signature(cls.open).parameters:
        return "Screener.open(store, rebuild=True)", lambda store, _: cls.open(store, rebuild=True)
    return None


def time_build_index(store: Any, screener: Any) -> tuple[str, float | str]:
    """(how, seconds) to rebuild the index, or ``("-", "n/a")`` without a build step."""
    step = build_step()
    if step is None:
        return "-", "n/a"
    label, call = step
    started = time.perf_counter()
    try:
        call(store, screener)
    except TypeError as exc:
        return label, f"error: {exc}"
    return label, time.perf_counter() - started


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table, so output pastes straight into bench/README.md."""

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            if v != v:  # NaN
                return "—"
            return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}"
        return str(v)

    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return "\n".join(lines)


def run_child(script: Path, argv: Sequence[str], env: dict[str, str] | None = None) -> Any:
    """Run ``script --phase ...`` in a fresh interpreter; its last stdout line is JSON."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, str(script), *argv],
        stdout=subprocess.PIPE,
        text=True,
        env=full_env,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"child {' '.join(argv[:2])} failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def build_store(lists: Path, home: Path) -> float:
    """Load every list under ``lists`` into ``home/sanctio.db``; returns seconds."""
    from sanctio.ingest import discover, update
    from sanctio.store import Store

    started = time.perf_counter()
    with Store(home / "sanctio.db") as store:
        update(store, discover(lists).filesets)
    return time.perf_counter() - started


def machine() -> dict[str, Any]:
    """What the numbers were measured on, and how busy it was."""
    import platform

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu_model": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor(),
        "load_average": os.getloadavg(),
    }


def warn(message: str) -> None:
    print(f"WARNING: {message}", file=sys.stderr, flush=True)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def time_queries(
    screener: Any, queries: Sequence[BenchQuery], *, label: str, **kwargs: Any
) -> tuple[list[float], list[list[str]]]:
    """Per-query milliseconds and matched entity ids; warns early on a slow engine."""
    from sanctio.screener import QueryError

    latencies: list[float] = []
    found: list[list[str]] = []
    clock = time.perf_counter
    for i, q in enumerate(queries):
        started = clock()
        try:
            matches = screener.screen(q.name, schema=q.schema, **kwargs)
        except QueryError:
            matches = []
        latencies.append((clock() - started) * 1000)
        found.append([m.entity_id for m in matches])
        if i + 1 == 20:
            p50 = pct(latencies, 50)
            if p50 > WARN_P50_MS:
                eta = p50 * len(queries) / 1000
                warn(
                    f"{label}: p50 over the first 20 queries is {p50:,.0f} ms (> "
                    f"{WARN_P50_MS:.0f} ms): this engine is slow (the placeholder scans every "
                    f"name); this pass will take ~{eta:,.0f} s. Use --queries/--rows/--names "
                    "to shorten the run."
                )
    return latencies, found


def warm_up(screener: Any) -> None:
    """The peers' warm-up names, untimed: lazy tables (transliteration...) load here."""
    for schema, text in WARMUP_NAMES:
        screener.screen(text, schema=schema)


# --------------------------------------------------------------------------- child phases


def phase_prepare(store_path: Path) -> dict[str, Any]:
    """Open once so a persisted index exists before cold starts are timed."""
    from sanctio.screener import Screener
    from sanctio.store import Store

    started = time.perf_counter()
    Screener.open(Store(store_path))
    return {"first_open_s": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}


def phase_load(store_path: Path) -> dict[str, Any]:
    started = time.perf_counter()
    from sanctio.screener import Screener
    from sanctio.store import Store

    imported = time.perf_counter()
    store = Store(store_path)
    screener = Screener.open(store)
    opened = time.perf_counter()
    first = time.perf_counter()
    screener.screen("Vladimir Vladimirovich Putin", schema="Person")
    first_done = time.perf_counter()
    screener.screen("Korea Kwangson Banking Corp")
    second_done = time.perf_counter()
    rss_open = peak_rss_mb()
    how, build = time_build_index(store, screener)
    return {
        "build_index_how": how,
        "import_s": imported - started,
        "open_s": opened - imported,
        "first_query_s": first_done - first,
        "second_query_s": second_done - first_done,
        "cold_start_s": first_done - started,
        "build_index_s": build,
        "peak_rss_mb_after_open": rss_open,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_latency(store_path: Path, queries_file: Path, skip_peers: bool) -> dict[str, Any]:
    cpu = pin_one_core()
    from sanctio.screener import Screener
    from sanctio.store import Store

    queries = load_queries(queries_file)
    store = Store(store_path)
    screener = Screener.open(store)
    warm_up(screener)
    progress(f"latency: {len(queries):,} queries on cpu {cpu}")
    latencies, found = time_queries(screener, queries, label="latency")
    by_kind: dict[str, list[float]] = defaultdict(list)
    hits: dict[str, list[bool]] = defaultdict(list)
    for q, ms, ids in zip(queries, latencies, found, strict=True):
        by_kind[q.kind].append(ms)
        if q.expected:
            hits[q.kind].append(q.expected in ids)
    out: dict[str, Any] = {
        "cpu": cpu,
        "overall": summarize(latencies),
        "by_kind": {
            kind: {
                **summarize(ms),
                "found_top10": statistics.fmean(hits[kind]) if hits[kind] else None,
            }
            for kind, ms in sorted(by_kind.items())
        },
        "latencies_ms": latencies,
        "peak_rss_mb": peak_rss_mb(),
    }
    if not skip_peers:
        out["peers"] = run_peers(store, screener, queries)
        for algo in out["peers"].get("algorithms", {}).values():
            kinds: dict[str, list[float]] = defaultdict(list)
            for q, ms in zip(queries, algo["latencies_ms"], strict=True):
                kinds[q.kind].append(ms)
            algo["by_kind_p50"] = {k: pct(v, 50) for k, v in kinds.items()}
    return out


def run_peers(store: Any, screener: Any, queries: Sequence[BenchQuery]) -> dict[str, Any]:
    """Rescore sanctio's own top-10 candidates with nomenklatura's algorithms, per query."""
    try:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm
    except ImportError as exc:
        warn(f"peers skipped: {exc} (pip install -e '.[bench]')")
        return {"error": str(exc)}
    from sanctio.ftm import to_ftm

    progress(f"peers: sanctio candidates at threshold 0, top {PEER_CANDIDATES}")
    cand_ms, cand_ids = time_queries(
        screener, queries, label="candidates", threshold=0.0, limit=PEER_CANDIDATES
    )
    proxies: dict[str, Any] = {}
    for ids in cand_ids:
        for eid in ids:
            if eid not in proxies:
                entity = store.get(eid)
                proxies[eid] = model.get_proxy(next(to_ftm(entity))) if entity else None
    candidates = [[proxies[eid] for eid in ids if proxies[eid] is not None] for ids in cand_ids]
    result: dict[str, Any] = {
        "sanctio_threshold0": summarize(cand_ms),
        "candidates_per_query": statistics.fmean(len(c) for c in candidates) if candidates else 0,
        "algorithms": {},
    }
    import nomenklatura

    result["nomenklatura_version"] = getattr(nomenklatura, "__version__", "?")
    for name in PEERS:
        algorithm = get_algorithm(name)
        if algorithm is None:
            warn(f"nomenklatura has no algorithm {name!r}")
            continue
        config = algorithm.default_config() if hasattr(algorithm, "default_config") else None
        if config is None:
            from nomenklatura.matching import ScoringConfig

            config = ScoringConfig.defaults()
        # The first calls load models and tables (seconds): warm up on names of several
        # scripts and both schemata, untimed, with ids the timed pass never uses.
        started = time.perf_counter()
        probes = [c for cands in candidates[:5] for c in cands[:3]]
        for i, (schema, text) in enumerate(WARMUP_NAMES):
            warm = model.make_entity(schema)
            warm.id = f"warmup-{name}-{i}"
            warm.add("name", text)
            for probe in probes:
                algorithm.compare(warm, probe, config)
        warm_s = time.perf_counter() - started
        progress(f"peers: {name} ({algorithm.__name__})")
        times: list[float] = []
        clock = time.perf_counter
        for q, cands in zip(queries, candidates, strict=True):
            started = clock()
            proxy = model.make_entity(_ftm_schema(q.schema))
            proxy.id = f"{q.qid}-{name}"  # own id: name analysis is cached by entity id
            proxy.add("name", q.name)
            for cand in cands:
                algorithm.compare(proxy, cand, config)
            times.append((clock() - started) * 1000)
        result["algorithms"][name] = {
            "class": algorithm.__name__,
            "warmup_s": warm_s,
            **summarize(times),
            "latencies_ms": times,
        }
    return result


def _ftm_schema(schema: str | None) -> str:
    return schema or "LegalEntity"


def phase_throughput(
    store_path: Path, csv_path: Path, workers: int, force_pool: bool = False
) -> dict[str, Any]:
    rows = sum(1 for _ in csv_path.open(encoding="utf-8")) - 1
    out_path = csv_path.with_suffix(f".{workers}.jsonl")
    method = "multiprocessing.Pool"
    effective_workers = workers
    started = time.perf_counter()
    if not force_pool and importlib.util.find_spec("sanctio.batch") is not None:
        batch = importlib.import_module("sanctio.batch")
        screen_file = getattr(batch, "screen_file", None)
        if screen_file is not None:
            try:
                summary = call_screen_file(screen_file, csv_path, out_path, workers, store_path)
                method = "sanctio.batch.screen_file"
                # screen_file may use fewer processes than asked (small inputs); say so
                effective_workers = int(getattr(summary, "workers", workers))
            except (TypeError, NotImplementedError) as exc:
                warn(f"screen_file could not be called ({exc}); using a Pool instead")
                started = time.perf_counter()
    if method == "multiprocessing.Pool":
        pool_screen(store_path, csv_path, out_path, workers)
    elapsed = time.perf_counter() - started
    lines = sum(1 for _ in out_path.open(encoding="utf-8")) if out_path.exists() else 0
    return {
        "method": method,
        "workers": workers,
        "effective_workers": effective_workers,
        "rows": rows,
        "output_lines": lines,
        "wall_s": elapsed,
        "names_per_s": rows / elapsed if elapsed else float("nan"),
    }


_INPUT_PARAMS = {"input", "input_path", "path", "src", "source", "csv_path", "infile", "file"}
_OUTPUT_PARAMS = {"output", "output_path", "out", "out_path", "dest", "destination", "outfile"}
_WORKER_PARAMS = {"workers", "n_workers", "num_workers", "processes", "jobs", "n_jobs"}
_STORE_PARAMS = {"store", "store_path", "db", "db_path"}


def call_screen_file(
    fn: Callable[..., Any], csv_path: Path, out_path: Path, workers: int, store_path: Path
) -> Any:
    """Call ``screen_file`` whatever its exact signature, by parameter names.

    Another helper writes ``sanctio/batch.py`` at the same time as this benchmark; this
    keeps the two decoupled until its signature settles.
    """
    params = [
        p
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    kwargs: dict[str, Any] = {}
    saw_workers = False
    for p in params:
        lname = p.name.lower()
        if lname in _INPUT_PARAMS:
            kwargs[p.name] = csv_path
        elif lname in _OUTPUT_PARAMS:
            kwargs[p.name] = out_path
        elif lname in _WORKER_PARAMS:
            kwargs[p.name] = workers
            saw_workers = True
        elif lname in _STORE_PARAMS:
            if "Store" in str(p.annotation):
                from sanctio.store import Store

                kwargs[p.name] = Store(store_path)
            else:
                kwargs[p.name] = store_path
    unfilled = [csv_path, out_path]
    unfilled = [v for v in unfilled if not any(v is k for k in kwargs.values())]
    for p in params:  # unnamed required parameters take input, then output, in order
        if p.name not in kwargs and p.default is p.empty:
            if not unfilled:
                raise TypeError(f"screen_file needs {p.name!r}, which this benchmark cannot fill")
            kwargs[p.name] = unfilled.pop(0)
    if not saw_workers:
        raise TypeError("screen_file takes no worker count")
    if out_path.exists():
        out_path.unlink()
    return fn(**kwargs)


_worker_screener: Any = None


def _worker_init(store_path: str) -> None:
    global _worker_screener
    from sanctio.screener import Screener
    from sanctio.store import Store

    _worker_screener = Screener.open(Store(store_path))


def _worker_screen(row: tuple[str, str, str]) -> str:
    from sanctio.screener import QueryError

    rid, name, schema = row
    try:
        matches = _worker_screener.screen(name, schema=schema or None)
    except QueryError as exc:
        return json.dumps({"id": rid, "error": str(exc)})
    return json.dumps({"id": rid, "matches": [m.to_dict() for m in matches]}, ensure_ascii=False)


def pool_screen(store_path: Path, csv_path: Path, out_path: Path, workers: int) -> None:
    """The fallback bulk path: a pool of ``workers`` processes, each with its own Screener."""
    import multiprocessing

    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = [(r["id"], r["name"], r.get("schema") or "") for r in csv.DictReader(fh)]
    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with (
        ctx.Pool(workers, initializer=_worker_init, initargs=(str(store_path),)) as pool,
        out_path.open("w", encoding="utf-8") as out,
    ):
        for line in pool.imap(_worker_screen, rows, chunksize=32):
            out.write(line + "\n")


# --------------------------------------------------------------------------- orchestration


def write_csv(queries: Sequence[BenchQuery], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "schema"])
        for q in queries:
            writer.writerow([q.qid, q.name, q.schema or ""])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, help="a sanctio.db to screen against")
    parser.add_argument("--lists", type=Path, default=DEFAULT_LISTS, help="build a temp store")
    parser.add_argument("--queries", type=int, default=2000, help="latency query set size")
    parser.add_argument("--rows", type=int, default=20000, help="bulk CSV rows")
    parser.add_argument("--workers", default="2,1", help="bulk worker counts, comma separated")
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process load runs")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--skip-bulk", action="store_true")
    parser.add_argument(
        "--bulk",
        choices=("auto", "pool"),
        default="auto",
        help="auto: sanctio.batch.screen_file when present; pool: the multiprocessing fallback",
    )
    parser.add_argument("--json", type=Path, help="write all results here")
    phases = ("prepare", "load", "latency", "throughput")
    parser.add_argument("--phase", choices=phases, help=argparse.SUPPRESS)
    parser.add_argument("--queries-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--nworkers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        if args.phase == "prepare":
            result = phase_prepare(args.store)
        elif args.phase == "load":
            result = phase_load(args.store)
        elif args.phase == "latency":
            result = phase_latency(args.store, args.queries_file, args.skip_peers)
        else:
            result = phase_throughput(args.store, args.csv, args.nworkers, args.bulk == "pool")
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="sanctio-speed-") as tmp_name:
        tmp = Path(tmp_name)
        results = orchestrate(args, tmp)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
        print(f"\nresults written to {args.json}")


def orchestrate(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from sanctio.store import Store

    script = Path(__file__).resolve()
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    results["machine"] = machine()
    store_path: Path = args.store
    if store_path is None:
        if not args.lists.is_dir():
            sys.exit(f"no list files at {args.lists}; pass --store or --lists")
        progress(f"building a temporary store from {args.lists}")
        results["store_build_s"] = build_store(args.lists, tmp)
        store_path = tmp / "sanctio.db"
    store = Store(store_path)
    entities = list(store.all_entities())
    versions = {v.dataset: v.entity_count for v in store.active_versions()}
    names = sum(len(e.names) for e in entities)
    store.close()
    results["store"] = {"path": str(store_path), "entities": len(entities), "names": names}
    print(f"store: {store_path} — {len(entities):,} entities, {names:,} names, "
          f"{len(versions)} datasets")  # fmt: skip
    m = results["machine"]
    print(f"machine: {m['cpus']} CPUs ({m['cpu_model']}), Python {m['python']}")

    queries = build_queries(entities, args.queries, seed=args.seed)
    queries_file = tmp / "queries.jsonl"
    save_queries(queries, queries_file)
    bulk_csv = tmp / "bulk.csv"
    if not args.skip_bulk:
        write_csv(build_queries(entities, args.rows, seed=args.seed + 1), bulk_csv)
    del entities

    base = ["--store", str(store_path)]
    # 1. load
    progress("first open: builds and saves the index if the store has none")
    results["prepare"] = run_child(script, ["--phase", "prepare", *base])
    loads = []
    for i in range(args.repeat):
        progress(f"load: fresh process {i + 1}/{args.repeat}")
        loads.append(run_child(script, ["--phase", "load", *base]))
    results["load"] = loads
    print("\n## Load (fresh process each; median of", args.repeat, "runs)\n")
    print(load_table(results["prepare"], loads))

    # 2 + 3. latency and peers
    progress("latency (+ peers)" if not args.skip_peers else "latency")
    latency = run_child(
        script,
        [
            "--phase", "latency", *base, "--queries-file", str(queries_file),
            *(["--skip-peers"] if args.skip_peers else []),
        ],
        env=SINGLE_THREAD_ENV,
    )  # fmt: skip
    results["latency"] = latency
    print(f"\n## Per-query latency, one core (cpu {latency['cpu']}), {len(queries):,} queries\n")
    print(latency_table(latency))
    if latency["overall"]["p50"] > WARN_P50_MS:
        warn(
            f"p50 is {latency['overall']['p50']:,.0f} ms (> {WARN_P50_MS:.0f} ms): the "
            "engine is still the placeholder or something is wrong."
        )
    peers = latency.get("peers")
    if peers and "algorithms" in peers:
        print(
            f"\n## nomenklatura {peers['nomenklatura_version']} rescoring sanctio's top-"
            f"{PEER_CANDIDATES} ({peers['candidates_per_query']:.1f} candidates/query on "
            "average; excludes retrieval, which favours them)\n"
        )
        print(peers_table(latency))

    # 4. bulk
    bulk = []
    if not args.skip_bulk:
        for workers in [int(w) for w in args.workers.split(",") if w.strip()]:
            progress(f"bulk: {args.rows:,} rows, {workers} worker(s)")
            bulk.append(
                run_child(
                    script,
                    [
                        "--phase", "throughput", *base, "--csv", str(bulk_csv),
                        "--nworkers", str(workers), "--bulk", args.bulk,
                    ],
                )
            )  # fmt: skip
        results["bulk"] = bulk
        print(f"\n## Bulk: {args.rows:,}-row CSV (wall time includes worker start-up)\n")
        print(
            md_table(
                ["method", "workers (used)", "rows", "wall s", "names/s"],
                [
                    [
                        b["method"],
                        f"{b['workers']} ({b['effective_workers']})",
                        b["rows"],
                        b["wall_s"],
                        b["names_per_s"],
                    ]
                    for b in bulk
                ],
            )
        )

    print("\n## Summary (per query, one core)\n")
    print(summary_table(latency, bulk))
    results["load_average_end"] = os.getloadavg()
    print(
        f"\n{results['machine']['cpus']} CPUs; load average at start "
        f"{results['machine']['load_average'][0]:.2f}, at end {results['load_average_end'][0]:.2f}"
        " (other processes on the machine skew every number above)"
    )
    return results


def _median(rows: Sequence[dict[str, Any]], key: str) -> float | str:
    values = [r[key] for r in rows if isinstance(r.get(key), int | float)]
    if values:
        return statistics.median(values)
    texts = {str(r.get(key)) for r in rows}
    return ", ".join(sorted(texts))


def load_table(prepare: dict[str, Any], loads: Sequence[dict[str, Any]]) -> str:
    how = loads[0].get("build_index_how", "-") if loads else "-"
    rows = [
        [
            "first Screener.open on this store (builds the index if none saved)",
            prepare["first_open_s"],
            "s",
        ],
        ["peak RSS of that first open", prepare["peak_rss_mb"], "MB"],
        ["import sanctio.screener", _median(loads, "import_s"), "s"],
        ["Screener.open(store), index saved (cold start)", _median(loads, "open_s"), "s"],
        ["first query", _median(loads, "first_query_s"), "s"],
        ["second query", _median(loads, "second_query_s"), "s"],
        ["process start → first answer", _median(loads, "cold_start_s"), "s"],
        [f"index rebuild: {how}", _median(loads, "build_index_s"), "s"],
        ["peak RSS after open", _median(loads, "peak_rss_mb_after_open"), "MB"],
        ["peak RSS incl. rebuild", _median(loads, "peak_rss_mb"), "MB"],
    ]
    return md_table(["step", "value", "unit"], rows)


def latency_table(latency: dict[str, Any]) -> str:
    rows = []
    for kind, s in [*latency["by_kind"].items(), ("all", latency["overall"])]:
        found = s.get("found_top10")
        rows.append(
            [
                kind,
                s["n"],
                s["p50"],
                s["p95"],
                s["p99"],
                s["max"],
                "—" if found is None else f"{found:.0%}",
            ]
        )
    return md_table(
        ["kind", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "expected in top 10"], rows
    )


def peers_table(latency: dict[str, Any]) -> str:
    peers = latency["peers"]
    base = latency["overall"]["p50"]
    s0 = peers["sanctio_threshold0"]
    rows = [
        ["sanctio, threshold 0, limit 10, same names again", "—", s0["p50"], s0["p99"],
         s0["p50"] / base if base else float("nan"), "—"],
    ]  # fmt: skip
    for name, s in peers["algorithms"].items():
        ratio = s["p50"] / base if base else float("nan")
        rows.append([name, s["class"], s["p50"], s["p99"], ratio, s["warmup_s"]])
    return md_table(["engine", "class", "p50 ms", "p99 ms", "p50 / sanctio p50", "warm-up s"], rows)


def summary_table(latency: dict[str, Any], bulk: Sequence[dict[str, Any]]) -> str:
    base = latency["overall"]
    rows: list[list[Any]] = [
        ["sanctio (retrieval + scoring)", base["p50"], base["p99"], 1000 / base["mean"], 1.0]
    ]
    for name, s in (latency.get("peers") or {}).get("algorithms", {}).items():
        rows.append(
            [
                f"nomenklatura {name} (rescoring top-{PEER_CANDIDATES} only)",
                s["p50"],
                s["p99"],
                1000 / s["mean"] if s["mean"] else float("nan"),
                s["p50"] / base["p50"] if base["p50"] else float("nan"),
            ]
        )
    for b in bulk:
        rows.append([f"sanctio bulk, {b['workers']} worker(s)", "—", "—", b["names_per_s"], "—"])
    return md_table(["engine", "p50 ms", "p99 ms", "queries/s", "ratio vs sanctio (p50)"], rows)


if __name__ == "__main__":
    main()
