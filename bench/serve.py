"""HTTP serving benchmark: single-query ``POST /match/default`` against ``sanctio serve``.

    python bench/serve.py                                  # temp store from ../shared/data/lists
    python bench/serve.py --store ~/.local/share/sanctio/sanctio.db --requests 5000
    python bench/serve.py --workers 1 --concurrency 4 --skip-inprocess

Starts ``sanctio serve --workers N`` on 127.0.0.1 on a free port, as a subprocess, over a
*copy* of the store (each request appends an audit entry; your own log stays clean). Then
fires ``--requests`` single-query requests built by ``bench/queries.py`` (the speed
benchmark's seeded mix of listed, re-typed, cross-script and unlisted names) from
``--concurrency`` concurrent httpx clients, after a short warm-up, and prints requests/s,
p50/p90/p99/max latency and the error count. Beside it: the same queries screened
in-process on one core (``Screener.screen_query``), the figure the speed benchmark reports.

Loopback only; the run is bounded by ``--requests`` and ``--time-limit`` seconds and stops
the server when done (or interrupted). The client shares the machine's cores with the
server: on a 2-core machine the numbers are a floor, not the server's capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from queries import BenchQuery, build_queries  # noqa: E402

TARGET_RPS = 500.0
TARGET_P99_MS = 50.0


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pct(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_store(args: argparse.Namespace, work: Path) -> Path:
    """A store to serve: a copy of --store (with its index), or the shipped lists loaded."""
    home = work / "home"
    home.mkdir()
    db = home / "sanctio.db"
    if args.store:
        source = Path(args.store).expanduser()
        if not source.is_file():
            sys.exit(f"{source}: no such store")
        progress(f"copying {source} (and its index)")
        src = __import__("sqlite3").connect(source)
        dst = __import__("sqlite3").connect(db)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        if (source.parent / "index").is_dir():
            shutil.copytree(source.parent / "index", home / "index")
    else:
        lists = Path(args.lists)
        if not lists.is_dir():
            sys.exit(f"{lists}: no list files (set --lists or --store)")
        progress(f"loading {lists} into a temporary store")
        env = {**os.environ, "SANCTIO_HOME": str(home)}
        proc = subprocess.run(
            [sys.executable, "-m", "sanctio.cli", "update", "--from", str(lists)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        if proc.returncode not in (0, 1):  # 1: some list refused, the rest loaded
            sys.exit(f"sanctio update failed (exit {proc.returncode})")
    return db


def make_queries(db: Path, n: int, seed: int) -> list[BenchQuery]:
    from sanctio.store import Store

    with Store(db) as store:
        return build_queries(store.all_entities(), n, seed=seed)


def body(query: BenchQuery) -> dict[str, Any]:
    return {
        "queries": {"q": {"schema": query.schema or "Thing", "properties": {"name": [query.name]}}}
    }


def start_server(
    args: argparse.Namespace, db: Path, port: int, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "sanctio.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--store",
        str(db),
        "--no-require-keys",
    ]
    progress(f"starting: {' '.join(command[2:])}")
    with log.open("wb") as fh:
        return subprocess.Popen(command, stdout=fh, stderr=fh, start_new_session=True)


def wait_ready(server: subprocess.Popen[bytes], base: str, timeout: float) -> float:
    started = time.perf_counter()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server was not ready within {timeout:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGINT)  # its own session: uvicorn and its workers
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


async def fire(
    base: str,
    bodies: Sequence[dict[str, Any]],
    concurrency: int,
    time_limit: float,
) -> tuple[list[float], int, float, dict[str, int]]:
    """Send every body once from ``concurrency`` clients; (latencies ms, errors, seconds)."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    position = 0
    deadline = time.perf_counter() + time_limit
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def worker() -> None:
        nonlocal position
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            while position < len(bodies) and time.perf_counter() < deadline:
                item = bodies[position]
                position += 1
                t0 = time.perf_counter()
                try:
                    r = await client.post("/match/default", json=item)
                    ok = r.status_code == 200
                    why = str(r.status_code)
                except httpx.HTTPError as exc:
                    ok, why = False, type(exc).__name__
                latencies.append((time.perf_counter() - t0) * 1000)
                if not ok:
                    errors[why] = errors.get(why, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return latencies, sum(errors.values()), elapsed, errors


def in_process(db: Path, queries: Sequence[BenchQuery]) -> dict[str, float]:
    """The same queries through ``Screener.screen_query`` in this process, one at a time."""
    from sanctio.api import warm_up
    from sanctio.screener import Query, QueryError, Screener
    from sanctio.store import Store

    with Store(db) as store:
        screener = Screener.open(store)
    warm_up(screener)  # as each server worker does when it loads the lists
    for q in queries[:50]:
        with contextlib.suppress(QueryError):
            screener.screen_query(Query(q.name, q.schema))
    ms: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        with contextlib.suppress(QueryError):
            screener.screen_query(Query(q.name, q.schema), limit=5)
        ms.append((time.perf_counter() - t0) * 1000)
    total = sum(ms) / 1000
    return {
        "p50": pct(ms, 50),
        "p99": pct(ms, 99),
        "max": max(ms),
        "rps": len(ms) / total if total else 0.0,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="serve a copy of this store (default: load --lists)")
    parser.add_argument(
        "--lists",
        default=os.environ.get("SANCTIO_TEST_DATA", str(REPO.parent / "shared" / "data"))
        + "/lists",
        help="list files to load when no --store is given",
    )
    parser.add_argument("--requests", type=int, default=3000, help="requests to time")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds, at most")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--skip-inprocess", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 256:
        parser.error("--requests must be 1..100000 and --concurrency 1..256")

    work = Path(tempfile.mkdtemp(prefix="sanctio-bench-serve-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        db = prepare_store(args, work)
        progress("building the query set")
        queries = make_queries(db, args.requests + args.warmup, args.seed)
        timed, warm = queries[: args.requests], queries[args.requests :]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = work / "server.log"
        server = start_server(args, db, port, log)
        ready = wait_ready(server, base, timeout=180)
        progress(f"ready after {ready:.1f} s; warming up with {len(warm)} requests")
        asyncio.run(fire(base, [body(q) for q in warm], args.concurrency, args.time_limit))
        progress(f"timing {len(timed)} requests from {args.concurrency} clients")
        load_before = os.getloadavg()[0]
        latencies, errors, elapsed, kinds = asyncio.run(
            fire(base, [body(q) for q in timed], args.concurrency, args.time_limit)
        )
        metrics = httpx.get(f"{base}/metrics", timeout=10).text
        stop_server(server)
        log_lines = sum(1 for _ in log.open("rb"))
        local = None if args.skip_inprocess else in_process(db, timed)
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(work, ignore_errors=True)

    rps = len(latencies) / elapsed if elapsed else 0.0
    p50, p90, p99 = (pct(latencies, p) for p in (50, 90, 99))
    served = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith('sanctio_http_requests_total{method="POST",route="/match/{dataset}"')
    )
    print()
    print(
        f"sanctio serve, {args.workers} workers, {args.concurrency} concurrent httpx clients on "
        f"loopback, {os.cpu_count()} cores (client and server share them); load average "
        f"{load_before:.1f} before the run"
    )
    print()
    print("| setup | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| HTTP `/match/default`, 1 query each | {len(latencies):,} | {errors} | {rps:,.0f} | "
        f"{p50:.1f} | {p90:.1f} | {p99:.1f} | {max(latencies, default=0):.1f} |"
    )
    if local:
        print(
            f"| in-process `screen_query`, 1 core | {len(timed):,} | 0 | {local['rps']:,.0f} | "
            f"{local['p50']:.1f} | - | {local['p99']:.1f} | {local['max']:.1f} |"
        )
    print()
    if kinds:
        print(f"errors by kind: {kinds}")
    print(f"server's own count of /match requests (all workers, incl. warm-up): {served:,.0f}")
    mean = statistics.mean(latencies) if latencies else float("nan")
    print(f"JSON request log lines written: {log_lines:,}; mean latency {mean:.1f} ms")
    verdict = rps >= TARGET_RPS and p99 <= TARGET_P99_MS and errors == 0
    print(
        f"target ≥ {TARGET_RPS:.0f} req/s, p99 ≤ {TARGET_P99_MS:.0f} ms, no errors: "
        f"{'PASS' if verdict else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
