"""`sanctio screen` and `sanctio batch` end to end, on the self-written watchlists."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sanctio.batch import MATCH_KEYS
from sanctio.cli import app
from tests.test_batch import BATCH, LISTED, load_store

runner = CliRunner()
WIDE = {"COLUMNS": "200"}  # so table cells are not folded across lines


@pytest.fixture
def loaded(sanctio_home: Path) -> Path:
    """The watchlists loaded into the default store ($SANCTIO_HOME, set per test)."""
    return load_store(sanctio_home / "sanctio.db")


def test_screen_table(loaded: Path) -> None:
    result = runner.invoke(app, ["screen", "Kim Kun", "--schema", "person"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "custom_testlist:T1" in result.stdout and "custom_other:O1" in result.stdout
    for column in ("score", "entity id", "matched name", "caption", "schema", "dataset"):
        assert column in result.stdout


def test_screen_json_shape(loaded: Path) -> None:
    result = runner.invoke(
        app,
        [
            "screen",
            "Kim Kun",
            "--birth-date",
            "1954",
            "--country",
            "kh",
            "--id",
            "N0000259216",
            "-d",
            "custom_testlist",
            "--limit",
            "5",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"query", "matches", "versions"}
    assert data["query"] == {
        "name": "Kim Kun",
        "schema": None,
        "birth_date": "1954",
        "countries": ["kh"],
        "identifiers": ["N0000259216"],
        "datasets": ["custom_testlist"],
        "limit": 5,
        "threshold": data["query"]["threshold"],
    }
    assert 0 < data["query"]["threshold"] <= 1
    lists = json.loads(runner.invoke(app, ["lists", "--json"]).stdout)
    assert data["versions"] == {v["dataset"]: v["id"] for v in lists}
    assert data["matches"][0]["entity_id"] == "custom_testlist:T1"
    for match in data["matches"]:
        assert set(MATCH_KEYS) <= set(match) and match["dataset"] == "custom_testlist"


def test_screen_store_option(sanctio_home: Path, tmp_path: Path) -> None:
    db = load_store(tmp_path / "elsewhere.db")
    result = runner.invoke(app, ["screen", "Oceanic Star", "--store", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["matches"][0]["entity_id"] == "custom_testlist:T3"
    empty = runner.invoke(app, ["screen", "Oceanic Star"])  # the (empty) default store
    assert empty.exit_code == 1 and "no lists loaded" in empty.stderr


def test_screen_no_match(loaded: Path) -> None:
    result = runner.invoke(app, ["screen", "Jane Smith"])
    assert result.exit_code == 0, result.output
    assert "no matches" in result.stdout
    data = json.loads(runner.invoke(app, ["screen", "Jane Smith", "--json"]).stdout)
    assert data["matches"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["screen", ""], "name is empty"),
        (["screen", "   "], "name is empty"),
        (["screen", "\x01\x02\x7f"], "name is empty"),
        (["screen", "x" * 10_000_000], ""),  # wording is the engine's; length is checked
        (["screen", "Kim Kun", "--schema", "Spaceship"], "unknown schema 'Spaceship'"),
        (["screen", "Kim Kun", "-d", "custom_nope"], "unknown dataset custom_nope"),
    ],
    ids=["empty", "blank", "control", "10MB", "schema", "dataset"],
)
def test_screen_bad_input(loaded: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output[:500]
    assert isinstance(result.exception, SystemExit)  # a clean exit, no traceback
    assert "Traceback" not in result.output
    assert "error:" in result.stderr and message in result.stderr
    assert len(result.stderr) < 500


def test_screen_bad_threshold(loaded: Path) -> None:
    result = runner.invoke(app, ["screen", "Kim Kun", "--threshold", "2"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_batch(loaded: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(BATCH / "names.csv"), "-o", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 12 and lines[0]["id"] == "C-001"
    for label in ("rows", "screened", "errors", "rows with matches", "elapsed", "rows/s"):
        assert label in result.stdout
    assert "duplicate ids" in result.stdout
    assert (tmp_path / "out.jsonl.meta.json").is_file()


def test_batch_bad_rows_on_stderr(loaded: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(BATCH / "bad_rows.csv"), "-o", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output  # bad rows are data, not a failed run
    reported = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert [line.split()[1] for line in reported] == ["3", "4", "5", "10", "12"]
    assert "unknown schema 'Spaceship'" in result.stderr
    assert len(out.read_text().splitlines()) == 10


def test_batch_resume(loaded: Path, tmp_path: Path) -> None:
    reference, out = tmp_path / "reference.jsonl", tmp_path / "out.jsonl"
    args = ["batch", str(BATCH / "names.csv"), "--limit", "3"]
    assert runner.invoke(app, [*args, "-o", str(reference)]).exit_code == 0
    assert runner.invoke(app, [*args, "-o", str(out)]).exit_code == 0
    data = out.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    result = runner.invoke(app, [*args, "-o", str(out), "--resume"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "already done (resumed)" in result.stdout
    assert out.read_bytes() == reference.read_bytes()
    other = runner.invoke(app, [*args[:-1], "5", "-o", str(out), "--resume"])
    assert other.exit_code == 2 and "same settings" in other.stderr


def test_batch_workers(loaded: Path, tmp_path: Path) -> None:
    """Enough rows for several chunks of 256, so two processes really share the work."""
    path = tmp_path / "many.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "schema"])
        for i in range(600):
            writer.writerow([f"R{i}", *LISTED[i % len(LISTED)]])
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first = runner.invoke(app, ["batch", str(path), "-o", str(one), "--workers", "1"], env=WIDE)
    second = runner.invoke(app, ["batch", str(path), "-o", str(two), "--workers", "2"], env=WIDE)
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    meta = json.loads((tmp_path / "two.jsonl.meta.json").read_text())
    assert meta["counts"]["workers"] == 2 and meta["counts"]["rows"] == 600
    assert two.read_bytes() == one.read_bytes()


@pytest.mark.parametrize(
    ("file", "message"),
    [("cp1252.csv", "not UTF-8"), ("missing.csv", "no such file")],
)
def test_batch_unusable_input(loaded: Path, tmp_path: Path, file: str, message: str) -> None:
    result = runner.invoke(app, ["batch", str(BATCH / file), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and message in result.stderr
    assert isinstance(result.exception, SystemExit)


def test_batch_needs_lists(sanctio_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    result = runner.invoke(app, ["batch", str(BATCH / "names.csv"), "-o", str(out)])
    assert result.exit_code == 1 and "no lists loaded" in result.stderr
    assert not out.exists()
    unknown = runner.invoke(
        app,
        ["batch", str(BATCH / "names.csv"), "-o", str(out), "-d", "custom_nope"],
    )
    assert unknown.exit_code == 1  # the empty store is the first problem


def test_short_explanation() -> None:
    from sanctio.cli import _short_explanation

    assert _short_explanation({"summary": "strong name match", "name": 0.9}) == (
        "strong name match"
    )
    explanation = {
        "name": {"score": 0.9512, "aligned": []},
        "birth_date": {"effect": 0.04, "detail": "same year of birth"},
        "country": {"effect": -0.05},
        "raw": 0.5,
    }
    assert _short_explanation(explanation) == (
        "name 0.95; same year of birth; country -0.05; raw 0.50"
    )
    assert _short_explanation({"name": "x" * 200}, width=20).endswith("…")
