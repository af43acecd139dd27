"""Custom watchlist CSV: the documented columns, lenient reading, and strict refusals."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanctio.model import Entity, NameKind
from sanctio.sources import SOURCES, custom_csv
from sanctio.sources.base import ParseContext, ParseError, read_head

EXAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "custom_csv" / "custom_acme.csv"


def load(path: Path, dataset: str = "custom_test") -> tuple[list[Entity], ParseContext]:
    ctx = ParseContext(dataset=dataset)
    return list(custom_csv.parse_watchlist(ctx, path)), ctx


def write(tmp_path: Path, text: str, name: str = "custom_test.csv", enc: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(enc))
    return path


def refused(path: Path) -> ParseError:
    with pytest.raises(ParseError) as info:
        load(path)
    assert str(path) in str(info.value)
    return info.value


# --- registration, classification ------------------------------------------------------


def test_registered() -> None:
    source = SOURCES["custom_csv"]
    assert source.primary == "csv" and source.roles == ("csv",)
    assert source.classify is custom_csv.classify


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("custom_acme.csv", ("custom_acme", "csv")),
        ("Custom_ACME_2.CSV", ("custom_acme_2", "csv")),
        ("custom_acme.csv.gz", ("custom_acme", "csv")),
        ("custom_.csv", None),
        ("custom-acme.csv", None),
        ("custom_acme corp.csv", None),
        ("acme.csv", None),
        ("custom_acme.xlsx", None),
    ],
)
def test_classify(name: str, expected: tuple[str, str] | None) -> None:
    assert custom_csv.classify(Path(name), b"id,name\n") == expected


def test_classify_claims_no_shared_list(shared_lists: Path) -> None:
    files = [p for p in shared_lists.rglob("*") if p.is_file()]
    assert files
    assert all(custom_csv.classify(p, read_head(p)) is None for p in files)


def test_custom_dataset() -> None:
    assert custom_csv.custom_dataset("Acme") == "custom_acme"
    assert custom_csv.custom_dataset("custom_acme") == "custom_acme"
    for bad in ("", "acme corp", "acme-corp", "../x"):
        with pytest.raises(ValueError):
            custom_csv.custom_dataset(bad)


# --- the example file ------------------------------------------------------------------


def test_example_file() -> None:
    ctx = ParseContext(dataset="custom_acme")
    entities = list(SOURCES["custom_csv"].parse(ctx, {"csv": EXAMPLE}))
    assert not ctx.warnings
    assert [e.id for e in entities] == [f"custom_acme:C-00{i}" for i in range(1, 6)]
    assert [e.schema for e in entities] == [
        "Person",
        "Company",
        "Person",
        "Vessel",
        "LegalEntity",
    ]
    smith, northwind, ivan, ship, foundation = entities
    assert [(n.full, n.kind) for n in smith.names] == [
        ("SMITH, John Robert", NameKind.PRIMARY),
        ("Johnny Smith", NameKind.ALIAS),
        ("J. R. Smith", NameKind.ALIAS),
    ]
    assert smith.birth_dates == ["1961-11-04", "1962"]
    assert smith.countries == ["gb", "ie"]
    assert [(i.type, i.number) for i in smith.identifiers] == [("passport", "123456789")]
    assert smith.programs == ["fraud-watch"]
    assert smith.remarks == ["Former supplier, terminated 2021"]
    assert [n.full for n in northwind.names] == [
        "Northwind Trading Ltd",
        "Northwind Trading Limited",
        "NWT",
    ]
    assert [(i.type, i.number) for i in northwind.identifiers] == [("registration", "HE123456")]
    assert [(n.full, n.kind) for n in ivan.names][1] == (
        "Иван Петрович Сидоренков",
        NameKind.ORIGINAL_SCRIPT,
    )
    assert ivan.birth_dates == ["1961-11-04"]  # 04/11/1961 is day first
    assert [(i.type, i.number) for i in ivan.identifiers] == [
        ("tax_id", "661234567890"),
        ("other", "7512345678"),
    ]
    assert [(i.type, i.number) for i in ship.identifiers] == [("imo", "9123456")]
    assert ship.countries == ["pa"]
    assert foundation.remarks == ["Status unclear: person or organisation"]
    assert foundation.names[0].kind == NameKind.PRIMARY


def test_module_docstring_documents_every_column() -> None:
    doc = custom_csv.__doc__ or ""
    for column in custom_csv.COLUMNS:
        assert f"``{column}``" in doc


# --- lenient reading -------------------------------------------------------------------


def test_headers_case_order_and_spellings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        " Notes ;DOB;NAME;Type;Country;ID;Alias\n"
        "seen in press;1970;Jane Roe;INDIVIDUAL;France;x1;J. Roe | Jane R.\n",
    )
    (e,), ctx = load(path)
    assert not ctx.warnings
    assert (e.source_id, e.schema, e.birth_dates, e.countries) == ("x1", "Person", ["1970"], ["fr"])
    assert [n.full for n in e.names] == ["Jane Roe", "J. Roe", "Jane R."]
    assert e.remarks == ["seen in press"]


def test_tab_delimiter_and_short_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "id\tname\tcountry\tnotes\n1\tAcme, Inc.\n2\tBeta\tDE\t\t\t\n")
    entities, _ = load(path)
    assert [(e.caption, e.countries) for e in entities] == [("Acme, Inc.", []), ("Beta", ["de"])]


def test_plain_list_of_names(tmp_path: Path) -> None:
    entities, ctx = load(write(tmp_path, 'Name\nAcme, Inc.\n"Beta; Gamma"\nDelta Corp.\n'))
    assert [e.caption for e in entities] == ["Acme, Inc.", "Beta; Gamma", "Delta Corp."]
    assert ctx.warnings["no id column; ids derived from name and birth date"] == 1


def test_utf8_bom_and_gzip(tmp_path: Path) -> None:
    text = "\ufeffid,name\n1,Müller GmbH\n"
    (e,), _ = load(write(tmp_path, text))
    assert e.caption == "Müller GmbH"
    packed = tmp_path / "custom_test.csv.gz"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    (e2,), _ = load(packed)
    assert e2.to_json() == e.to_json()


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffid\tname\r\n1\tΑθήνα Shipping\r\n", enc="utf-16-le")
    (e,), ctx = load(path)
    assert e.caption == "Αθήνα Shipping" and not ctx.warnings


def test_cp1252_fallback_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "id;name\n1;Müller “Ltd” – Zürich\n2;Other\n", enc="cp1252")
    entities, ctx = load(path)
    assert entities[0].caption == "Müller “Ltd” – Zürich"
    assert ctx.warnings["decoded as cp1252"] == 1


def test_schema_synonyms_and_unknown(tmp_path: Path) -> None:
    values = [
        "person",
        "Individual",
        "ORGANISATION",
        "entity",
        "Organization",
        "company",
        "LegalEntity",
        "vessel",
        "Ship",
        "aircraft",
        "Airplane",
        "",
        "robot",
    ]
    body = "".join(f"{i},Name {i},{v}\n" for i, v in enumerate(values))
    entities, ctx = load(write(tmp_path, "id,name,schema\n" + body))
    assert [e.schema for e in entities] == [
        "Person",
        "Person",
        "Organization",
        "Organization",
        "Organization",
        "Company",
        "LegalEntity",
        "Vessel",
        "Vessel",
        "Airplane",
        "Airplane",
        "LegalEntity",
        "LegalEntity",
    ]
    assert dict(ctx.warnings) == {"unknown schema (kept as LegalEntity)": 1}
    assert ctx.examples["unknown schema (kept as LegalEntity)"] == ["robot"]


def test_bad_cells_are_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id,name,birth_date,country,email,phone\n"
        "1,Alpha,1960-02-30;1961,Atlantis;US,a@example.org,1\n"
        "2,,1970,,,\n"
        '3,"  ",,,,\n'
        "4,Delta,yesterday,,,\n",
    )
    entities, ctx = load(path)
    assert [e.source_id for e in entities] == ["1", "4"]
    assert entities[0].birth_dates == ["1961"]
    assert entities[0].countries == ["us"]
    assert dict(ctx.warnings) == {
        "unknown column ignored": 2,  # once per column, not per row
        "unparseable birth date": 2,
        "unknown country": 1,
        "row without name (skipped)": 2,
    }
    assert ctx.examples["unknown column ignored"] == ["email", "phone"]
    assert ctx.examples["row without name (skipped)"] == ["line 3", "line 4"]


def test_identifier_prefixes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id,name,id_number\n"
        '1,A,"Passport: N123 ; national-id:77|vat:DE1;bic:DEUTDEFF;ABC:123;urn:x:y;lei: "\n',
    )
    (e,), _ = load(path)
    assert [(i.type, i.number) for i in e.identifiers] == [
        ("passport", "N123"),
        ("national_id", "77"),
        ("tax_id", "DE1"),
        ("swift_bic", "DEUTDEFF"),
        ("other", "ABC:123"),
        ("other", "urn:x:y"),
        ("other", "lei:"),
    ]


# --- ids -------------------------------------------------------------------------------


def test_derived_ids_are_stable(tmp_path: Path) -> None:
    a = write(tmp_path, "name,birth_date\nJohn  Smith,1960\nACME Ltd,\n", "custom_a.csv")
    b = write(tmp_path, "Birth Date,Name\n,acme ltd\n1960,JOHN SMITH\n", "custom_b.csv")
    first, ctx = load(a)
    second, _ = load(b)
    assert ctx.warnings["no id column; ids derived from name and birth date"] == 1
    assert {e.source_id: e.caption for e in first} == {
        second[1].source_id: "John Smith",
        second[0].source_id: "ACME Ltd",
    }
    assert all(len(e.source_id) == 16 for e in first)
    # A different birth date is a different record.
    other, _ = load(write(tmp_path, "name,birth_date\nJohn Smith,1961\n", "custom_c.csv"))
    assert other[0].source_id != first[0].source_id


def test_derived_id_collisions_are_numbered(tmp_path: Path) -> None:
    entities, _ = load(write(tmp_path, "name,country\nJohn Smith,US\nJohn Smith,GB\n"))
    base = entities[0].source_id
    assert [e.source_id for e in entities] == [base, f"{base}-2"]


def test_empty_id_cell_is_derived_and_counted(tmp_path: Path) -> None:
    entities, ctx = load(write(tmp_path, "id,name\nA,Alpha\n,Beta\n"))
    assert entities[0].source_id == "A" and len(entities[1].source_id) == 16
    assert ctx.warnings["row without id (id derived from name and birth date)"] == 1
    assert "no id column; ids derived from name and birth date" not in ctx.warnings


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'id,name,notes\nA,Alpha,"two\nlines"\nB,Beta,\n\nB,Beta again,\n',
    )
    error = refused(path)
    assert "duplicate id 'B' on lines 4 and 6" in str(error)
    assert error.line == 6


# --- refusals --------------------------------------------------------------------------


def test_missing_name_column_lists_columns(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "id,full_name,dob\n1,Alpha,1960\n"))
    assert "no 'name' column" in str(error)
    assert "'id', 'full_name', 'dob'" in str(error)
    assert error.line == 1


def test_two_columns_for_one_field(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "name,Name\nA,B\n"))
    assert "both give 'name'" in str(error)


def test_extra_values_refused_with_line(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "id,name,country\n1,Alpha,US\n2,Acme, Inc.,US\n"))
    assert "4 values but the header has 3 columns" in str(error)
    assert error.line == 3


def test_empty_files(tmp_path: Path) -> None:
    assert "empty" in str(refused(write(tmp_path, "\r\n\r\n")))
    assert "no header row" in str(refused(write(tmp_path, "\ufeff", "custom_bom.csv")))
    entities, _ = load(write(tmp_path, "id,name\n", "custom_header.csv"))
    assert entities == []


def test_utf16_without_bom_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "id,name\n1,Alpha\n", enc="utf-16-le"))
    assert "NUL bytes" in str(error)


def test_excel_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "custom_test.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    assert "zip/Excel" in str(refused(path))


def test_undecodable_bytes_refused_with_line(tmp_path: Path) -> None:
    path = tmp_path / "custom_test.csv"
    path.write_bytes(b"id,name\n1,Alpha\n2,Bad \x81 byte\n")  # 0x81 is unassigned in cp1252
    error = refused(path)
    assert "neither UTF-8 nor Windows-1252 (byte 0x81)" in str(error)
    assert error.line == 3


def test_truncated_gzip(tmp_path: Path) -> None:
    packed = gzip.compress(EXAMPLE.read_bytes())
    path = tmp_path / "custom_test.csv.gz"
    path.write_bytes(packed[:-10])
    assert "gzip" in str(refused(path))


# --- property: whatever csv.writer writes, names come back -----------------------------

_TEXT = st.text(
    # Controls other than line breaks and tab are not text a watchlist holds (NUL is refused).
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\r\n\t"),
    max_size=40,
)
_NAME = _TEXT.filter(lambda s: bool(s.split()))
_ALIAS = _TEXT.map(lambda s: s.replace(";", "").replace("|", ""))


def _norm(text: str) -> str:
    return " ".join(text.split())


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(_NAME, st.lists(_ALIAS, max_size=4)), min_size=1, max_size=5))
def test_round_trip_names_and_aliases(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, list[str]]]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "name", "aliases"])
    for index, (name, aliases) in enumerate(rows):
        writer.writerow([f"r{index}", name, ";".join(aliases)])
    path = tmp_path_factory.mktemp("prop") / "custom_prop.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    entities, ctx = load(path)
    assert not ctx.warnings
    assert [e.source_id for e in entities] == [f"r{i}" for i in range(len(rows))]
    for entity, (name, aliases) in zip(entities, rows, strict=True):
        expected = [_norm(name)]
        seen = {expected[0].casefold()}
        for alias in map(_norm, aliases):
            if alias and alias.casefold() not in seen:
                seen.add(alias.casefold())
                expected.append(alias)
        assert [n.full for n in entity.names] == expected
        assert entity.names[0].kind == NameKind.PRIMARY
        assert all(n.kind in (NameKind.ALIAS, NameKind.ORIGINAL_SCRIPT) for n in entity.names[1:])
