"""EU FSF parser: both XML layouts, name kinds, partial dates, and refusal of bad files."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanctio.model import Entity, NameKind
from sanctio.sources import SOURCES, eu_fsf
from sanctio.sources.base import ParseContext, ParseError, read_head

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "eu_fsf"
V11 = FIXTURES / "xmlFullSanctionsList_1_1.xml"
V10 = FIXTURES / "eu_fsf_v1_0.xml"


def run(path: Path) -> tuple[dict[str, Entity], ParseContext]:
    ctx = ParseContext(dataset="eu_fsf")
    entities = list(eu_fsf.parse(ctx, {"xml": path}))
    by_id = {e.source_id: e for e in entities}
    assert len(by_id) == len(entities)
    return by_id, ctx


def names(entity: Entity) -> list[tuple[str, NameKind]]:
    return [(n.full, n.kind) for n in entity.names]


def write(tmp_path: Path, text: str, name: str = "eu.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


NS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2024-01-02T10:00:00">\n'
)


# --- registration and classification ---------------------------------------------------


def test_registered() -> None:
    source = SOURCES["eu_fsf"]
    assert source.datasets == ("eu_fsf",)
    assert source.primary == "xml"
    assert source.downloads["eu_fsf"]["xml"].startswith(
        "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/"
    )


def test_classify_fixtures(tmp_path: Path) -> None:
    assert eu_fsf.classify(V11, read_head(V11)) == ("eu_fsf", "xml")
    assert eu_fsf.classify(V10, read_head(V10)) == ("eu_fsf", "xml")
    gz = tmp_path / "export.xml.gz"
    gz.write_bytes(gzip.compress(V11.read_bytes()))
    assert eu_fsf.classify(gz, read_head(gz)) == ("eu_fsf", "xml")
    # The namespace is unambiguous even when a download keeps the URL's name ("content").
    assert eu_fsf.classify(tmp_path / "content", read_head(V11)) == ("eu_fsf", "xml")


def test_classify_rejects_other_xml(tmp_path: Path) -> None:
    un_like = b"<CONSOLIDATED_LIST><ENTITIES><ENTITY><DATAID>1</DATAID></ENTITY></ENTITIES>"
    assert eu_fsf.classify(tmp_path / "consolidated.xml", un_like) is None
    assert eu_fsf.classify(tmp_path / "whole.csv", read_head(V10)) is None
    assert eu_fsf.classify(tmp_path / "sdn.xml", b"<sdnList><sdnEntry>") is None


def test_classify_claims_no_shared_list(shared_lists: Path) -> None:
    files = [p for p in shared_lists.rglob("*") if p.is_file()]
    assert len(files) >= 12
    for path in files:
        assert eu_fsf.classify(path, read_head(path)) is None, path


def test_refuses_un_xml(shared_lists: Path) -> None:
    """The UN list has ENTITY elements too; they must not be read as v1.0 entities."""
    path = shared_lists / "un_2026-02-27" / "consolidated.xml.gz"
    with pytest.raises(ParseError, match="not an EU FSF file") as info:
        list(eu_fsf.parse(ParseContext("eu_fsf"), {"xml": path}))
    assert str(path) in str(info.value)


# --- v1.1 ------------------------------------------------------------------------------


def test_v11_counts_and_publication() -> None:
    entities, ctx = run(V11)
    assert list(entities) == ["900101", "900201", "900301", "900401", "900501"]
    assert ctx.published == "2024-03-15"
    assert [e.schema for e in entities.values()] == [
        "Person",
        "Person",
        "Organization",
        "Person",
        "Organization",
    ]
    assert all(e.id == f"eu_fsf:{e.source_id}" for e in entities.values())
    assert dict(ctx.warnings) == {"unparseable birth date": 1, "nameAlias without a name": 1}


def test_v11_person_full_record() -> None:
    e = run(V11)[0]["900101"]
    assert names(e) == [
        ("Ivan Petrovich SIDORENKOV", NameKind.PRIMARY),
        ("Иван Петрович СИДОРЕНКОВ", NameKind.ORIGINAL_SCRIPT),
        ("Ivan Petrovitj SIDORENKOV", NameKind.ALIAS),
        ("Vanya Sidor", NameKind.WEAK_ALIAS),
    ]  # the EN alias differing only by a double space is the primary again: dropped
    primary = e.names[0]
    assert (primary.first, primary.middle, primary.last, primary.title) == (
        "Ivan",
        "Petrovich",
        "SIDORENKOV",
        "Dr",
    )
    assert primary.lang is None
    assert e.names[1].lang == "ru" and e.names[1].last == "СИДОРЕНКОВ"
    assert e.gender == "male"
    assert e.birth_dates == ["1961-11-04"]
    assert e.birth_places == ["Sverdlovsk (now Yekaterinburg)"]
    assert e.properties["birthCountry"] == ["ru"]
    assert e.nationalities == ["ru"]
    assert e.countries == ["ru"]
    assert e.programs == ["RUS", "UKR"]
    # The 2022 regulation listed him; the 2023 one only amended the entry.
    assert e.listed_on == "2022-03-09"
    assert e.source_url == "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32022R0396"
    assert [(i.type, i.number, i.country, i.label, i.note) for i in e.identifiers] == [
        ("passport", "7512345678", "ru", "National passport", None),
        ("tax_id", "661234567890", "ru", "Tax identification number", "known expired; INN"),
    ]
    (address,) = e.addresses
    assert address.full == "ul. Primernaya 12, 101000 Moscow, RUSSIAN FEDERATION"
    assert (address.street, address.postal_code, address.city, address.country) == (
        "ul. Primernaya 12",
        "101000",
        "Moscow",
        "ru",
    )
    assert e.properties["position"] == ["Deputy Director of Example Holding"]
    assert e.properties["authorityId"] == ["EU.9001.11"]
    assert "unscId" not in e.properties
    assert e.remarks == ["Deputy Director of a fictitious holding company used only in tests."]


def test_v11_primary_prefers_language_less_strong_alias() -> None:
    e = run(V11)[0]["900201"]
    # First strong alias is tagged DE; the language-less one is the EU's own form.
    assert e.names[0].full == "Abdul Karim HAQQANIYAR"
    assert e.names[0].kind == NameKind.PRIMARY
    assert e.names[0].title == "Mullah"
    # The DE spelling differs only by case: kept once.
    assert names(e)[1:] == [
        ("عبد الكريم حقانيار", NameKind.ORIGINAL_SCRIPT),  # empty nameLanguage, Arabic letters
        ("Mullah Karim", NameKind.WEAK_ALIAS),
    ]
    assert e.properties["unscId"] == ["QDi.999"]


def test_v11_partial_birth_dates() -> None:
    entities, _ = run(V11)
    # circa="true" year only; a 1970-1972 range gives each year.
    assert entities["900201"].birth_dates == ["1968", "1970", "1971", "1972"]
    assert entities["900201"].birth_places == ["Kandahar Province"]
    # "00"/UNKNOWN citizenship is dropped without a warning.
    assert entities["900201"].nationalities == ["af"]
    # 1975-02-30 is counted as a warning but still says February 1975; month-year kept as is.
    assert entities["900401"].birth_dates == ["1975-02", "1976-03"]
    assert entities["900401"].birth_places == ["Valencia"]


def test_v11_enterprise() -> None:
    e = run(V11)[0]["900301"]
    assert e.schema == "Organization"
    assert names(e) == [
        ("Northern Star Shipping Company LLC", NameKind.PRIMARY),
        ("Βόρειο Αστέρι Ναυτιλιακή Εταιρεία", NameKind.ORIGINAL_SCRIPT),
        ("Kuzey Yıldızı Denizcilik", NameKind.ALIAS),  # Turkish dotless i is Latin
    ]
    assert e.gender is None and e.birth_dates == [] and e.nationalities == []
    assert [(i.type, i.number, i.country) for i in e.identifiers] == [("imo", "9123456", None)]
    assert e.addresses[0].full == "Port Road 5, PO Box 1234, Latakia, SYRIAN ARAB REPUBLIC"
    assert e.countries == ["sy"]
    assert e.programs == ["TERR"] and e.listed_on == "2019-12-03"


def test_v11_designation_date_and_documents() -> None:
    e = run(V11)[0]["900401"]
    assert e.gender == "female"
    assert e.listed_on == "2020-10-15"
    assert e.nationalities == ["es", "ua"]
    assert [(i.type, i.number, i.note) for i in e.identifiers] == [
        ("passport", "PAA123456", "reported lost"),
        ("national_id", "12345678Z", None),
    ]
    assert e.remarks == ["Leading member of a fictitious network."]


def test_v11_country_only_address_and_empty_alias() -> None:
    e = run(V11)[0]["900501"]
    assert names(e) == [
        ("Bureau of Public Security of Xanadu", NameKind.PRIMARY),
        ("上都公安局", NameKind.ORIGINAL_SCRIPT),
    ]
    assert e.addresses == []
    assert e.countries == ["cn"]


def test_gzip_gives_same_entities(tmp_path: Path) -> None:
    gz = tmp_path / "xmlFullSanctionsList_1_1.xml.gz"
    gz.write_bytes(gzip.compress(V11.read_bytes()))
    plain, _ = run(V11)
    packed, ctx = run(gz)
    assert [e.to_json() for e in packed.values()] == [e.to_json() for e in plain.values()]
    assert ctx.published == "2024-03-15"


# --- v1.0 ------------------------------------------------------------------------------


def test_v10_counts_and_publication() -> None:
    entities, ctx = run(V10)
    assert list(entities) == ["501", "502", "503", "504"]
    assert ctx.published == "2016-02-11"
    assert [e.schema for e in entities.values()] == [
        "Person",
        "Person",
        "Organization",
        "Person",
    ]
    assert dict(ctx.warnings) == {"unparseable birth date": 1}
    assert ctx.examples["unparseable birth date"] == ["504: 'sometime in the sixties'"]


def test_v10_person() -> None:
    e = run(V10)[0]["501"]
    assert names(e) == [("Joseph Tendai Mbeki-Tshuma", NameKind.PRIMARY)]  # repeated NAME once
    assert (e.names[0].first, e.names[0].middle, e.names[0].last) == (
        "Joseph",
        "Tendai",
        "Mbeki-Tshuma",
    )
    assert e.gender == "male"
    assert e.birth_dates == ["1949-07-30"]
    assert e.birth_places == ["Masvingo"]
    assert e.nationalities == ["zw"]  # v1.0 countries are ISO alpha-3
    assert e.programs == ["ZWE"]
    assert e.listed_on == "2002-09-13"  # earliest reg_date of the entity and its records
    assert e.remarks == ["(Entity is sanctioned in regime 310/2002 (OJ L50) of programme ZWE)"]
    (doc,) = e.identifiers
    assert (doc.type, doc.number, doc.country, doc.label, doc.note) == (
        "passport",
        "AD009876",
        "zw",
        "National passport",
        "passport",
    )


def test_v10_names_and_approximate_dates() -> None:
    e = run(V10)[0]["502"]
    assert names(e) == [
        ("Khalil Ibrahim Al-Samarra", NameKind.PRIMARY),
        ("Khalil Ibrahim Al-Samarraï", NameKind.ALIAS),
        ("Халил Ибрахим Ал-Самара", NameKind.ORIGINAL_SCRIPT),
    ]
    assert e.names[0].title == "Col"
    assert e.names[1].lang == "fr" and e.names[2].lang == "bg"
    assert e.birth_dates == ["1957", "1958"]  # "1957 (approximative)" → year
    assert e.nationalities == ["iq"]


def test_v10_enterprise_and_parts_only_name() -> None:
    entities, _ = run(V10)
    org = entities["503"]
    assert org.addresses[0].full == "17 Rue de l'Exemple, 1000 Brussels, Branch office"
    assert org.addresses[0].country == "be"
    assert len(org.addresses) == 1  # the country-only address
    assert org.countries == ["be", "pk"]
    person = entities["504"]
    assert person.names[0].full == "Budi Santoso"
    assert (person.names[0].first, person.names[0].last) == ("Budi", "Santoso")
    assert person.birth_dates == []
    assert person.birth_places == ["Sragen, Central Java"]


# --- bad input -------------------------------------------------------------------------


def test_invalid_xml_names_file_and_line(tmp_path: Path) -> None:
    text = V11.read_text(encoding="utf-8")
    broken = write(tmp_path, text[: len(text) // 2])  # cut mid-file
    with pytest.raises(ParseError, match="invalid XML") as info:
        list(eu_fsf.parse(ParseContext("eu_fsf"), {"xml": broken}))
    assert info.value.path == str(broken)
    assert info.value.line is not None and info.value.line > 1


def test_truncated_gzip(tmp_path: Path) -> None:
    packed = gzip.compress(V11.read_bytes())
    path = tmp_path / "eu.xml.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ParseError, match="gzip") as info:
        list(eu_fsf.parse(ParseContext("eu_fsf"), {"xml": path}))
    assert str(path) in str(info.value)


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "\n")
    with pytest.raises(ParseError, match="empty"):
        list(eu_fsf.parse(ParseContext("eu_fsf"), {"xml": path}))


def test_wrong_root(tmp_path: Path) -> None:
    path = write(tmp_path, "<sdnList><sdnEntry><uid>1</uid></sdnEntry></sdnList>")
    with pytest.raises(ParseError, match=r"not an EU FSF file \(root element <sdnList>\)"):
        list(eu_fsf.parse(ParseContext("eu_fsf"), {"xml": path}))


def test_export_without_entities(tmp_path: Path) -> None:
    path = write(tmp_path, NS_HEAD + "</export>")
    with pytest.raises(ParseError, match="without any entity"):
        list(eu_fsf.parse(ParseContext("eu_fsf"), {"xml": path}))


def test_bad_records_are_counted_not_fatal(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        NS_HEAD
        + """
  <sanctionEntity euReferenceNumber="EU.1.1">
    <subjectType code="person"/><nameAlias wholeName="No Id Person" strong="true"/>
  </sanctionEntity>
  <sanctionEntity logicalId="2"><subjectType code="person"/></sanctionEntity>
  <sanctionEntity logicalId="3">
    <subjectType code="vessel" classificationCode="V"/>
    <nameAlias wholeName="MV Example" strong="true"/>
    <citizenship countryIso2Code="QQ" countryDescription="NOWHERE LAND"/>
    <regulation programme="X" publicationDate="sometime"/>
  </sanctionEntity>
  <sanctionEntity logicalId="4"><nameAlias wholeName="No Subject" /></sanctionEntity>
  <sanctionEntity logicalId="3">
    <subjectType code="person"/><nameAlias wholeName="Duplicate" strong="true"/>
  </sanctionEntity>
</export>""",
    )
    entities, ctx = run(path)
    assert list(entities) == ["3", "4"]
    assert entities["3"].schema == "LegalEntity"
    assert entities["3"].countries == []
    assert entities["3"].listed_on is None
    assert entities["4"].schema == "LegalEntity"
    assert entities["4"].names[0].kind == NameKind.PRIMARY  # no strong attribute: strong
    assert dict(ctx.warnings) == {
        "sanctionEntity without logicalId (skipped)": 1,
        "entity without any name (skipped)": 1,
        "unknown subject type (kept as LegalEntity)": 1,
        "unknown country": 1,
        "unparseable regulation date": 1,
        "sanctionEntity without subjectType (kept as LegalEntity)": 1,
        "duplicate entity id (later one skipped)": 1,
    }


def test_only_weak_or_non_latin_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        NS_HEAD
        + """
  <sanctionEntity logicalId="7"><subjectType code="person"/>
    <nameAlias wholeName="Абу Бакр" nameLanguage="RU" strong="true"/>
    <nameAlias wholeName="Abu Bakr" strong="false"/>
  </sanctionEntity>
</export>""",
    )
    e = run(path)[0]["7"]
    # A strong name beats a weak one even in Cyrillic: the weak one stays weak.
    assert names(e) == [("Абу Бакр", NameKind.PRIMARY), ("Abu Bakr", NameKind.WEAK_ALIAS)]


def test_namespace_less_export(tmp_path: Path) -> None:
    """Some re-publishers strip the namespace; the layout is otherwise identical."""
    path = write(
        tmp_path,
        '<export generationDate="2023-05-06"><sanctionEntity logicalId="1">'
        '<subjectType code="enterprise"/><nameAlias wholeName="Acme" strong="true"/>'
        "</sanctionEntity></export>",
    )
    entities, ctx = run(path)
    assert entities["1"].caption == "Acme" and ctx.published == "2023-05-06"
    assert eu_fsf.classify(path, read_head(path)) == ("eu_fsf", "xml")


# --- script detection and speed --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ivan Petrov", False),
        ("Kuzey Yıldızı Ğüşöç", False),
        ("Nguyễn Văn Anh", False),  # Latin Extended Additional
        ("Иван", True),
        ("محمد", True),
        ("上都", True),
        ("Μέγα Ισλαµικό", True),  # the EU file uses MICRO SIGN inside Greek words
        ("123 - ()", False),
    ],
)
def test_is_non_latin(text: str, expected: bool) -> None:
    assert eu_fsf.is_non_latin(text) is expected


@given(st.text(alphabet=st.characters(max_codepoint=0x24F)))
def test_latin_range_never_non_latin(text: str) -> None:
    assert not eu_fsf.is_non_latin(text)


def _many_entities(count: int) -> Iterator[str]:
    template = V11.read_text(encoding="utf-8")
    body = template.split("<sanctionEntity", 1)[1].rsplit("</export>", 1)[0]
    blocks = ["<sanctionEntity" + b for b in body.split("<sanctionEntity")]
    for n in range(count):
        block = blocks[n % len(blocks)]
        yield re.sub(r'logicalId="\d+"', f'logicalId="{n + 1}"', block, count=1)


def test_full_size_file_parses_quickly(tmp_path: Path) -> None:
    """The real v1.1 file is ~25 MB with ~6,000 entities; it must parse in well under 2 s."""
    path = tmp_path / "big.xml"
    head = V11.read_text(encoding="utf-8").split("<sanctionEntity", 1)[0]
    path.write_text(head + "".join(_many_entities(6500)) + "</export>", encoding="utf-8")
    assert path.stat().st_size > 20_000_000
    entities, ctx = run(path)
    assert len(entities) == 6500
    assert ctx.warnings["unparseable birth date"] == 1300
