"""OFAC legacy CSV set: classification, remarks parsing, companions, bad input, real files."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from pathlib import Path

import pytest

from sanctio.model import Entity, NameKind
from sanctio.sources import SOURCES, ofac_csv
from sanctio.sources.base import ParseContext, ParseError, read_head

FIXTURE_FILES = {
    "sdn": "SDN.CSV",
    "alt": "ALT.CSV",
    "add": "ADD.CSV",
    "comments": "SDN_COMMENTS.CSV",
}


def _parse(
    files: dict[str, Path], dataset: str = "us_ofac_sdn"
) -> tuple[dict[str, Entity], ParseContext]:
    ctx = ParseContext(dataset)
    entities = list(ofac_csv.parse(ctx, files))
    by_id = {e.source_id: e for e in entities}
    assert len(by_id) == len(entities), "ent_nums must be unique"
    return by_id, ctx


@pytest.fixture
def fixture_set(fixtures: Path) -> dict[str, Path]:
    folder = fixtures / "ofac_csv"
    return {role: folder / name for role, name in FIXTURE_FILES.items()}


@pytest.fixture
def parsed(fixture_set: dict[str, Path]) -> tuple[dict[str, Entity], ParseContext]:
    return _parse(fixture_set)


def _raw_rows(path: Path) -> list[list[str]]:
    """Independent reading of a real file with the csv module, for cross-checks."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8").rstrip("\x1a\r\n")
    return [row for row in csv.reader(io.StringIO(text, newline="")) if len(row) > 1]


# --- registration and classification --------------------------------------------------


def test_source_registered() -> None:
    source = SOURCES["ofac_csv"]
    assert source is ofac_csv.SOURCE
    assert source.datasets == ("us_ofac_sdn", "us_ofac_cons")
    assert source.primary == "sdn"
    assert set(source.roles) == {"sdn", "alt", "add", "comments"}
    base = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
    assert source.downloads["us_ofac_sdn"] == {
        "sdn": base + "SDN.CSV",
        "alt": base + "ALT.CSV",
        "add": base + "ADD.CSV",
        "comments": base + "SDN_COMMENTS.CSV",
    }
    assert source.downloads["us_ofac_cons"]["sdn"] == base + "CONS_PRIM.CSV"
    assert source.downloads["us_ofac_cons"]["comments"] == base + "CONS_COMMENTS.CSV"
    assert source.titles["us_ofac_sdn"] == "OFAC Specially Designated Nationals (SDN) List"
    assert source.titles["us_ofac_cons"] == "OFAC Consolidated (non-SDN) List"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SDN.CSV", ("us_ofac_sdn", "sdn")),
        ("sdn.csv.gz", ("us_ofac_sdn", "sdn")),
        ("ALT.CSV", ("us_ofac_sdn", "alt")),
        ("add.csv", ("us_ofac_sdn", "add")),
        ("SDN_COMMENTS.CSV", ("us_ofac_sdn", "comments")),
        ("CONS_PRIM.CSV", ("us_ofac_cons", "sdn")),
        ("cons_alt.csv.gz", ("us_ofac_cons", "alt")),
        ("cons_add.csv", ("us_ofac_cons", "add")),
        ("cons_comments.csv", ("us_ofac_cons", "comments")),
        ("ofac-sdn.csv", None),
        ("sdn.xml", None),
    ],
)
def test_classify_by_name(name: str, expected: tuple[str, str] | None) -> None:
    assert ofac_csv.classify(Path("/x") / name, b'36,"AEROCARIBBEAN AIRLINES",-0- ,') == expected


def test_classify_leaves_broken_content_to_the_parser() -> None:
    # A file named SDN.CSV is OFAC's whatever it holds: a header row, UTF-16 or an empty
    # file must be refused by the parser (test_header_row_is_refused), not skipped.
    assert ofac_csv.classify(Path("sdn.csv"), b"ent_num,SDN_Name,SDN_Type\r\n") == (
        "us_ofac_sdn",
        "sdn",
    )
    assert ofac_csv.classify(Path("sdn.csv"), b"\xff\xfe3\x006\x00") == ("us_ofac_sdn", "sdn")
    assert ofac_csv.classify(Path("sdn.csv"), b"") == ("us_ofac_sdn", "sdn")


def test_classify_real_heads(fixture_set: dict[str, Path]) -> None:
    for role, path in fixture_set.items():
        assert ofac_csv.classify(path, read_head(path)) == ("us_ofac_sdn", role)


# --- fixture: format details -----------------------------------------------------------


def test_fixture_is_in_official_format(fixture_set: dict[str, Path]) -> None:
    raw = fixture_set["sdn"].read_bytes()
    assert raw.endswith(b"\r\n\x1a")
    assert b"-0- ," in raw
    assert not raw.startswith(b"ent_num")


def test_schemata_and_order(parsed: tuple[dict[str, Entity], ParseContext]) -> None:
    entities, _ = parsed
    assert list(entities) == ["101", "102", "103", "104", "105", "106", "107", "108"]
    assert {k: e.schema for k, e in entities.items()} == {
        "101": "Person",
        "102": "Organization",
        "103": "Vessel",
        "104": "Airplane",
        "105": "Person",
        "106": "Person",
        "107": "Organization",
        "108": "Organization",
    }
    assert entities["101"].id == "us_ofac_sdn:101"
    assert (
        entities["101"].source_url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=101"
    )


def test_person_remarks(parsed: tuple[dict[str, Entity], ParseContext]) -> None:
    anna = parsed[0]["101"]
    primary = anna.names[0]
    assert primary.kind == NameKind.PRIMARY
    assert primary.full == "TESTOVA, Anna Petrovna"
    assert (primary.last, primary.first) == ("TESTOVA", "Anna Petrovna")
    assert primary.title == "Member of the State Duma"
    assert anna.properties["position"] == ["Member of the State Duma"]
    assert anna.programs == ["RUSSIA-EO14024", "UKRAINE-EO13660"]
    assert anna.birth_dates == ["1970-03-12", "1971"]  # "alt. DOB circa 1971"
    assert anna.birth_places == ["Moscow, Russia"]
    assert anna.nationalities == ["ru"]
    assert anna.citizenships == ["cy"]
    assert anna.gender == "female"
    assert anna.properties["email"] == ["anna@example.test"]
    passport = anna.identifiers[0]
    assert (passport.type, passport.number, passport.country, passport.label) == (
        "passport",
        "7212345678",
        "ru",
        "Passport",
    )
    assert passport.note == "issued 01 Feb 2015 expires 01 Feb 2025"
    assert [(i.type, i.number) for i in anna.identifiers[1:]] == [
        ("national_id", "4509123456"),
        ("tax_id", "770123456789"),
    ]
    # a.k.a. from the remarks and from alt.csv, both strong aliases with parts
    aliases = [(n.full, n.kind, n.last, n.first) for n in anna.names[1:]]
    assert aliases == [
        ("TESTOVA, Anya", NameKind.ALIAS, "TESTOVA", "Anya"),
        ("TESTOVA, Anna", NameKind.ALIAS, "TESTOVA", "Anna"),
    ]
    # remarks[0] is the original text; the segment we do not understand follows it
    assert anna.remarks[0].startswith("DOB 12 Mar 1970; alt. DOB circa 1971;")
    assert anna.remarks[0].endswith("Member ETA.")
    assert anna.remarks[1:] == ["Member ETA"]


def test_organisation_with_comment_continuation(
    parsed: tuple[dict[str, Entity], ParseContext],
) -> None:
    org = parsed[0]["102"]
    # sdn.csv cuts the remarks at "Tax ID No. 12345"; sdn_comments.csv carries "67890 (Germany)…"
    assert org.remarks[0].endswith("Tax ID No. 1234567890 (Germany); Linked To: SEA TESTER.")
    assert org.remarks[1:] == []
    by_label = {i.label: i for i in org.identifiers}
    assert by_label["Tax ID No."].number == "1234567890"
    assert by_label["Tax ID No."].country == "de"
    reg = by_label["Registration Number"]
    assert (reg.type, reg.number, reg.country, reg.note) == (
        "registration",
        "HRA 738077",
        "de",
        "Stuttgart",
    )
    assert by_label["Legal Entity Number"].type == "lei"
    assert by_label["SWIFT/BIC"].type == "swift_bic"
    assert by_label["SWIFT/BIC"].number == "EXTRDEFF"
    assert org.properties["leiCode"] == ["5299001TESTLEI000042"]
    assert org.properties["incorporationDate"] == ["2015"]  # 01 Jan 2015 to 31 Dec 2015
    assert org.properties["sector"] == ["Wholesale of other machinery and equipment"]
    assert org.properties["website"] == ["www.example-trading.test"]
    assert org.properties["phone"] == ["4930123456"]
    assert org.properties["notes"][0].startswith("Secondary sanctions risk: section 1(b)")
    # the f.k.a. appears both in remarks and alt.csv: one FORMER name; nka is a strong alias
    assert [(n.full, n.kind) for n in org.names] == [
        ("EXAMPLE TRADING LLC", NameKind.PRIMARY),
        ("EXAMPLE IMPORT GMBH", NameKind.FORMER),
        ("EXAMPLE NEW NAME LLC", NameKind.ALIAS),
    ]
    assert org.names[0].last is None  # organisations are not split
    assert [(r.kind, r.target_name, r.target_id) for r in org.relations] == [
        ("linked_to", "SEA TESTER", "us_ofac_sdn:103")
    ]
    addresses = [(a.full, a.street, a.city, a.postal_code, a.country) for a in org.addresses]
    assert addresses == [
        (
            "Friedrichstrasse 1, 10117 Berlin, Germany",
            "Friedrichstrasse 1",
            "Berlin",
            "10117",
            "de",
        ),
        ("Dubai, United Arab Emirates", None, "Dubai", None, "ae"),
    ]
    assert org.countries == ["de", "ae"]


def test_vessel(parsed: tuple[dict[str, Entity], ParseContext]) -> None:
    vessel = parsed[0]["103"]
    assert vessel.properties["callSign"] == ["9HTE5"]
    assert vessel.properties["type"] == ["Crude Oil Tanker"]
    assert vessel.properties["tonnage"] == ["150,000"]
    assert vessel.properties["grossRegisteredTonnage"] == ["81,000"]
    assert vessel.properties["flag"] == ["pa"]
    assert vessel.properties["owner"] == ["EXAMPLE TRADING LLC"]
    assert vessel.properties["pastFlags"] == ["mt"]
    assert vessel.properties["buildDate"] == ["2001"]
    assert vessel.properties["imoNumber"] == ["IMO9123456"]
    assert vessel.properties["mmsi"] == ["352001234"]
    assert vessel.countries == ["pa"]
    assert [(i.type, i.number) for i in vessel.identifiers] == [
        ("imo", "9123456"),
        ("mmsi", "352001234"),
    ]
    assert vessel.relations[0].target_id == "us_ofac_sdn:102"
    assert [n.full for n in vessel.names] == ["SEA TESTER", "SEA TESTER II"]


def test_aircraft(parsed: tuple[dict[str, Entity], ParseContext]) -> None:
    plane = parsed[0]["104"]
    assert [(i.type, i.number) for i in plane.identifiers] == [
        ("aircraft_serial", "1234"),
        ("aircraft_serial", "0555"),
        ("aircraft_tail", "EP-TST"),
    ]
    assert plane.properties["model"] == ["A300B4-605R"]
    assert plane.properties["operator"] == ["TEST AIR"]
    assert plane.properties["buildDate"] == ["1992-12-01"]
    assert plane.properties["registrationNumber"] == ["EP-TST"]
    # "TEST AIR" is not an entry of this file: the link stays unresolved
    assert plane.relations[0].target_name == "TEST AIR"
    assert plane.relations[0].target_id is None


def test_bad_fields_are_warnings_not_errors(
    parsed: tuple[dict[str, Entity], ParseContext],
) -> None:
    entities, ctx = parsed
    mono = entities["105"]
    assert mono.names[0].full == "MONONYM"
    assert mono.names[0].last is None and mono.names[0].first is None
    assert mono.birth_dates == ["1960", "1961", "1962"]  # DOB 1960 to 1962
    assert mono.nationalities == []
    assert mono.remarks[1:] == ["alt. DOB the sixties", "nationality Atlantis", "Haji"]
    assert ctx.warnings["unparsed date of birth"] == 1
    assert ctx.warnings["unknown country"] == 1
    assert ctx.examples["unparsed date of birth"] == ["105: alt. DOB the sixties"]
    # "Region: Crimea" is a region; its country is the one it belongs to
    assert [(a.full, a.region, a.country) for a in mono.addresses] == [
        ("Region: Crimea", "Crimea", "ua")
    ]


def test_latin_american_ids_and_suffix(parsed: tuple[dict[str, Entity], ParseContext]) -> None:
    juan = parsed[0]["106"]
    name = juan.names[0]
    assert (name.full, name.last, name.first) == (
        "DELOS SANTOS, Juan Carlos, Jr.",
        "DELOS SANTOS",
        "Juan Carlos",
    )
    assert juan.birth_dates == ["1954-01"]
    assert [(i.type, i.label, i.number, i.country) for i in juan.identifiers] == [
        ("national_id", "Cedula No.", "12345678", "co"),
        ("tax_id", "NIT #", "800018928-0", "co"),
        ("driving_licence", "Driver's License No.", "180839", "mx"),
        ("national_id", "C.U.R.P.", "SAJC540101HDFNRN09", "mx"),
        ("ssn", "SSN", "123-45-6789", "us"),
    ]
    address = juan.addresses[0]
    assert (address.city, address.region, address.country) == ("Cali", "Valle del Cauca", "co")
    # two entries are called "AMBIGUOUS CO.": the link is not guessed
    assert juan.relations[0].target_name == "AMBIGUOUS CO"
    assert juan.relations[0].target_id is None


def test_empty_remarks_and_target_type(parsed: tuple[dict[str, Entity], ParseContext]) -> None:
    entities, _ = parsed
    assert entities["107"].remarks == []
    assert entities["108"].properties["classification"] == ["Private Company"]


def test_orphan_companion_rows_are_counted(parsed: tuple[dict[str, Entity], ParseContext]) -> None:
    _, ctx = parsed
    assert ctx.warnings["alias without primary row"] == 2
    assert ctx.warnings["address without primary row"] == 1
    assert ctx.warnings["comment without primary row"] == 1
    assert ctx.examples["alias without primary row"][0] == "ent_num 999, alt_num 5"
    assert ctx.published is None  # the legacy CSV states no publish date


def test_primary_file_alone(fixture_set: dict[str, Path]) -> None:
    entities, ctx = _parse({"sdn": fixture_set["sdn"]})
    assert len(entities) == 8
    assert [n.full for n in entities["103"].names] == ["SEA TESTER"]
    assert entities["103"].addresses == []
    # without the comments file the truncated tax number is read as it stands
    org = entities["102"]
    assert org.remarks[0].endswith("Tax ID No. 12345")
    assert org.relations == []
    assert not ctx.warnings["alias without primary row"]


def test_gzip_and_consolidated_dataset(fixture_set: dict[str, Path], tmp_path: Path) -> None:
    prim = tmp_path / "CONS_PRIM.CSV.gz"
    prim.write_bytes(gzip.compress(fixture_set["sdn"].read_bytes()))
    alt = tmp_path / "cons_alt.csv"
    shutil.copy(fixture_set["alt"], alt)
    assert ofac_csv.classify(prim, read_head(prim)) == ("us_ofac_cons", "sdn")
    entities, _ = _parse({"sdn": prim, "alt": alt}, dataset="us_ofac_cons")
    assert entities["103"].id == "us_ofac_cons:103"
    assert entities["103"].relations[0].target_id == "us_ofac_cons:102"


def test_to_json_roundtrip(parsed: tuple[dict[str, Entity], ParseContext]) -> None:
    for entity in parsed[0].values():
        assert Entity.from_json(entity.to_json()) == entity


# --- bad input -------------------------------------------------------------------------


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8") + b"\x1a")
    return path


GOOD_ROW = '1,"TEST, One","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '


def test_wrong_column_count_names_file_and_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "sdn.csv",
        [GOOD_ROW, GOOD_ROW.replace("1,", "2,", 1), '3,"SHORT ROW","individual"'],
    )
    with pytest.raises(ParseError) as err:
        list(ofac_csv.parse(ParseContext("us_ofac_sdn"), {"sdn": path}))
    assert err.value.path == str(path)
    assert err.value.line == 3
    assert "sdn.csv, line 3" in str(err.value)
    assert "expected 12 columns" in str(err.value)


def test_wrong_column_count_after_multiline_field(tmp_path: Path) -> None:
    multi = GOOD_ROW[: -len("-0- ")] + '"first line\r\nsecond line"'
    path = _write(tmp_path / "sdn.csv", [multi, '2,"BAD"'])
    with pytest.raises(ParseError) as err:
        list(ofac_csv.parse(ParseContext("us_ofac_sdn"), {"sdn": path}))
    assert err.value.line == 3  # physical line, as a person opening the file counts


def test_wrong_column_count_in_companion(tmp_path: Path) -> None:
    sdn = _write(tmp_path / "sdn.csv", [GOOD_ROW])
    alt = _write(tmp_path / "alt.csv", ['1,10,"aka","TEST, Uno",-0- ', '1,11,"aka"'])
    with pytest.raises(ParseError) as err:
        list(ofac_csv.parse(ParseContext("us_ofac_sdn"), {"sdn": sdn, "alt": alt}))
    assert err.value.path == str(alt)
    assert err.value.line == 2


def test_header_row_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "sdn.csv", ["ent_num,SDN_Name,a,b,c,d,e,f,g,h,i,j", GOOD_ROW])
    with pytest.raises(ParseError, match=r"sdn\.csv, line 1: ent_num"):
        list(ofac_csv.parse(ParseContext("us_ofac_sdn"), {"sdn": path}))


def test_truncated_gzip(tmp_path: Path, fixture_set: dict[str, Path]) -> None:
    data = gzip.compress(fixture_set["sdn"].read_bytes())
    path = tmp_path / "sdn.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ParseError, match=r"sdn\.csv\.gz.*gzip"):
        list(ofac_csv.parse(ParseContext("us_ofac_sdn"), {"sdn": path}))


@pytest.mark.parametrize("content", [b"", b"\r\n\x1a"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(content)
    with pytest.raises(ParseError, match=r"sdn\.csv.*empty"):
        list(ofac_csv.parse(ParseContext("us_ofac_sdn"), {"sdn": path}))


def test_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    latin1 = '2,"MU\xd1OZ, Jos\xe9","individual","SDNTK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '
    path.write_bytes((GOOD_ROW + "\r\n" + latin1 + "\r\n").encode("latin-1") + b"\x1a")
    with pytest.raises(ParseError) as err:
        list(ofac_csv.parse(ParseContext("us_ofac_sdn"), {"sdn": path}))
    assert err.value.path == str(path)
    assert err.value.line == 2
    assert "utf-8" in str(err.value)


def test_missing_primary_file(fixture_set: dict[str, Path]) -> None:
    with pytest.raises(ParseError, match="primary"):
        list(ofac_csv.parse(ParseContext("us_ofac_sdn"), {"alt": fixture_set["alt"]}))


@pytest.mark.parametrize(
    ("remarks", "expected"),
    [
        ("DOB 01 Jan 1954", ["1954-01-01"]),
        ("DOB Jan 1954", ["1954-01"]),
        ("DOB 1954", ["1954"]),
        ("DOB circa 1954", ["1954"]),
        ("DOB circa 01 Jul 1954", ["1954-07-01"]),
        ("DOB 1954 to 1956", ["1954", "1955", "1956"]),
        ("DOB circa 1954-1955", ["1954", "1955"]),
        ("DOB 01 Jan 1960 to 31 Dec 1961", ["1960", "1961"]),
        ("DOB 01 Mar 1958 to 01 Mar 1959", ["1958-03-01", "1959-03-01"]),
        ("DOB Mar 1970 to Feb 1971", ["1970-03", "1971-02"]),
        ("DOB 12 Mar 1970; alt. DOB 1971.", ["1970-03-12", "1971"]),
    ],
)
def test_birth_date_forms(tmp_path: Path, remarks: str, expected: list[str]) -> None:
    row = GOOD_ROW[: -len("-0- ")] + f'"{remarks}"'
    entities, ctx = _parse({"sdn": _write(tmp_path / "sdn.csv", [row])})
    assert entities["1"].birth_dates == expected
    assert not ctx.warnings


def test_document_without_number_stays_in_remarks(tmp_path: Path) -> None:
    remarks = (
        "Passport issued in Sarajevo, Bosnia-Herzegovina; "
        "alt. Passport 0123456 (Bosnia and Herzegovina)."
    )
    row = GOOD_ROW[: -len("-0- ")] + f'"{remarks}"'
    entity = _parse({"sdn": _write(tmp_path / "sdn.csv", [row])})[0]["1"]
    assert [(i.number, i.country) for i in entity.identifiers] == [("0123456", "ba")]
    assert entity.remarks[1:] == ["Passport issued in Sarajevo, Bosnia-Herzegovina"]


def test_unknown_type_is_a_warning(tmp_path: Path) -> None:
    path = _write(tmp_path / "sdn.csv", [GOOD_ROW.replace('"individual"', '"spaceship"')])
    entities, ctx = _parse({"sdn": path})
    assert entities["1"].schema == "LegalEntity"
    assert ctx.warnings["unknown SDN_Type"] == 1


# --- real files --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdn_files(shared_lists: Path) -> dict[str, Path]:
    return {
        "sdn": shared_lists / "ofac_sdn_2024-05-03" / "sdn.csv.gz",
        "alt": shared_lists / "ofac_sdn_alt_add_2026-06" / "alt.csv.gz",
        "add": shared_lists / "ofac_sdn_alt_add_2026-06" / "add.csv.gz",
    }


@pytest.fixture(scope="module")
def real_sdn(sdn_files: dict[str, Path]) -> tuple[dict[str, Entity], ParseContext]:
    return _parse(sdn_files)


def test_real_sdn_alone(sdn_files: dict[str, Path]) -> None:
    entities, ctx = _parse({"sdn": sdn_files["sdn"]})
    assert len(entities) == 14_965
    schemata = {
        s: sum(1 for e in entities.values() if e.schema == s)
        for s in ("Organization", "Person", "Vessel", "Airplane")
    }
    assert schemata == {"Organization": 6_884, "Person": 6_854, "Vessel": 851, "Airplane": 376}
    assert sum(1 for e in entities.values() if "GLOMAG" in e.programs) == 694
    assert len({p for e in entities.values() for p in e.programs}) == 75
    assert all(e.names and e.names[0].kind == NameKind.PRIMARY for e in entities.values())
    # of ~60,000 remark segments only the three "nationality possibly Palestinian" are
    # warnings; the rest are either read or kept in the remarks as free text
    assert set(ctx.warnings) <= {"unknown country"}
    assert ctx.warnings["unknown country"] == 3


def test_real_sdn_with_companions(
    real_sdn: tuple[dict[str, Entity], ParseContext], sdn_files: dict[str, Path]
) -> None:
    entities, ctx = real_sdn
    prim = {row[0] for row in _raw_rows(sdn_files["sdn"])}
    alt_rows = _raw_rows(sdn_files["alt"])
    add_rows = _raw_rows(sdn_files["add"])
    assert len(alt_rows) == 20_260
    assert len(add_rows) == 24_776
    orphan_aliases = sum(1 for row in alt_rows if row[0] not in prim)
    orphan_addresses = sum(1 for row in add_rows if row[0] not in prim)
    assert orphan_aliases == 2_727  # the 2026 alt.csv knows entries the 2024 sdn.csv does not
    assert orphan_addresses == 5_598
    assert ctx.warnings["alias without primary row"] == orphan_aliases
    assert ctx.warnings["address without primary row"] == orphan_addresses
    # every attached alias is on its entity with the kind alt.csv gives
    kinds = {"aka": NameKind.ALIAS, "fka": NameKind.FORMER, "nka": NameKind.ALIAS}
    for row in alt_rows:
        if row[0] in prim:
            names = {(n.full, n.kind) for n in entities[row[0]].names}
            assert (" ".join(row[3].split()), kinds[row[2]]) in names


def test_real_kim_kun(real_sdn: tuple[dict[str, Entity], ParseContext]) -> None:
    kim = real_sdn[0]["28036"]
    assert kim.schema == "Person"
    name = kim.names[0]
    assert (name.full, name.last, name.first, name.kind) == (
        "KIM, Kun",
        "KIM",
        "Kun",
        NameKind.PRIMARY,
    )
    # alt.csv (2026-06) has no alias rows for 28036 (`zcat alt.csv.gz | grep ^28036,` is empty)
    assert len(kim.names) == 1
    assert kim.birth_dates == ["1954-01-01"]
    assert kim.gender == "male"
    assert kim.programs == ["GLOMAG"]
    passports = [(i.number, i.country) for i in kim.identifiers if i.type == "passport"]
    assert passports == [("N0000259216", "kh"), ("D0002907", "kh")]
    assert kim.birth_places == [
        "Chan Toung Village, Sralap Commune, Tbaung Khmum District, Cambodia"
    ]
    assert [a.country for a in kim.addresses] == ["kh"]  # add.csv: 28036,42597,-0- ,-0- ,"Cambodia"
    assert kim.countries == ["kh"]


def test_real_chandy_king(real_sdn: tuple[dict[str, Entity], ParseContext]) -> None:
    chandy = real_sdn[0]["28037"]
    assert [(r.kind, r.target_name, r.target_id) for r in chandy.relations] == [
        ("linked_to", "KIM, Kun", "us_ofac_sdn:28036")
    ]
    assert [(n.full, n.kind) for n in chandy.names] == [
        ("CHANDY, King", NameKind.PRIMARY),
        ("CHANDY, Koeung", NameKind.ALIAS),
        ("CHANDY, Keung", NameKind.ALIAS),
        ("CHAN DY, King", NameKind.ALIAS),
    ]
    assert chandy.birth_dates == ["1959-03-01", "1958-03-01"]
    assert chandy.gender == "female"


def test_real_sdn_remarks_coverage(real_sdn: tuple[dict[str, Entity], ParseContext]) -> None:
    entities, _ = real_sdn
    relations = [r for e in entities.values() for r in e.relations]
    assert len(relations) == 6_375  # `grep -o 'Linked To:'` over sdn.csv
    assert sum(1 for r in relations if r.target_id) > 6_300
    vessels = [e for e in entities.values() if e.schema == "Vessel"]
    assert sum(1 for v in vessels if "imoNumber" in v.properties) >= 840
    assert sum(1 for e in entities.values() if e.birth_dates) > 6_000


def test_real_consolidated(shared_lists: Path) -> None:
    folder = shared_lists / "ofac_consolidated_2025-12-19"
    files = {
        "sdn": folder / "cons_prim.csv",
        "alt": folder / "cons_alt.csv",
        "add": folder / "cons_add.csv",
        "comments": folder / "cons_comments.csv",
    }
    for role, path in files.items():
        assert ofac_csv.classify(path, read_head(path)) == ("us_ofac_cons", role)
    entities, ctx = _parse(files, dataset="us_ofac_cons")
    assert len(entities) == 442
    assert not ctx.warnings  # every alias, address and comment row has its primary row
    alt_rows = _raw_rows(files["alt"])
    assert len(alt_rows) == 1_073
    for row in alt_rows:
        assert row[3] in {n.full for n in entities[row[0]].names}
    assert sum(len(e.addresses) for e in entities.values()) == 522  # 574 rows, 52 all `-0-`
    # cons_prim.csv cuts 17014's remarks at "Registration Numbe"; cons_comments.csv goes on
    bank = entities["17014"]
    assert ("registration", "1027700342890", "ru") in {
        (i.type, i.number, i.country) for i in bank.identifiers
    }
    assert "RUSAG" in {n.full for n in bank.names}
    assert entities["17014"].id == "us_ofac_cons:17014"
