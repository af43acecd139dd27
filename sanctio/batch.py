"""Bulk screening: a file of names in, one JSON line per row out, in input order.

    from sanctio.batch import screen_file
    summary = screen_file("customers.csv", "hits.jsonl", store="sanctio.db", workers=2)

Input is CSV (UTF-8, with or without BOM; comma, semicolon or tab) or Parquet, with
columns ``id`` and ``name`` and optionally ``schema``, ``birth_date``, ``country`` and
``id_number`` (several values separated by ``;`` or ``|``). Column names are
case-insensitive; other columns are ignored.

Output (a contract other tools read; :data:`MATCH_KEYS` is pinned by a test) is JSON lines,
exactly one per input row, in input order::

    {"id": "C-1", "matches": [{"entity_id", "dataset", "source_id", "name", "caption",
                               "schema", "score", "explanation"}, ...]}   # highest first
    {"id": "C-2", "line": 3, "error": "name is empty (no letters or digits)"}

A bad row becomes an error line instead of stopping the run, so line *n* of the output
always answers row *n* of the input: that is what makes ``resume`` a matter of counting
lines. ``OUTPUT.meta.json`` beside it records the list versions, parameters and counts,
because the output itself has no room for them without breaking the one-line-per-row rule.

With ``workers > 1`` rows go in chunks to spawned processes, each holding its own
:class:`~sanctio.screener.Screener`; results come back and are written in submission order.
"""

from __future__ import annotations

import csv
import functools
import itertools
import multiprocessing
import os
import pickle
import re
import signal
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from sanctio import __version__
from sanctio.model import SCHEMATA
from sanctio.screener import DEFAULT_THRESHOLD, QueryError, Screener
from sanctio.store import Store

#: Keys every match object in the output carries (more may be added, never removed).
MATCH_KEYS = ("entity_id", "dataset", "source_id", "name", "schema", "score", "explanation")
#: Input columns sanctio reads; ``id`` and ``name`` are required.
COLUMNS = ("id", "name", "schema", "birth_date", "country", "id_number")
CHUNK_SIZE = 256

_COLUMN_ALIASES = {
    "birthdate": "birth_date",
    "dob": "birth_date",
    "date_of_birth": "birth_date",
    "countries": "country",
    "id_numbers": "id_number",
    "idnumber": "id_number",
}
_SCHEMA_ALIASES = {s.lower(): s for s in SCHEMATA} | {
    "individual": "Person",
    "organisation": "Organization",
    "entity": "Organization",
    "legal_entity": "LegalEntity",
    "ship": "Vessel",
    "aircraft": "Airplane",
}
_SPLIT = re.compile(r"\s*[;|]\s*")
_DELIMITERS = (",", ";", "\t")
ScreenerFactory = Callable[[], Screener]


class BatchError(Exception):
    """The run cannot start or go on at all (unreadable input, mismatched output...)."""


def canonical_schema(value: str | None) -> str | None:
    """``person``/``individual`` → ``Person``; unknown values pass through for the screener
    to refuse with its own message, empty ones mean "any schema"."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    return _SCHEMA_ALIASES.get(re.sub(r"[\s\-]+", "_", value.lower()), value)


def default_workers() -> int:
    """Two processes where there are two cores: each holds a full screener in memory, so
    more is an explicit choice (``--workers``)."""
    return max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True, slots=True)
class InputRow:
    """One input row; ``line`` is where it starts in a CSV (1 = header), a Parquet row's
    number otherwise. ``problem`` is set when the row is malformed beyond screening."""

    line: int
    id: str | None
    name: str = ""
    schema: str | None = None
    birth_date: str | None = None
    countries: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    id: str | None
    message: str


@dataclass
class BatchSummary:
    """Counts over the whole input (resumed rows included); speed over this run only."""

    input: Path
    output: Path
    meta: Path
    rows: int = 0
    screened: int = 0
    errors: int = 0
    internal_errors: int = 0  # engine failures, not input problems: worth a bug report
    with_matches: int = 0
    duplicate_ids: int = 0
    resumed_from: int = 0
    elapsed: float = 0.0
    versions: dict[str, int] = field(default_factory=dict)
    workers: int = 1

    @property
    def rows_per_second(self) -> float:
        done = self.rows - self.resumed_from
        return done / self.elapsed if self.elapsed > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "screened": self.screened,
            "errors": self.errors,
            "internal_errors": self.internal_errors,
            "with_matches": self.with_matches,
            "duplicate_ids": self.duplicate_ids,
            "resumed_from": self.resumed_from,
            "elapsed": round(self.elapsed, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "workers": self.workers,
        }


# ---------------------------------------------------------------------------- input


class _Input:
    """A readable input file: its row count (for progress) and a fresh row iterator."""

    kind: Literal["csv", "parquet"]
    total: int

    def rows(self) -> Iterator[InputRow]:
        raise NotImplementedError


def open_input(path: Path) -> _Input:
    """Check the whole input before anything is screened: an encoding error at row 900,000
    should stop the run before it starts, not after an hour."""
    if not path.is_file():
        raise BatchError(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == b"PAR1" or path.suffix.lower() in (".parquet", ".pq"):
        return _ParquetInput(path)
    return _CsvInput(path, head)


class _CsvInput(_Input):
    kind = "csv"

    def __init__(self, path: Path, head: bytes):
        self.path = path
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise BatchError(f"{path}: UTF-16 text; save it as UTF-8 ('CSV UTF-8')")
        if head.startswith(b"PK\x03\x04"):
            raise BatchError(f"{path}: a zip/Excel file, not CSV; save it as 'CSV UTF-8'")
        # Names longer than csv's default 128 KiB field limit must reach the screener and
        # come back as a row error, not abort the file.
        csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
        self.total = sum(1 for _ in self.rows())

    def _lines(self) -> Iterator[str]:
        with self.path.open("rb") as fh:
            for number, raw in enumerate(fh, 1):
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise BatchError(
                        f"{self.path}, line {number}: not UTF-8 (byte 0x{raw[exc.start]:02x}); "
                        "save the file as UTF-8 ('CSV UTF-8')"
                    ) from exc
                if "\x00" in text:
                    raise BatchError(
                        f"{self.path}, line {number}: NUL bytes (binary data, or UTF-16 "
                        "without BOM?); save the file as UTF-8"
                    )
                yield text

    def rows(self) -> Iterator[InputRow]:
        lines = self._lines()
        skipped = 0
        first = ""
        for first in lines:
            if first.strip():
                break
            skipped += 1
        if not first.strip():
            raise BatchError(f"{self.path}: empty file (expected a header row with id,name)")
        delimiter = max(_DELIMITERS, key=lambda d: (first.count(d), -_DELIMITERS.index(d)))
        # strict: a stray quote must stop the run, not silently swallow the rows after it
        reader = csv.reader(_chain(first, lines), delimiter=delimiter, strict=True)
        previous = 0  # physical lines consumed by the rows read so far
        try:
            header = next(reader)
            columns = _columns(header, f"{self.path}, line {skipped + 1}")
            previous = reader.line_num
            for values in reader:
                start, previous = skipped + previous + 1, reader.line_num
                if not any(v.strip() for v in values):
                    continue  # blank lines, and the ",,,," rows spreadsheets leave behind
                cells = {c: values[i] if i < len(values) else "" for c, i in columns.items()}
                problem = None
                if len(values) > len(header):
                    problem = (
                        f"row has {len(values)} values but the header has {len(header)} "
                        "columns (an unquoted delimiter in a name?)"
                    )
                yield _make_row(start, cells, problem)
        except csv.Error as exc:
            hint = (
                "; a quote opened in this row is never closed" if "end of data" in str(exc) else ""
            )
            raise BatchError(
                f"{self.path}, line {skipped + previous + 1}: unreadable CSV ({exc}){hint}"
            ) from exc


class _ParquetInput(_Input):
    kind = "parquet"

    def __init__(self, path: Path):
        try:
            import pyarrow.parquet as pq  # type: ignore[import-untyped]
        except ImportError as exc:
            raise BatchError(
                f"{path}: reading Parquet needs pyarrow: pip install 'sanctio[parquet]'"
            ) from exc
        self.path = path
        try:
            self.file = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises its own ArrowInvalid/OSError family
            raise BatchError(f"{path}: unreadable Parquet ({exc})") from exc
        names = list(self.file.schema_arrow.names)
        self.columns = {c: names[i] for c, i in _columns(names, str(path)).items()}
        self.total = int(self.file.metadata.num_rows)

    def rows(self) -> Iterator[InputRow]:
        number = 0
        wanted = list(self.columns.values())
        for batch in self.file.iter_batches(batch_size=4096, columns=wanted):
            data = {c: batch.column(name).to_pylist() for c, name in self.columns.items()}
            for r in range(batch.num_rows):
                number += 1
                cells = {c: "" if v[r] is None else str(v[r]) for c, v in data.items()}
                yield _make_row(number, cells)


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


def _columns(header: Sequence[str], where: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = re.sub(r"[\s\-]+", "_", str(raw).strip().lower())
        key = _COLUMN_ALIASES.get(key, key)
        if key not in COLUMNS:
            continue
        if key in columns:
            raise BatchError(f"{where}: column {key!r} appears twice in the header")
        columns[key] = index
    missing = [c for c in ("id", "name") if c not in columns]
    if missing:
        found = ", ".join(repr(str(h)) for h in header[:10])
        raise BatchError(
            f"{where}: the header needs columns id and name; missing {', '.join(missing)}"
            f" (found {found})"
        )
    return columns


def _make_row(line: int, cells: dict[str, str], problem: str | None = None) -> InputRow:
    def cell(col: str) -> str:
        return cells.get(col, "").strip()

    return InputRow(
        line,
        cell("id") or None,
        cell("name"),
        cell("schema") or None,
        cell("birth_date") or None,
        tuple(v for v in _SPLIT.split(cell("country")) if v),
        tuple(v for v in _SPLIT.split(cell("id_number")) if v),
        problem,
    )


# --------------------------------------------------------------------------- screening


@dataclass(frozen=True, slots=True)
class _Settings:
    limit: int
    threshold: float
    datasets: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class _Outcome:
    line: bytes
    status: Literal["ok", "error", "internal"]
    matched: bool = False
    message: str | None = None


@dataclass(frozen=True, slots=True)
class _ChunkResult:
    versions: dict[str, int]
    outcomes: list[_Outcome]


class _Engine:
    """One screener plus the run's settings; lives in the parent or in each worker."""

    def __init__(self, screener: Screener, settings: _Settings):
        self.screener = screener
        self.settings = settings

    def run(self, rows: Sequence[InputRow]) -> _ChunkResult:
        return _ChunkResult(dict(self.screener.versions), [self._row(r) for r in rows])

    def _row(self, row: InputRow) -> _Outcome:
        if row.problem:
            return _error(row, row.problem)
        if not row.id:
            return _error(row, "missing id")
        s = self.settings
        try:
            matches = self.screener.screen(
                row.name,
                schema=canonical_schema(row.schema),
                birth_date=row.birth_date,
                country=row.countries,
                id_number=row.id_numbers,
                datasets=s.datasets,
                limit=s.limit,
                threshold=s.threshold,
            )
            docs = sorted((m.to_dict() for m in matches), key=lambda d: -d["score"])
            line = orjson.dumps({"id": row.id, "matches": docs}) + b"\n"
        except QueryError as exc:
            return _error(row, str(exc))
        except Exception as exc:  # one engine failure must not cost the other rows
            return _error(row, f"internal error: {type(exc).__name__}: {exc}", "internal")
        return _Outcome(line, "ok", bool(docs))


def _error(row: InputRow, message: str, status: Literal["error", "internal"] = "error") -> _Outcome:
    line = orjson.dumps({"id": row.id, "line": row.line, "error": message}) + b"\n"
    return _Outcome(line, status, message=message)


def _open_screener(store: str | None) -> Screener:
    return Screener.open(Store(store))


_WORKER: _Engine | BaseException | None = None


def _init_worker(factory: ScreenerFactory, settings: _Settings) -> None:
    """Keep a failure for the first chunk to raise: an initializer that raises makes
    multiprocessing respawn the worker forever instead of reporting it.

    Ctrl-C reaches the whole process group; only the parent acts on it (it stops the pool
    and keeps what is written), so workers ignore it rather than each print a traceback.
    """
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _WORKER = _Engine(factory(), settings)
    except BaseException as exc:
        _WORKER = exc


def _run_chunk(rows: list[InputRow]) -> _ChunkResult:
    if isinstance(_WORKER, BaseException):
        raise _WORKER
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.run(rows)


def _chunks(rows: Iterator[InputRow], size: int) -> Iterator[list[InputRow]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _results_in_process(
    engine: _Engine, chunks: Iterator[list[InputRow]]
) -> Generator[tuple[list[InputRow], _ChunkResult], None, None]:
    for chunk in chunks:
        yield chunk, engine.run(chunk)


def _results_in_pool(
    factory: ScreenerFactory, settings: _Settings, workers: int, chunks: Iterator[list[InputRow]]
) -> Generator[tuple[list[InputRow], _ChunkResult], None, None]:
    """Ordered like ``imap`` but with a bounded queue: ``imap`` would read (and hold) the
    whole input ahead of the workers."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(factory, settings)) as pool:
        pending: deque[tuple[list[InputRow], Any]] = deque()
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_run_chunk, (chunk,))))
            if len(pending) >= 2 * workers:
                rows, result = pending.popleft()
                yield rows, result.get()
        while pending:
            rows, result = pending.popleft()
            yield rows, result.get()


# ------------------------------------------------------------------------- the run


def meta_path(output: Path) -> Path:
    return output.with_name(output.name + ".meta.json")


def _write_meta(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    os.replace(tmp, path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _resume_point(
    output: Path, rows: Iterator[InputRow], summary: BatchSummary, seen: set[str | None]
) -> int:
    """Check OUTPUT against the first rows of INPUT, tally it, and return the byte offset
    where writing continues (dropping a last line cut off by the interruption)."""
    offset = 0
    with output.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                break  # the line being written when the run stopped
            try:
                doc = orjson.loads(raw)
                out_id = doc["id"]
            except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
                raise BatchError(
                    f"{output}, line {number}: not a sanctio batch output line; "
                    "remove the file or run without --resume"
                ) from exc
            row = next(rows, None)
            if row is None:
                raise BatchError(
                    f"{output} has more lines than {summary.input} has rows; "
                    "it was not written from this input"
                )
            if out_id != row.id:
                raise BatchError(
                    f"{output}, line {number} answers id {out_id!r} but row {number} of "
                    f"{summary.input} (line {row.line}) has id {row.id!r}: the output was not "
                    "written from this input; remove it or run without --resume"
                )
            _tally(
                summary, seen, row.id, "error" if "error" in doc else "ok", bool(doc.get("matches"))
            )
            offset += len(raw)
    summary.resumed_from = summary.rows
    return offset


def _tally(
    summary: BatchSummary, seen: set[str | None], row_id: str | None, status: str, matched: bool
) -> None:
    summary.rows += 1
    if row_id is not None:
        if row_id in seen:
            summary.duplicate_ids += 1
        else:
            seen.add(row_id)
    if status == "ok":
        summary.screened += 1
        summary.with_matches += matched
    else:
        summary.errors += 1
        summary.internal_errors += status == "internal"


def screen_file(
    input_path: Path | str,
    output_path: Path | str,
    *,
    store: Path | str | None = None,
    screener_factory: ScreenerFactory | None = None,
    limit: int = 10,
    threshold: float = DEFAULT_THRESHOLD,
    workers: int = 1,
    datasets: Sequence[str] | None = None,
    resume: bool = False,
    chunk_size: int = CHUNK_SIZE,
    on_start: Callable[[int, int], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_error: Callable[[RowError], None] | None = None,
) -> BatchSummary:
    """Screen every row of ``input_path`` into ``output_path`` (JSON lines, input order).

    The screener comes from ``screener_factory`` (called once per process; it must be
    picklable, e.g. a module-level function or ``functools.partial``, when ``workers > 1``)
    or else from the store at ``store`` (default: ``$SANCTIO_HOME``). ``on_start(done,
    total)`` is called once with the rows already in a resumed output; ``on_progress(done,
    total)`` after each chunk; ``on_error`` for each row written as an error line.
    Raises :class:`BatchError` when the input, the output or the settings rule out a run.
    """
    started = time.perf_counter()
    input_path, output_path = Path(input_path), Path(output_path)
    if limit < 1:
        raise BatchError("limit must be at least 1")
    if not 0.0 <= threshold <= 1.0:
        raise BatchError("threshold must be between 0 and 1")
    if workers < 1 or chunk_size < 1:
        raise BatchError("workers and chunk size must be at least 1")
    factory = screener_factory or functools.partial(
        _open_screener, None if store is None else str(store)
    )
    settings = _Settings(limit, threshold, tuple(datasets) if datasets else None)
    source = open_input(input_path)
    if output_path.resolve() == input_path.resolve():
        raise BatchError(f"{output_path} is the input file; choose another output")
    if not output_path.parent.is_dir():
        raise BatchError(f"{output_path.parent}: no such folder for the output")
    meta = meta_path(output_path)
    summary = BatchSummary(input_path, output_path, meta)
    parameters = {"limit": limit, "threshold": threshold, "datasets": sorted(datasets or [])}
    previous: dict[str, Any] = {}
    rows = source.rows()
    seen: set[str | None] = set()
    offset = 0
    resuming = resume and output_path.exists()
    if resuming:
        if meta.exists():
            try:
                previous = orjson.loads(meta.read_bytes())
            except orjson.JSONDecodeError as exc:
                raise BatchError(f"{meta}: unreadable ({exc}); remove it to resume") from exc
            if previous.get("parameters", parameters) != parameters:
                raise BatchError(
                    f"{output_path} was written with {previous['parameters']}, not {parameters};"
                    " resume with the same settings, or run without --resume"
                )
        offset = _resume_point(output_path, rows, summary, seen)
    remaining = source.total - summary.resumed_from
    if workers > 1 and remaining <= chunk_size:
        workers = 1  # spawning processes that each load the lists costs more than it saves
    summary.workers = workers
    if workers > 1:
        try:
            pickle.dumps(factory)
        except Exception as exc:
            raise BatchError(
                "with workers > 1 the screener factory must be picklable"
                " (a module-level function or functools.partial)"
            ) from exc

    info: dict[str, Any] = {
        "sanctio_version": __version__,
        "input": str(input_path),
        "output": str(output_path),
        "input_format": source.kind,
        "parameters": parameters,
        "versions": previous.get("versions"),
        "started_at": previous.get("started_at") or _now(),
        "resumed_at": [*previous.get("resumed_at", []), _now()] if resuming else [],
        "finished_at": None,
        "status": "running",
    }
    if on_start:
        on_start(summary.rows, source.total)
    chunks = _chunks(rows, chunk_size)
    results: Generator[tuple[list[InputRow], _ChunkResult], None, None]
    if workers == 1:
        results = _results_in_process(_Engine(factory(), settings), chunks)
    else:
        results = _results_in_pool(factory, settings, workers, chunks)
    status, started_writing = "failed", False
    try:
        # The first result proves the screener opened and tells its list versions: settle
        # both before the output file is touched.
        first = next(results, None)
        if first is not None:
            versions = first[1].versions
            if info["versions"] is None:
                if not versions and screener_factory is None:
                    raise BatchError(
                        f"no lists loaded in {store or 'the default store'}: "
                        "run `sanctio update` first"
                    )
                _check_datasets(versions, settings.datasets)
                info["versions"] = versions
            _check_versions(info["versions"], versions)
        _write_meta(meta, info | {"counts": summary.to_dict()})
        started_writing = True
        with output_path.open("r+b" if offset else "wb") as out:
            out.truncate(offset)
            out.seek(offset)
            for chunk, result in itertools.chain([first] if first else [], results):
                _check_versions(info["versions"], result.versions)
                out.write(b"".join(o.line for o in result.outcomes))
                out.flush()  # a kill now loses at most the chunk being screened
                for row, outcome in zip(chunk, result.outcomes, strict=True):
                    _tally(summary, seen, row.id, outcome.status, outcome.matched)
                    if outcome.message is not None and on_error:
                        on_error(RowError(row.line, row.id, outcome.message))
                if on_progress:
                    on_progress(summary.rows, source.total)
        status = "finished"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        results.close()  # stops a pool now rather than at garbage collection
        summary.elapsed = time.perf_counter() - started
        summary.versions = info["versions"] or {}
        if started_writing:
            info["status"] = status
            if status == "finished":
                info["finished_at"] = _now()
            _write_meta(meta, info | {"counts": summary.to_dict()})
    return summary


def _check_versions(expected: dict[str, int] | None, versions: dict[str, int]) -> None:
    if expected is not None and versions != expected:
        raise BatchError(
            f"the lists changed since this output was started (versions {expected}, now "
            f"{versions}); run again without --resume"
        )


def _check_datasets(versions: dict[str, int], datasets: tuple[str, ...] | None) -> None:
    """A misspelt dataset code would screen against nothing and report "no match"."""
    unknown = [d for d in datasets or () if versions and d not in versions]
    if unknown:
        raise BatchError(
            f"unknown dataset {', '.join(unknown)}; loaded: {', '.join(sorted(versions))}"
        )
