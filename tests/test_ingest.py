"""Discovery, version ordering and refusal, on a small tree of self-written official files."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from sanctio.ingest import discover, folder_vintage, update
from sanctio.store import Store


@pytest.fixture
def tree(tmp_path: Path, fixtures: Path) -> Path:
    root = tmp_path / "lists"
    shutil.copytree(fixtures / "lists", root)
    return root


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "s.db")


def test_folder_vintage() -> None:
    assert folder_vintage(Path("x/ofac_sdn_2024-05-03/sdn.csv")) == "2024-05-03"
    assert folder_vintage(Path("x/ofac_sdn_alt_add_2026-06/alt.csv")) == "2026-06"
    assert folder_vintage(Path("x/lists/sdn.csv")) is None


def test_discover_groups_companions_and_vintages(tree: Path) -> None:
    found = discover(tree)
    by_dataset = {}
    for fs in found.filesets:
        by_dataset.setdefault(fs.dataset, []).append(fs)
    assert sorted(by_dataset) == ["gb_hmt_sanctions", "us_ofac_sdn"]
    (sdn,) = by_dataset["us_ofac_sdn"]
    # ALT/ADD live in another folder than SDN.CSV and still join its file set.
    assert {role: p.name for role, p in sdn.files.items()} == {
        "sdn": "SDN.CSV",
        "alt": "ALT.CSV",
        "add": "ADD.CSV",
    }
    assert any("ofac_sdn_alt_add_2026-06" in note for note in sdn.notes)
    assert sorted(fs.vintage or "" for fs in by_dataset["gb_hmt_sanctions"]) == [
        "2014-04-02",
        "2018-04-13",
    ]
    assert [p.name for p in found.ignored] == ["README.txt"]


def test_discover_only_requested_datasets(tree: Path) -> None:
    found = discover(tree, ["gb_hmt_sanctions"])
    assert {fs.dataset for fs in found.filesets} == {"gb_hmt_sanctions"}


def test_update_loads_vintages_in_date_order_as_a_diff(tree: Path, store: Store) -> None:
    results = update(store, discover(tree).filesets)
    assert [(r.dataset, r.status) for r in results] == [
        ("gb_hmt_sanctions", "loaded"),
        ("gb_hmt_sanctions", "loaded"),
        ("us_ofac_sdn", "loaded"),
    ]
    old, new = (r.version for r in results[:2])
    assert old is not None and new is not None
    assert (old.published, new.published) == ("2014-04-02", "2018-04-13")
    assert store.active_version("gb_hmt_sanctions") == new
    # 2014 → 2018: group 90004 added, 90001 gained an alias, 90003 delisted.
    diff = store.diff("gb_hmt_sanctions", old.id, new.id)
    assert diff.added == ["gb_hmt_sanctions:90004"]
    assert diff.changed == ["gb_hmt_sanctions:90001"]
    assert diff.removed == ["gb_hmt_sanctions:90003"]
    assert store.get("gb_hmt_sanctions:90003") is None
    delisted = store.get("gb_hmt_sanctions:90003", old.id)
    assert delisted is not None and delisted.caption.startswith("OLD NAME")
    # cp1252 text decoded correctly.
    trading = store.get("gb_hmt_sanctions:90002")
    assert trading is not None and "MÜLLER" in trading.caption

    kim = store.get("us_ofac_sdn:28036")
    assert kim is not None
    assert {n.full for n in kim.names} >= {"KIM, Kun", "KIM, Koen"}
    assert kim.birth_dates == ["1954-01-01"] and kim.programs == ["GLOMAG"]
    sdn = results[2]
    assert sdn.parsed is not None
    assert sdn.parsed.ctx.warnings["alias without primary row"] == 1


def test_second_update_with_same_files_changes_nothing(tree: Path, store: Store) -> None:
    update(store, discover(tree).filesets)
    before = store.versions()
    again = update(store, discover(tree).filesets)
    assert {r.status for r in again} <= {"unchanged", "skipped"}
    assert store.versions() == before


def test_altered_file_makes_new_version_and_old_stays_readable(tree: Path, store: Store) -> None:
    update(store, discover(tree).filesets)
    first = store.active_version("us_ofac_sdn")
    assert first is not None
    sdn = tree / "ofac_sdn_2024-05-03" / "SDN.CSV"
    sdn.write_bytes(sdn.read_bytes().replace(b"DOB 01 Jan 1954", b"DOB 02 Jan 1954"))
    (result,) = update(store, discover(tree, ["us_ofac_sdn"]).filesets)
    assert result.status == "loaded" and (result.added, result.changed, result.removed) == (0, 1, 0)
    now = store.get("us_ofac_sdn:28036")
    then = store.get("us_ofac_sdn:28036", first.id)
    assert now is not None and then is not None
    assert (then.birth_dates, now.birth_dates) == (["1954-01-01"], ["1954-01-02"])


@pytest.mark.parametrize(
    "breakage",
    ["truncated_gzip", "wrong_columns", "empty", "wrong_encoding", "shrunk"],
)
def test_broken_update_keeps_previous_version(tree: Path, store: Store, breakage: str) -> None:
    update(store, discover(tree).filesets)
    active = store.active_version("us_ofac_sdn")
    sdn = tree / "ofac_sdn_2024-05-03" / "SDN.CSV"
    raw = sdn.read_bytes()
    if breakage == "truncated_gzip":
        sdn.unlink()
        packed = gzip.compress(raw + raw.replace(b"28036", b"28038") * 5)
        (sdn.parent / "SDN.CSV.gz").write_bytes(packed[: len(packed) // 2])
    elif breakage == "wrong_columns":
        sdn.write_bytes(raw.replace(b'"GLOMAG",', b'"GLOMAG",-0- ,', 1))
    elif breakage == "empty":
        sdn.write_bytes(b"")
    elif breakage == "wrong_encoding":
        sdn.write_bytes(raw.decode("utf-8").encode("utf-16"))
    elif breakage == "shrunk":
        sdn.write_bytes(b"\r\n".join(raw.split(b"\r\n")[:1]) + b"\r\n\x1a")
    (result,) = update(store, discover(tree, ["us_ofac_sdn"]).filesets)
    assert result.status == "refused"
    if breakage != "shrunk":
        assert "SDN.CSV" in result.message
    assert store.active_version("us_ofac_sdn") == active
    assert store.get("us_ofac_sdn:28036") is not None
    refused = store.versions("us_ofac_sdn")[-1]
    assert refused.status == "refused" and refused.message


def test_older_files_are_not_loaded_over_newer(tree: Path, store: Store) -> None:
    newer = discover(tree / "uk_ofsi_conlist_2018-04-13").filesets
    older = discover(tree / "uk_ofsi_conlist_2014-04-02").filesets
    update(store, newer)
    (result,) = update(store, older)
    assert result.status == "skipped" and "older than the active version" in result.message
    (forced,) = update(store, older, allow_older=True)
    assert forced.status == "loaded"
