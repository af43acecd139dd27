"""The audit log: who screened what, when, against which list versions, with what answer.

Every screening interface (HTTP API, ``sanctio screen``, ``sanctio batch``, text scans)
appends one entry to the store's ``audit`` table (append-only: triggers refuse UPDATE and
DELETE, rows are hash-chained). An entry is written so that the answer can be
*reproduced*: its ``query`` is the complete screening request in the form :func:`run`
executes, and its ``versions`` name the list versions the answer came from. The store
keeps every version, so :func:`replay` rebuilds the screener over exactly those versions
and runs the request again, however many list updates came since.

The request form (``query`` of an entry), shared by every channel::

    {"kind": "match" | "search" | "screen" | "reconcile",
     "queries": {"q1": {"schema": "Person", "names": ["Kim Kun"], "birth_dates": ["1954"],
                        "countries": ["kh"], "identifiers": []}},
     "datasets": ["us_ofac_sdn", ...] | null,        # null: every loaded list
     "limit": 5, "threshold": 0.7, "cutoff": 0.7,
     "exclude_entity_ids": [], "exclude_schema": [], "topics": [],
     "sanctio_version": "0.1.0", ...}                 # plus channel details (endpoint, ...)

Results are stored compactly (entity id, matched name, score, whether it is a match):
explanations follow from replaying.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from sanctio import __version__
from sanctio.store import AuditEntry, Store

if TYPE_CHECKING:
    from sanctio.batch import BatchSummary
    from sanctio.screener import Match, Query, Screener

# The engine slices its sorted answer after scoring every candidate, so asking it for many
# costs nothing more; exclusions are applied before the caller's limit.
_ALL = 10_000


class AuditError(Exception):
    """An entry cannot be replayed; the message says why."""


@functools.cache
def local_who() -> str:
    """``local:<user>`` for requests made on this machine without an API key."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"local:{user}"


# ---------------------------------------------------------------------------- API keys

KEY_PREFIX = "sanctio_"


def new_key() -> str:
    """A fresh API key: 256 random bits, prefixed so a leaked one is easy to recognise."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """What the store keeps of a key. Keys are random, not chosen passwords, so one round
    of sha256 is enough: there is nothing to guess from a dictionary."""
    return hashlib.sha256(key.strip().encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class QuerySpec:
    """One thing to screen: a name (or several: all are tried, the best counts)."""

    names: tuple[str, ...]
    schema: str | None = None
    birth_dates: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "names": list(self.names),
            "birth_dates": list(self.birth_dates),
            "countries": list(self.countries),
            "identifiers": list(self.identifiers),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuerySpec:
        return cls(
            tuple(data.get("names") or ()),
            data.get("schema"),
            tuple(data.get("birth_dates") or ()),
            tuple(data.get("countries") or ()),
            tuple(data.get("identifiers") or ()),
        )


@dataclass
class Outcome:
    """The answer to one :class:`QuerySpec`: matches best first, and how many there were."""

    matches: list[Match]
    total: int
    # (dataset, schema) of every match above the cutoff, before the limit: for facets
    found: list[tuple[str, str]] = field(default_factory=list)


def request_dict(
    kind: str,
    queries: dict[str, QuerySpec],
    *,
    datasets: Sequence[str] | None,
    limit: int,
    threshold: float,
    cutoff: float | None = None,
    exclude_entity_ids: Iterable[str] = (),
    exclude_schema: Iterable[str] = (),
    topics: Iterable[str] = (),
    **extra: Any,
) -> dict[str, Any]:
    """The request as logged and as :func:`run` executes it."""
    return {
        "kind": kind,
        "queries": {key: spec.to_dict() for key, spec in queries.items()},
        "datasets": None if datasets is None else sorted(datasets),
        "limit": limit,
        "threshold": threshold,
        "cutoff": threshold if cutoff is None else cutoff,
        "exclude_entity_ids": sorted(set(exclude_entity_ids)),
        "exclude_schema": sorted(set(exclude_schema)),
        "topics": sorted(set(topics)),
        "sanctio_version": __version__,
        **extra,
    }


def run_one(screener: Screener, spec: QuerySpec, request: dict[str, Any]) -> Outcome:
    """Screen one spec under a request's settings; every name and birth date is tried and
    each listing keeps its best score. Raises :class:`~sanctio.screener.QueryError`."""
    from sanctio.screener import Query

    topics = request.get("topics") or []
    if topics and "sanction" not in topics:
        return Outcome([], 0)  # every listing sanctio holds is a sanction
    excluded_ids = set(request.get("exclude_entity_ids") or ())
    excluded_schema = set(request.get("exclude_schema") or ())
    datasets = request.get("datasets")
    if datasets is not None and not datasets:
        return Outcome([], 0)  # a collection with no loaded list: nothing to screen against
    best: dict[str, Match] = {}
    for name in spec.names:
        for birth_date in spec.birth_dates or (None,):
            query = Query(name, spec.schema, birth_date, spec.countries, spec.identifiers)
            found = screener.screen_query(
                query, datasets=datasets, limit=_ALL, threshold=float(request["cutoff"])
            )
            for match in found:
                seen = best.get(match.entity_id)
                if seen is None or match.score > seen.score:
                    best[match.entity_id] = match
    kept = [
        m
        for m in best.values()
        if m.entity_id not in excluded_ids and m.schema not in excluded_schema
    ]
    kept.sort(key=lambda m: (-m.score, m.entity_id))
    where = [(m.dataset, m.schema) for m in kept]
    return Outcome(kept[: int(request["limit"])], len(kept), where)


def run(screener: Screener, request: dict[str, Any]) -> dict[str, Outcome]:
    """Execute a logged request (see the module docstring) against a screener."""
    return {
        key: run_one(screener, QuerySpec.from_dict(spec), request)
        for key, spec in request["queries"].items()
    }


def compact(outcomes: dict[str, Outcome], threshold: float) -> dict[str, Any]:
    """What the log keeps of an answer: enough to compare a replay with it."""
    return {
        key: {
            "total": outcome.total,
            "matches": [
                {
                    "entity_id": m.entity_id,
                    "name": m.name,
                    "score": round(m.score, 4),
                    "match": m.score >= threshold,
                }
                for m in outcome.matches
            ],
        }
        for key, outcome in outcomes.items()
    }


# ----------------------------------------------------------------------------- writing


def record(
    store: Store,
    *,
    who: str,
    channel: str,
    query: dict[str, Any],
    versions: dict[str, int],
    results: Any,
) -> AuditEntry:
    return store.append_audit(who, channel, query, dict(versions), results)


def log_screen(
    store_path: Path | None,
    query: Query,
    datasets: Sequence[str] | None,
    limit: int,
    threshold: float,
    matches: list[Match],
    versions: dict[str, int],
    *,
    who: str | None = None,
) -> AuditEntry:
    """The entry for ``sanctio screen`` (one query, the CLI's own settings)."""
    spec = QuerySpec(
        (query.name,),
        query.schema,
        (query.birth_date,) if query.birth_date else (),
        tuple(query.countries),
        tuple(query.identifiers),
    )
    request = request_dict(
        "screen", {"q": spec}, datasets=datasets or None, limit=limit, threshold=threshold
    )
    results = compact({"q": Outcome(matches, len(matches))}, threshold)
    with Store(store_path) as store:
        return record(
            store,
            who=who or local_who(),
            channel="cli",
            query=request,
            versions=versions,
            results=results,
        )


def log_scan(
    store_path: Path | None,
    text: str,
    mentions: Sequence[Any],
    versions: dict[str, int],
    *,
    who: str | None = None,
) -> AuditEntry:
    """The entry for a text scan (``sanctio scan``): the whole text, so it can be replayed;
    ``mentions`` are the scanner's objects (with ``to_dict()``) or their dicts."""
    found = [m if isinstance(m, dict) else m.to_dict() for m in mentions]
    with Store(store_path) as store:
        return record(
            store,
            who=who or local_who(),
            channel="scan",
            query={"kind": "scan", "text": text, "sanctio_version": __version__},
            versions=versions,
            results={"mentions": [compact_mention(m) for m in found]},
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def log_batch(
    store_path: Path | None,
    input_path: Path,
    output: Path,
    summary: BatchSummary,
    *,
    limit: int,
    threshold: float,
    datasets: Sequence[str] | None,
    who: str | None = None,
) -> AuditEntry:
    """One entry per ``sanctio batch`` run, not one per row: the output file is the
    per-row record, and the entry pins it (and the input) by sha256, with the settings
    and list versions that produced it, so :func:`replay` can run it again and compare."""
    request = {
        "kind": "batch",
        "input": str(input_path.resolve()),
        "input_sha256": file_sha256(input_path),
        "output": str(output.resolve()),
        "meta": str(summary.meta.resolve()),
        "datasets": sorted(datasets) if datasets else None,
        "limit": limit,
        "threshold": threshold,
        "sanctio_version": __version__,
    }
    results = {"summary": summary.to_dict(), "output_sha256": file_sha256(output)}
    with Store(store_path) as store:
        return record(
            store,
            who=who or local_who(),
            channel="batch",
            query=request,
            versions=summary.versions,
            results=results,
        )


def export(
    store: Store,
    out: IO[bytes],
    *,
    since: str | None = None,
    until: str | None = None,
    channel: str | None = None,
    who: str | None = None,
) -> int:
    """Write entries as JSON lines, oldest first; returns how many."""
    count = 0
    for entry in store.audit_entries(since, until, channel, who):
        out.write(orjson.dumps(entry.to_dict()) + b"\n")
        count += 1
    return count


# ----------------------------------------------------------------------------- replay


def screener_for_versions(store: Store, versions: dict[str, int]) -> Screener:
    """A screener over exactly these list versions: the saved index when they are the
    active ones, else an index built from the versions the store keeps."""
    from sanctio.index import Index
    from sanctio.screener import Screener

    versions = {k: int(v) for k, v in versions.items()}
    active = {v.dataset: v.id for v in store.active_versions()}
    if versions == active:
        return Screener.open(store)
    for dataset, vid in versions.items():
        known = store.version(vid)
        if known is None or known.dataset != dataset or known.status == "refused":
            raise AuditError(f"version {vid} of {dataset} is not in this store")

    def entities() -> Iterable[Any]:
        for dataset in sorted(versions):  # the order build_index reads the active ones in
            yield from store.entities(dataset, versions[dataset])

    return Screener(index=Index.build(entities(), versions))


def replay(store: Store, entry: AuditEntry, screener: Screener | None = None) -> Any:
    """Run a logged request again over the versions it names; returns results in the
    form the entry stored them, so ``replay(store, e) == e.results`` proves the answer."""
    query = entry.query
    kind = query.get("kind")
    if screener is None and kind != "batch":
        screener = screener_for_versions(store, entry.versions)
    if kind in ("match", "search", "screen", "reconcile"):
        assert screener is not None
        return compact(run(screener, query), float(query["threshold"]))
    if kind == "scan":
        assert screener is not None
        from sanctio.scan import scan_text  # type: ignore[import-not-found,unused-ignore]

        mentions = scan_text(screener, query["text"])
        return {"mentions": [compact_mention(m.to_dict()) for m in mentions]}
    if kind == "batch":
        return _replay_batch(store, entry)
    raise AuditError(f"entry {entry.id}: requests of kind {kind!r} cannot be replayed")


def compact_mention(mention: dict[str, Any]) -> dict[str, Any]:
    keys = ("start", "end", "text", "entity_id", "score")
    out = {k: mention.get(k) for k in keys}
    if isinstance(out["score"], float):
        out["score"] = round(out["score"], 4)
    return out


def _replay_batch(store: Store, entry: AuditEntry) -> Any:
    from sanctio.batch import screen_file

    query = entry.query
    source = Path(query["input"])
    if not source.is_file() or file_sha256(source) != query["input_sha256"]:
        raise AuditError(f"entry {entry.id}: the input {source} is gone or has changed")
    screener = screener_for_versions(store, entry.versions)
    with tempfile.TemporaryDirectory(prefix="sanctio-replay-") as tmp:
        output = Path(tmp) / "replay.jsonl"
        summary = screen_file(
            source,
            output,
            screener_factory=lambda: screener,
            limit=int(query["limit"]),
            threshold=float(query["threshold"]),
            datasets=query.get("datasets"),
            workers=1,
        )
        digest = file_sha256(output)
    original = dict(entry.results["summary"])
    replayed = summary.to_dict()
    for volatile in ("elapsed", "rows_per_second", "workers", "resumed_from"):
        replayed[volatile] = original.get(volatile)
    return {"summary": replayed, "output_sha256": digest}
