"""UN Security Council Consolidated List XML: fixture, bad input, the real 2026-02-27 file."""

from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

import pytest

from sanctio.model import Entity, NameKind
from sanctio.sources import un_xml
from sanctio.sources.base import SOURCES, ParseContext, ParseError, read_head

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE = FIXTURES / "un_xml" / "un_consolidated.xml"
REAL = Path("un_2026-02-27") / "consolidated.xml.gz"


def parse(path: Path) -> tuple[ParseContext, dict[str, Entity]]:
    ctx = ParseContext("un_sc_sanctions")
    entities = {e.source_id: e for e in un_xml.parse(ctx, {"xml": path})}
    return ctx, entities


def names(entity: Entity, kind: NameKind) -> list[str]:
    return [n.full for n in entity.names if n.kind == kind]


def test_registered() -> None:
    source = SOURCES["un_xml"]
    assert source.datasets == ("un_sc_sanctions",)
    assert source.downloads["un_sc_sanctions"]["xml"] == (
        "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
    )


def test_classify(tmp_path: Path) -> None:
    assert un_xml.classify(FIXTURE, read_head(FIXTURE)) == ("un_sc_sanctions", "xml")
    renamed = tmp_path / "UN_consolidated.xml.gz"
    renamed.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    assert un_xml.classify(renamed, read_head(renamed)) == ("un_sc_sanctions", "xml")
    ofac = FIXTURES / "ofac_xml" / "CONSOLIDATED.XML"
    assert un_xml.classify(ofac, read_head(ofac)) is None
    not_xml = tmp_path / "consolidated.csv"
    not_xml.write_bytes(FIXTURE.read_bytes())
    assert un_xml.classify(not_xml, read_head(not_xml)) is None


def test_fixture_overview() -> None:
    ctx, entities = parse(FIXTURE)
    assert ctx.published == "2026-02-27"
    assert list(entities) == ["TAi.901", "KPi.901", "900003", "KPe.901"]
    assert [e.schema for e in entities.values()] == ["Person", "Person", "Person", "Organization"]
    assert entities["TAi.901"].id == "un_sc_sanctions:TAi.901"
    assert ctx.warnings == Counter(
        {
            "unparsed date of birth": 1,
            "document without NUMBER (kept as remark)": 1,
            "record without REFERENCE_NUMBER (DATAID used)": 1,
        }
    )
    assert ctx.examples["unparsed date of birth"] == ["TAi.901: 30-35 years old"]


def test_fixture_individual() -> None:
    _, entities = parse(FIXTURE)
    person = entities["TAi.901"]
    primary = person.names[0]
    assert primary.kind == NameKind.PRIMARY
    assert (primary.full, primary.first, primary.middle, primary.last, primary.title) == (
        "ABDUL SALAM EXAMPLE KHAN",
        "ABDUL",
        "SALAM EXAMPLE",
        "KHAN",
        "Maulavi; Haji",
    )
    assert names(person, NameKind.ORIGINAL_SCRIPT) == ["عبدالسلام"]
    # "A; B; C" is split (and the repeated spelling deduplicated); the parenthesised
    # value is kept whole.
    assert names(person, NameKind.ALIAS) == [
        "Abdul Salam Khan",
        "Abdul Salaam",
        "Abdoul Salam",
        "Abdul Salam",
        "عبد السلام (Abd al-Salam; Abdessalam)",
    ]
    assert names(person, NameKind.WEAK_ALIAS) == ["Salamo"]
    assert names(person, NameKind.FORMER) == ["Abdul Salam Oldname"]
    assert person.gender == "male"
    assert person.nationalities == ["af"]  # "na" is not Namibia
    assert person.programs == ["Taliban"]
    assert person.listed_on == "2001-01-31"
    assert person.properties == {
        "title": ["Maulavi", "Haji"],
        "position": ["Deputy Minister of Examples"],
        "modifiedAt": ["2011-07-21"],
        "birthCountry": ["af"],
    }
    # DATE, APPROXIMATELY YEAR, BETWEEN (each year), bare NOTE, then the alias's DOB.
    assert person.birth_dates == [
        "1963-01-01",
        "1965",
        "1966",
        "1967",
        "1968",
        "1973-11",
        "1962-05-04",
    ]
    assert person.birth_places == [
        "Example Village, Kandahar Province, Afghanistan",
        "Kandahar, Afghanistan",
    ]
    assert [a.full for a in person.addresses] == [
        "House 7, Example Road, Quetta, Balochistan Province, 87300, Pakistan",
        "Moves between example districts",
    ]
    home = person.addresses[0]
    assert (home.street, home.city, home.region, home.postal_code, home.country) == (
        "House 7, Example Road",
        "Quetta",
        "Balochistan Province",
        "87300",
        "pk",
    )
    assert person.countries == ["pk"]
    docs = [(i.type, i.number, i.country, i.label) for i in person.identifiers]
    assert docs == [
        ("passport", "OA123456", "af", "Passport"),
        (
            "national_id",
            "57388",
            "af",
            "National Identification Number (Afghan national identification card (tazkira) number)",
        ),
        (
            "ssn",
            "000-00-0000",
            None,
            "National Identification Number (United States Social Security Number)",
        ),
    ]
    assert (
        person.identifiers[0].note == "issued 2000-07-17; issued in Kabul; expired on 16 Jul. 2005"
    )
    assert person.remarks == [
        "Believed to be in the example region.",
        "Salamo: Call sign",
        "Passport: Example passport number X 1234 issued on 1 Jan. 1999",
    ]


def test_fixture_other_records() -> None:
    _, entities = parse(FIXTURE)
    kang = entities["KPi.901"]
    assert (kang.names[0].full, kang.names[0].first, kang.names[0].last) == (
        "KANG CHOL SU",
        "KANG",
        "CHOL SU",
    )
    assert kang.listed_on == "2015-07-01"  # "2015-07-01-04:00" as published
    assert kang.remarks == []
    assert [n.kind for n in kang.names] == [NameKind.PRIMARY]
    fallback = entities["900003"]
    assert fallback.gender == "female"
    assert fallback.names[0].full == "NO REFERENCE PERSON"
    org = entities["KPe.901"]
    assert org.names[0].full == "EXAMPLE SHIPPING COMPANY, LIMITED (ESC)"
    assert (org.names[0].first, org.names[0].last) == (None, None)
    assert names(org, NameKind.ORIGINAL_SCRIPT) == ["예시 해운"]
    assert names(org, NameKind.ALIAS) == ["East Example Shipping"]
    assert names(org, NameKind.FORMER) == ["Old Example Shipping"]
    assert org.addresses[0].country == "kp"
    assert org.remarks == ["Operator of an example vessel."]


# --- bad input -------------------------------------------------------------------------


def test_truncated_gzip(tmp_path: Path) -> None:
    packed = gzip.compress(FIXTURE.read_bytes())
    bad = tmp_path / "consolidated.xml.gz"
    bad.write_bytes(packed[:-20])
    with pytest.raises(ParseError, match="truncated gzip") as err:
        parse(bad)
    assert err.value.path == str(bad)


def test_truncated_xml(tmp_path: Path) -> None:
    raw = FIXTURE.read_bytes()
    bad = tmp_path / "consolidated.xml"
    bad.write_bytes(raw[: len(raw) * 2 // 3])
    with pytest.raises(ParseError, match="invalid XML") as err:
        parse(bad)
    assert err.value.path == str(bad)
    assert err.value.line is not None and err.value.line > 1


def test_wrong_encoding(tmp_path: Path) -> None:
    raw = FIXTURE.read_bytes().replace("예시 해운".encode(), b"Soci\xe9t\xe9")  # Latin-1
    bad = tmp_path / "consolidated.xml"
    bad.write_bytes(raw)
    with pytest.raises(ParseError, match="invalid XML") as err:
        parse(bad)
    assert err.value.line == raw[: raw.index(b"Soci\xe9")].count(b"\n") + 1


def test_empty_and_wrong_root(tmp_path: Path) -> None:
    empty = tmp_path / "consolidated.xml"
    empty.write_bytes(b"\n")
    with pytest.raises(ParseError, match="empty"):
        parse(empty)
    with pytest.raises(ParseError, match="expected <CONSOLIDATED_LIST>"):
        parse(FIXTURES / "ofac_xml" / "CONSOLIDATED.XML")


def test_bad_records_are_warnings(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    text = text.replace("<QUALITY>Low</QUALITY>", "<QUALITY>Medium</QUALITY>")
    text = text.replace("<GENDER>Female</GENDER>", "<GENDER>Unknown</GENDER>")
    text = text.replace("<COUNTRY>Pakistan</COUNTRY>", "<COUNTRY>Atlantis</COUNTRY>")
    text = text.replace("<REFERENCE_NUMBER>KPi.901<", "<REFERENCE_NUMBER>TAi.901<")
    bad = tmp_path / "consolidated.xml"
    bad.write_text(text, encoding="utf-8")
    ctx, entities = parse(bad)
    assert list(entities) == ["TAi.901", "900003", "KPe.901"]
    assert names(entities["TAi.901"], NameKind.ALIAS)[1] == "Salamo"  # unknown quality → alias
    assert entities["900003"].gender == "other"
    assert entities["TAi.901"].addresses[0].country is None
    for kind in (
        "unknown alias quality",
        "unknown gender",
        "unknown country",
        "duplicate REFERENCE_NUMBER (later record dropped)",
    ):
        assert ctx.warnings[kind] == 1, kind


# --- the real file ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_lists: Path) -> tuple[ParseContext, dict[str, Entity]]:
    return parse(shared_lists / REAL)


@pytest.fixture(scope="module")
def real_text(shared_lists: Path) -> str:
    return gzip.decompress((shared_lists / REAL).read_bytes()).decode("utf-8")


def expected_alias_names(text: str) -> int:
    """Alias names computed from the raw text with regexes, independently of lxml.

    Each non-empty ALIAS_NAME counts once, a ``A; B`` value without parentheses counts
    once per part, and a (text, quality class) repeated inside one record counts once.
    """
    classes = {"Good": "alias", "a.k.a.": "alias", "": "alias", "Low": "weak", "f.k.a.": "former"}
    total = 0
    for _tag, body in re.findall(r"<(INDIVIDUAL|ENTITY)>(.*?)</\1>", text, re.S):
        seen: set[tuple[str, str]] = set()
        pairs = re.findall(r"<QUALITY>([^<]*)</QUALITY>\s*<ALIAS_NAME>([^<]+)</ALIAS_NAME>", body)
        for quality, value in pairs:
            simple = ";" in value and "(" not in value and ")" not in value
            for part in value.split(";") if simple else [value]:
                key = (classes[quality], " ".join(part.split()))
                if key[1] and key not in seen:
                    seen.add(key)
                    total += 1
    return total


def test_real_counts(real: tuple[ParseContext, dict[str, Entity]], real_text: str) -> None:
    ctx, entities = real
    assert ctx.published == "2026-02-27"
    assert len(entities) == 1003
    schemas = Counter(e.schema for e in entities.values())
    assert schemas == Counter({"Person": 730, "Organization": 273})
    # REFERENCE_NUMBER is on every record and unique: no DATAID fallback was needed.
    assert all(re.fullmatch(r"[A-Z]{2}[ie]\.\d{3}", k) for k in entities)
    assert "record without REFERENCE_NUMBER (DATAID used)" not in ctx.warnings
    # README: "2,752 aliases" = non-empty ALIAS_NAME elements.
    assert len(re.findall(r"<ALIAS_NAME>[^<]+</ALIAS_NAME>", real_text)) == 2752
    kinds = Counter(n.kind for e in entities.values() for n in e.names)
    aliases = kinds[NameKind.ALIAS] + kinds[NameKind.WEAK_ALIAS] + kinds[NameKind.FORMER]
    # 2,752 values + 45 extra parts from 19 "A; B" values - 10 repeats within a record.
    assert aliases == expected_alias_names(real_text) == 2787
    assert kinds[NameKind.FORMER] == real_text.count("<QUALITY>f.k.a.</QUALITY>") == 19
    assert kinds[NameKind.ORIGINAL_SCRIPT] == real_text.count("<NAME_ORIGINAL_SCRIPT>") == 378
    assert kinds[NameKind.PRIMARY] == 1003
    assert sum(1 for e in entities.values() if e.gender) == real_text.count("<GENDER>") == 54
    # The only warnings are for values no parser could read.
    # "former Soviet Union" (QDi.290) is not a current country.
    assert ctx.warnings == Counter(
        {
            "document without NUMBER (kept as remark)": 14,
            "unparsed date of birth": 3,
            "unknown country": 1,
        }
    )
    assert all(e.listed_on for e in entities.values())


def test_real_records(real: tuple[ParseContext, dict[str, Entity]]) -> None:
    _, entities = real
    ri = entities["KPi.033"]
    assert ri.names[0].full == "RI WON HO"
    assert ri.birth_dates == ["1964-07-17"]
    assert ri.nationalities == ["kp"]
    assert [(i.type, i.number) for i in ri.identifiers] == [("passport", "381310014")]
    assert ri.programs == ["DPRK"]
    assert ri.listed_on == "2016-11-30"

    hanafi = entities["TAi.027"]
    primary = hanafi.names[0]
    assert (primary.full, primary.first, primary.middle, primary.last) == (
        "ABDUL SALAM HANAFI ALI MARDAN QUL",
        "ABDUL SALAM",
        "HANAFI ALI MARDAN",
        "QUL",
    )
    assert names(hanafi, NameKind.ORIGINAL_SCRIPT) == ["عبدالسلام حنفی علی مردان قل"]
    assert names(hanafi, NameKind.ALIAS) == ["Abdussalam Hanifi", "Hanafi Saheb"]
    assert hanafi.properties["title"] == ["Mullah", "Maulavi"]
    assert hanafi.birth_dates == ["1968"]
    assert len(hanafi.birth_places) == 2

    gaston = entities["CDi.003"]
    assert names(gaston, NameKind.WEAK_ALIAS) == ["Rumuli"]
    assert gaston.properties["position"] == [
        "FDLR Interim President",
        "FDLR-FOCA 1st Vice-President",
        "FDLR-FOCA Major General",
    ]
    assert gaston.nationalities == ["rw"]

    assert entities["CDi.030"].birth_dates == ["1973", "1974"]  # BETWEEN 1973 and 1974
    assert entities["KPi.066"].birth_dates == ["1967", "1968", "1969"]

    soleimani = entities["IRi.039"]
    strong = names(soleimani, NameKind.ALIAS)
    assert strong[:2] == ["Qasim Soleimani", "Qasem Sulaimani"]
    assert len(strong) == 8
    assert names(soleimani, NameKind.WEAK_ALIAS) == ["Haj Qasem", "Haji Qassem", "Sardar Soleimani"]

    adf = entities["CDe.001"]
    assert adf.schema == "Organization"
    assert names(adf, NameKind.FORMER) == [
        "Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda",
        "ADF/NALU",
        "NALU",
    ]
    omm = entities["KPe.020"]
    assert omm.names[0].full == "OCEAN MARITIME MANAGEMENT COMPANY, LIMITED (OMM)"
    assert "East Sea Shipping Company" in names(omm, NameKind.ALIAS)
    assert omm.countries == ["kp"]
