"""The store keeps every version, applies updates atomically and refuses suspicious ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctio.model import Entity, Identifier, Name, NameKind, Relation, SourceFile
from sanctio.store import Store, StoreError, UpdateRefused


def person(source_id: str, name: str, *aliases: str, dob: str | None = None) -> Entity:
    ent = Entity(dataset="test_list", source_id=source_id, schema="Person")
    ent.add_name(Name(name))
    for alias in aliases:
        ent.add_name(Name(alias, NameKind.ALIAS))
    if dob:
        ent.birth_dates.append(dob)
    return ent


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "s.db")


def test_entity_json_round_trip() -> None:
    ent = person("1", "KIM, Kun", "Kun Kim", dob="1954-01-01")
    ent.identifiers.append(Identifier("passport", "N0000259216", "kh", "Passport"))
    ent.relations.append(Relation("linked_to", "CHANDY, King", "test_list:2"))
    ent.add_property("email", "x@example.org")
    again = Entity.from_json(ent.to_json())
    assert again == ent
    assert again.names[1].kind is NameKind.ALIAS
    assert again.to_json() == ent.to_json()


def test_update_is_a_diff_and_old_versions_stay_readable(store: Store) -> None:
    v1 = store.add_version(
        "test_list",
        [person("1", "KIM, Kun", dob="1954"), person("2", "CHANDY, King"), person("3", "OLD, One")],
        label="v1",
    )
    v2 = store.add_version(
        "test_list",
        [
            person("1", "KIM, Kun", dob="1954-01-01"),
            person("2", "CHANDY, King"),
            person("4", "NEW, Two"),
        ],
        label="v2",
    )
    assert (v2.entity_count, store.version_stats(v2.id)) == (3, (1, 1, 1))
    assert store.active_version("test_list") == v2
    assert [v.status for v in store.versions("test_list")] == ["superseded", "active"]
    # As of v1, the old state of entity 1 and the removed entity 3 are still there.
    old = store.get("test_list:1", v1.id)
    assert old is not None and old.birth_dates == ["1954"]
    current = store.get("test_list:1")
    assert current is not None and current.birth_dates == ["1954-01-01"]
    assert store.get("test_list:3") is None
    assert store.get("test_list:3", v1.id) is not None
    assert store.get("test_list:4", v1.id) is None
    assert [e.source_id for e in store.entities("test_list", v1.id)] == ["1", "2", "3"]
    assert [e.source_id for e in store.entities("test_list")] == ["1", "2", "4"]
    history = store.history("test_list:1")
    assert [(h.valid_from, h.valid_to) for h in history] == [(v1.id, v2.id), (v2.id, None)]
    diff = store.diff("test_list", v1.id, v2.id)
    assert (diff.added, diff.changed, diff.removed) == (
        ["test_list:4"],
        ["test_list:1"],
        ["test_list:3"],
    )
    # Unchanged entity 2 costs no new history row.
    assert len(store.history("test_list:2")) == 1


def test_shrunken_version_is_refused_and_previous_stays_active(store: Store) -> None:
    first = store.add_version(
        "test_list", [person(str(i), f"NAME {i}") for i in range(10)], label="a"
    )
    with pytest.raises(UpdateRefused, match="fewer than 50%"):
        store.add_version("test_list", [person("1", "NAME 1")], label="b")
    assert store.active_version("test_list") == first
    assert store.count_entities("test_list") == 10
    refused = store.versions("test_list")[-1]
    assert refused.status == "refused" and refused.message and "fewer than" in refused.message
    # The same shrink is accepted when the caller lowers the bar on purpose.
    accepted = store.add_version("test_list", [person("1", "NAME 1")], label="c", min_ratio=0.0)
    assert accepted.entity_count == 1


def test_empty_and_duplicate_versions_are_refused_atomically(store: Store) -> None:
    first = store.add_version("test_list", [person("1", "A"), person("2", "B")], label="a")
    with pytest.raises(UpdateRefused, match="no entities"):
        store.add_version("test_list", [], label="b")
    with pytest.raises(StoreError, match="appears twice"):
        store.add_version(
            "test_list", [person("1", "A"), person("1", "A2"), person("3", "C")], label="c"
        )
    assert store.active_version("test_list") == first
    assert store.get("test_list:3") is None


def test_versions_record_files_and_warnings(store: Store) -> None:
    files = [SourceFile("sdn", "/x/sdn.csv", "ab" * 32, 10)]
    v = store.add_version(
        "test_list",
        [person("1", "A")],
        label="2024-05-03",
        published="2024-05-03",
        files=files,
        warnings={"bad date": 2},
    )
    again = store.version(v.id)
    assert again is not None
    assert again.files == files and again.warnings == {"bad date": 2}
    assert again.published == "2024-05-03" and again.name_count == 1


def test_referrers_finds_linked_entities(store: Store) -> None:
    kim = person("1", "KIM, Kun")
    wife = person("2", "CHANDY, King")
    wife.relations.append(Relation("linked_to", "KIM, Kun", "test_list:1"))
    other = person("3", "X")
    other.relations.append(Relation("linked_to", "KIM, Kun", "test_list:10"))
    store.add_version("test_list", [kim, wife, other], label="a")
    assert [e.id for e in store.referrers("test_list:1")] == ["test_list:2"]


def test_store_reopens_with_data(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as s:
        s.add_version("test_list", [person("1", "A")], label="a")
    with Store(path) as s:
        assert s.count_entities("test_list") == 1


def test_default_home_follows_env(sanctio_home: Path) -> None:
    with Store() as s:
        assert s.path == sanctio_home / "sanctio.db"
    assert (sanctio_home / "sanctio.db").exists()
