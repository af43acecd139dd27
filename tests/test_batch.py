"""Bulk screening (`sanctio.batch.screen_file`) on a store of self-written watchlists."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sanctio.batch import (
    MATCH_KEYS,
    BatchError,
    RowError,
    canonical_schema,
    meta_path,
    screen_file,
)
from sanctio.cli import app
from sanctio.model import Entity, Name
from sanctio.screener import Match, Screener
from sanctio.store import Store

BATCH = Path(__file__).resolve().parent / "fixtures" / "batch"
runner = CliRunner()

# Names of the watchlist entities (tests/fixtures/batch/custom_*.csv) and one that is
# on no list, cycled to make inputs long enough for several chunks.
LISTED = [
    ("Kim Kun", "Person"),
    ("Banco Nacional de Cuba", "Organization"),
    ("Oceanic Star", "Vessel"),
    ("Vladimir Petrovich Ivanov", "Person"),
    ("Golden Dragon Trading Company Limited", "Company"),
    ("Peter Parker", "Person"),
]


def load_store(path: Path) -> Path:
    result = runner.invoke(
        app,
        [
            "update",
            "--custom",
            f"testlist={BATCH / 'custom_testlist.csv'}",
            "--custom",
            f"other={BATCH / 'custom_other.csv'}",
            "--store",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load_store(tmp_path_factory.mktemp("store") / "sanctio.db")


@pytest.fixture
def long_input(tmp_path: Path) -> Path:
    """60 rows, so that chunks of 4 make 15 chunks; one duplicate id, one bad row."""
    path = tmp_path / "long.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "schema"])
        for i in range(60):
            name, schema = LISTED[i % len(LISTED)]
            row_id = "R-0007" if i == 40 else f"R-{i:04d}"
            writer.writerow([row_id, "" if i == 33 else name, schema])
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def data_ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [row["id"] for row in csv.DictReader(fh)]


def test_output_contract(store: Path, tmp_path: Path) -> None:
    """The key set other tools read is pinned here: change it only with them."""
    assert set(MATCH_KEYS) == {
        "entity_id",
        "dataset",
        "source_id",
        "name",
        "schema",
        "score",
        "explanation",
    }
    out = tmp_path / "out.jsonl"
    summary = screen_file(BATCH / "names.csv", out, store=store)
    lines = read_jsonl(out)
    assert [line["id"] for line in lines] == data_ids(BATCH / "names.csv")
    for line in lines:
        assert set(line) == {"id", "matches"}
        scores = [m["score"] for m in line["matches"]]
        assert scores == sorted(scores, reverse=True)
        for match in line["matches"]:
            assert set(MATCH_KEYS) <= set(match)
            assert set(match) - set(MATCH_KEYS) <= {"caption"}
            for key in ("entity_id", "dataset", "source_id", "name", "schema"):
                assert isinstance(match[key], str) and match[key]
            assert match["entity_id"] == f"{match['dataset']}:{match['source_id']}"
            assert isinstance(match["score"], float) and 0.0 <= match["score"] <= 1.0
            assert isinstance(match["explanation"], dict)
    by_id = {line["id"]: line for line in lines}
    assert "custom_testlist:T1" in {m["entity_id"] for m in by_id["C-001"]["matches"]}
    assert by_id["C-004"]["matches"][0]["entity_id"] == "custom_testlist:T3"
    assert by_id["C-011"]["matches"][0]["entity_id"] == "custom_other:O2"
    for unlisted in ("C-002", "C-005", "C-009"):
        assert by_id[unlisted]["matches"] == []
    assert (summary.rows, summary.screened, summary.errors) == (12, 12, 0)
    assert summary.duplicate_ids == 1  # C-003 twice: both screened
    assert summary.with_matches == sum(1 for line in lines if line["matches"])


def test_workers_keep_input_order(store: Path, long_input: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first = screen_file(long_input, one, store=store, workers=1, chunk_size=4)
    second = screen_file(long_input, two, store=store, workers=2, chunk_size=4)
    assert second.workers == 2
    assert two.read_bytes() == one.read_bytes()
    assert [line["id"] for line in read_jsonl(two)] == data_ids(long_input)
    assert first.to_dict() | {"elapsed": 0, "rows_per_second": 0, "workers": 0} == (
        second.to_dict() | {"elapsed": 0, "rows_per_second": 0, "workers": 0}
    )


def test_small_input_stays_in_process(store: Path, tmp_path: Path) -> None:
    summary = screen_file(BATCH / "names.csv", tmp_path / "o.jsonl", store=store, workers=2)
    assert summary.workers == 1  # 12 rows fit in one chunk: no processes to spawn


def test_resume_after_cut_mid_line(store: Path, long_input: Path, tmp_path: Path) -> None:
    reference = tmp_path / "reference.jsonl"
    full = screen_file(long_input, reference, store=store, chunk_size=4)
    out = tmp_path / "out.jsonl"
    data = reference.read_bytes()
    cut = sum(len(line) for line in data.splitlines(keepends=True)[:22])
    out.write_bytes(data[: cut + 25])  # 22 whole lines and the start of the 23rd
    shutil.copy(meta_path(reference), meta_path(out))
    resumed = screen_file(long_input, out, store=store, chunk_size=4, resume=True)
    assert out.read_bytes() == data
    assert resumed.resumed_from == 22
    for key in ("rows", "screened", "errors", "with_matches", "duplicate_ids"):
        assert getattr(resumed, key) == getattr(full, key), key
    meta = json.loads(meta_path(out).read_text())
    assert meta["status"] == "finished" and len(meta["resumed_at"]) == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_resume_after_interrupt(
    store: Path, long_input: Path, tmp_path: Path, workers: int
) -> None:
    reference = tmp_path / "reference.jsonl"
    screen_file(long_input, reference, store=store, chunk_size=5)
    out = tmp_path / "out.jsonl"

    def stop_after_two_chunks(done: int, total: int) -> None:
        if done >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        screen_file(
            long_input,
            out,
            store=store,
            chunk_size=5,
            workers=workers,
            on_progress=stop_after_two_chunks,
        )
    assert len(read_jsonl(out)) == 10  # flushed chunk by chunk
    assert json.loads(meta_path(out).read_text())["status"] == "interrupted"
    seen: list[int] = []
    resumed = screen_file(
        long_input,
        out,
        store=store,
        chunk_size=5,
        workers=workers,
        resume=True,
        on_start=lambda done, total: seen.append(done),
    )
    assert seen == [10]
    assert out.read_bytes() == reference.read_bytes()
    assert resumed.rows == 60 and resumed.resumed_from == 10
    assert json.loads(meta_path(out).read_text())["status"] == "finished"


def test_resume_of_finished_output_changes_nothing(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    screen_file(BATCH / "names.csv", out, store=store)
    before = out.read_bytes()
    again = screen_file(BATCH / "names.csv", out, store=store, resume=True)
    assert out.read_bytes() == before
    assert again.resumed_from == again.rows == 12 and again.duplicate_ids == 1


def test_resume_without_output_starts_fresh(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "new.jsonl"
    summary = screen_file(BATCH / "names.csv", out, store=store, resume=True)
    assert summary.resumed_from == 0 and len(read_jsonl(out)) == 12


def test_resume_refuses_output_of_another_input(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    screen_file(BATCH / "names.csv", out, store=store)
    before = out.read_bytes()
    with pytest.raises(BatchError, match=r"line 1 answers id 'C-001' but row 1"):
        screen_file(BATCH / "bad_rows.csv", out, store=store, resume=True)
    assert out.read_bytes() == before  # nothing truncated or appended


def test_resume_refuses_other_settings_or_lists(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    screen_file(BATCH / "names.csv", out, store=store)
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:5]))
    with pytest.raises(BatchError, match="same settings"):
        screen_file(BATCH / "names.csv", out, store=store, resume=True, threshold=0.5)
    meta = meta_path(out)
    info = json.loads(meta.read_text())
    meta.write_text(json.dumps(info | {"versions": {"custom_testlist": 999}}))
    with pytest.raises(BatchError, match="lists changed"):
        screen_file(BATCH / "names.csv", out, store=store, resume=True)
    assert out.read_bytes() == b"".join(lines[:5])


def test_bad_rows_reported_with_line_numbers(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    errors: list[RowError] = []
    summary = screen_file(BATCH / "bad_rows.csv", out, store=store, on_error=errors.append)
    # Line 1 is the header; B-05's quoted name spans lines 6-7; line 9 is blank.
    assert [(e.line, e.id) for e in errors] == [
        (3, "B-02"),  # empty name
        (4, "B-03"),  # unknown schema
        (5, None),  # missing id
        (10, "B-07"),  # more values than columns
        (12, "B-09"),  # control characters only
    ]
    assert "Spaceship" in errors[1].message and errors[2].message == "missing id"
    lines = read_jsonl(out)
    assert [line["id"] for line in lines] == [
        "B-01",
        "B-02",
        "B-03",
        None,
        "B-05",
        "B-06",
        "B-07",
        "B-08",
        "B-09",
        "B-10",
    ]
    failed = [line for line in lines if "error" in line]
    assert [(line["line"], line["id"]) for line in failed] == [(e.line, e.id) for e in errors]
    assert all(set(line) == {"id", "line", "error"} for line in failed)
    b05 = lines[4]["matches"]
    assert b05 and b05[0]["entity_id"] == "custom_testlist:T6"  # newline in name screened
    assert (summary.rows, summary.screened, summary.errors) == (10, 5, 5)
    assert summary.internal_errors == 0


def test_huge_name_is_one_bad_row(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("id,name\nA,Kim Kun\nB," + "x" * 10_000_000 + "\nC,Oceanic Star\n")
    out = tmp_path / "out.jsonl"
    errors: list[RowError] = []
    summary = screen_file(path, out, store=store, on_error=errors.append)
    assert [(e.line, e.id) for e in errors] == [(3, "B")]
    assert len(errors[0].message) < 200  # the name itself is not echoed back
    assert [line.get("error") is None for line in read_jsonl(out)] == [True, False, True]
    assert summary.screened == 2


def test_utf8_bom_semicolons_and_header_case(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    screen_file(BATCH / "bom_semicolon.csv", out, store=store)
    lines = read_jsonl(out)
    assert [line["id"] for line in lines] == ["U-1", "U-2"]
    assert lines[1]["matches"][0]["entity_id"] == "custom_testlist:T2"


def test_other_encodings_are_refused(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with pytest.raises(BatchError, match=r"cp1252\.csv, line 3: not UTF-8 \(byte 0xfc\)"):
        screen_file(BATCH / "cp1252.csv", out, store=store)
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text("id,name\nA,Kim Kun\n", encoding="utf-16")
    with pytest.raises(BatchError, match="UTF-16"):
        screen_file(utf16, out, store=store)
    nobom = tmp_path / "utf16le.csv"
    nobom.write_bytes("id,name\nA,Kim Kun\n".encode("utf-16-le"))
    with pytest.raises(BatchError, match="NUL"):
        screen_file(nobom, out, store=store)
    assert not out.exists()  # refused before anything was written


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ident,full name\n1,Kim Kun\n", "needs columns id and name; missing id, name"),
        ("id,name,Name\n1,Kim,Kun\n", "'name' appears twice"),
        ("", "empty file"),
        ('id,name\n1,"Kim Kun\n2,Oceanic Star\n', "line 2: unreadable CSV.*never closed"),
    ],
)
def test_unusable_files(store: Path, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "in.csv"
    path.write_text(content)
    with pytest.raises(BatchError, match=message):
        screen_file(path, tmp_path / "out.jsonl", store=store)


def test_header_only_gives_empty_output(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,name\n\n,,\n")
    out = tmp_path / "out.jsonl"
    summary = screen_file(path, out, store=store)
    assert out.read_bytes() == b"" and summary.rows == 0


def test_meta_sidecar(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    summary = screen_file(BATCH / "names.csv", out, store=store, limit=3, threshold=0.8)
    meta = json.loads((tmp_path / "out.jsonl.meta.json").read_text())
    with Store(store) as s:
        active = {v.dataset: v.id for v in s.active_versions()}
    assert meta["versions"] == active == summary.versions
    assert meta["parameters"] == {"limit": 3, "threshold": 0.8, "datasets": []}
    assert meta["status"] == "finished" and meta["finished_at"] >= meta["started_at"]
    assert meta["counts"]["rows"] == 12 and meta["counts"]["duplicate_ids"] == 1
    assert meta["sanctio_version"] and meta["input_format"] == "csv"
    assert all(len(line["matches"]) <= 3 for line in read_jsonl(out))


def test_dataset_filter(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    screen_file(BATCH / "names.csv", out, store=store, datasets=["custom_other"])
    found = {m["dataset"] for line in read_jsonl(out) for m in line["matches"]}
    assert found == {"custom_other"}
    other = tmp_path / "other.jsonl"
    with pytest.raises(BatchError, match="unknown dataset custom_nope"):
        screen_file(BATCH / "names.csv", other, store=store, datasets=["custom_nope"])
    assert not other.exists()


@pytest.mark.skipif(not importlib.util.find_spec("pyarrow"), reason="pyarrow not installed")
def test_parquet_input_matches_csv(store: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with (BATCH / "names.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    table = pa.Table.from_pylist([{k.upper(): (v or None) for k, v in row.items()} for row in rows])
    parquet = tmp_path / "names.parquet"
    pq.write_table(table, parquet)
    from_csv, from_parquet = tmp_path / "csv.jsonl", tmp_path / "parquet.jsonl"
    screen_file(BATCH / "names.csv", from_csv, store=store)
    summary = screen_file(parquet, from_parquet, store=store)
    assert from_parquet.read_bytes() == from_csv.read_bytes()
    assert summary.rows == 12
    assert json.loads(meta_path(from_parquet).read_text())["input_format"] == "parquet"


def _entity(source_id: str, name: str, schema: str = "Person") -> Entity:
    entity = Entity(dataset="custom_mem", source_id=source_id, schema=schema)
    entity.add_name(Name(name))
    return entity


def mem_entities() -> list[Entity]:
    return [_entity("M1", "Kim Kun"), _entity("M2", "Oceanic Star", "Vessel")]


def in_memory_screener() -> Screener:
    return Screener(mem_entities())


class FlakyScreener(Screener):
    """An engine failing on one name: that row must fail alone."""

    def screen(self, name: str, **kwargs: Any) -> list[Match]:
        if name == "Oceanic Star":
            raise RuntimeError("index corrupted")
        return super().screen(name, **kwargs)


def test_screener_factory_in_process(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    summary = screen_file(BATCH / "names.csv", out, screener_factory=in_memory_screener)
    by_id = {line["id"]: line for line in read_jsonl(out)}
    assert by_id["C-001"]["matches"][0]["entity_id"] == "custom_mem:M1"
    assert summary.versions == {}


def test_unpicklable_factory_with_workers(long_input: Path, tmp_path: Path) -> None:
    screener = in_memory_screener()
    with pytest.raises(BatchError, match="picklable"):
        screen_file(
            long_input,
            tmp_path / "out.jsonl",
            screener_factory=lambda: screener,
            workers=2,
            chunk_size=4,
        )
    # The same factory is fine in-process (how a server reuses its loaded screener).
    summary = screen_file(
        long_input, tmp_path / "out.jsonl", screener_factory=lambda: screener, chunk_size=4
    )
    assert summary.rows == 60


def test_engine_failure_costs_one_row(tmp_path: Path) -> None:
    def factory() -> Screener:
        return FlakyScreener(mem_entities())

    out = tmp_path / "out.jsonl"
    errors: list[RowError] = []
    summary = screen_file(
        BATCH / "names.csv", out, screener_factory=factory, on_error=errors.append
    )
    assert [(e.line, e.id) for e in errors] == [(5, "C-004")]
    assert errors[0].message.startswith("internal error: RuntimeError: index corrupted")
    assert summary.internal_errors == 1 and summary.screened == 11


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("person", "Person"),
        ("INDIVIDUAL", "Person"),
        ("legal entity", "LegalEntity"),
        ("ship", "Vessel"),
        ("", None),
        (None, None),
        ("Spaceship", "Spaceship"),
    ],
)
def test_canonical_schema(value: str | None, expected: str | None) -> None:
    assert canonical_schema(value) == expected


@pytest.mark.parametrize(
    "kwargs",
    [{"limit": 0}, {"threshold": 1.5}, {"workers": 0}, {"chunk_size": 0}],
)
def test_bad_settings(store: Path, tmp_path: Path, kwargs: dict[str, Any]) -> None:
    with pytest.raises(BatchError):
        screen_file(BATCH / "names.csv", tmp_path / "out.jsonl", store=store, **kwargs)


def test_output_must_not_be_the_input_or_nowhere(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    shutil.copy(BATCH / "names.csv", path)
    with pytest.raises(BatchError, match="is the input file"):
        screen_file(path, path, store=store)
    assert path.read_bytes() == (BATCH / "names.csv").read_bytes()
    with pytest.raises(BatchError, match="no such folder"):
        screen_file(path, tmp_path / "nowhere" / "out.jsonl", store=store)


def test_empty_store_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with pytest.raises(BatchError, match="no lists loaded"):
        screen_file(BATCH / "names.csv", out, store=tmp_path / "empty.db")
    assert not out.exists()


def test_dataset_order_does_not_block_resume(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    both = ["custom_testlist", "custom_other"]
    screen_file(BATCH / "names.csv", out, store=store, datasets=both)
    out.write_bytes(b"".join(out.read_bytes().splitlines(keepends=True)[:3]))
    summary = screen_file(BATCH / "names.csv", out, store=store, datasets=both[::-1], resume=True)
    assert summary.resumed_from == 3 and summary.rows == 12
