"""Your own watchlist as a CSV file, screened like an official list.

A file named ``custom_<name>.csv`` (``<name>`` made of ``a-z``, ``0-9`` and ``_``; the file
name is lower-cased first, ``.csv.gz`` works too) becomes the dataset ``custom_<name>``;
``sanctio`` can also load any file as ``--custom NAME=FILE``.

Format
------
* Encoding UTF-8, with or without BOM (what Excel's "CSV UTF-8" writes). UTF-16 with a BOM
  (Excel's "Unicode text") is read too. Other files are tried as Windows-1252 and the load
  reports ``decoded as cp1252``; anything else (UTF-16 without BOM, a renamed .xlsx, binary
  data) is refused.
* Delimiter: comma, semicolon or tab, detected from the header row. Quote values that
  contain the delimiter, as spreadsheet programs do. A row with more values than the header
  has columns is refused (an unquoted comma inside a name would otherwise shift its columns).
* A file with only a ``name`` column needs no quoting at all: one name per line.
* The first row is the header. Column names are case-insensitive, in any order; spaces and
  hyphens count as underscores (``Birth Date`` = ``birth_date``).

Columns (only ``name`` is required):

``id``
    Your own record id; becomes the entity's source id (``custom_acme:C-001``) and must be
    unique in the file. Without an ``id`` column each row gets a stable id derived from its
    name and birth date, so alerts and decisions survive reloads of an unchanged row.
``name``
    The main name, as you want it displayed. Rows without a name are skipped and counted.
``schema``
    ``Person``, ``Organization``, ``Company``, ``LegalEntity``, ``Vessel`` or ``Airplane``
    (any case); also ``individual`` (Person), ``entity``/``organisation`` (Organization),
    ``ship`` (Vessel), ``aircraft`` (Airplane). Empty means ``LegalEntity`` (may be a person
    or a company); an unknown value is counted and treated as ``LegalEntity``.
``aliases``
    Other names, separated by ``;`` or ``|``. Names in a non-Latin script are kept as
    original-script names.
``birth_date``
    One or more dates, separated by ``;``: ``1961-11-04``, ``1961-11``, ``1961``,
    ``04/11/1961`` (day first), ``4 Nov 1961``. Write ISO dates (``yyyy-mm-dd``) to avoid any
    day/month doubt. Unreadable dates are counted and left out.
``country``
    Countries as names or ISO codes (``Russia``, ``RU``, ``RUS``), separated by ``;``. They
    are stored as the entity's countries (for a person: nationality or residence alike).
``id_number``
    Identifying numbers separated by ``;``, optionally typed as ``type:number``, e.g.
    ``passport:N1234567; tax:7701234567``. Types: ``passport``, ``national_id`` (``id``),
    ``tax_id`` (``tax``, ``tin``, ``vat``), ``registration`` (``reg``), ``imo``, ``mmsi``,
    ``swift_bic`` (``swift``, ``bic``), ``lei``, ``ssn``, ``driving_licence``; other numbers
    are stored as type ``other``.
``programs``
    Your own labels for why the entry is listed, separated by ``;``.
``notes``
    Free text, kept as a remark and shown with matches.

Every multi-value column accepts ``|`` as well as ``;``. Other columns are ignored (each
one is reported once as ``unknown column ignored``).
"""

from __future__ import annotations

import _csv
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from sanctio.model import Entity, Identifier, Name, NameKind
from sanctio.sources.base import (
    ParseContext,
    ParseError,
    Source,
    is_non_latin,
    logical_name,
    parse_date,
    read_bytes,
    register,
    to_country,
)

__all__ = ["COLUMNS", "classify", "custom_dataset", "parse", "parse_watchlist"]

COLUMNS = (
    "id",
    "name",
    "schema",
    "aliases",
    "birth_date",
    "country",
    "id_number",
    "programs",
    "notes",
)
_COLUMN_SPELLINGS = {
    **{c: c for c in COLUMNS},
    "alias": "aliases",
    "birthdate": "birth_date",
    "date_of_birth": "birth_date",
    "dob": "birth_date",
    "countries": "country",
    "id_numbers": "id_number",
    "program": "programs",
    "note": "notes",
    "remarks": "notes",
    "type": "schema",
}
_SCHEMATA = {
    "person": "Person",
    "individual": "Person",
    "organization": "Organization",
    "organisation": "Organization",
    "entity": "Organization",
    "company": "Company",
    "legalentity": "LegalEntity",
    "legal_entity": "LegalEntity",
    "vessel": "Vessel",
    "ship": "Vessel",
    "airplane": "Airplane",
    "aircraft": "Airplane",
}
_ID_TYPES = {
    "passport": "passport",
    "national_id": "national_id",
    "id": "national_id",
    "tax_id": "tax_id",
    "tax": "tax_id",
    "tin": "tax_id",
    "vat": "tax_id",
    "registration": "registration",
    "reg": "registration",
    "imo": "imo",
    "mmsi": "mmsi",
    "swift_bic": "swift_bic",
    "swift": "swift_bic",
    "bic": "swift_bic",
    "lei": "lei",
    "ssn": "ssn",
    "driving_licence": "driving_licence",
    "driving_license": "driving_licence",
    "aircraft_serial": "aircraft_serial",
    "aircraft_tail": "aircraft_tail",
}
_RE_NAME = re.compile(r"^custom_([a-z0-9_]+)\.csv$")
_RE_DATASET_NAME = re.compile(r"^[a-z0-9_]+$")
_RE_SPLIT = re.compile(r"\s*[;|]\s*")
_DELIMITERS = (",", ";", "\t")

_Cell = Callable[[str], str]  # column name → the row's whitespace-normalised value


def custom_dataset(name: str) -> str:
    """``acme`` → ``custom_acme``, refusing names that would not survive as a file name."""
    key = name.strip().lower()
    if key.startswith("custom_"):
        key = key[len("custom_") :]
    if not _RE_DATASET_NAME.match(key):
        raise ValueError(f"watchlist name {name!r}: use only a-z, 0-9 and _")
    return f"custom_{key}"


def classify(path: Path, head: bytes) -> tuple[str, str] | None:
    match = _RE_NAME.match(logical_name(path))
    if match is None:
        return None
    return f"custom_{match[1]}", "csv"


def parse(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    return parse_watchlist(ctx, files["csv"])


def parse_watchlist(ctx: ParseContext, path: Path) -> Iterator[Entity]:
    """Entities of one watchlist file, for ``ctx.dataset`` (e.g. ``custom_acme``)."""
    text = _decode(ctx, path)
    delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ParseError("no header row", path, 1)
        header_line = reader.line_num
        columns = _columns(ctx, path, header, header_line)
        if "id" not in columns:
            ctx.warn("no id column; ids derived from name and birth date")
        yield from _rows(ctx, path, reader, columns, len(header))
    except csv.Error as exc:
        raise ParseError(f"unreadable CSV: {exc}", path, reader.line_num) from exc


def _decode(ctx: ParseContext, path: Path) -> str:
    raw = read_bytes(path)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError(f"invalid UTF-16 ({exc.reason})", path) from exc
    if raw.startswith(b"PK\x03\x04"):
        raise ParseError("this is a zip/Excel file, not CSV; save it as 'CSV UTF-8'", path)
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ParseError(
            "NUL bytes: binary data or UTF-16 without BOM; save it as 'CSV UTF-8'", path, line
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            line = raw.count(b"\n", 0, utf8_error.start) + 1
            byte = raw[utf8_error.start]
            raise ParseError(
                f"neither UTF-8 nor Windows-1252 (byte 0x{byte:02x})", path, line
            ) from utf8_error
        ctx.warn("decoded as cp1252", path.name)
        return text


def _sniff(text: str) -> str:
    """Pick the delimiter the header uses most; names rarely contain one, headers never.

    A header without any (a plain list of names) gets tab, the delimiter least likely to
    occur in a name, so ``Acme, Inc.`` on its own line needs no quoting.
    """
    header = next((line for line in text[:65536].splitlines() if line.strip()), "")
    counts = [(header.count(d), -i, d) for i, d in enumerate(_DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] > 0 else "\t"


def _columns(ctx: ParseContext, path: Path, header: list[str], line: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        label = cell.strip().lstrip("\ufeff").strip()
        key = re.sub(r"[\s\-]+", "_", label.lower())
        field = _COLUMN_SPELLINGS.get(key)
        if field is None:
            if label:
                ctx.warn("unknown column ignored", label)
            continue
        if field in columns:
            first = header[columns[field]].strip()
            raise ParseError(f"columns {first!r} and {label!r} both give {field!r}", path, line)
        columns[field] = index
    if "name" not in columns:
        found = ", ".join(repr(c.strip()) for c in header if c.strip()) or "none"
        raise ParseError(f"no 'name' column (columns found: {found})", path, line)
    return columns


def _rows(
    ctx: ParseContext,
    path: Path,
    reader: _csv.Reader,
    columns: dict[str, int],
    width: int,
) -> Iterator[Entity]:
    seen_ids: dict[str, int] = {}
    derived: dict[str, int] = {}
    # A record starts on the line after the previous one ended (quoted cells span lines).
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            raise ParseError(
                f"{len(row)} values but the header has {width} columns "
                "(quote values that contain the delimiter)",
                path,
                line,
            )

        def cell(field: str, row: list[str] = row) -> str:
            index = columns.get(field)
            if index is None or index >= len(row):
                return ""
            return " ".join(row[index].split())

        name = cell("name")
        if not name:
            ctx.warn("row without name (skipped)", f"line {line}")
            continue
        birth_text = cell("birth_date")
        source_id = cell("id")
        if source_id and source_id in seen_ids:
            raise ParseError(
                f"duplicate id {source_id!r} on lines {seen_ids[source_id]} and {line}",
                path,
                line,
            )
        if not source_id:
            if "id" in columns:
                ctx.warn("row without id (id derived from name and birth date)", f"line {line}")
            source_id = _derived_id(name, birth_text, derived)
        seen_ids[source_id] = line
        entity = Entity(dataset=ctx.dataset, source_id=source_id, schema=_schema(ctx, cell))
        _fill(ctx, entity, name, cell, birth_text)
        yield entity


def _derived_id(name: str, birth: str, taken: dict[str, int]) -> str:
    """Same name and birth date → same id, whatever the row order or spacing."""
    key = unicodedata.normalize("NFC", " ".join(name.casefold().split()))
    digest = hashlib.sha1(f"{key}|{birth.strip()}".encode()).hexdigest()[:16]
    taken[digest] = taken.get(digest, 0) + 1
    if taken[digest] > 1:
        return f"{digest}-{taken[digest]}"
    return digest


def _schema(ctx: ParseContext, cell: _Cell) -> str:
    value = cell("schema")
    if not value:
        return "LegalEntity"
    schema = _SCHEMATA.get(re.sub(r"[\s\-]+", "_", value.lower()))
    if schema is None:
        ctx.warn("unknown schema (kept as LegalEntity)", value)
        return "LegalEntity"
    return schema


def _split(value: str) -> list[str]:
    return [part for part in _RE_SPLIT.split(value.strip()) if part]


def _fill(ctx: ParseContext, entity: Entity, name: str, cell: _Cell, birth_text: str) -> None:
    entity.add_name(Name(full=name, kind=NameKind.PRIMARY))
    seen = {name.casefold()}
    for alias in _split(cell("aliases")):
        if alias.casefold() in seen:
            continue
        seen.add(alias.casefold())
        kind = NameKind.ORIGINAL_SCRIPT if is_non_latin(alias) else NameKind.ALIAS
        entity.add_name(Name(full=alias, kind=kind))
    for text in _split(birth_text):
        parsed = parse_date(text)
        if parsed is None:
            ctx.warn("unparseable birth date", f"{entity.source_id}: {text!r}")
        elif parsed not in entity.birth_dates:
            entity.birth_dates.append(parsed)
    for text in _split(cell("country")):
        code = to_country(text)
        if code is None:
            ctx.warn("unknown country", f"{entity.source_id}: {text!r}")
        elif code not in entity.countries:
            entity.countries.append(code)
    for text in _split(cell("id_number")):
        entity.identifiers.append(_identifier(text))
    for text in _split(cell("programs")):
        if text not in entity.programs:
            entity.programs.append(text)
    notes = cell("notes")
    if notes:
        entity.remarks.append(notes)


def _identifier(text: str) -> Identifier:
    prefix, sep, rest = text.partition(":")
    id_type = _ID_TYPES.get(re.sub(r"[\s\-]+", "_", prefix.strip().lower())) if sep else None
    if id_type and rest.strip():
        return Identifier(type=id_type, number=rest.strip(), label=prefix.strip())
    return Identifier(type="other", number=text)


register(
    Source(
        name="custom_csv",
        datasets=(),  # open-ended: any ``custom_<name>``
        primary="csv",
        roles=("csv",),
        classify=classify,
        parse=parse,
    )
)
