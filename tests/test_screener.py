"""The Screener end to end: ranking, evidence, explanations, bad input, real lists."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanctio.ingest import discover, update
from sanctio.model import Entity, Identifier, Name, NameKind
from sanctio.screener import DEFAULT_THRESHOLD, QueryError, Screener, compare_names
from sanctio.store import Store

LISTED = [
    ("1", "Person", "KIM, Kun", ["1954-01-01"]),
    ("2", "Person", "HING, Bun Hieng", []),
    ("3", "Person", "Vladimir Vladimirovich PUTIN", ["1952-10-07"]),
    ("4", "Person", "Muammar QADHAFI", []),
    ("5", "Person", "Mohammed bin Salman AL SAUD", []),
    ("6", "Person", "François DUPONT-AIGNAN", []),
    ("7", "Person", "KIM Jong Un", ["1984-01-08"]),
    ("8", "Person", "Abd al-Rahman AL-QADULI", []),
    ("9", "Organization", "BANCO NACIONAL DE CUBA", []),
    ("10", "Company", "ROSNEFT OIL COMPANY", []),
    ("11", "Company", "Golden Star Trading LLC", []),
    ("12", "Vessel", "OCEAN STAR", []),
    ("13", "Person", "Hun SEN", ["1952-08-05"]),
    ("14", "Person", "Sergey Viktorovich LAVROV", []),
    ("15", "Person", "Zhang WEI", []),
    ("16", "Person", "Mikhail KHODORKOVSKY", []),
]


def make(source_id: str, schema: str, name: str, dobs: list[str]) -> Entity:
    e = Entity(dataset="test_list", source_id=source_id, schema=schema)
    e.add_name(Name(name))
    e.birth_dates.extend(dobs)
    return e


@pytest.fixture(scope="module")
def screener() -> Screener:
    entities = [make(*row) for row in LISTED]
    entities[0].add_name(Name("Ly Kimsan", NameKind.WEAK_ALIAS))
    entities[1].add_name(Name("Hing Bunheang", NameKind.ALIAS))
    entities[11].identifiers.append(Identifier("imo", "9074729", label="IMO"))
    entities[12].add_name(Name("ហ៊ុន សែន", NameKind.ORIGINAL_SCRIPT))
    return Screener(entities)


def top(screener: Screener, name: str, **kwargs: object) -> str | None:
    matches = screener.screen(name, **kwargs)  # type: ignore[arg-type]
    return matches[0].entity_id if matches else None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kun Kim", "1"),  # order
        ("KIM Kun", "1"),
        ("Kun Kim's", "1"),  # possessive
        ("Hing Bunheang", "2"),  # glued parts
        ("Hing Bun Hieng", "2"),
        ("Vladimir Putin", "3"),  # patronymic left out
        ("Владимир Путин", "3"),  # Cyrillic
        ("\u0420utin Vladimir", "3"),  # homoglyph
        ("Vla\u200bdimir Pu\u200ctin", "3"),  # zero-width characters
        ("Muammar Gaddafi", "4"),  # romanisation variant
        ("Moammar Kadhafi", "4"),
        ("Muhammad ibn Salman Al-Saud", "5"),
        ("Francois Dupont Aignan", "6"),  # diacritics, hyphen
        ("김정은", "7"),  # Hangul
        ("Abdul Rahman al Qaduli", "8"),  # Abd al- / Abdul
        ("Banco Nacional de Cuba S.A.", "9"),  # legal form added
        ("Rosneft", "10"),  # generic words left out
        ("ROSNEFT OIL CO", "10"),
        ("ហ៊ុន សែន", "13"),  # Khmer
        ("Samdech Hun Sen", "13"),  # honorific
        ("Sergei Lavrov", "14"),
        ("Mikhail Khodorkovskiy", "16"),
        ("Mikhail Khordorkovsky", "16"),  # typo
        ("Dr. Mikhail Khodorkovsky", "16"),
    ],
)
def test_variants_find_the_listing_first(screener: Screener, query: str, expected: str) -> None:
    assert top(screener, query) == f"test_list:{expected}"


@pytest.mark.parametrize(
    "query",
    [
        "Kim",
        "Mohammed",
        "Golden Trading LLC",
        "Trading Company",
        "Star",
        "John Smith",
        "Kim Jong Il",
    ],
)
def test_common_tokens_alone_do_not_match(screener: Screener, query: str) -> None:
    assert screener.screen(query) == []


def test_schema_keeps_people_away_from_vessels(screener: Screener) -> None:
    assert top(screener, "Ocean Star", schema="Vessel") == "test_list:12"
    assert top(screener, "Ocean Star", schema="Person") is None
    assert top(screener, "Ocean Star") == "test_list:12"  # no schema: anything goes


def test_birth_date_evidence(screener: Screener) -> None:
    plain = screener.screen("Kim Jong Un")[0]
    same = screener.screen("Kim Jong Un", birth_date="1984-01-08")[0]
    other = screener.screen("Kim Jong Un", birth_date="1950", threshold=0.0)[0]
    assert same.score >= plain.score > other.score
    assert same.explanation["birth_date"]["effect"] > 0
    assert other.explanation["birth_date"]["effect"] < 0


def test_identifier_equality_is_near_certain(screener: Screener) -> None:
    (match,) = screener.screen("Completely Different", id_number="IMO 9074729", schema="Vessel")
    assert match.entity_id == "test_list:12" and match.score >= 0.95
    assert "identifier" in match.explanation


def test_weak_alias_counts_less(screener: Screener) -> None:
    match = screener.screen("Ly Kimsan", threshold=0.0)[0]
    assert match.entity_id == "test_list:1"
    assert match.explanation["name"]["name_kind"] == "weak_alias"
    assert match.score < 1.0


def test_explanation_shows_alignment(screener: Screener) -> None:
    match = screener.screen("Kun Kim")[0]
    name = match.explanation["name"]
    assert name["list_name"] == "KIM, Kun"
    assert {(a["query"], a["list"]) for a in name["aligned"]} == {("kun", "kun"), ("kim", "kim")}
    assert match.to_dict()["score"] == 1.0


def test_datasets_filter(screener: Screener) -> None:
    assert screener.screen("Kun Kim", datasets=["other_list"]) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty"),
        ("   \t ", "empty"),
        ("\x00\x01\x02", "empty"),
        ("x" * 10_000_000, "limit"),
        ("!!!", "empty"),
    ],
)
def test_bad_queries_are_refused_clearly(screener: Screener, query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        screener.screen(query)


def test_unknown_schema_and_date_are_refused(screener: Screener) -> None:
    with pytest.raises(QueryError, match="unknown schema"):
        screener.screen("Kun Kim", schema="Dog")
    with pytest.raises(QueryError, match="birth date"):
        screener.screen("Kun Kim", birth_date="last year")


def _variant(name: str, data: st.DataObject) -> str:
    """Case, diacritics, order, whitespace and punctuation changes of a listed name."""
    parts = name.replace(",", " ").split()
    if data.draw(st.booleans()):
        parts = list(reversed(parts))
    text = data.draw(st.sampled_from([" ", "  ", " - ", ", ", "\t"])).join(parts)
    case = data.draw(st.sampled_from(["upper", "lower", "title", "same"]))
    text = {"upper": text.upper(), "lower": text.lower(), "title": text.title()}.get(case, text)
    if data.draw(st.booleans()):
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return (
        data.draw(st.sampled_from(["", " ", ".", "'"]))
        + text
        + data.draw(st.sampled_from(["", " ", ".", ";"]))
    )


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_listed_name_with_benign_changes_comes_back_first(
    screener: Screener, data: st.DataObject
) -> None:
    source_id, _schema, name, _ = data.draw(st.sampled_from(LISTED))
    query = _variant(name, data)
    matches = screener.screen(query)
    assert matches, query
    assert matches[0].entity_id == f"test_list:{source_id}", (query, matches[0])


def test_compare_names_scale() -> None:
    assert compare_names("Kun Kim", "KIM, Kun") == 1.0
    assert compare_names("Olaf Scholz", "Angela Merkel") < 0.3
    assert compare_names("Muammar Gaddafi", "Muammar QADHAFI") >= DEFAULT_THRESHOLD


@pytest.fixture(scope="module")
def real_screener(shared_lists: Path, tmp_path_factory: pytest.TempPathFactory) -> Screener:
    store = Store(tmp_path_factory.mktemp("real") / "s.db")
    update(store, discover(shared_lists).filesets)
    return Screener.open(store)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kun Kim", "us_ofac_sdn:28036"),
        ("Hing Bunheang", "us_ofac_sdn:24682"),
        ("Hing Bun Hieng", "us_ofac_sdn:24682"),
        ("Владимир Путин", "us_ofac_sdn:35096"),
    ],
)
def test_real_lists(real_screener: Screener, query: str, expected: str) -> None:
    ids = [m.entity_id for m in real_screener.screen(query)]
    assert ids and ids[0] == expected


def test_real_index_is_saved_and_reused(real_screener: Screener, tmp_path: Path) -> None:
    assert real_screener.versions  # one version id per dataset
    assert len(real_screener.index.entities) > 30_000
