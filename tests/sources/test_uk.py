"""The UK lists: FCDO UK Sanctions List (ODS summary, CSV, XML) and the HMT/OFSI CSV.

Real-data counts were checked independently of the parser: ``zcat | iconv -f cp1252``
plus the csv module for the OFSI files, and raw string counts in the ODS ``content.xml``.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from sanctio.model import Entity, NameKind
from sanctio.sources import SOURCES, ParseContext, ParseError, uk
from sanctio.sources.base import read_head, to_country

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "uk"
ODS_REAL = "uk_fcdo_2025-08-11/FCDO_SL_Mon_Aug_11_2025.ods"
HMT_2018 = "uk_ofsi_conlist_2018-04-13/sanctionsconlist.csv.gz"
HMT_2014 = "uk_ofsi_conlist_2014-04-02/sanctionsconlist.csv.gz"

Parser = Callable[[ParseContext, Mapping[str, Path]], Iterator[Entity]]


def run(
    parser: Parser, role: str, path: Path, dataset: str = uk.FCDO
) -> tuple[ParseContext, dict[str, Entity]]:
    ctx = ParseContext(dataset=dataset)
    entities = list(parser(ctx, {role: path}))
    by_id = {e.source_id: e for e in entities}
    assert len(by_id) == len(entities), "source ids must be unique"
    return ctx, by_id


def names(entity: Entity) -> set[tuple[str, NameKind]]:
    return {(n.full, n.kind) for n in entity.names}


@pytest.fixture(scope="module", autouse=True)
def _warm_country_table() -> None:
    """FtM loads its country table on first use (~1-2 s); keep that out of the timings."""
    to_country("Afghanistan")


# --------------------------------------------------------------------------- registration


def test_sources_registered() -> None:
    for name in ("uk_fcdo_xml", "uk_fcdo_csv", "uk_fcdo_ods", "uk_hmt_csv"):
        assert name in SOURCES
    assert SOURCES["uk_fcdo_xml"].downloads == {
        "gb_fcdo_sanctions": {"xml": "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"}
    }
    assert "gb_hmt_sanctions" in SOURCES["uk_hmt_csv"].downloads
    assert SOURCES["uk_fcdo_ods"].downloads == {}


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("FCDO_SL_Mon_Aug_11_2025.ods", b"PK\x03\x04", ("gb_fcdo_sanctions", "ods")),
        ("UK_Sanctions_List.ods", b"PK\x03\x04", ("gb_fcdo_sanctions", "ods")),
        ("UK-Sanctions-List.csv", b"", ("gb_fcdo_sanctions", "csv")),
        ("uk_sanctions_list.csv.gz", b"", ("gb_fcdo_sanctions", "csv")),
        (
            "download.csv",
            b"Report Date: 01-Jan-2026\nLast Updated,Unique ID,Name 6,Name type",
            (
                "gb_fcdo_sanctions",
                "csv",
            ),
        ),
        ("UK-Sanctions-List.xml", b"", ("gb_fcdo_sanctions", "xml")),
        (
            "list.xml",
            b"<?xml?><Designations><Designation><UniqueID>",
            (
                "gb_fcdo_sanctions",
                "xml",
            ),
        ),
        ("sanctionsconlist.csv.gz", b"", ("gb_hmt_sanctions", "conlist")),
        ("ConList.csv", b"", ("gb_hmt_sanctions", "conlist")),
        (
            "export.csv",
            b"Last Updated,13/04/2018\r\nName 6,Name 1,Group ID",
            (
                "gb_hmt_sanctions",
                "conlist",
            ),
        ),
        ("sdn.csv", b'36,"AEROCARIBBEAN AIRLINES","-0-"', None),
        ("consolidated.xml", b"<CONSOLIDATED_LIST>", None),
    ],
)
def test_classify_by_name_and_head(
    name: str, head: bytes, expected: tuple[str, str] | None, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(head)
    hits = {
        hit
        for source in SOURCES.values()
        if source.name.startswith("uk_") and (hit := source.classify(path, head)) is not None
    }
    assert hits == ({expected} if expected else set())


def test_classify_ods_by_content(tmp_path: Path) -> None:
    renamed = tmp_path / "export (3).ods"
    shutil.copy(FIX / "fcdo_sl_tue_sep_15_2026.ods", renamed)
    assert uk.classify_fcdo_ods(renamed, read_head(renamed)) == ("gb_fcdo_sanctions", "ods")
    other = tmp_path / "budget.ods"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("content.xml", "<office:document-content/>")
    assert uk.classify_fcdo_ods(other, read_head(other)) is None


def test_classify_real_files(shared_lists: Path) -> None:
    for rel, expected in [
        (ODS_REAL, ("gb_fcdo_sanctions", "ods")),
        (HMT_2018, ("gb_hmt_sanctions", "conlist")),
        (HMT_2014, ("gb_hmt_sanctions", "conlist")),
    ]:
        path = shared_lists / rel
        hits = [s.classify(path, read_head(path)) for s in SOURCES.values()]
        assert [h for h in hits if h] == [expected]


# --------------------------------------------------------------------------- real FCDO ODS


def test_fcdo_ods_real(shared_lists: Path) -> None:
    path = shared_lists / ODS_REAL
    ctx, by_id = run(uk.parse_fcdo_ods, "ods", path)

    # Independent count: the type cells as raw text in content.xml.
    with zipfile.ZipFile(path) as zf:
        content = zf.read("content.xml")
    raw_types = Counter(
        m.decode() for m in re.findall(rb"<text:p>(Individual|Entity|Ship)</text:p>", content)
    )
    assert raw_types == {"Individual": 3754, "Entity": 1087, "Ship": 461}
    assert len(by_id) == 5302
    assert Counter(e.schema for e in by_id.values()) == {
        "Person": 3754,
        "Organization": 1087,
        "Vessel": 461,
    }
    assert ctx.published == "2025-08-11"
    assert len({p for e in by_id.values() for p in e.programs}) == 31
    assert max(e.listed_on or "" for e in by_id.values()) == "2025-07-23"
    # Primary names only, one each, except two designations published without a name.
    assert all(n.kind is NameKind.PRIMARY for e in by_id.values() for n in e.names)
    assert ctx.warnings["designation without a name"] == 2
    assert ctx.examples["designation without a name"] == ["BEL0174", "RUS1467"]
    assert by_id["BEL0174"].names == [] and by_id["BEL0174"].programs == ["Belarus"]

    afg = by_id["AFG0001"]
    assert afg.schema == "Organization"
    assert afg.caption == "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE"
    assert afg.programs == ["Afghanistan"]
    assert afg.listed_on == "2012-06-29"
    assert afg.properties["ofsiGroupId"] == ["12703"]
    assert "Designation source: UN" in afg.remarks
    assert "Sanctions imposed: Asset freeze" in afg.remarks

    yem = by_id["YEM0018"]
    assert (yem.schema, yem.caption, yem.listed_on) == (
        "Person",
        "Al-HOUTHI Ali Hussein Badr Al Din",
        "2024-02-27",
    )
    ship = by_id["DPR0075"]
    assert (ship.schema, ship.caption) == ("Vessel", "Petrel 8")
    assert "ofsiGroupId" not in ship.properties  # no Group ID for this ship
    # Whitespace runs in the XML collapse as ODF prescribes.
    assert by_id["BEL0159"].caption == "LAZARENKO Aleksey Valerievich"
    # One person designated under two regimes keeps two Unique IDs sharing a Group ID.
    assert by_id["AQD0194"].properties["ofsiGroupId"] == by_id["SOM0003"].properties["ofsiGroupId"]


# --------------------------------------------------------------------------- real HMT CSVs


def _raw_rows(path: Path) -> list[dict[str, str]]:
    """The OFSI CSV read with nothing but gzip + cp1252 + csv, for independent counts."""
    text = gzip.decompress(path.read_bytes()).decode("cp1252")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[1]
    return [dict(zip(header, r, strict=True)) for r in rows[2:]]


def test_hmt_2018_real(shared_lists: Path) -> None:
    path = shared_lists / HMT_2018
    raw = _raw_rows(path)
    assert len(raw) == 9487
    assert Counter(r["Alias Type"] for r in raw) == {"Prime Alias": 2952, "AKA": 6516, "FKA": 19}

    ctx, by_id = run(uk.parse_hmt_csv, "conlist", path, uk.HMT)

    assert ctx.published == "2018-04-13"
    assert len(by_id) == 2106 == len({r["Group ID"] for r in raw})
    assert Counter(e.schema for e in by_id.values()) == {"Person": 1426, "Organization": 680}
    assert len({p for e in by_id.values() for p in e.programs}) == 26
    assert all(sum(n.kind is NameKind.PRIMARY for n in e.names) == 1 for e in by_id.values()), (
        "every group has exactly one Prime Alias name"
    )
    assert not [n.full for e in by_id.values() for n in e.names if n.full != n.full.strip()]

    p = by_id["13349"]  # rows repeated per DOB variant; names with a leading space
    assert p.caption == "AL-HABABI, Nayef Salam Muhammad Ujaym"
    primary = p.names[0]
    assert (primary.last, primary.first, primary.middle) == (
        "AL-HABABI",
        "Nayef",
        "Salam Muhammad Ujaym",
    )
    assert ("AL-QAHTANI, Sheikh Farooq", NameKind.ALIAS) in names(p)
    assert p.birth_dates == ["1980", "1981"]
    assert p.nationalities == ["sa", "qa"]  # "1) Saudi Arabia 2) Qatar"
    assert [(i.type, i.number) for i in p.identifiers] == [("passport", "592667")]
    assert p.countries == ["af"]
    assert p.listed_on == "2016-04-01"
    assert p.properties["unscId"] == ["QDe.004"]

    bank = by_id["10894"]
    assert bank.schema == "Organization"
    assert names(bank) == {
        ("TANCHON COMMERCIAL BANK", NameKind.PRIMARY),
        ("CHANGGWANG CREDIT BANK", NameKind.FORMER),
        ("KOREA CHANGGWANG CREDIT BANK", NameKind.FORMER),
    }
    assert bank.addresses[0].country == "kp"

    courier = by_id["12629"]  # "00/09/1977": month known, day not
    assert set(courier.birth_dates) == {"1976", "1977-09", "1977-08"}
    assert "Al-Madinah, Saudi Arabia" in courier.birth_places
    assert "Sangrar, Sindh Province, Pakistan" in courier.birth_places

    assert ("ANSAR AL SHARIA", NameKind.ALIAS) in names(by_id["13188"])  # " ANSAR AL SHARIA"
    multi = by_id["10638"]  # one group, three regimes: the earliest Listed On wins
    assert len(multi.programs) == 3 and multi.listed_on == "2008-06-24"


def test_hmt_2014_real(shared_lists: Path) -> None:
    path = shared_lists / HMT_2014
    raw = _raw_rows(path)
    assert len(raw) == 8950
    assert Counter(r["Alias Type"] for r in raw) == {"Prime Alias": 3080, "AKA": 5845, "FKA": 25}

    ctx, by_id = run(uk.parse_hmt_csv, "conlist", path, uk.HMT)

    assert ctx.published == "2014-04-02"
    assert len(by_id) == 2297
    assert Counter(e.schema for e in by_id.values()) == {"Person": 1337, "Organization": 960}
    assert len({p for e in by_id.values() for p in e.programs}) == 23
    # "29/02/1969" is not a date: counted once for its group, the record is kept.
    assert ctx.warnings["unparseable date of birth"] == 1
    assert ctx.examples["unparseable date of birth"] == ["8052: 29/02/1969"]
    assert "8052" in by_id
    entity = by_id["10657"]
    assert names(entity) == {
        ("3M MIZAN MACHINERY MANUFACTURING", NameKind.PRIMARY),
        ("3MG", NameKind.ALIAS),
        ("MIZAN MACHINERY MANUFACTURING (3M)", NameKind.ALIAS),
    }
    assert [a.full for a in entity.addresses] == ["PO Box 16595-365, Tehran, Iran"]
    assert entity.programs == ["Iran (nuclear proliferation)"]
    assert entity.properties["unscId"] == ["E.29.I.11"]
    # Windows-1252 punctuation decoded, not mojibake.
    assert any("’" in r for e in by_id.values() for r in e.remarks)


# --------------------------------------------------------------------------- FCDO fixtures


def test_fcdo_csv_fixture() -> None:
    ctx, by_id = run(uk.parse_fcdo_csv, "csv", FIX / "UK-Sanctions-List.csv")
    assert ctx.published == "2026-09-15"
    assert set(by_id) == {"XMP0001", "XMP0002", "XMP0003", "XMP0004"}
    _check_fcdo_records(ctx, by_id)


def test_fcdo_xml_fixture() -> None:
    ctx, by_id = run(uk.parse_fcdo_xml, "xml", FIX / "UK-Sanctions-List.xml")
    assert ctx.published == "2026-09-15"
    assert set(by_id) == {"XMP0001", "XMP0002", "XMP0003", "XMP0004"}
    _check_fcdo_records(ctx, by_id)


def _check_fcdo_records(ctx: ParseContext, by_id: dict[str, Entity]) -> None:
    person = by_id["XMP0001"]
    assert person.schema == "Person"
    assert names(person) == {
        ("IVANOV, Pyotr Sergeyevich", NameKind.PRIMARY),
        ("IVANOFF, Petr Sergeevich", NameKind.ALIAS),  # Primary name variation
        ("Petya", NameKind.WEAK_ALIAS),  # Low quality a.k.a
        ("Иванов Пётр Сергеевич", NameKind.ORIGINAL_SCRIPT),
    }
    primary = person.names[0]
    assert (primary.kind, primary.last, primary.first, primary.middle, primary.title) == (
        NameKind.PRIMARY,
        "IVANOV",
        "Pyotr",
        "Sergeyevich",
        "Colonel",
    )
    script = next(n for n in person.names if n.kind is NameKind.ORIGINAL_SCRIPT)
    assert script.lang == "rus"
    nickname = next(n for n in person.names if n.full == "Petya")
    assert nickname.last is None  # Name 6 alone is not taken for a surname
    assert person.birth_dates == ["1961-03-12", "1962"]  # "dd/mm/1962"
    assert person.nationalities == ["ru"]
    assert person.gender == "male"
    assert person.birth_places == ["Tula, Russia"]
    assert person.properties["birthCountry"] == ["ru"]
    assert person.properties["position"] == ["Deputy Minister of Industry"]
    assert person.properties["ofsiGroupId"] == ["17001"]
    assert person.properties["modifiedAt"] == ["2026-09-02"]
    assert {(i.type, i.number, i.note) for i in person.identifiers} == {
        ("passport", "7512345678", "Russian foreign travel passport"),
        ("tax_id", "771234567890", "Russian INN"),
    }
    assert [(a.full, a.country) for a in person.addresses] == [("Moscow, Russia", "ru")]
    assert person.programs == ["The Russia (Sanctions) (EU Exit) Regulations 2019"]
    assert person.listed_on == "2022-03-15"
    assert "Designation source: UK" in person.remarks
    assert (
        "Sanctions imposed: Asset freeze, Travel Ban, Director Disqualification Sanction"
        in person.remarks
    )

    org = by_id["XMP0002"]
    assert org.schema == "Organization"
    assert names(org) == {
        ("GOLDEN CRESCENT TRADING COMPANY LLC", NameKind.PRIMARY),
        ("GCTC", NameKind.ALIAS),
        ("Crescent Trading", NameKind.WEAK_ALIAS),  # NameType "ALias", as published
        ("شركة الهلال الذهبي للتجارة", NameKind.ORIGINAL_SCRIPT),
    }
    assert [a.country for a in org.addresses] == ["ae", "ir"]
    assert org.addresses[0].full == (
        "Office 1203, Al Fattan Tower, Sheikh Zayed Road, Dubai, United Arab Emirates"
    )
    assert org.properties["unscId"] == ["XMe.001"]
    assert org.properties["email"] == ["info@gctc.example"]
    assert org.properties["legalForm"] == ["Limited Liability Company"]
    assert [(i.type, i.number) for i in org.identifiers] == [("registration", "CN-1234567")]
    assert {(r.kind, r.target_name) for r in org.relations} == {
        ("parent", "Crescent Holding Group"),
        ("subsidiary", "Crescent Logistics FZE"),
    }
    assert "Listed by the UN on 20 Nov 2019.\nAlso operates from Istanbul, Turkey." in org.remarks

    ship = by_id["XMP0003"]
    assert ship.schema == "Vessel"
    assert names(ship) == {("OCEAN STAR 7", NameKind.PRIMARY), ("SEA PEARL", NameKind.ALIAS)}
    assert [(i.type, i.number) for i in ship.identifiers] == [("imo", "IMO9123456")]
    assert ship.properties["imoNumber"] == ["IMO9123456"]
    assert ship.properties["flag"] == ["pa"] and ship.properties["pastFlags"] == ["km"]
    assert ship.properties["buildDate"] == ["2004"]
    assert ("owner_operator", "Blue Wave Shipping Ltd") in {
        (r.kind, r.target_name) for r in ship.relations
    }
    # The published duplicate "Shipping sanctions…|Shipping sanctions…" is said once.
    assert "Sanctions imposed: Shipping sanctions: (see 'Other information')" in ship.remarks

    odd = by_id["XMP0004"]
    assert odd.caption == "AL-TESTI, Abdul Rahman Mohammed"  # empty Name 3 skipped
    assert odd.birth_dates == ["1975"]  # 00/00/1975; 31/02/1980 is no date
    assert odd.nationalities == ["sy", "lb"]
    assert odd.countries == ["sy"] and odd.addresses == []  # a country, no address lines
    assert dict(ctx.warnings) == {"unparseable date of birth": 1}
    assert ctx.examples["unparseable date of birth"] == ["XMP0004: 31/02/1980"]


def test_fcdo_csv_and_xml_agree() -> None:
    """The two publications of one list must give the same entities."""
    _, from_csv = run(uk.parse_fcdo_csv, "csv", FIX / "UK-Sanctions-List.csv")
    _, from_xml = run(uk.parse_fcdo_xml, "xml", FIX / "UK-Sanctions-List.xml")
    for key, a in from_csv.items():
        b = from_xml[key]
        assert a.schema == b.schema
        assert sorted((n.full, n.kind, n.first, n.last) for n in a.names) == sorted(
            (n.full, n.kind, n.first, n.last) for n in b.names
        )
        for field in ("birth_dates", "nationalities", "countries", "programs", "listed_on"):
            assert getattr(a, field) == getattr(b, field), (key, field)
        assert sorted(a.remarks) == sorted(b.remarks)
        assert {(i.type, i.number) for i in a.identifiers} == {
            (i.type, i.number) for i in b.identifiers
        }
        assert {k: sorted(v) for k, v in a.properties.items()} == {
            k: sorted(v) for k, v in b.properties.items()
        }


def test_fcdo_ods_fixture() -> None:
    ctx, by_id = run(uk.parse_fcdo_ods, "ods", FIX / "fcdo_sl_tue_sep_15_2026.ods")
    assert ctx.published == "2026-09-15"  # from the file name
    assert list(by_id) == ["XMP0001", "XMP0002", "XMP0003", "XMP0004", "XMP0005"]
    assert [e.schema for e in by_id.values()] == [
        "Person",
        "Organization",
        "Vessel",
        "Person",
        "Person",
    ]
    # <text:s/> is a real space; the line break inside the paragraph collapses to one.
    assert by_id["XMP0001"].caption == "IVANOV Pyotr Sergeyevich"
    assert by_id["XMP0002"].caption == "GOLDEN CRESCENT TRADING COMPANY LLC"  # via text:span
    assert by_id["XMP0002"].listed_on == "2019-11-22"  # date-typed cell
    assert by_id["XMP0002"].properties["ofsiGroupId"] == ["17002"]  # float-typed cell
    assert "Sanctions imposed: Arms embargo,\nAsset freeze" in by_id["XMP0002"].remarks
    assert "ofsiGroupId" not in by_id["XMP0003"].properties
    assert by_id["XMP0004"].caption == "AL-TESTI Abdul Rahman Mohammed"
    # number-columns-repeated="2" fills Designation source and Date Designated alike.
    assert "Designation source: UK|UN" in by_id["XMP0004"].remarks
    assert by_id["XMP0004"].listed_on is None
    assert by_id["XMP0005"].names == []
    assert dict(ctx.warnings) == {
        "unparseable date designated": 1,
        "designation without a name": 1,
    }


# --------------------------------------------------------------------------- HMT fixtures


def test_hmt_old_layout_fixture() -> None:
    ctx, by_id = run(uk.parse_hmt_csv, "conlist", FIX / "sanctionsconlist.csv", uk.HMT)
    assert ctx.published == "2014-04-02"
    assert list(by_id) == ["90001", "90002", "90003"]
    person = by_id["90001"]
    assert names(person) == {
        ("TESTMAN, Abdullah Yusuf", NameKind.PRIMARY),
        ("TESTMANN, Abdallah", NameKind.ALIAS),
        ("AL-TESTI, Abu Yusuf", NameKind.ALIAS),  # " AL-TESTI": leading space dropped
    }
    assert person.names[0].title == "Haji"
    assert person.birth_dates == ["1954", "1955-01"]  # 00/00/1954, 00/01/1955
    assert person.nationalities == ["so", "se"]  # "(1) Somali (2) Swedish"
    assert person.countries == ["af"]  # "Afghanistan (since 2009)"
    assert person.addresses == []
    assert [(i.type, i.number, i.country) for i in person.identifiers] == [
        ("passport", "A123456", "so"),
        ("passport", "7654321", "se"),
        ("national_id", "555123", None),
    ]
    assert person.identifiers[0].note == "A123456 (Somali). Issued on 3 May 2001"
    assert person.properties["position"] == ["Commander of the test brigade"]
    assert person.properties["unscId"] == ["QI.T.999.01"]
    assert "UN Ref QI.T.999.01. Fictitious record; Abdullah’s father is Yusuf." in person.remarks

    org = by_id["90002"]
    assert org.schema == "Organization"
    assert names(org) == {
        ("CAFÉ TRADING COMPANY LIMITED", NameKind.PRIMARY),
        ("CAFE TRADERS", NameKind.ALIAS),
        ("OLD CAFÉ EXPORTS", NameKind.FORMER),
    }
    assert org.programs == ["Iran (nuclear proliferation)", "Syria"]
    assert org.listed_on == "2008-06-24"  # earliest of the two regimes
    assert org.properties["modifiedAt"] == ["2012-01-23"]  # latest Last Updated
    assert [a.full for a in org.addresses] == ["PO Box 16595-365, Tehran, Iran"]

    third = by_id["90003"]
    assert third.birth_dates == ["1969-03-01"]
    assert third.nationalities == ["et"]  # "Possibly Ethiopian"
    assert third.identifiers == [] and "Passport: Uganda Passport" in third.remarks
    assert dict(ctx.warnings) == {"unparseable date of birth": 1, "Passport without a number": 1}


def test_hmt_2022_layout_fixture() -> None:
    ctx, by_id = run(uk.parse_hmt_csv, "conlist", FIX / "ConList.csv", uk.HMT)
    assert ctx.published == "2026-01-15"
    person = by_id["95001"]
    assert names(person) == {
        ("AL-ZAFIRI, Khalid Hassan", NameKind.PRIMARY),
        ("AL-DHAFIRI, Khalid Hasan", NameKind.ALIAS),  # Primary name variation
        ("ZAFIRI, Khaled", NameKind.ALIAS),  # Good quality
        ("Abu Hassan", NameKind.WEAK_ALIAS),  # Low quality
        ("خالد حسن الظفيري", NameKind.ORIGINAL_SCRIPT),
    }
    assert {(i.type, i.number, i.note) for i in person.identifiers} == {
        ("passport", "B1234567", "Kuwaiti passport, issued 2015"),
        ("national_id", "270010112345", "Kuwaiti civil ID"),
    }
    assert person.properties["ukSanctionsListRef"] == ["AQD9001"]
    assert person.properties["unscId"] == ["QDi.999"]
    ship = by_id["95002"]
    assert ship.schema == "Vessel"
    assert names(ship) == {("SEA FALCON", NameKind.PRIMARY), ("DESERT FALCON", NameKind.FORMER)}
    assert [(i.type, i.number) for i in ship.identifiers] == [("imo", "IMO9345678")]
    assert not ctx.warnings


# --------------------------------------------------------------------------- bad input


def _fixture_bytes(name: str) -> bytes:
    return (FIX / name).read_bytes()


def _expect_error(parser: Parser, role: str, path: Path, *fragments: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        list(parser(ParseContext(dataset="x"), {role: path}))
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return info.value


def test_hmt_truncated_last_row(tmp_path: Path) -> None:
    data = _fixture_bytes("sanctionsconlist.csv")
    path = tmp_path / "sanctionsconlist.csv"
    path.write_bytes(data[: data.rindex(b",Prime Alias,")])  # cut inside the last row
    err = _expect_error(uk.parse_hmt_csv, "conlist", path, "expected 29 columns")
    assert err.line == data.count(b"\n") + 1 == 13  # the last line: 2 header lines + 11 rows


def test_hmt_extra_column_and_trailing_empty_cells(tmp_path: Path) -> None:
    lines = _fixture_bytes("sanctionsconlist.csv").split(b"\r\n")
    path = tmp_path / "sanctionsconlist.csv"
    path.write_bytes(b"\r\n".join([*lines[:3], lines[3] + b",,"]))  # empty extras: fine
    _, by_id = run(uk.parse_hmt_csv, "conlist", path, uk.HMT)
    assert list(by_id) == ["90001"]
    path.write_bytes(b"\r\n".join([*lines[:3], lines[3] + b",surprise"]))
    err = _expect_error(uk.parse_hmt_csv, "conlist", path, "found 30")
    assert err.line == 4


def test_hmt_unterminated_quote(tmp_path: Path) -> None:
    path = tmp_path / "sanctionsconlist.csv"
    path.write_bytes(_fixture_bytes("sanctionsconlist.csv") + b'\r\nX,"open quote,,,')
    _expect_error(uk.parse_hmt_csv, "conlist", path, "line")


def test_hmt_missing_header_column(tmp_path: Path) -> None:
    path = tmp_path / "sanctionsconlist.csv"
    path.write_bytes(_fixture_bytes("sanctionsconlist.csv").replace(b"Group ID", b"Group", 1))
    err = _expect_error(uk.parse_hmt_csv, "conlist", path, "group id")
    assert err.line == 2


def test_hmt_wrong_encoding(tmp_path: Path) -> None:
    text = _fixture_bytes("sanctionsconlist.csv").decode("cp1252")
    path = tmp_path / "sanctionsconlist.csv"
    path.write_bytes(text.encode("utf-16"))
    _expect_error(uk.parse_hmt_csv, "conlist", path, "NUL")
    path.write_bytes(bytes(range(256)) * 8)  # binary
    _expect_error(uk.parse_hmt_csv, "conlist", path, "NUL")
    path.write_bytes(b"Last Updated,01/01/2020\r\nName 6,\x81\x8d\r\n")  # undefined in cp1252
    _expect_error(uk.parse_hmt_csv, "conlist", path, "not valid")


def test_hmt_empty_and_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "sanctionsconlist.csv"
    path.write_bytes(b"")
    _expect_error(uk.parse_hmt_csv, "conlist", path, "empty")
    gz = tmp_path / "sanctionsconlist.csv.gz"
    packed = gzip.compress(_fixture_bytes("sanctionsconlist.csv"))
    gz.write_bytes(packed[: len(packed) // 2])
    _expect_error(uk.parse_hmt_csv, "conlist", gz, "gzip")
    gz.write_bytes(packed)  # and the intact .gz reads like the plain file
    assert len(run(uk.parse_hmt_csv, "conlist", gz, uk.HMT)[1]) == 3


def test_hmt_bad_records_are_warnings(tmp_path: Path) -> None:
    data = _fixture_bytes("sanctionsconlist.csv")
    data = data.replace(b",Entity,AKA,", b",Partnership,AKA,").replace(b",FKA,", b",NKA,")
    path = tmp_path / "sanctionsconlist.csv"
    path.write_bytes(data)
    ctx, by_id = run(uk.parse_hmt_csv, "conlist", path, uk.HMT)
    assert len(by_id) == 3
    assert ctx.warnings["unknown name type"] == 1
    assert ("OLD CAFÉ EXPORTS", NameKind.ALIAS) in names(by_id["90002"])


def test_fcdo_csv_bad_input(tmp_path: Path) -> None:
    data = _fixture_bytes("UK-Sanctions-List.csv")
    path = tmp_path / "UK-Sanctions-List.csv"
    path.write_bytes(data[: data.rindex(b",Syria,")])
    err = _expect_error(uk.parse_fcdo_csv, "csv", path, "expected 58 columns")
    assert err.line == data.count(b"\n")
    path.write_bytes(data.replace("Пётр".encode(), "Pëtr".encode("cp1252")))
    err = _expect_error(uk.parse_fcdo_csv, "csv", path, "not valid utf-8-sig")
    assert err.line == 3
    path.write_bytes(data.replace(b"Name type", b"Kind", 1))
    _expect_error(uk.parse_fcdo_csv, "csv", path, "name type")
    # An unknown designation type is one bad record, not a bad file.
    path.write_bytes(data.replace(b",Ship,UK,", b",Aircraft,UK,"))
    ctx, by_id = run(uk.parse_fcdo_csv, "csv", path)
    assert by_id["XMP0003"].schema == "LegalEntity"
    assert ctx.warnings["unknown designation type"] == 1


def test_fcdo_xml_bad_input(tmp_path: Path) -> None:
    data = _fixture_bytes("UK-Sanctions-List.xml")
    path = tmp_path / "UK-Sanctions-List.xml"
    path.write_bytes(data.replace(b"</Names>", b"</Nams>", 1))
    err = _expect_error(uk.parse_fcdo_xml, "xml", path, "invalid XML")
    assert err.line == data[: data.index(b"</Names>")].count(b"\n") + 1
    path.write_bytes(data[: len(data) // 2])
    _expect_error(uk.parse_fcdo_xml, "xml", path, "invalid XML")
    path.write_bytes(b'<?xml version="1.0"?><CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>')
    _expect_error(uk.parse_fcdo_xml, "xml", path, "no <Designation>")


def _rewrite_ods(src: Path, dst: Path, content: bytes | None) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            if item.filename == "content.xml":
                if content is not None:
                    zout.writestr(item, content)
            else:
                zout.writestr(item, zin.read(item))


def test_fcdo_ods_bad_input(tmp_path: Path) -> None:
    src = FIX / "fcdo_sl_tue_sep_15_2026.ods"
    path = tmp_path / "FCDO_SL_Tue_Sep_15_2026.ods"
    path.write_bytes(b"Unique ID,Name\nRUS0001,Someone\n")
    _expect_error(uk.parse_fcdo_ods, "ods", path, "not a readable ODS")
    path.write_bytes(src.read_bytes()[:-200])
    _expect_error(uk.parse_fcdo_ods, "ods", path, "ODS")
    _rewrite_ods(src, path, None)
    _expect_error(uk.parse_fcdo_ods, "ods", path, "no content.xml")
    with zipfile.ZipFile(src) as zf:
        content = zf.read("content.xml")
    _rewrite_ods(src, path, content.replace(b"</table:table-row>", b"</table:row>", 1))
    _expect_error(uk.parse_fcdo_ods, "ods", path, "invalid content.xml")
    _rewrite_ods(src, path, content.replace(b"<text:p>Unique ID</text:p>", b"<text:p>ID</text:p>"))
    _expect_error(uk.parse_fcdo_ods, "ods", path, "no sheet with the columns")
