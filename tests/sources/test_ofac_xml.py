"""OFAC sdnList XML parser: hand-written fixtures, bad input, and the real 2025-03-28 file."""

from __future__ import annotations

import gzip
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from sanctio.model import Entity, NameKind
from sanctio.sources import ofac_xml
from sanctio.sources.base import SOURCES, ParseContext, ParseError, read_head

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ofac_xml"
REAL = Path("ofac_consolidated_xml_2025-03-28") / "consolidated.xml.gz"


def parse(path: Path, dataset: str = "us_ofac_sdn") -> tuple[ParseContext, dict[str, Entity]]:
    ctx = ParseContext(dataset)
    entities = {e.source_id: e for e in ofac_xml.parse(ctx, {"xml": path})}
    return ctx, entities


def names(entity: Entity, kind: NameKind) -> list[str]:
    return [n.full for n in entity.names if n.kind == kind]


# --- registration and classification ---------------------------------------------------


def test_registered() -> None:
    source = SOURCES["ofac_xml"]
    assert source.datasets == ("us_ofac_sdn", "us_ofac_cons")
    assert source.primary == "xml"
    assert source.downloads["us_ofac_sdn"]["xml"].endswith("/SDN.XML")
    assert source.downloads["us_ofac_cons"]["xml"].endswith("/CONSOLIDATED.XML")


def test_classify_by_name_and_root(tmp_path: Path) -> None:
    sdn = FIXTURES / "SDN.XML"
    cons = FIXTURES / "CONSOLIDATED.XML"
    assert ofac_xml.classify(sdn, read_head(sdn)) == ("us_ofac_sdn", "xml")
    assert ofac_xml.classify(cons, read_head(cons)) == ("us_ofac_cons", "xml")
    # Upper case and gzip-compressed names still classify.
    gz = tmp_path / "SDN.XML.gz"
    gz.write_bytes(gzip.compress(sdn.read_bytes()))
    assert ofac_xml.classify(gz, read_head(gz)) == ("us_ofac_sdn", "xml")
    # The UN's consolidated.xml has the same name but another root.
    un = tmp_path / "consolidated.xml"
    shutil.copy(
        Path(__file__).resolve().parent.parent / "fixtures" / "un_xml" / "un_consolidated.xml", un
    )
    assert ofac_xml.classify(un, read_head(un)) is None
    # Right root, unknown name.
    other = tmp_path / "export.xml"
    shutil.copy(sdn, other)
    assert ofac_xml.classify(other, read_head(other)) is None


# --- hand-written fixture --------------------------------------------------------------


def test_fixture_old_namespace() -> None:
    ctx, entities = parse(FIXTURES / "SDN.XML")
    assert ctx.published == "2024-05-03"
    assert list(entities) == ["1001", "1002", "1003", "1004", "1005"]
    assert {k: e.schema for k, e in entities.items()} == {
        "1001": "Person",
        "1002": "Organization",
        "1003": "Vessel",
        "1004": "Airplane",
        "1005": "Person",
    }
    assert entities["1001"].id == "us_ofac_sdn:1001"
    assert ctx.warnings == Counter({"unparsed date of birth": 1, "unknown country": 1})
    assert ctx.examples["unparsed date of birth"] == ["uid 1001: sometime in the fifties"]


def test_fixture_individual() -> None:
    _, entities = parse(FIXTURES / "SDN.XML")
    kim = entities["1001"]
    primary = kim.names[0]
    assert (primary.full, primary.kind, primary.first, primary.last) == (
        "KIM, Kun Il",
        NameKind.PRIMARY,
        "Kun Il",
        "KIM",
    )
    assert names(kim, NameKind.ALIAS) == ["KIM, Kun-il", "RI, Kun"]  # a.k.a. + n.k.a.
    assert names(kim, NameKind.WEAK_ALIAS) == ["KUNNY"]
    assert names(kim, NameKind.FORMER) == ["PAK, Kun Il"]
    alias = kim.names[1]
    assert (alias.first, alias.last) == ("Kun-il", "KIM")
    # 01 Jan 1954; circa 1950; 1956 to 1958; 01 Jan 1960 to 31 Dec 1961; the unparsable one dropped
    assert kim.birth_dates == ["1954-01-01", "1950", "1956", "1957", "1958", "1960", "1961"]
    assert kim.birth_places == ["Hamhung, Korea, North"]
    assert kim.nationalities == ["kp"]
    assert kim.citizenships == ["ru"]
    assert kim.gender == "female"
    assert kim.programs == ["SDGT", "IRAN-EO13846"]
    assert kim.properties["position"] == ["Minister of Examples"]
    assert kim.properties["email"] == ["kim@example.org"]
    assert kim.remarks == [
        "Example remark (Linked To: EXAMPLE TRADING CO.)",
        "Secondary sanctions risk: section 1(b) of Executive Order 13224, "
        "as amended by Executive Order 13886",
    ]
    assert [(r.kind, r.target_name, r.target_id) for r in kim.relations] == [
        ("linked_to", "EXAMPLE TRADING CO.", "us_ofac_sdn:1002")
    ]
    assert primary.title == "Minister of Examples"
    ids = {i.label: i for i in kim.identifiers}
    assert set(ids) == {"Passport", "Cedula No.", "Digital Currency Address - XBT"}
    passport = ids["Passport"]
    assert (passport.type, passport.number, passport.country) == ("passport", "P1234567", "kp")
    assert passport.note == "issueDate 01 Jan 2010; expirationDate 01 Jan 2020"
    assert (ids["Cedula No."].type, ids["Cedula No."].country) == ("national_id", "co")
    assert ids["Digital Currency Address - XBT"].type == "other"
    assert [a.full for a in kim.addresses] == [
        "12 Example Street, Building 3, Pyongyang, Korea, North",
        "Atlantis, Atlantis",
    ]
    assert kim.addresses[0].street == "12 Example Street, Building 3"
    assert kim.addresses[0].country == "kp"
    assert kim.addresses[1].country is None  # unknown country: warned, not invented
    assert kim.countries == ["kp"]
    assert kim.source_url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=1001"
    assert entities["1005"].names[0].full == "EXAMPLE GARCIA, Maria"


def test_fixture_entity() -> None:
    _, entities = parse(FIXTURES / "SDN.XML")
    org = entities["1002"]
    assert org.names[0].full == "EXAMPLE TRADING CO."
    assert (org.names[0].first, org.names[0].last) == (None, None)
    assert names(org, NameKind.FORMER) == ["OLD EXAMPLE LLC"]
    ids = {i.type: i for i in org.identifiers}
    # The country written into the number is split off.
    assert (ids["registration"].number, ids["registration"].country) == ("1026303117642", "ru")
    assert ids["swift_bic"].number == "EXAMRUMM"
    assert ids["lei"].number == "253400EXAMPLE0000001"
    assert (ids["tax_id"].number, ids["tax_id"].country) == ("7702070139", "ru")
    assert org.properties["incorporationDate"] == ["1990-10-17"]
    assert org.properties["website"] == ["www.example.ru"]
    assert org.properties["jurisdiction"] == ["cy"]
    assert org.countries == ["cy", "ru"]
    assert org.addresses[0].postal_code == "109147"


def test_fixture_vessel_and_aircraft() -> None:
    _, entities = parse(FIXTURES / "SDN.XML")
    vessel = entities["1003"]
    assert vessel.names[0].full == "SEA EXAMPLE"
    assert [(i.type, i.number) for i in vessel.identifiers] == [
        ("imo", "9187629"),
        ("mmsi", "422026700"),
    ]
    assert vessel.properties == {
        "imoNumber": ["IMO9187629"],
        "mmsi": ["422026700"],
        "callSign": ["9BQU"],
        "type": ["Crude Oil Tanker"],
        "tonnage": ["160000"],
        "grossRegisteredTonnage": ["81479"],
        "flag": ["ir"],
        "owner": ["EXAMPLE SHIPPING CO"],
    }
    assert vessel.countries == ["ir"]
    assert [(r.kind, r.target_name) for r in vessel.relations] == [("owner", "EXAMPLE SHIPPING CO")]
    plane = entities["1004"]
    assert [(i.type, i.number) for i in plane.identifiers] == [("aircraft_serial", "1234")]
    assert plane.properties == {"model": ["Boeing 747"]}


def test_fixture_new_namespace() -> None:
    ctx, entities = parse(FIXTURES / "CONSOLIDATED.XML", "us_ofac_cons")
    assert ctx.published == "2025-03-28"
    assert [e.id for e in entities.values()] == ["us_ofac_cons:9001", "us_ofac_cons:9002"]
    assert entities["9001"].names[0].full == "EXAMPLE, Ahmad"
    assert entities["9001"].birth_dates == ["1962"]
    assert not ctx.warnings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01 Jan 1954", ["1954-01-01"]),
        ("Jan 1954", ["1954-01"]),
        ("1954", ["1954"]),
        ("circa 1954", ["1954"]),
        ("Circa 01 Jan 1954", ["1954-01-01"]),
        ("1954 to 1956", ["1954", "1955", "1956"]),
        ("01 Jan 1960 to 31 Dec 1962", ["1960", "1961", "1962"]),
        ("01 Feb 1960 to 15 Mar 1960", ["1960-02-01", "1960-03-15"]),
        ("1900 to 1990", ["1900", "1990"]),  # too wide to enumerate
        ("sometime", None),
        ("1954 to later", None),
    ],
)
def test_birth_dates(raw: str, expected: list[str] | None) -> None:
    assert ofac_xml.birth_dates(raw) == expected


# --- bad input -------------------------------------------------------------------------


def test_record_count_mismatch_refuses_file(tmp_path: Path) -> None:
    bad = tmp_path / "sdn.xml"
    text = (FIXTURES / "SDN.XML").read_text(encoding="utf-8")
    bad.write_text(text.replace("<Record_Count>5<", "<Record_Count>6<"), encoding="utf-8")
    stream = ofac_xml.parse(ParseContext("us_ofac_sdn"), {"xml": bad})
    with pytest.raises(ParseError, match="Record_Count says 6 entries but the file holds 5") as err:
        next(stream)  # refused before the first entity, not after the last
    assert err.value.path == str(bad)


def test_truncated_gzip(tmp_path: Path) -> None:
    packed = gzip.compress((FIXTURES / "SDN.XML").read_bytes())
    bad = tmp_path / "sdn.xml.gz"
    bad.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ParseError, match="truncated gzip") as err:
        parse(bad)
    assert str(bad) in str(err.value)


def test_truncated_xml_names_file_and_line(tmp_path: Path) -> None:
    raw = (FIXTURES / "SDN.XML").read_bytes()
    bad = tmp_path / "sdn.xml"
    bad.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ParseError, match="invalid XML") as err:
        parse(bad)
    assert err.value.path == str(bad)
    assert err.value.line is not None and err.value.line > 1


def test_wrong_encoding(tmp_path: Path) -> None:
    raw = (FIXTURES / "SDN.XML").read_bytes().replace(b"Maria", b"Mar\xeda")  # Latin-1 í
    bad = tmp_path / "sdn.xml"
    bad.write_bytes(raw)
    with pytest.raises(ParseError, match="invalid XML") as err:
        parse(bad)
    assert err.value.line == raw[: raw.index(b"Mar\xeda")].count(b"\n") + 1


def test_empty_file(tmp_path: Path) -> None:
    bad = tmp_path / "sdn.xml"
    bad.write_bytes(b"")
    with pytest.raises(ParseError, match="empty") as err:
        parse(bad)
    assert str(bad) in str(err.value)


def test_wrong_root(tmp_path: Path) -> None:
    bad = tmp_path / "consolidated.xml"
    bad.write_text("<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>", encoding="utf-8")
    with pytest.raises(ParseError, match="expected <sdnList>"):
        parse(bad)


def test_bad_records_are_warnings(tmp_path: Path) -> None:
    text = (FIXTURES / "CONSOLIDATED.XML").read_text(encoding="utf-8")
    text = text.replace("<sdnType>Entity</sdnType>", "<sdnType>Spaceship</sdnType>")
    text = text.replace("<dateOfBirth>1962</dateOfBirth>", "<dateOfBirth>31 Foo 1962</dateOfBirth>")
    bad = tmp_path / "consolidated.xml"
    bad.write_text(text, encoding="utf-8")
    ctx, entities = parse(bad, "us_ofac_cons")
    assert len(entities) == 2
    assert entities["9002"].schema == "LegalEntity"
    assert entities["9001"].birth_dates == []
    assert ctx.warnings == Counter({"unknown sdnType": 1, "unparsed date of birth": 1})


# --- the real file ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_lists: Path) -> tuple[ParseContext, dict[str, Entity]]:
    return parse(shared_lists / REAL, "us_ofac_cons")


def test_real_counts(real: tuple[ParseContext, dict[str, Entity]], shared_lists: Path) -> None:
    ctx, entities = real
    text = gzip.decompress((shared_lists / REAL).read_bytes()).decode("utf-8")
    assert ctx.published == "2025-03-28"
    assert len(entities) == 443 == text.count("<sdnEntry>")
    assert not ctx.warnings
    schemas = Counter(e.schema for e in entities.values())
    assert schemas == Counter({"Organization": 363, "Person": 80})
    assert schemas["Person"] == text.count("<sdnType>Individual</sdnType>")
    kinds = Counter(n.kind for e in entities.values() for n in e.names)
    # Every <aka> is one name (none repeats within its entry), f.k.a. → FORMER.
    assert kinds[NameKind.PRIMARY] == 443
    aliases = kinds[NameKind.ALIAS] + kinds[NameKind.WEAK_ALIAS] + kinds[NameKind.FORMER]
    assert aliases == text.count("<aka>") == 1136
    assert kinds[NameKind.FORMER] == text.count("<type>f.k.a.</type>") == 144
    weak_aka = len(re.findall(r"<type>a\.k\.a\.</type>\s*<category>weak</category>", text))
    assert kinds[NameKind.WEAK_ALIAS] == weak_aka == 67
    id_types = Counter(i.type for e in entities.values() for i in e.identifiers)
    assert id_types["swift_bic"] == text.count("<idType>SWIFT/BIC</idType>") == 33
    assert id_types["lei"] == text.count("<idType>Legal Entity Number</idType>") == 14
    assert id_types["passport"] == 1
    emails = sum(len(e.properties.get("email", [])) for e in entities.values())
    assert emails == text.count("<idType>Email Address</idType>") == 125


def test_real_records(real: tuple[ParseContext, dict[str, Entity]]) -> None:
    _, entities = real
    haniya = entities["9639"]
    assert names(haniya, NameKind.PRIMARY) == ["HANIYA, Ismail Abdul Salah"]
    assert names(haniya, NameKind.ALIAS) == ["HANIYA, Ismail", "HANIYYA, Ismaeel"]
    assert haniya.birth_dates == ["1962"]
    assert haniya.birth_places == ["Shati"]
    assert haniya.programs == ["NS-PLC"]

    kayakiran = entities["26182"]
    assert kayakiran.names[0].full == "KAYAKIRAN, Evren"
    assert kayakiran.birth_dates == ["1980-02-08"]
    assert kayakiran.citizenships == ["tr"]
    assert kayakiran.gender == "male"
    assert [(i.type, i.number, i.country) for i in kayakiran.identifiers] == [
        ("passport", "U00242309", "tr")
    ]

    zahhar = entities["9647"]
    assert names(zahhar, NameKind.WEAK_ALIAS) == ["ZAHAR, Mahmoud", "AL-ZAHAR, Mahmoud"]
    assert zahhar.nationalities == ["ps"]
    assert zahhar.birth_dates == ["1945"]
    # HAMAS is on the SDN list, not in this file: the link stays unresolved.
    assert [(r.kind, r.target_name, r.target_id) for r in zahhar.relations] == [
        ("linked_to", "HAMAS", None)
    ]
    assert zahhar.programs == ["NS-PLC", "SDGT"]

    martelly = entities["50476"]
    ids = {i.type: (i.number, i.country) for i in martelly.identifiers}
    assert ids == {
        "national_id": ("0032768386", "ht"),
        "driving_licence": ("M634550610520", "us"),
    }
    assert names(martelly, NameKind.WEAK_ALIAS) == ["Sweet Micky"]
    assert sum("Executive Order 14059 information:" in r for r in martelly.remarks) == 3

    vtb = entities["17013"]
    assert vtb.schema == "Organization"
    assert vtb.names[0].full == "VTB BANK PUBLIC JOINT STOCK COMPANY"
    assert "JSC VTB BANK" in names(vtb, NameKind.FORMER)
    assert names(vtb, NameKind.WEAK_ALIAS) == ["JSC VTB BANK NEW DELHI BRANCH"]
    swift = [i.number for i in vtb.identifiers if i.type == "swift_bic"]
    assert swift == ["VTBRRUMM"]
    assert vtb.properties["incorporationDate"] == ["1990-10-17"]
    assert vtb.properties["website"] == ["www.vtb.com", "www.vtb.ru"]
    assert vtb.programs == ["UKRAINE-EO13662", "RUSSIA-EO14024"]
