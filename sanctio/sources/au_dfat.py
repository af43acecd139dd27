"""Australia's DFAT Consolidated List, ``regulation8_consolidated.xlsx``.

One sheet, one row per *name*: a listing is the set of rows whose ``Reference`` shares
its number (``2`` is the primary name, ``2a``, ``2b``, ``1276c1``... are its other names),
so rows are grouped on that number, which is also the ``source_id``. Every row repeats
the listing's details (date of birth, address...), but not always identically: an alias
row may carry "(this aka only, alt born ...)", so the details of all rows are merged and
de-duplicated rather than taken from the primary row alone.

Choices made here, and why:

* ``Name Type`` is spelled inconsistently ("aka", "Aka ", "Primary name", "Original
  script"); it is compared case- and whitespace-insensitively. "Formerly known as" and
  "Previously listed as" (type or note in the name, "Nik Mohammad (previously listed as)")
  give ``FORMER``; an unknown type is counted and treated as an alias. An alias written
  in a non-Latin script is ``ORIGINAL_SCRIPT`` whatever its row says, and an "Original
  Script" row in Latin letters is an ordinary alias.
* ``Type`` "Individual" → ``Person``, "Entity" → ``Organization`` (DFAT does not say
  whether an entity is a company; militias, ministries and firms share the type).
* Individuals' names written ``SURNAME, Given`` keep that display string and get
  ``last``/``first`` parts; other names are whole strings, as the list gives them.
* Dates of birth are free text ("a) 12/03/1965 b) circa 1965", "Between 1955 and 1958",
  "14 Mar 1974 >> 13 Apr 1974"); every date in the text is kept, a short year range is
  expanded to its years, and Hijri-calendar dates are dropped. A text with no date in it
  is counted and kept as a remark.
* ``listed_on`` is the earliest date in ``Listing Information`` that is not an amendment
  or re-listing date; for listings that only cite an instrument ("... Instrument 2022")
  it is that year.
* ``ctx.published`` is the workbook's own "last modified" timestamp (docProps), the only
  date the file states about itself. ``Control Date`` (DFAT's per-record date) goes to
  the FtM property ``modifiedAt``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sanctio.model import Address, Entity, Name, NameKind
from sanctio.sources.base import (
    ParseContext,
    ParseError,
    Source,
    excel_serial_date,
    is_non_latin,
    logical_name,
    parse_date,
    read_bytes,
    register,
    to_country,
)

DATASET = "au_dfat_sanctions"
ROLE = "list"
DOWNLOAD_URL = "https://www.dfat.gov.au/sites/default/files/regulation8_consolidated.xlsx"
SOURCE_URL = "https://www.dfat.gov.au/international-relations/security/sanctions/consolidated-list"

# Column keys (header text, case- and whitespace-folded) → field name.
_COLUMNS = {
    "reference": "ref",
    "name of individual or entity": "name",
    "type": "type",
    "name type": "name_type",
    "date of birth": "dob",
    "place of birth": "pob",
    "citizenship": "citizenship",
    "address": "address",
    "additional information": "info",
    "listing information": "listing",
    "committees": "committees",
    "control date": "control",
}
_REQUIRED = ("ref", "name", "type", "name_type")

_SCHEMA = {
    "individual": "Person",
    "entity": "Organization",
    "vessel": "Vessel",
    "ship": "Vessel",
    "aircraft": "Airplane",
}
_NAME_TYPES = {
    "primary name": NameKind.PRIMARY,
    "aka": NameKind.ALIAS,
    "original script": NameKind.ORIGINAL_SCRIPT,
    "formerly known as": NameKind.FORMER,
    "fka": NameKind.FORMER,
    "previously listed as": NameKind.FORMER,
}
_EMPTY = frozenset({"", "na", "n/a", "nil", "none", "unknown", "-"})

_REFERENCE = re.compile(r"^\s*(\d+)\s*([A-Za-z]*)\s*(\d*)\s*$")


def _text(value: Any) -> str:
    """A cell as trimmed single-spaced text (cells hold NBSP, tabs and line breaks)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


# --- free-text fields -------------------------------------------------------------------

# "a) X b) Y" enumerations, as DFAT copies them from UN notices.
_ENUM = re.compile(r"(?:^|(?<=[\s;,.]))\(?[a-z]\)\s*")


def _enumerated(value: str) -> list[str]:
    parts = [p.strip(" ;,") for p in _ENUM.split(value)]
    return [p for p in parts if p]


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il|l)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
# Alternatives are tried left to right at each position, so the fullest form wins.
_DATE = re.compile(
    r"(?=[\dJFMASONDjfmasond])(?<![\w])"  # cheap rejection at most positions
    r"(?:(?P<nd>\d{1,2})[/.-](?P<nm>\d{1,2})[/.-]?(?P<ny>\d{4})\b"
    rf"|(?P<td>\d{{1,2}})\.?[ -]+(?P<tm>{_MONTH})\.?,?[ -]+(?P<ty>\d{{4}}|\d{{2}})\b"
    rf"|(?P<mm>{_MONTH})\.? (?P<md>\d{{1,2}}),? (?P<my>\d{{4}})\b"
    rf"|(?P<om>{_MONTH})\.?,?[ -]+(?P<oy>\d{{4}})\b"
    r"|(?P<r1>\d{4})\s*(?:-|–|/|to|and)\s*(?P<r2>\d{4})\b"
    r"|(?P<y>\d{4})\b)",
    re.IGNORECASE,
)
_HIJRI = re.compile(r"\d{1,2}/\d{1,2}/\d{4}\s*\(Hijri[^)]*\)?", re.IGNORECASE)


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """Validated ISO prefix (reuses the shared parser's range and calendar checks)."""
    if month is None:
        return parse_date(f"{year:04d}")
    if day is None:
        return parse_date(f"{year:04d}-{month:02d}")
    return parse_date(f"{year:04d}-{month:02d}-{day:02d}")


def _two_digit_year(yy: int) -> int:
    """``23-Apr-68`` is a birth date: a two-digit year later than this year is 19xx."""
    return 2000 + yy if 2000 + yy <= date.today().year else 1900 + yy


def find_dates(text: str, expand_ranges: bool = True) -> list[tuple[int, str]]:
    """Every date written in ``text`` as ``(position, ISO prefix)``, in text order.

    A year range ("1955-1958", "Between 1955 and 1958", "1977/1978") of up to ten years
    expands to each year when ``expand_ranges``; a longer one keeps its two ends.
    """
    text = _HIJRI.sub(" ", text)
    found: list[tuple[int, str]] = []
    for m in _DATE.finditer(text):
        values: list[str | None]
        if m["nd"]:
            values = [_iso(int(m["ny"]), int(m["nm"]), int(m["nd"]))]
        elif m["td"]:
            year = int(m["ty"])
            if len(m["ty"]) == 2:
                year = _two_digit_year(year)
            values = [_iso(year, _MONTHS[m["tm"][:3].lower()], int(m["td"]))]
        elif m["mm"]:
            values = [_iso(int(m["my"]), _MONTHS[m["mm"][:3].lower()], int(m["md"]))]
        elif m["om"]:
            values = [_iso(int(m["oy"]), _MONTHS[m["om"][:3].lower()])]
        elif m["r1"]:
            low, high = int(m["r1"]), int(m["r2"])
            if expand_ranges and 0 < high - low <= 10:
                values = [_iso(y) for y in range(low, high + 1)]
            else:
                values = [_iso(low), _iso(high)]
        else:
            values = [_iso(int(m["y"]))]
        found.extend((m.start(), v) for v in values if v is not None)
    return found


def birth_dates(value: Any) -> list[str] | None:
    """A ``Date of Birth`` cell → ISO prefixes; None when it holds text but no date."""
    if value is None:
        return []
    if isinstance(value, datetime | date):
        return [excel_serial_date(value) or ""]
    if isinstance(value, int | float):
        number = int(value)
        if 1800 <= number <= 2100:  # a bare year typed into the cell
            return [str(number)]
        serial = excel_serial_date(number)
        return [serial] if serial else None
    found = _birth_dates_text(_text(value))
    return None if found is None else list(found)


@lru_cache(maxsize=4096)
def _birth_dates_text(text: str) -> tuple[str, ...] | None:
    if text.casefold() in _EMPTY:
        return ()
    dates: list[str] = []
    for _, d in find_dates(text):
        if d not in dates:
            dates.append(d)
    return tuple(dates) or None


_NOT_LISTING = re.compile(
    r"(?:amended|relisted|re-listed|last listed|on or after|declared|continued)\W+(?:on\W+)?$",
    re.IGNORECASE,
)
_INSTRUMENT_YEAR = re.compile(r"\b(?:Instrument|List|Listing|Regulations?)\s+(\d{4})\b")


@lru_cache(maxsize=4096)
def _listing_date_text(text: str) -> str | None:
    candidates = []
    for pos, iso in find_dates(text, expand_ranges=False):
        if len(iso) != 10:
            continue  # resolution and regulation numbers look like years
        prefix = text[max(0, pos - 40) : pos]
        if _NOT_LISTING.search(prefix) or "(amended" in prefix or "amended " in prefix[-20:]:
            continue
        candidates.append(iso)
    if candidates:
        return min(candidates)
    m = _INSTRUMENT_YEAR.search(text)
    return m[1] if m else None


def listing_date(value: Any) -> str | None:
    """``Listing Information`` → the first listing date it states, else the instrument year."""
    if isinstance(value, datetime | date):
        return excel_serial_date(value)
    text = _text(value)
    return _listing_date_text(text) if text else None


_HEDGE = re.compile(r"^(?:possibly|probably|reportedly|allegedly)\s+", re.IGNORECASE)
_CITIZEN_SPLIT = re.compile(r"\s*(?:;|,|/|\band\b|\bor\b)\s*")


def _country(text: str) -> str | None:
    return to_country(text.strip(" .;,"))


def citizenships(value: str) -> tuple[list[str], list[str]]:
    """``Citizenship`` → (ISO codes, parts that are not a country)."""
    codes: list[str] = []
    unknown: list[str] = []
    for item in _enumerated(value):
        item = re.sub(r"\([^)]*\)", "", item)
        for part in _CITIZEN_SPLIT.split(item):
            part = _HEDGE.sub("", part.strip(" ."))
            if part.casefold() in _EMPTY:
                continue
            code = _country(part)
            if code is None:
                unknown.append(part)
            elif code not in codes:
                codes.append(code)
    return codes, unknown


def _address_country(text: str) -> str | None:
    """The country an address ends with ("..., Moscow 119180, Russia", "... 614014 Russia")."""
    text = re.sub(r"\([^()]*\)", " ", text).replace("(", " ").replace(")", " ")
    parts = [p.strip(" .") for p in text.split(",") if p.strip(" .")]
    while parts and re.fullmatch(r"[\d -]+|[A-Z]{1,2}\d[\dA-Z ]*", parts[-1]):
        parts.pop()  # trailing postal code ("60455", "JE2 3RA")
    if not parts:
        return None
    words = [w for w in parts[-1].split() if not re.search(r"\d", w)]
    for n in (len(words) if len(words) <= 6 else 0, 4, 3, 2, 1):
        if 0 < n <= len(words):
            code = _country(" ".join(words[-n:]))
            if code:
                return code
    return None


def addresses(raw: str) -> list[Address]:
    """Split the ``Address`` cell into addresses.

    ``a) ... b) ...`` always separates; ``;`` separates only after a part that ends in a
    country ("Marshall Islands; C/o Office 4, ..."), because DFAT also uses it inside one
    address ("..., Ground Floor; Tehran, Iran").
    """
    out: list[Address] = []
    for item in _enumerated(" ".join(raw.split())):
        pending = ""
        pieces = [p.strip() for p in item.split(";")]
        for i, piece in enumerate(pieces):
            pending = f"{pending}; {piece}" if pending else piece
            last = i == len(pieces) - 1
            if not last and _address_country(piece) is None:
                continue
            text = pending.strip(" ;")
            pending = ""
            if text.casefold() not in _EMPTY and not (text.endswith(":") and len(text) < 40):
                out.append(Address(full=text, country=_address_country(text)))
    return out


_COMMITTEE_SPLIT = re.compile(r"(?<=\))\s+(?=\d)")


# --- names ----------------------------------------------------------------------------

_FORMER_NOTE = re.compile(
    r"\s*\((?:previously|formerly)\s+listed\s+as\b[.,]?\s*(?:in\s+(\w+)\s*:\s*([^)]*))?\)?\s*$",
    re.IGNORECASE,
)
_NOTE = re.compile(r"\s*\((?:birth name|combat name|call sign)\)\s*$", re.IGNORECASE)
_GENERATION = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_BRACKET = re.compile(r"(.+?)\s*\(([^()]+)\)")


def _kind(ctx: ParseContext, raw: Any, ref: str) -> NameKind:
    key = _text(raw).casefold()
    kind = _NAME_TYPES.get(key)
    if kind is None:
        ctx.warn("unknown name type (kept as alias)", f"{ref}: {_text(raw)}")
        return NameKind.ALIAS
    return kind


def _add_names(
    ctx: ParseContext, entity: Entity, text: str, kind: NameKind, ref: str, person: bool
) -> None:
    extra: str | None = None
    m = _FORMER_NOTE.search(text)
    if m:
        text = text[: m.start()]
        if kind != NameKind.PRIMARY:
            kind = NameKind.FORMER
        extra = (m[2] or "").strip() or None
    text = _NOTE.sub("", text).strip()
    if not text:
        ctx.warn("empty name", ref)
        return
    m = _BRACKET.fullmatch(text)
    if m and is_non_latin(m[1]) != is_non_latin(m[2]):
        if is_non_latin(m[1]):
            text = m[1]  # "ፍትዊ ዓብዱረዛቕ (Tigrinya)": a language note
        else:
            text, extra = m[1], m[2]  # "Jin Tiesan (金铁三)": the original script
    if kind != NameKind.PRIMARY and any(
        n.kind == NameKind.PRIMARY and n.full.casefold() == text.casefold() for n in entity.names
    ):
        return
    if kind in (NameKind.ALIAS, NameKind.ORIGINAL_SCRIPT):
        if is_non_latin(text):
            kind = NameKind.ORIGINAL_SCRIPT
        elif kind == NameKind.ORIGINAL_SCRIPT:
            ctx.warn("original-script name in Latin letters (kept as alias)", ref)
            kind = NameKind.ALIAS
    first = last = None
    if person and text.count(",") == 1:
        surname, given = (p.strip() for p in text.split(","))
        if surname and given and given.split()[0].casefold() not in _GENERATION:
            last, first = surname, given
    entity.add_name(Name(full=text, kind=kind, first=first, last=last))
    if extra:
        entity.add_name(Name(full=extra, kind=NameKind.ORIGINAL_SCRIPT))


# --- the workbook ---------------------------------------------------------------------


def _header_map(path: Path, header: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for idx, cell in enumerate(header):
        field = _COLUMNS.get(_text(cell).casefold())
        if field and field not in found:
            found[field] = idx
    missing = [f for f in _REQUIRED if f not in found]
    if missing:
        names = {v: k for k, v in _COLUMNS.items()}
        seen = [_text(c) for c in header if _text(c)]
        raise ParseError(
            f"missing column(s) {', '.join(repr(names[f]) for f in missing)}; "
            f"headers found: {seen}",
            path,
            1,
        )
    return found


def _read_rows(path: Path) -> tuple[list[tuple[int, tuple[Any, ...]]], dict[str, int], str | None]:
    """(row number, values) of every data row, the column map, and the file's own date."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    raw = read_bytes(path)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ParseError(f"not a readable .xlsx workbook ({exc})", path) from exc
    try:
        if not wb.worksheets:
            raise ParseError("workbook has no sheets", path)
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header: tuple[Any, ...] | None = None
        line = 0
        for values in rows:
            line += 1
            if any(v is not None and _text(v) for v in values):
                header = values
                break
        if header is None:
            raise ParseError("the first sheet is empty", path)
        columns = _header_map(path, header)
        width = max(columns.values()) + 1
        data: list[tuple[int, tuple[Any, ...]]] = []
        for values in rows:
            line += 1
            if any(v is not None for v in values[:width]):
                data.append((line, values[:width]))
        modified = wb.properties.modified if wb.properties else None
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ParseError(f"corrupt .xlsx workbook ({exc})", path) from exc
    finally:
        wb.close()
    published = modified.date().isoformat() if isinstance(modified, datetime) else None
    return data, columns, published


def _cell(values: tuple[Any, ...], columns: dict[str, int], field: str) -> Any:
    idx = columns.get(field)
    if idx is None or idx >= len(values):
        return None
    return values[idx]


def parse(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    """Group the name rows by reference number; yield one entity per listing."""
    path = files[ROLE]
    data, columns, published = _read_rows(path)
    ctx.published = published

    groups: dict[int, list[tuple[int, str, tuple[Any, ...]]]] = {}
    for line, values in data:
        ref = _text(_cell(values, columns, "ref"))
        m = _REFERENCE.match(ref)
        if not m:
            ctx.warn("unparseable Reference (row skipped)", f"row {line}: {ref!r}")
            continue
        groups.setdefault(int(m[1]), []).append((line, ref, values))
    if not groups:
        raise ParseError("no listings: every data row lacks a Reference", path)

    for number, rows in groups.items():
        entity = _listing(ctx, columns, str(number), rows)
        if entity is not None:
            yield entity


def _listing(
    ctx: ParseContext,
    columns: dict[str, int],
    source_id: str,
    rows: list[tuple[int, str, tuple[Any, ...]]],
) -> Entity | None:
    def cell(values: tuple[Any, ...], field: str) -> Any:
        return _cell(values, columns, field)

    kinds = [_kind(ctx, cell(v, "name_type"), ref) for _, ref, v in rows]
    primaries = [i for i, k in enumerate(kinds) if k == NameKind.PRIMARY]
    if not primaries:
        ctx.warn("listing without a primary name row", source_id)
        bare = [i for i, (_, ref, _) in enumerate(rows) if ref.strip() == source_id]
        primaries = [bare[0] if bare else 0]
        kinds[primaries[0]] = NameKind.PRIMARY
    for extra in primaries[1:]:
        ctx.warn("several primary name rows (extra kept as alias)", source_id)
        kinds[extra] = NameKind.ALIAS
    order = [primaries[0]] + [i for i in range(len(rows)) if i != primaries[0]]
    primary_values = rows[primaries[0]][2]

    type_text = _text(cell(primary_values, "type")).casefold()
    schema = _SCHEMA.get(type_text)
    if schema is None:
        ctx.warn("unknown Type (kept as LegalEntity)", f"{source_id}: {type_text}")
        schema = "LegalEntity"
    if len({_text(cell(v, "type")).casefold() for _, _, v in rows}) > 1:
        ctx.warn("Type differs between a listing's rows", source_id)

    entity = Entity(dataset=DATASET, source_id=source_id, schema=schema, source_url=SOURCE_URL)
    person = schema == "Person"
    for i in order:
        _, ref, values = rows[i]
        name = _text(cell(values, "name"))
        if name:
            _add_names(ctx, entity, name, kinds[i], ref, person)
        else:
            ctx.warn("row without a name", ref)
    if not entity.names:
        ctx.warn("listing without any name (skipped)", source_id)
        return None
    if entity.names[0].kind != NameKind.PRIMARY:
        entity.names[0].kind = NameKind.PRIMARY  # the primary row had only a note

    # Detail cells usually repeat on every row of a listing: handle each distinct value
    # once, keeping the first row (the primary) for warnings and ordering.
    ordered = [rows[i] for i in order]

    def distinct(field: str) -> list[tuple[str, Any]]:
        seen: dict[Any, str] = {}
        for _, ref, values in ordered:
            value = cell(values, field)
            if value is not None and value != "" and value not in seen:
                seen[value] = ref
        return [(ref, value) for value, ref in seen.items()]

    for ref, dob in distinct("dob"):
        dates = birth_dates(dob)
        if dates is None:
            ctx.warn("date of birth without a date", f"{ref}: {_text(dob)}")
            entity.remarks.append(f"Date of birth: {_text(dob)}")
            continue
        for d in dates:
            if d and d not in entity.birth_dates:
                entity.birth_dates.append(d)
    for _, pob in distinct("pob"):
        text = _text(pob)
        if text.casefold() not in _EMPTY:
            for place in _enumerated(text):
                if place not in entity.birth_places:
                    entity.birth_places.append(place)
    for ref, cit in distinct("citizenship"):
        text = _text(cit)
        if text.casefold() in _EMPTY:
            continue
        codes, unknown = citizenships(text)
        for code in codes:
            if code not in entity.citizenships:
                entity.citizenships.append(code)
        for part in unknown:
            ctx.warn("citizenship that is not a country", f"{ref}: {part}")
    for _, raw_address in distinct("address"):
        for addr in addresses(str(raw_address)):
            if all(a.full != addr.full for a in entity.addresses):
                entity.addresses.append(addr)
                if addr.country and addr.country not in entity.countries:
                    entity.countries.append(addr.country)
    for _, info in distinct("info"):
        text = _text(info)
        if text.casefold() not in _EMPTY and text not in entity.remarks:
            entity.remarks.append(text)
    for _, listing in distinct("listing"):
        text = _text(listing)
        if text and text not in entity.remarks:
            entity.remarks.append(text)
        when = listing_date(listing)
        if when and entity.listed_on is None:
            entity.listed_on = when  # the primary row's comes first
    for _, committees in distinct("committees"):
        for committee in _COMMITTEE_SPLIT.split(_text(committees)):
            if committee and committee not in entity.programs:
                entity.programs.append(committee)
    controls: list[str] = []
    for ref, control in distinct("control"):
        iso = excel_serial_date(control)
        if iso is None:
            ctx.warn("unparsed Control Date", f"{ref}: {_text(control)}")
        else:
            controls.append(iso)
    if controls:
        entity.add_property("modifiedAt", max(controls))
    return entity


def classify(path: Path, head: bytes) -> tuple[str, str] | None:
    """By file name only: 4 KiB of a zip container do not show the sheet's header row."""
    if logical_name(path) == "regulation8_consolidated.xlsx":
        return DATASET, ROLE
    return None


SOURCE = register(
    Source(
        name="au_dfat",
        datasets=(DATASET,),
        primary=ROLE,
        roles=(ROLE,),
        classify=classify,
        parse=parse,
        titles={DATASET: "Australia DFAT Consolidated List"},
        downloads={DATASET: {ROLE: DOWNLOAD_URL}},
    )
)
