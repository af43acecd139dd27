"""Australia DFAT consolidated list (XLSX): a workbook written at test time, bad input, real file.

The fixture workbook is generated with openpyxl into ``tmp_path`` (no binary in the repo);
its rows are self-written, in DFAT's layout and with DFAT's spelling quirks.
"""

from __future__ import annotations

import gzip
import re
import time
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from sanctio.model import Entity, NameKind
from sanctio.sources import au_dfat
from sanctio.sources.base import SOURCES, ParseContext, ParseError

REAL = "australia_dfat_2024-11-11/regulation8_consolidated.xlsx"
HEADER = [
    "Reference",
    "Name of Individual or Entity",
    "Type",
    "Name Type",
    "Date of Birth",
    "Place of Birth",
    "Citizenship",
    "Address",
    "Additional Information",
    "Listing Information",
    "Committees",
    "Control Date",
]

_TALIBAN = "Listed on 25 Jan. 2001 (amended on 3 Sep. 2003, 21 Sep. 2007)"
_KARIMI = [
    "a) 12/03/1965 b) circa 1966",
    "a) Kabul, Afghanistan b) Herat, Afghanistan",
    "Afghan",
    "NA",
    "Title: Mullah.",
    _TALIBAN,
    "1988 (Taliban)",
    datetime(2014, 12, 15),
]
_SHIP = [
    None,
    None,
    None,
    "a) 1 Main Street, Dubai, United Arab Emirates b) Marshall Islands; C/o Office 4, "
    "Stasinou Avenue, Nicosia 1060 Cyprus",
    "IMO number: 1234567.",
    "Autonomous Sanctions (Designated Persons and Entities and Declared Persons – Russia "
    "and Ukraine) Amendment (No. 1) Instrument 2022",
    "Autonomous (Russia)",
    datetime(2022, 3, 1),
]
ROWS: list[list[Any]] = [
    [10, "Ahmad Example KARIMI", "Individual", "Primary Name", *_KARIMI],
    ["10a", "KARIMI, Ahmad", "Individual", "Aka ", *_KARIMI],
    ["10b", "احمد کریمی", "individual", "original script", *_KARIMI],
    ["10c", "Ahmad Karimy (previously listed as)", "Individual", "aka", *_KARIMI],
    ["10d", "Ahmad K.", "Individual", "nickname", *_KARIMI],
    [None] * 12,  # DFAT's sheet has blank rows
    [11, "Example Shipping Co Ltd", "Entity ", "Primary Name ", *_SHIP],
    ["11a", "Example Shipping Company Limited", "Entity", "AKA", *_SHIP],
    ["11b", "Old Example Co", "Entity", "Formerly known as", *_SHIP],
    ["11c", "Example Shipping Co Ltd", "Entity", "Original Script", *_SHIP],
    [
        12,
        "Ivan Examplov",
        "Individual",
        "Primary name",
        1970,
        "Moscow, Russia",
        "Russian and Ukrainian",
        "Moscow 119180 Russia",
        None,
        datetime(2014, 3, 19),
        "1970 (Libya) 1973 (Libya)",
        datetime(2015, 1, 2),
    ],
    [
        "12a",
        "Iwan Examplow",
        "Individual",
        "aka",
        datetime(1971, 5, 6),
        "Moscow, Russia",
        "Belarussian",
        None,
        None,
        datetime(2014, 3, 19),
        "1970 (Libya) 1973 (Libya)",
        datetime(2016, 7, 8),
    ],
    ["x1", "No Reference Number", "Individual", "aka", *[None] * 8],
    ["13a", "Orphan Alias", "Entity", "aka", "Approximately (30-35 years old)", *[None] * 7],
]


def write_workbook(
    path: Path,
    rows: list[list[Any]],
    header: list[str] | None = None,
    modified: str | None = "2024-11-11T01:01:21Z",
) -> Path:
    """DFAT-shaped workbook; ``modified`` overrides the save time openpyxl stamps in."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sheet1"
    ws.append(header if header is not None else HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    if modified is not None:
        with zipfile.ZipFile(path) as zin:
            items = {name: zin.read(name) for name in zin.namelist()}
        core = items["docProps/core.xml"].decode("utf-8")
        core = re.sub(
            r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{modified}\g<2>", core
        )
        items["docProps/core.xml"] = core.encode("utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for name, data in items.items():
                zout.writestr(name, data)
    return path


def _parse(path: Path) -> tuple[dict[str, Entity], ParseContext]:
    ctx = ParseContext(dataset=au_dfat.DATASET)
    entities = list(au_dfat.parse(ctx, {"list": path}))
    by_id = {e.source_id: e for e in entities}
    assert len(by_id) == len(entities)
    return by_id, ctx


def _names(entity: Entity) -> list[tuple[str, NameKind]]:
    return [(n.full, n.kind) for n in entity.names]


@pytest.fixture
def sample(tmp_path: Path) -> tuple[dict[str, Entity], ParseContext]:
    return _parse(write_workbook(tmp_path / "regulation8_consolidated.xlsx", ROWS))


def test_registered() -> None:
    source = SOURCES["au_dfat"]
    assert source.datasets == ("au_dfat_sanctions",)
    assert source.downloads["au_dfat_sanctions"]["list"].endswith("regulation8_consolidated.xlsx")


def test_classify() -> None:
    expected = ("au_dfat_sanctions", "list")
    assert au_dfat.classify(Path("regulation8_consolidated.xlsx"), b"PK\x03\x04") == expected
    assert au_dfat.classify(Path("Regulation8_Consolidated.XLSX.gz"), b"") == expected
    assert au_dfat.classify(Path("other.xlsx"), b"PK\x03\x04") is None
    assert au_dfat.classify(Path("sema-lema.xml"), b"<data-set>") is None


# --- fixture workbook -------------------------------------------------------------------


def test_fixture_grouping(sample: tuple[dict[str, Entity], ParseContext]) -> None:
    entities, ctx = sample
    assert sorted(entities) == ["10", "11", "12", "13"]
    assert {k: e.schema for k, e in entities.items()} == {
        "10": "Person",
        "11": "Organization",
        "12": "Person",
        "13": "Organization",
    }
    assert entities["10"].id == "au_dfat_sanctions:10"
    assert ctx.published == "2024-11-11"
    assert dict(ctx.warnings) == {
        "unknown name type (kept as alias)": 1,  # "nickname"
        "unparseable Reference (row skipped)": 1,
        "listing without a primary name row": 1,
        "date of birth without a date": 1,
    }  # 11c repeats the primary name: dropped before its "Original Script" label matters
    assert ctx.examples["unparseable Reference (row skipped)"] == ["row 14: 'x1'"]


def test_fixture_person(sample: tuple[dict[str, Entity], ParseContext]) -> None:
    karimi = sample[0]["10"]
    assert _names(karimi) == [
        ("Ahmad Example KARIMI", NameKind.PRIMARY),
        ("KARIMI, Ahmad", NameKind.ALIAS),
        ("احمد کریمی", NameKind.ORIGINAL_SCRIPT),
        ("Ahmad Karimy", NameKind.FORMER),
        ("Ahmad K.", NameKind.ALIAS),
    ]
    assert (karimi.names[1].last, karimi.names[1].first) == ("KARIMI", "Ahmad")
    assert karimi.birth_dates == ["1965-03-12", "1966"]
    assert karimi.birth_places == ["Kabul, Afghanistan", "Herat, Afghanistan"]
    assert karimi.citizenships == ["af"]
    assert karimi.addresses == []
    assert karimi.programs == ["1988 (Taliban)"]
    assert karimi.listed_on == "2001-01-25"
    assert karimi.remarks == ["Title: Mullah.", _TALIBAN]
    assert karimi.properties == {"modifiedAt": ["2014-12-15"]}


def test_fixture_entity(sample: tuple[dict[str, Entity], ParseContext]) -> None:
    ship = sample[0]["11"]
    assert _names(ship) == [
        ("Example Shipping Co Ltd", NameKind.PRIMARY),
        ("Example Shipping Company Limited", NameKind.ALIAS),
        ("Old Example Co", NameKind.FORMER),
    ]
    assert [(a.full, a.country) for a in ship.addresses] == [
        ("1 Main Street, Dubai, United Arab Emirates", "ae"),
        ("Marshall Islands", "mh"),
        ("C/o Office 4, Stasinou Avenue, Nicosia 1060 Cyprus", "cy"),
    ]
    assert ship.countries == ["ae", "mh", "cy"]
    assert ship.listed_on == "2022"  # only the instrument's year is stated
    assert ship.programs == ["Autonomous (Russia)"]


def test_fixture_merged_rows(sample: tuple[dict[str, Entity], ParseContext]) -> None:
    entities, _ = sample
    ivan = entities["12"]
    assert ivan.birth_dates == ["1970", "1971-05-06"]  # int year + the alias row's datetime
    assert ivan.citizenships == ["ru", "ua", "by"]
    assert ivan.programs == ["1970 (Libya)", "1973 (Libya)"]
    assert ivan.listed_on == "2014-03-19"
    assert ivan.properties["modifiedAt"] == ["2016-07-08"]  # latest Control Date
    assert [(a.full, a.country) for a in ivan.addresses] == [("Moscow 119180 Russia", "ru")]

    orphan = entities["13"]
    assert _names(orphan) == [("Orphan Alias", NameKind.PRIMARY)]
    assert orphan.birth_dates == []
    assert orphan.remarks == ["Date of birth: Approximately (30-35 years old)"]


def test_fixture_gzipped(tmp_path: Path) -> None:
    plain = write_workbook(tmp_path / "a.xlsx", ROWS)
    packed = tmp_path / "regulation8_consolidated.xlsx.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    entities, _ = _parse(packed)
    assert sorted(entities) == ["10", "11", "12", "13"]


# --- free-text helpers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12/03/1965", ["1965-03-12"]),
        ("a) 1965; b) 1966", ["1965", "1966"]),
        ("Approximately 1955- 1958", ["1955", "1956", "1957", "1958"]),
        ("Between 1955 and 1957", ["1955", "1956", "1957"]),
        ("approximately 1977/1978", ["1977", "1978"]),
        ("14 Mar 1974 >> 13 Apr 1974", ["1974-03-14", "1974-04-13"]),
        ("March 16, 1972", ["1972-03-16"]),
        ("August, 1961", ["1961-08"]),
        ("a) 1/01/1968 b) 23-Apr-68", ["1968-01-01", "1968-04-23"]),
        ("29-Aprl-1967", ["1967-04-29"]),
        ("a) 19 Apr. 1982 b) 24/06/1402 (Hijri Calendar)", ["1982-04-19"]),
        ("10/061962", ["1962-06-10"]),
        ("1965, 29 March ", ["1965"]),
        ("na", []),
        ("Approximately (30-35 years old)", None),
        (1970, ["1970"]),
        (datetime(1971, 5, 6), ["1971-05-06"]),
        (None, []),
    ],
)
def test_birth_dates(raw: Any, expected: list[str] | None) -> None:
    assert au_dfat.birth_dates(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Listed by UN 1267 Committee on 25 January 2001 (amended on 20 December 2005)",
            "2001-01-25",
        ),
        ("Listed on: 9 Sep. 2003 (amended on 3 May 2004)", "2003-09-09"),
        ("Assets received on or after 23 May 2003 are not controlled. Listed under 1483", None),
        (
            "Instrument of first listing: Charter (...) List 2001. Last listed on: 16/09/2022",
            "2001",
        ),
        ("Resolution 1596 (2005), amended 16 December 2008", None),
        (datetime(2014, 3, 19), "2014-03-19"),
        (None, None),
    ],
)
def test_listing_date(raw: Any, expected: str | None) -> None:
    assert au_dfat.listing_date(raw) == expected


def test_citizenships() -> None:
    assert au_dfat.citizenships("a) German b) Moroccan") == (["de", "ma"], [])
    assert au_dfat.citizenships("Indonesian (as at Dec. 2003)") == (["id"], [])
    assert au_dfat.citizenships("Kuwaiti citizenship withdrawn in 2002") == (
        [],
        ["Kuwaiti citizenship withdrawn in 2002"],
    )


def test_addresses_keep_semicolon_inside_one_address() -> None:
    got = au_dfat.addresses("Karaj Road, Ground Floor;   Tehran, Iran")
    assert [(a.full, a.country) for a in got] == [("Karaj Road, Ground Floor; Tehran, Iran", "ir")]


# --- bad input ----------------------------------------------------------------------------


def _bad(path: Path) -> ParseError:
    ctx = ParseContext(dataset=au_dfat.DATASET)
    with pytest.raises(ParseError) as info:
        list(au_dfat.parse(ctx, {"list": path}))
    assert str(path) in str(info.value)
    return info.value


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "regulation8_consolidated.xlsx"
    path.write_text("Reference,Name of Individual or Entity\n1,X\n", encoding="utf-8")
    assert "not a readable .xlsx" in _bad(path).reason


def test_truncated_zip(tmp_path: Path) -> None:
    full = write_workbook(tmp_path / "full.xlsx", ROWS).read_bytes()
    path = tmp_path / "regulation8_consolidated.xlsx"
    path.write_bytes(full[: len(full) // 2])
    assert "xlsx" in _bad(path).reason


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "regulation8_consolidated.xlsx"
    path.write_bytes(b"")
    assert "empty" in _bad(path).reason


def test_missing_header(tmp_path: Path) -> None:
    header = ["Ref", "Name", "Type", "Name Type"]
    path = write_workbook(tmp_path / "regulation8_consolidated.xlsx", [], header=header)
    err = _bad(path)
    assert "'reference'" in err.reason and "'name of individual or entity'" in err.reason
    assert "headers found: ['Ref', 'Name', 'Type', 'Name Type']" in err.reason


def test_empty_sheet(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "regulation8_consolidated.xlsx", [], header=[])
    assert "empty" in _bad(path).reason


def test_no_rows(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "regulation8_consolidated.xlsx", [])
    assert "no listings" in _bad(path).reason


# --- the real file ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_lists: Path) -> tuple[dict[str, Entity], ParseContext, float]:
    from sanctio.sources.base import to_country

    to_country("Russia")  # load FtM's country table first: a one-off cost shared by all lists
    start = time.perf_counter()
    entities, ctx = _parse(shared_lists / REAL)
    return entities, ctx, time.perf_counter() - start


def test_real_counts_match_an_independent_read(
    shared_lists: Path, real: tuple[dict[str, Entity], ParseContext, float]
) -> None:
    entities, ctx, _ = real
    wb = openpyxl.load_workbook(shared_lists / REAL, read_only=True, data_only=True)
    rows = [r[:4] for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    wb.close()
    named = [r for r in rows if r[0] is not None]
    assert len(named) == 9553
    numbers = {int(re.match(r"\s*(\d+)", str(r[0]))[1]) for r in named}  # type: ignore[index]
    bare_types = Counter(str(r[2]).strip().lower() for r in named if str(r[0]).strip().isdigit())
    assert len(numbers) == 3062
    assert bare_types == {"individual": 2316, "entity": 746}

    assert len(entities) == 3062
    assert Counter(e.schema for e in entities.values()) == {"Person": 2316, "Organization": 746}
    assert ctx.published == "2024-11-11"
    kinds = Counter(n.kind for e in entities.values() for n in e.names)
    assert kinds[NameKind.PRIMARY] == 3062
    assert kinds[NameKind.FORMER] == 21
    # 9,553 name rows less those repeating a name already on the listing.
    assert kinds == {
        NameKind.PRIMARY: 3062,
        NameKind.ALIAS: 5954,
        NameKind.ORIGINAL_SCRIPT: 474,
        NameKind.FORMER: 21,
    }
    assert ctx.warnings["unknown name type (kept as alias)"] == 0
    assert ctx.warnings["listing without a primary name row"] == 0
    assert ctx.warnings["date of birth without a date"] == 1
    # "Kuwaiti citizenship withdrawn in 2002", counted once per listing
    # "Kuwaiti citizenship withdrawn in 2002" and "USSR" (no current ISO code).
    assert ctx.warnings["citizenship that is not a country"] == 2


def test_real_records(real: tuple[dict[str, Entity], ParseContext, float]) -> None:
    entities, _, _ = real
    akhund = entities["2"]
    assert akhund.caption == "MOHAMMAD HASSAN AKHUND"
    assert ("محمد حسن أخوند", NameKind.ORIGINAL_SCRIPT) in _names(akhund)
    assert akhund.birth_dates[:4] == ["1955", "1956", "1957", "1958"]
    assert akhund.listed_on == "2001-01-25"
    assert akhund.programs == ["1988 (Taliban)"]
    assert akhund.citizenships == ["af"]

    ghailani = entities["198"]
    surname_first = [n for n in ghailani.names if n.full == "GHAILANI, Ahmed"]
    assert surname_first and (surname_first[0].last, surname_first[0].first) == (
        "GHAILANI",
        "Ahmed",
    )

    # Reference "1276c1".."1276c4" belong to listing 1276.
    mauritani = entities["1276"]
    assert ("Sheikh Yunis al-Mauritani", NameKind.ALIAS) in _names(mauritani)

    # "Nik Mohammad (previously listed as)"
    assert ("Nik Mohammad", NameKind.FORMER) in _names(entities["19"])
