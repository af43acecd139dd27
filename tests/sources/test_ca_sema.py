"""Canada SEMA/JVCFOA XML: the self-written fixture, bad input, and the real 2025-03 file."""

from __future__ import annotations

import gzip
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from sanctio.model import Entity, NameKind
from sanctio.sources import ca_sema
from sanctio.sources.base import SOURCES, ParseContext, ParseError

REAL = "canada_sema_2025-03/sema-lema.xml.gz"


def _parse(path: Path) -> tuple[dict[str, Entity], ParseContext]:
    ctx = ParseContext(dataset=ca_sema.DATASET)
    entities = list(ca_sema.parse(ctx, {"list": path}))
    by_id = {e.source_id: e for e in entities}
    assert len(by_id) == len(entities), "source ids must be unique"
    return by_id, ctx


def _names(entity: Entity) -> list[tuple[str, NameKind]]:
    return [(n.full, n.kind) for n in entity.names]


@pytest.fixture
def sample(fixtures: Path) -> tuple[dict[str, Entity], ParseContext]:
    return _parse(fixtures / "ca_sema" / "SEMA-LEMA.XML")


def test_registered() -> None:
    source = SOURCES["ca_sema"]
    assert source.datasets == ("ca_dfatd_sema_sanctions",)
    assert source.downloads["ca_dfatd_sema_sanctions"]["list"].endswith("/sema-lema.xml")


# --- fixture ------------------------------------------------------------------------


def test_fixture_entities_and_ids(sample: tuple[dict[str, Entity], ParseContext]) -> None:
    entities, ctx = sample
    assert sorted(entities) == [
        "Iran|1, Part 1|3",
        "Russia|1, Part 1|1",
        "Russia|1, Part 1|2",  # "1,Part 1" normalised
        "Russia|1, Part 1|3",
        "Russia|1, Part 2|1",
        "Russia|1, Part 2|2",
        "Russia|1.1|1",
        "Venezuela||5",  # no Schedule, "Venezuela " trimmed
    ]
    assert Counter(e.schema for e in entities.values()) == {
        "Person": 4,
        "Organization": 3,
        "Vessel": 1,
    }
    assert ctx.published is None
    assert ctx.warnings == {
        "record without a name": 1,
        "given name repeats the last name": 1,
        "unparsed date of birth or build date": 1,
    }
    assert entities["Russia|1, Part 1|1"].id == "ca_dfatd_sema_sanctions:Russia|1, Part 1|1"


def test_fixture_person(sample: tuple[dict[str, Entity], ParseContext]) -> None:
    petrov = sample[0]["Russia|1, Part 1|1"]
    primary = petrov.names[0]
    assert (primary.full, primary.first, primary.last) == (
        "Ivan Sergeevich PETROV",
        "Ivan Sergeevich",
        "PETROV",
    )
    assert _names(petrov)[1:] == [
        ("Ivan Petrov", NameKind.ALIAS),
        ("Иван Сергеевич Петров", NameKind.ORIGINAL_SCRIPT),
        ("Vanya", NameKind.WEAK_ALIAS),
    ]
    assert petrov.names[2].lang == "ru"
    assert petrov.birth_dates == ["1961-03-04"]
    assert petrov.programs == ["Russia"]
    assert petrov.listed_on == "2022-02-24"


def test_fixture_person_quirks(sample: tuple[dict[str, Entity], ParseContext]) -> None:
    entities, ctx = sample
    sidorov = entities["Russia|1, Part 1|2"]
    assert sidorov.names[0].full == "Oleg Ivanovich SIDOROV"
    assert sidorov.names[0].first == "Oleg Ivanovich"
    assert sidorov.birth_dates == ["1963", "1964"]

    kuz = entities["Russia|1, Part 1|3"]
    assert _names(kuz) == [
        ("Anna Kuznetsova", NameKind.PRIMARY),
        ("Anna Kuznetsova-Ivanova", NameKind.ALIAS),
        ("Aleksandra", NameKind.WEAK_ALIAS),
        ("Alexandra Petrovna Kuznetsova", NameKind.ALIAS),
    ]
    assert kuz.birth_dates == []
    assert "Date of birth or build date: Sep-99" in kuz.remarks
    assert ctx.examples["unparsed date of birth or build date"] == ["Russia|1, Part 1|3: Sep-99"]

    haddad = entities["Venezuela||5"]
    assert haddad.names[0].title == "Major General/major-général"
    assert haddad.properties["title"] == ["Major General/major-général"]
    assert haddad.birth_dates == ["1958", "1959", "1960"]


def test_fixture_organisations(sample: tuple[dict[str, Entity], ParseContext]) -> None:
    entities, _ = sample
    severny = entities["Russia|1, Part 2|1"]
    assert _names(severny) == [
        ("Severny Trading JSC", NameKind.PRIMARY),
        ("Северный торг, АО", NameKind.ORIGINAL_SCRIPT),
        ("Министерство культуры, спорта и туризма", NameKind.ORIGINAL_SCRIPT),
        ("СТ", NameKind.ORIGINAL_SCRIPT),
    ]
    volna = entities["Russia|1, Part 2|2"]
    assert _names(volna) == [
        ("Volna Plant JSC", NameKind.PRIMARY),
        ("Volna Factory, AO", NameKind.ALIAS),
        ('Акционерное общество "Заря"', NameKind.ORIGINAL_SCRIPT),
        ('АО "Заря"', NameKind.ORIGINAL_SCRIPT),
    ]
    iran = entities["Iran|1, Part 1|3"]
    assert _names(iran) == [
        ("Example Research Institute/Institut de recherche exemple", NameKind.PRIMARY),
        ("Example Research Institute", NameKind.ALIAS),
        ("Institut de recherche exemple", NameKind.ALIAS),
        ("ERI", NameKind.ALIAS),
        ("Sunrise Trading Co.", NameKind.ALIAS),
        ("شركة شروق للتجارة", NameKind.ORIGINAL_SCRIPT),
    ]
    assert iran.schema == "Organization"


def test_fixture_vessel(sample: tuple[dict[str, Entity], ParseContext]) -> None:
    ship = sample[0]["Russia|1.1|1"]
    assert ship.schema == "Vessel"
    assert ship.caption == "Morskoy Veter"
    assert [(i.type, i.number) for i in ship.identifiers] == [("imo", "9123456")]
    assert ship.properties == {
        "type": ["Oil Tanker"],
        "imoNumber": ["IMO9123456"],
        "buildDate": ["2001"],
    }
    assert ship.birth_dates == []


def test_duplicate_key_is_disambiguated(tmp_path: Path) -> None:
    rec = (
        "<record><Country>Haiti / Haïti</Country><LastName>Doe</LastName>"
        "<GivenName>Jean</GivenName><Schedule>Part 1</Schedule><Item>1</Item>"
        "<DateOfListing>2022-11-04</DateOfListing></record>"
    )
    path = tmp_path / "sema-lema.xml"
    path.write_text(f"<data-set>{rec}{rec}</data-set>", encoding="utf-8")
    entities, ctx = _parse(path)
    assert sorted(entities) == ["Haiti|Part 1|1", "Haiti|Part 1|1#2"]
    assert ctx.warnings["duplicate Country|Schedule|Item"] == 1


# --- helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "person", "expected"),
    [
        ("A B, C D; E F", True, ["A B", "C D", "E F"]),
        ("Name One or Name Two", False, ["Name One", "Name Two"]),
        ("Банк Зенит, ПАО", False, ["Банк Зенит, ПАО"]),
        ("ОАО, БЭТО", False, ["ОАО, БЭТО"]),
        ("Центр (исследовательский, боевой) 924", False, ["Центр (исследовательский, боевой) 924"]),
        ("Africa Korps and Russian Corps", False, ["Africa Korps and Russian Corps"]),
        ("Manakhimova and Semendueva", True, ["Manakhimova", "Semendueva"]),
        ("(Юрий ГОВТВИН / Юрiй ГОВТВIН", True, ["Юрий ГОВТВИН", "Юрiй ГОВТВIН"]),
        ("“Abu- Barra”", True, ["Abu- Barra"]),
        ("also Andrey Ilnitsky", True, ["Andrey Ilnitsky"]),
        ("Mohamed\nAtta Emoula", True, ["Mohamed Atta Emoula"]),
        ("Nilforushan\n عباس نیلفروشان", True, ["Nilforushan", "عباس نیلفروشان"]),
        ("Банк) (Russian: ОАО Банк", False, ["Банк", "ОАО Банк"]),
    ],
)
def test_split_aliases(raw: str, person: bool, expected: list[str]) -> None:
    assert [name for name, _ in ca_sema.split_aliases(raw, person)] == expected


def test_split_aliases_language_labels() -> None:
    got = ca_sema.split_aliases("Ivan, Belarusian: Іван, Russian: Иван; Ваня", person=True)
    assert got == [("Ivan", None), ("Іван", "be"), ("Иван", "ru"), ("Ваня", "ru")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1962", ["1962"]),
        ("1962-05-30", ["1962-05-30"]),
        (" 1962-05 ", ["1962-05"]),
        ("circa 1962", ["1962"]),
        ("1963-1964", ["1963", "1964"]),
        ("1972-08-10 or 1972-08-11", ["1972-08-10", "1972-08-11"]),
        ("1965-07-15 OR 1969-09-28", ["1965-07-15", "1969-09-28"]),
        ("Sep-99", None),
        ("born in the early 1970s", None),
        ("1900-1990", None),
    ],
)
def test_parse_dates(raw: str, expected: list[str] | None) -> None:
    assert ca_sema.parse_dates(raw) == expected


# --- classification -------------------------------------------------------------------


def test_classify(fixtures: Path, tmp_path: Path) -> None:
    sample = fixtures / "ca_sema" / "SEMA-LEMA.XML"
    head = sample.read_bytes()[:4096]
    assert ca_sema.classify(Path("sema-lema.xml"), b"") == ("ca_dfatd_sema_sanctions", "list")
    assert ca_sema.classify(Path("SEMA-LEMA.XML.gz"), b"") == ("ca_dfatd_sema_sanctions", "list")
    assert ca_sema.classify(Path("cannada.xml"), head) == ("ca_dfatd_sema_sanctions", "list")
    un_head = b'<?xml version="1.0"?><CONSOLIDATED_LIST dateGenerated="2026-02-27"><INDIVIDUALS>'
    assert ca_sema.classify(Path("consolidated.xml"), un_head) is None
    assert ca_sema.classify(Path("sdn.csv"), head) is None


def test_classify_real_head(shared_lists: Path) -> None:
    from sanctio.sources.base import read_head

    path = shared_lists / REAL
    renamed = Path("cannada.xml")
    assert ca_sema.classify(renamed, read_head(path)) == ("ca_dfatd_sema_sanctions", "list")


# --- bad input ------------------------------------------------------------------------


def _bad(path: Path) -> ParseError:
    ctx = ParseContext(dataset=ca_sema.DATASET)
    with pytest.raises(ParseError) as info:
        list(ca_sema.parse(ctx, {"list": path}))
    assert str(path) in str(info.value)
    return info.value


def test_invalid_xml_names_file_and_line(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "ca_sema" / "SEMA-LEMA.XML").read_text(encoding="utf-8")
    path = tmp_path / "sema-lema.xml"
    path.write_text(text.replace("</Item>", "</Itm>", 1), encoding="utf-8")
    err = _bad(path)
    assert "invalid XML" in err.reason
    assert err.line == 11


def test_truncated_gzip(fixtures: Path, tmp_path: Path) -> None:
    data = gzip.compress((fixtures / "ca_sema" / "SEMA-LEMA.XML").read_bytes())
    path = tmp_path / "sema-lema.xml.gz"
    path.write_bytes(data[: len(data) // 2])
    assert "gzip" in _bad(path).reason


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "sema-lema.xml"
    path.write_bytes(b"")
    assert "empty" in _bad(path).reason


def test_wrong_root_and_no_records(tmp_path: Path) -> None:
    path = tmp_path / "sema-lema.xml"
    path.write_text("<sdnList><sdnEntry/></sdnList>", encoding="utf-8")
    assert "<sdnList>" in _bad(path).reason
    path.write_text("<data-set></data-set>", encoding="utf-8")
    assert "no <record>" in _bad(path).reason


def test_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "sema-lema.xml"
    path.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?><data-set><record><Country>Ha\xefti</Country>'
        b"<Item>1</Item></record></data-set>"
    )
    assert "invalid XML" in _bad(path).reason


# --- the real file ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_lists: Path) -> tuple[dict[str, Entity], ParseContext, float]:
    start = time.perf_counter()
    entities, ctx = _parse(shared_lists / REAL)
    return entities, ctx, time.perf_counter() - start


def test_real_counts(
    shared_lists: Path, real: tuple[dict[str, Entity], ParseContext, float]
) -> None:
    entities, ctx, _ = real
    text = gzip.decompress((shared_lists / REAL).read_bytes()).decode("utf-8")
    # Independent counts straight from the XML text.
    assert text.count("<record>") == 4759
    assert len(re.findall(r"<ShipIMONumber>", text)) == 109
    assert len(re.findall(r"<LastName>", text)) == 3334
    assert len(entities) == 4759  # one listing per record, unique Country|Schedule|Item
    assert Counter(e.schema for e in entities.values()) == {
        "Person": 3334,
        "Organization": 1316,
        "Vessel": 109,
    }
    programs = Counter(e.programs[0] for e in entities.values())
    assert programs["Russia"] == 2426
    assert programs["Ukraine"] == 553
    assert programs["Justice for Victims of Corrupt Foreign Officials Regulations (JVCFOR)"] == 80
    assert len(programs) == 19
    assert all(e.listed_on and len(e.listed_on) == 10 for e in entities.values())
    assert ctx.published is None
    assert ctx.warnings["unparsed date of birth or build date"] == 2  # "Sep-99", "early 1970s"
    assert ctx.warnings["given name repeats the last name"] == 3
    assert max(e.listed_on or "" for e in entities.values()) == "2025-03-20"


def test_real_records(real: tuple[dict[str, Entity], ParseContext, float]) -> None:
    entities, _, _ = real
    luk = entities["Belarus|1, Part 1|8"]
    assert luk.names[0].full == "Aleksandr Grigoryevich Lukashenko"
    assert luk.birth_dates == ["1954-08-30"]
    assert luk.listed_on == "2020-09-28"

    ship = entities["Russia|1.1|1"]
    assert ship.caption == "Balitiyskiy III"
    assert ship.identifiers[0].number == "7612448"
    assert ship.properties["buildDate"] == ["1980"]
    assert ship.properties["type"] == ["General Cargo / Multi Purpose"]

    irgc = entities["Iran|1, Part 1|136"]
    names = {n.full for n in irgc.names}
    assert {"Islamic Revolutionary Guard Corps", "IRGC", "CGRI"} <= names

    # "Alexander, or Alexandr Valerievich Kalinin": a lone given-name variant is weak.
    kalinin = entities["Moldova|Part 1|8"]
    assert ("Alexander", NameKind.WEAK_ALIAS) in _names(kalinin)
    assert ("Alexandr Valerievich Kalinin", NameKind.ALIAS) in _names(kalinin)

    # Maduro is listed under two regulations: two listings, not merged.
    maduro = [e for e in entities.values() if e.caption == "Nicolás MADURO MOROS"]
    assert sorted(e.source_id for e in maduro) == [
        "Justice for Victims of Corrupt Foreign Officials Regulations (JVCFOR)||1",
        "Venezuela||1",
    ]


def test_real_name_kinds(real: tuple[dict[str, Entity], ParseContext, float]) -> None:
    entities, _, _ = real
    kinds = Counter(n.kind for e in entities.values() for n in e.names)
    assert kinds[NameKind.PRIMARY] == 4759
    # Nearly every Russian/Belarusian/Iranian listing carries its name in its own script.
    assert kinds[NameKind.ORIGINAL_SCRIPT] > 2800
    assert all(n.full == n.full.strip() and n.full for e in entities.values() for n in e.names)
