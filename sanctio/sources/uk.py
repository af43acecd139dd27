"""The two UK lists: the FCDO UK Sanctions List and HM Treasury / OFSI's Consolidated List.

Datasets and sources registered here:

``gb_fcdo_sanctions`` — the FCDO *UK Sanctions List*, one Entity per designation
(``source_id`` = Unique ID such as ``RUS0001``), from any of three publications:

* ``uk_fcdo_xml`` (role ``xml``, the download): ``UK-Sanctions-List.xml``. Root
  ``<Designations>`` with ``<DateGenerated>dd/mm/yyyy</DateGenerated>`` and one
  ``<Designation>`` per listing (``UniqueID``, ``OFSIGroupID``, ``UNReferenceNumber``,
  ``Names/Name`` with ``Name1``…``Name6``, ``NameType``, ``AliasStrength``,
  ``NonLatinNames/NonLatinName``, ``RegimeName``, ``IndividualEntityShip``,
  ``DesignationSource``, ``SanctionsImposed`` (``|``-separated), ``Addresses/Address``,
  ``IndividualDetails``, ``EntityDetails``, ``ShipDetails``, ``DateDesignated``,
  ``LastUpdated``).
* ``uk_fcdo_csv`` (role ``csv``): ``UK-Sanctions-List.csv``. Line 1 ``Report Date:
  dd-Mon-yyyy``, line 2 a 58-column header (``Last Updated, Unique ID, OFSI Group ID, UN
  Reference Number, Name 6, Name 1..5, Name type, Alias strength, Title, Name non-latin
  script, …, Regime Name, Designation Type, …, Hull identification number (HIN)``), then
  one row per combination of name / address / document, so rows are grouped on Unique ID.
* ``uk_fcdo_ods`` (role ``ods``): the ODS *summary* export
  (``FCDO_SL_<Day>_<Mon>_<dd>_<yyyy>.ods``): Unique ID, OFSI Group ID, Name, Regime Name,
  Type, Designation source, Date Designated (dd-mm-yyyy), Sanctions Imposed. Primary names
  only; the name is kept exactly as shown (surname first, no comma, no parts), and the
  publish date is read off the file name.

Which specification: FCDO publishes no formal schema for the CSV/XML served from
``sanctionslist.fcdo.gov.uk`` (in place since the 28 January 2026 switch-over; the OFSI
list was frozen then). The column and element names above follow the 2022 "UK Sanctions
List: change to the list's format" guidance (Name type = Primary name / Primary name
variation / Alias; alias strength for UN listings) as reflected in headers and trimmed
real records quoted by several public repositories (2026 snapshots). Uncertain, and
therefore handled leniently: the exact container elements in the XML (leaf elements are
looked up anywhere inside a designation), whether CSV cells other than Sanctions Imposed
can carry several ``|``-separated values (we split them), spelling/case of name types
(``Primary Name``, ``Primary name variation``, ``ALias`` are all seen: matched case-
insensitively), alias strength wording (``Good quality a.k.a`` / ``Low quality a.k.a``:
anything starting with "low" is weak), and masked birth dates (``dd/mm/1945``).

``gb_hmt_sanctions`` — ``uk_hmt_csv`` (role ``conlist``): OFSI's *Consolidated List of
Financial Sanctions Targets* CSV (``sanctionsconlist.csv`` before 2022, ``ConList.csv``
after; Windows-1252). Line 1 ``Last Updated,dd/mm/yyyy``, line 2 the header, then one row
per name variant *and* per DOB/address variant. One Entity per Group ID. Both the pre-2022
29-column layout (Alias Type ``Prime Alias``/``AKA``/``FKA``) and the 2022 layout (adds
Name Non-Latin Script, Passport Number, National Identification Number/Details, Alias
Quality, UK Sanctions List Date Designated; Alias Type ``Primary name``/``Primary name
variation``/``AKA``/``FKA``; Group Type ``Ship``) are read, by header name.

Choices shared by all formats:

* Schemata: Individual → ``Person``, Entity → ``Organization`` (the lists never say
  whether an entity is a company), Ship → ``Vessel``.
* Individuals' names are given as parts (Name 1..5 given names, Name 6 surname). There is
  no display string, so ``full`` is built the way the lists are read out, ``"NAME6, Name1
  Name2 …"``, with ``last``/``first``/``middle`` filled. A name given in Name 6 alone is
  kept unstructured (it is often a whole name or nickname). Entities and ships: Name 6 is
  the whole name. A name written in a non-Latin script is ``ORIGINAL_SCRIPT``.
* ``Primary name variation`` (a spelling variant of the primary name) → ``ALIAS``;
  HMT ``FKA`` → ``FORMER``; low-quality aliases → ``WEAK_ALIAS``.
* Free-text countries (``(1) Somali (2) Swedish``, ``Iranian (Iranian citizenship)``) are
  split on their enumeration markers and mapped to ISO codes; parts that are no country
  are counted as warnings and the raw text kept in ``remarks``.
* Free-text documents (old HMT ``Passport Details``/``NI Number``) become one Identifier
  per enumerated part: the first ID-looking token is the number, the part itself the note.
* Non-FtM keys in ``properties``: ``ofsiGroupId`` (links an FCDO designation to the HMT
  Group ID), ``ukSanctionsListRef`` (the reverse link, read from HMT Other Information),
  ``unscId``; the rest are FtM names (position, title, birthCountry, flag,
  pastFlags, imoNumber, type, tonnage, buildDate, legalForm, phone, email, website,
  modifiedAt). "Designation source", "Sanctions imposed" and the UK statement of reasons
  go to ``remarks``.
* A CSV row whose column count differs from the header's is a truncated or corrupt file:
  ParseError naming the line (an unterminated quote at EOF likewise). Trailing empty cells
  beyond the header are tolerated.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from lxml import etree

from sanctio.model import Address, Entity, Identifier, Name, NameKind, Relation
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

FCDO = "gb_fcdo_sanctions"
HMT = "gb_hmt_sanctions"

TITLES = {
    FCDO: "UK FCDO Sanctions List",
    HMT: "UK HM Treasury / OFSI Consolidated List of Financial Sanctions Targets",
}

FCDO_XML_URL = "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"
FCDO_CSV_URL = "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv"
HMT_CSV_URL = "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv"

_SCHEMA = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}

# --------------------------------------------------------------------------- text helpers

# "(1) ", "1) ", "(a) ", "a) ", "-(2)" — the enumeration markers the UK lists use inside a
# cell. Only digits and single lower-case letters, and only after a separator, so that
# "(Tunisian)" or "Article 3(c)" are left alone.
_RE_ENUM = re.compile(r"(?:^|(?<=[\s.,;)]))-?\(?(?:\d{1,2}|[a-h])\)\s*")
_RE_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_RE_SUBSPLIT = re.compile(r"\s+and\s+|\.\s+|/|;|,\s+")
_RE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/.]*")
_RE_DATEISH = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}$|^(?:19|20)\d\d$")
_RE_FILE_DATE = re.compile(r"([A-Za-z]{3})[ _\-]+(\d{1,2})[ _\-]+(\d{4})")

# FtM's country table gets these UK spellings wrong or not at all.
_LANGS = {
    "arabic": "ara",
    "belarusian": "bel",
    "bosnian": "bos",
    "bulgarian": "bul",
    "chinese": "zho",
    "georgian": "kat",
    "greek": "ell",
    "hebrew": "heb",
    "korean": "kor",
    "persian": "fas",
    "farsi": "fas",
    "romanian": "ron",
    "russian": "rus",
    "serbian": "srp",
    "turkish": "tur",
    "ukrainian": "ukr",
    "urdu": "urd",
    "pashto": "pus",
    "burmese": "mya",
    "myanmar": "mya",
}


def _norm_header(text: str) -> str:
    return " ".join(text.split()).lower()


def _split_enum(text: str) -> list[str]:
    """``(1) Somali (2) Swedish`` → ``["Somali", "Swedish"]``; plain text → ``[text]``."""
    parts = (p.strip(" ,;.-") for p in _RE_ENUM.split(text))
    return [p for p in parts if p]


def _split_multi(text: str) -> list[str]:
    """Values the FCDO CSV may join with ``|``."""
    return [p.strip() for p in text.split("|") if p.strip()]


def _iso_country(text: str) -> str | None:
    """One country name/code → ISO alpha-2 (``to_country`` refuses historic codes)."""
    return to_country(text.strip().strip(".").strip())


_COUNTRY_TEXT_CACHE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _countries_in(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Free text naming one or more countries → (ISO codes, parts that named none).

    Tries each enumerated part whole, then its pieces (split on "and", ". ", "/", ", "),
    then the longest run of words inside a piece that is a country or demonym, so that
    "Possibly Ethiopian" or "United States of America. Also believed to hold Syrian
    nationality" still yield their countries.
    """
    cached = _COUNTRY_TEXT_CACHE.get(text)
    if cached is not None:
        return cached
    codes: list[str] = []
    unresolved: list[str] = []

    def add(code: str) -> None:
        if code not in codes:
            codes.append(code)

    for part in _split_enum(text):
        code = _iso_country(part)
        if code:
            add(code)
            continue
        found = False
        for piece in _RE_SUBSPLIT.split(part):
            piece = piece.strip(" ,.;()")
            if not piece:
                continue
            code = _iso_country(piece) or _scan_country(piece)
            if code:
                add(code)
                found = True
        if not found:
            unresolved.append(part)
    result = (tuple(codes), tuple(unresolved))
    _COUNTRY_TEXT_CACHE[text] = result
    return result


def _scan_country(piece: str) -> str | None:
    words = _RE_WORD.findall(piece)
    for i in range(len(words)):
        for n in range(min(4, len(words) - i), 0, -1):
            code = _iso_country(" ".join(words[i : i + n]))
            if code:
                return code
    return None


def _uk_date(value: str) -> str | None:
    """dd/mm/yyyy with ``00`` or ``dd``/``mm`` for the unknown parts → ISO prefix."""
    text = value.strip()
    if text[:2].lower() == "dd":
        text = "00" + text[2:]
    if text[3:5].lower() == "mm":
        text = text[:3] + "00" + text[5:]
    return parse_date(text)


def _id_number(text: str) -> str | None:
    """The first token of a free-text document description that looks like its number."""
    for m in _RE_TOKEN.finditer(text):
        token = m.group(0).rstrip(".-/")
        if sum(c.isdigit() for c in token) < 3 or len(token.replace("-", "")) < 4:
            continue
        if _RE_DATEISH.match(token):
            continue
        return token
    return None


def _id_type(default: str, text: str) -> str:
    low = text.lower()
    if "driv" in low:
        return "driving_licence"
    if default == "national_id" and ("tax" in low or "fiscal" in low or "inn" in low.split()):
        return "tax_id"
    return default


def _decode(raw: bytes, path: Path, encodings: tuple[str, ...]) -> str:
    """Like :func:`read_text`, but NUL bytes (UTF-16, binary) are refused up front.

    Windows-1252 maps almost every byte to some character, so a UTF-16 or binary file
    would otherwise "decode" into garbage instead of failing.
    """
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise ParseError(
            f"contains NUL bytes (UTF-16 or binary?); expected {' or '.join(encodings)} text",
            path,
            line,
        )
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    try:
        raw.decode(encodings[-1])
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ParseError(
            f"not valid {' or '.join(encodings)} (byte 0x{raw[exc.start]:02x})", path, line
        ) from exc
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- entity builder


class _Builder:
    """Accumulates one listing from many rows (or elements), deduplicating as it goes.

    The UK CSVs repeat every field on every row of a listing (one row per name, DOB or
    address variant), so every adder must be idempotent.
    """

    __slots__ = ("_addr", "_ids", "_nat_raw", "_warned", "ctx", "entity", "key", "modified")

    def __init__(self, ctx: ParseContext, entity: Entity) -> None:
        self.ctx = ctx
        self.entity = entity
        self.key = entity.source_id
        self.modified: str | None = None
        self._ids: set[tuple[str, str]] = set()
        self._addr: set[str] = set()
        self._nat_raw: set[str] = set()
        self._warned: set[tuple[str, str]] = set()

    @property
    def is_person(self) -> bool:
        return self.entity.schema == "Person"

    def warn(self, kind: str, value: str) -> None:
        """Count a problem once per listing, however many rows repeat it."""
        if (kind, value) in self._warned:
            return
        self._warned.add((kind, value))
        self.ctx.warn(kind, f"{self.key}: {value}")

    def name(
        self,
        given: Sequence[str],
        last: str,
        kind: NameKind,
        title: str | None = None,
        lang: str | None = None,
    ) -> None:
        given_parts = [" ".join(g.split()) for g in given if g and g.strip()]
        last = " ".join(last.split())
        first: str | None = None
        middle: str | None = None
        surname: str | None = None
        if self.is_person and given_parts and last:
            full = f"{last}, {' '.join(given_parts)}"
            first, middle, surname = given_parts[0], " ".join(given_parts[1:]) or None, last
        else:
            # A name in Name 6 alone is often a whole name or nickname ("Haji Mohammad
            # Hassan", "Abu Hassan"), not a surname: leave it unstructured.
            full = " ".join([*given_parts, last]).strip()
            if self.is_person and given_parts:
                first, middle = given_parts[0], " ".join(given_parts[1:]) or None
        if not full:
            return
        if kind is not NameKind.ORIGINAL_SCRIPT and is_non_latin(full):
            kind = NameKind.ORIGINAL_SCRIPT
        self.entity.add_name(
            Name(
                full=full,
                kind=kind,
                first=first,
                middle=middle,
                last=surname,
                title=title or None,
                lang=lang,
            )
        )

    def plain_name(self, text: str, kind: NameKind, lang: str | None = None) -> None:
        if kind is not NameKind.ORIGINAL_SCRIPT and is_non_latin(text):
            kind = NameKind.ORIGINAL_SCRIPT
        self.entity.add_name(Name(full=text, kind=kind, lang=lang))

    def birth_date(self, value: str) -> None:
        for part in _split_enum(value):
            iso = _uk_date(part)
            if iso is None:
                self.warn("unparseable date of birth", part)
            elif iso not in self.entity.birth_dates:
                self.entity.birth_dates.append(iso)

    def nationality(self, value: str) -> None:
        if not value:
            return
        codes, unresolved = _countries_in(value)
        for code in codes:
            if code not in self.entity.nationalities:
                self.entity.nationalities.append(code)
        if unresolved and value not in self._nat_raw:
            self._nat_raw.add(value)
            for part in unresolved:
                self.warn("nationality is not a known country", part)
            self.remark(f"Nationality: {value}")

    def birth_place(self, town: str, country: str) -> None:
        """Pair enumerated towns with enumerated countries: ``(1) Al-Madinah (2) Sangrar``
        + ``(1) Saudi Arabia (2) Pakistan`` → two places, not one run-on string."""
        towns = _split_enum(town) if town.strip() else []
        countries = _split_enum(country) if country.strip() else []
        if towns and len(countries) == len(towns):
            places = [f"{t}, {c}" for t, c in zip(towns, countries, strict=True)]
        elif towns and len(countries) == 1:
            places = [f"{t}, {countries[0]}" for t in towns]
        else:
            places = towns + countries
        for place in places:
            if place not in self.entity.birth_places:
                self.entity.birth_places.append(place)
        if country:
            codes, unresolved = _countries_in(country)
            for code in codes:
                self.entity.add_property("birthCountry", code)
            for part in unresolved:
                self.warn("country of birth is not a known country", part)

    def country(self, value: str) -> str | None:
        """A residence/address country; returns the first ISO code found."""
        if not value:
            return None
        codes, unresolved = _countries_in(value)
        for code in codes:
            if code not in self.entity.countries:
                self.entity.countries.append(code)
        for part in unresolved:
            self.warn("address country is not a known country", part)
        return codes[0] if codes else None

    def address(self, lines: Sequence[str], postal: str, country: str) -> None:
        code = self.country(country)
        parts = [" ".join(x.split()) for x in (*lines, postal) if x and x.strip()]
        if not parts:
            return
        if country.strip():
            parts.append(country.strip())
        elif not postal.strip():
            # HMT sometimes puts the country in the last address line and leaves Country empty.
            code = _iso_country(parts[-1])
        full = ", ".join(parts)
        if full in self._addr:
            return
        self._addr.add(full)
        self.entity.addresses.append(
            Address(full=full, postal_code=postal.strip() or None, country=code)
        )

    def identifier(
        self,
        id_type: str,
        number: str | None,
        label: str,
        note: str | None = None,
        country: str | None = None,
    ) -> None:
        if not number:
            return
        number = number.strip()
        if (id_type, number) in self._ids:
            return
        self._ids.add((id_type, number))
        self.entity.identifiers.append(
            Identifier(type=id_type, number=number, country=country, label=label, note=note)
        )

    def identifiers_from_text(self, default_type: str, text: str, label: str) -> None:
        """Old HMT free text: ``(1) G827238 (Tunisian). Issued on … (2) …``."""
        for part in _split_enum(text):
            number = _id_number(part)
            if number is None:
                self.warn(f"{label} without a number", part)
                self.remark(f"{label}: {part}")
                continue
            country = None
            for inner in re.findall(r"\(([^()]+)\)", part):
                country = _iso_country(inner)
                if country:
                    break
            self.identifier(_id_type(default_type, part), number, label, part, country)

    def document(self, default_type: str, number: str, details: str, label: str) -> None:
        """2022 layouts: a number column plus a free-text details column."""
        numbers = _split_multi(number)
        if not numbers and details:
            self.identifiers_from_text(default_type, details, label)
            return
        for num in numbers:
            if len(num) > 40 or re.search(r"\(\d{1,2}\)", num):
                self.identifiers_from_text(default_type, num, label)
            else:
                kind = _id_type(default_type, details)
                self.identifier(kind, num, label, details or None, None)

    def program(self, value: str) -> None:
        value = " ".join(value.split())
        if value and value not in self.entity.programs:
            self.entity.programs.append(value)

    def listed(self, value: str, what: str = "listing date") -> None:
        if not value.strip():
            return
        iso = _uk_date(value)
        if iso is None:
            self.warn(f"unparseable {what}", value)
        elif self.entity.listed_on is None or iso < self.entity.listed_on:
            self.entity.listed_on = iso

    def updated(self, value: str) -> None:
        iso = _uk_date(value) if value.strip() else None
        if iso and (self.modified is None or iso > self.modified):
            self.modified = iso

    def remark(self, value: str) -> None:
        value = value.strip()
        if value and value not in self.entity.remarks:
            self.entity.remarks.append(value)

    def prop(self, name: str, value: str | None) -> None:
        self.entity.add_property(name, value)

    def relation(self, kind: str, target: str) -> None:
        target = " ".join(target.split())
        if not target:
            return
        for rel in self.entity.relations:
            if rel.kind == kind and rel.target_name == target:
                return
        self.entity.relations.append(Relation(kind=kind, target_name=target))

    def flag(self, prop: str, value: str) -> None:
        for part in _split_multi(value):
            codes, unresolved = _countries_in(part)
            for code in codes:
                self.prop(prop, code)
            for bad in unresolved:
                self.warn("flag is not a known country", bad)

    def finish(self) -> Entity:
        # Primary names first (stable), so readers of the raw record see the listed name.
        self.entity.names.sort(key=lambda n: n.kind is not NameKind.PRIMARY)
        if self.modified:
            self.entity.properties["modifiedAt"] = [self.modified]
        return self.entity


def _schema(ctx: ParseContext, key: str, value: str) -> str:
    schema = _SCHEMA.get(value.strip().lower())
    if schema is None:
        ctx.warn("unknown designation type", f"{key}: {value!r}")
        return "LegalEntity"
    return schema


_NAME_KINDS = {
    "primary name": NameKind.PRIMARY,
    "prime alias": NameKind.PRIMARY,
    "primary name variation": NameKind.ALIAS,
    "alias": NameKind.ALIAS,
    "aka": NameKind.ALIAS,
    "fka": NameKind.FORMER,
}


def _name_kind(b: _Builder, name_type: str, strength: str) -> NameKind:
    key = " ".join(name_type.split()).lower()
    kind = _NAME_KINDS.get(key)
    if kind is None:
        b.warn("unknown name type", name_type or "(empty)")
        kind = NameKind.ALIAS
    if kind is NameKind.ALIAS and strength.strip().lower().startswith("low"):
        kind = NameKind.WEAK_ALIAS
    return kind


# --------------------------------------------------------------------------- CSV plumbing


class _Table:
    """A CSV with an optional one-line preamble and a header; rows checked for width."""

    def __init__(self, path: Path, text: str, required: Sequence[str]) -> None:
        self.path = path
        self._reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        self.preamble: list[str] | None = None
        first = self._next()
        if first is None:
            raise ParseError("file is empty", path)
        if sum(1 for c in first if c.strip()) <= 2:
            self.preamble = first
            header = self._next()
            if header is None:
                raise ParseError("no header line after the first line", path, 2)
        else:
            header = first
        self.header_line = self._reader.line_num
        self.width = len(header)
        self.columns: dict[str, int] = {}
        for i, name in enumerate(header):
            self.columns.setdefault(_norm_header(name), i)
        missing = [r for r in required if r not in self.columns]
        if missing:
            raise ParseError(
                f"header lacks required column(s) {', '.join(missing)}",
                path,
                self.header_line,
            )

    def _next(self) -> list[str] | None:
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise ParseError(f"malformed CSV ({exc})", self.path, self._reader.line_num) from exc

    def index(self, *names: str) -> int | None:
        for name in names:
            i = self.columns.get(name)
            if i is not None:
                return i
        return None

    def rows(self) -> Iterator[list[str]]:
        while (row := self._next()) is not None:
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) != self.width and (
                len(row) < self.width or any(c.strip() for c in row[self.width :])
            ):
                raise ParseError(
                    f"expected {self.width} columns, found {len(row)} (truncated or corrupt file)",
                    self.path,
                    self._reader.line_num,
                )
            yield row


def _get(row: list[str], i: int | None) -> str:
    return row[i].strip() if i is not None else ""


# --------------------------------------------------------------------------- HMT / OFSI CSV

_HMT_REQUIRED = ("name 6", "group id", "group type", "alias type")


def parse_hmt_csv(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    """One Entity per Group ID. UTF-8 is tried first (a BOM'd 2022 file may carry Arabic
    script), then Windows-1252, the encoding OFSI has always used for this file."""
    path = files["conlist"]
    text = _decode(read_bytes(path), path, ("utf-8-sig", "cp1252"))
    table = _Table(path, text, _HMT_REQUIRED)
    if table.preamble is not None:
        cells = [c.strip() for c in table.preamble if c.strip()]
        if cells and cells[0].lower().startswith("last updated") and len(cells) > 1:
            ctx.published = _uk_date(cells[1])
            if ctx.published is None:
                ctx.warn("unparseable publish date", cells[1])
    c = table.index
    i_names = [c(f"name {n}") for n in range(1, 6)]
    i_last = c("name 6")
    i_title = c("title")
    i_script = c("name non-latin script")
    i_script_lang = c("non-latin script language")
    i_dob = c("dob")
    i_town = c("town of birth")
    i_cob = c("country of birth")
    i_nat = c("nationality")
    i_pp_num = c("passport number")
    i_pp = c("passport details")
    i_ni_num = c("national identification number")
    i_ni = c("national identification details")
    i_ni_old = c("ni number")
    i_pos = c("position")
    i_addr = [c(f"address {n}") for n in range(1, 7)]
    i_post = c("post/zip code")
    i_country = c("country")
    i_other = c("other information")
    i_gtype = c("group type")
    i_atype = c("alias type")
    i_quality = c("alias quality")
    i_regime = c("regime")
    i_listed = c("listed on")
    i_updated = c("last updated")
    i_gid = c("group id")

    groups: dict[str, _Builder] = {}
    for row in table.rows():
        gid = _get(row, i_gid)
        if not gid:
            ctx.warn("row without Group ID", _get(row, i_last))
            continue
        b = groups.get(gid)
        if b is None:
            schema = _schema(ctx, gid, _get(row, i_gtype))
            b = groups[gid] = _Builder(ctx, Entity(dataset=HMT, source_id=gid, schema=schema))
        kind = _name_kind(b, _get(row, i_atype), _get(row, i_quality))
        title = _get(row, i_title)
        b.name([_get(row, i) for i in i_names], _get(row, i_last), kind, title)
        if script := _get(row, i_script):
            lang = _LANGS.get(_get(row, i_script_lang).lower())
            b.plain_name(script, NameKind.ORIGINAL_SCRIPT, lang)
        if title and b.is_person:
            b.prop("title", title)
        if dob := _get(row, i_dob):
            b.birth_date(dob)
        town, cob = _get(row, i_town), _get(row, i_cob)
        if town or cob:
            b.birth_place(town, cob)
        b.nationality(_get(row, i_nat))
        if i_pp_num is not None:  # 2022 layout: number and details apart
            b.document("passport", _get(row, i_pp_num), _get(row, i_pp), "Passport")
            b.document(
                "national_id", _get(row, i_ni_num), _get(row, i_ni), "National identification"
            )
        else:
            if pp := _get(row, i_pp):
                b.identifiers_from_text("passport", pp, "Passport")
            if ni := _get(row, i_ni_old):
                b.identifiers_from_text("national_id", ni, "NI Number")
        b.prop("position", _get(row, i_pos) or None)
        b.address([_get(row, i) for i in i_addr], _get(row, i_post), _get(row, i_country))
        if other := _get(row, i_other):
            b.remark(other)
            _hmt_other_info(b, other)
        b.program(_get(row, i_regime))
        b.listed(_get(row, i_listed))
        b.updated(_get(row, i_updated))
    yield from _finish_all(ctx, groups)


_RE_UN_REF = re.compile(
    r"UN\s*Ref(?:erence)?(?:\s*No\.?)?\s*\)?\s*[:.]?\s*([A-Z]{1,3}[a-z]?\.[A-Z0-9]+(?:\.[A-Z0-9]+)*)",
    re.IGNORECASE,
)
_RE_UKSL_REF = re.compile(r"\(UK Sanctions List Ref\)\s*:\s*([A-Z]{3}\d{4})")
_RE_IMO_INFO = re.compile(r"\(IMO number\)\s*:\s*(?:IMO)?\s*(\d{7})\b")


def _hmt_other_info(b: _Builder, text: str) -> None:
    """References OFSI writes into Other Information: UN reference, the FCDO Unique ID
    (2022 layout, ``(UK Sanctions List Ref):RUS1234``) and a ship's IMO number."""
    if m := _RE_UN_REF.search(text):
        b.prop("unscId", m.group(1))
    if m := _RE_UKSL_REF.search(text):
        b.prop("ukSanctionsListRef", m.group(1))
    if m := _RE_IMO_INFO.search(text):
        b.identifier("imo", f"IMO{m.group(1)}", "IMO number")
        b.prop("imoNumber", f"IMO{m.group(1)}")


def classify_hmt(path: Path, head: bytes) -> tuple[str, str] | None:
    name = logical_name(path)
    if name in ("sanctionsconlist.csv", "conlist.csv"):
        return HMT, "conlist"
    if name.endswith((".csv", ".txt")):
        text = head.decode("latin-1")
        if text.lstrip("\ufeffï»¿").startswith("Last Updated") and (
            "Name 6" in text and "Group ID" in text
        ):
            return HMT, "conlist"
    return None


# --------------------------------------------------------------------------- FCDO CSV

_FCDO_CSV_REQUIRED = ("unique id", "name 6", "name type")


def parse_fcdo_csv(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    """One Entity per Unique ID, merged from its rows (one per name/address/document)."""
    path = files["csv"]
    text = _decode(read_bytes(path), path, ("utf-8-sig",))
    table = _Table(path, text, _FCDO_CSV_REQUIRED)
    if table.preamble is not None:
        cell = next((x.strip() for x in table.preamble if x.strip()), "")
        if cell.lower().startswith("report date"):
            value = cell.split(":", 1)[1] if ":" in cell else ""
            ctx.published = parse_date(value)
            if ctx.published is None:
                ctx.warn("unparseable publish date", cell)
    c = table.index
    i_type = c("designation type", "individual, entity, ship", "type")
    if i_type is None:
        raise ParseError("header lacks the Designation Type column", path, table.header_line)
    idx = {
        key: c(*names)
        for key, names in {
            "uid": ("unique id",),
            "group": ("ofsi group id",),
            "unref": ("un reference number",),
            "last": ("name 6",),
            "ntype": ("name type",),
            "strength": ("alias strength",),
            "title": ("title",),
            "script": ("name non-latin script",),
            "script_lang": ("non-latin script language",),
            "regime": ("regime name",),
            "source": ("designation source",),
            "imposed": ("sanctions imposed",),
            "other": ("other information",),
            "reasons": ("uk statement of reasons",),
            "post": ("address postal code",),
            "country": ("address country",),
            "phone": ("phone number",),
            "web": ("website",),
            "email": ("email address",),
            "designated": ("date designated",),
            "dob": ("d.o.b", "dob", "date of birth"),
            "nat": ("nationality(/ies)", "nationality"),
            "ni": ("national identifier number",),
            "ni_info": ("national identifier additional information",),
            "pp": ("passport number",),
            "pp_info": ("passport additional information",),
            "position": ("position",),
            "gender": ("gender",),
            "town": ("town of birth",),
            "cob": ("country of birth",),
            "etype": ("type of entity",),
            "subs": ("subsidiaries",),
            "parent": ("parent company",),
            "regno": ("business registration number (s)", "business registration number(s)"),
            "imo": ("imo number",),
            "owner": ("current owner/operator (s)", "current owner/operator(s)"),
            "prev_owner": ("previous owner/operator (s)", "previous owner/operator(s)"),
            "flag": ("current believed flag of ship",),
            "prev_flags": ("previous flags",),
            "ship_type": ("type of ship",),
            "tonnage": ("tonnage of ship",),
            "length": ("length of ship",),
            "built": ("year built",),
            "hin": ("hull identification number (hin)",),
            "updated": ("last updated",),
        }.items()
    }
    i_names = [c(f"name {n}") for n in range(1, 6)]
    i_addr = [c(f"address line {n}") for n in range(1, 7)]

    groups: dict[str, _Builder] = {}
    for row in table.rows():

        def v(key: str, row: list[str] = row) -> str:
            return _get(row, idx[key])

        uid = v("uid")
        if not uid:
            ctx.warn("row without Unique ID", v("last"))
            continue
        b = groups.get(uid)
        if b is None:
            schema = _schema(ctx, uid, _get(row, i_type))
            b = groups[uid] = _Builder(ctx, Entity(dataset=FCDO, source_id=uid, schema=schema))
        kind = _name_kind(b, v("ntype"), v("strength"))
        b.name([_get(row, i) for i in i_names], v("last"), kind, v("title"))
        if script := v("script"):
            b.plain_name(script, NameKind.ORIGINAL_SCRIPT, _LANGS.get(v("script_lang").lower()))
        _fcdo_common(
            b,
            group=v("group"),
            unref=v("unref"),
            regime=v("regime"),
            source=v("source"),
            imposed=_split_multi(v("imposed")),
            other=v("other"),
            reasons=v("reasons"),
            designated=v("designated"),
            updated=v("updated"),
        )
        if b.is_person and v("title"):
            b.prop("title", v("title"))
        b.address([_get(row, i) for i in i_addr], v("post"), v("country"))
        for key, prop in (("phone", "phone"), ("web", "website"), ("email", "email")):
            for value in _split_multi(v(key)):
                b.prop(prop, value)
        for dob in _split_multi(v("dob")):
            b.birth_date(dob)
        for nat in _split_multi(v("nat")):
            b.nationality(nat)
        b.document("national_id", v("ni"), v("ni_info"), "National identifier")
        b.document("passport", v("pp"), v("pp_info"), "Passport")
        for pos in _split_multi(v("position")):
            b.prop("position", pos)
        _gender(b, v("gender"))
        if v("town") or v("cob"):
            b.birth_place(v("town"), v("cob"))
        _fcdo_entity_details(
            b,
            types=_split_multi(v("etype")),
            regnos=_split_multi(v("regno")),
            parents=_split_multi(v("parent")),
            subsidiaries=_split_multi(v("subs")),
        )
        _fcdo_ship_details(
            b,
            imos=_split_multi(v("imo")),
            owners=_split_multi(v("owner")),
            prev_owners=_split_multi(v("prev_owner")),
            flags=_split_multi(v("flag")),
            prev_flags=_split_multi(v("prev_flags")),
            types=_split_multi(v("ship_type")),
            tonnages=_split_multi(v("tonnage")),
            lengths=_split_multi(v("length")),
            built=_split_multi(v("built")),
            hins=_split_multi(v("hin")),
        )
    yield from _finish_all(ctx, groups)


def _finish_all(ctx: ParseContext, groups: Mapping[str, _Builder]) -> Iterator[Entity]:
    """Emit every designation; a nameless one is still a listing (FCDO publishes a few
    with empty name fields), so it is kept and counted rather than dropped."""
    for b in groups.values():
        if not b.entity.names:
            ctx.warn("designation without a name", b.key)
        elif not any(n.kind is NameKind.PRIMARY for n in b.entity.names):
            ctx.warn("designation without a primary name", b.key)
        yield b.finish()


def _fcdo_common(
    b: _Builder,
    *,
    group: str,
    unref: str,
    regime: str,
    source: str,
    imposed: Sequence[str],
    other: str,
    reasons: str,
    designated: str,
    updated: str,
) -> None:
    b.prop("ofsiGroupId", group or None)
    b.prop("unscId", unref or None)
    b.program(regime)
    if source:
        b.remark(f"Designation source: {source}")
    if imposed:
        b.remark(f"Sanctions imposed: {', '.join(dict.fromkeys(imposed))}")
    b.remark(other)
    b.remark(reasons)
    b.listed(designated, "date designated")
    b.updated(updated)


def _gender(b: _Builder, value: str) -> None:
    low = value.strip().lower()
    if low in ("male", "female"):
        b.entity.gender = low
    elif low:
        b.warn("unknown gender", value)


def _fcdo_entity_details(
    b: _Builder,
    *,
    types: Sequence[str],
    regnos: Sequence[str],
    parents: Sequence[str],
    subsidiaries: Sequence[str],
) -> None:
    for t in types:
        b.prop("legalForm", t)
    for regno in regnos:
        number = regno if len(regno) <= 40 else _id_number(regno)
        b.identifier("registration", number, "Business registration number", regno)
    for parent in parents:
        b.relation("parent", parent)
    for sub in subsidiaries:
        b.relation("subsidiary", sub)


def _fcdo_ship_details(
    b: _Builder,
    *,
    imos: Sequence[str],
    owners: Sequence[str],
    prev_owners: Sequence[str],
    flags: Sequence[str],
    prev_flags: Sequence[str],
    types: Sequence[str],
    tonnages: Sequence[str],
    lengths: Sequence[str],
    built: Sequence[str],
    hins: Sequence[str],
) -> None:
    for imo in imos:
        digits = "".join(ch for ch in imo if ch.isdigit())
        if len(digits) != 7:
            b.warn("IMO number is not 7 digits", imo)
            b.identifier("imo", imo, "IMO number")
            continue
        b.identifier("imo", f"IMO{digits}", "IMO number")
        b.prop("imoNumber", f"IMO{digits}")
    for owner in owners:
        b.relation("owner_operator", owner)
    for owner in prev_owners:
        b.relation("former_owner_operator", owner)
    for flag in flags:
        b.flag("flag", flag)
    for flag in prev_flags:
        b.flag("pastFlags", flag)
    for t in types:
        b.prop("type", t)
    for t in tonnages:
        b.prop("tonnage", t)
    for length in lengths:
        b.remark(f"Length of ship: {length}")
    for year in built:
        b.prop("buildDate", year)
    for hin in hins:
        b.identifier("other", hin, "Hull identification number (HIN)")


def classify_fcdo_csv(path: Path, head: bytes) -> tuple[str, str] | None:
    name = logical_name(path)
    if fnmatch.fnmatch(name, "uk?sanctions?list*.csv"):
        return FCDO, "csv"
    if name.endswith(".csv"):
        text = head.decode("utf-8", errors="replace")
        if "Unique ID" in text and "Name 6" in text and "Name type" in text:
            return FCDO, "csv"
    return None


# --------------------------------------------------------------------------- FCDO XML


def _xtext(el: etree._Element | None) -> str:
    if el is None or el.text is None:
        return ""
    return el.text.strip()


def _xall(el: etree._Element, tag: str) -> list[str]:
    out: list[str] = []
    for child in el.iterfind(f".//{{*}}{tag}"):
        text = _xtext(child)
        if text and text not in out:
            out.append(text)
    return out


def _xone(el: etree._Element, tag: str) -> str:
    return _xtext(el.find(f".//{{*}}{tag}"))


def parse_fcdo_xml(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    """Streams ``<Designation>`` elements and frees each one, so a 20+ MB file stays cheap."""
    path = files["xml"]
    raw = read_bytes(path)
    groups: dict[str, _Builder] = {}
    count = 0
    context = etree.iterparse(
        io.BytesIO(raw),
        events=("end",),
        tag=("{*}Designation", "{*}DateGenerated"),
        resolve_entities=False,
        no_network=True,
    )
    try:
        for _event, el in context:
            tag = etree.QName(el).localname
            if tag == "DateGenerated":
                ctx.published = _uk_date(_xtext(el))
                if ctx.published is None:
                    ctx.warn("unparseable publish date", _xtext(el))
                continue
            count += 1
            _xml_designation(ctx, el, groups)
            el.clear()
            while el.getprevious() is not None:
                parent = el.getparent()
                if parent is None:
                    break
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"invalid XML ({exc.msg})", path, exc.lineno) from exc
    if count == 0:
        raise ParseError("no <Designation> elements: not the UK Sanctions List XML", path)
    yield from _finish_all(ctx, groups)


def _xml_designation(ctx: ParseContext, el: etree._Element, groups: dict[str, _Builder]) -> None:
    uid = _xone(el, "UniqueID")
    if not uid:
        ctx.warn("designation without UniqueID", _xone(el, "Name6"))
        return
    b = groups.get(uid)
    if b is None:
        schema = _schema(ctx, uid, _xone(el, "IndividualEntityShip"))
        b = groups[uid] = _Builder(ctx, Entity(dataset=FCDO, source_id=uid, schema=schema))
    else:
        ctx.warn("designation repeated", uid)
    titles = _xall(el, "Title")
    for name_el in el.iterfind(".//{*}Names/{*}Name"):
        kind = _name_kind(b, _xone(name_el, "NameType"), _xone(name_el, "AliasStrength"))
        given = [_xone(name_el, f"Name{n}") for n in range(1, 6)]
        b.name(given, _xone(name_el, "Name6"), kind, "; ".join(titles) or None)
    for nl in el.iterfind(".//{*}NonLatinName"):
        text = _xone(nl, "NameNonLatinScript")
        if text:
            lang = _LANGS.get(_xone(nl, "NonLatinScriptLanguage").lower())
            b.plain_name(text, NameKind.ORIGINAL_SCRIPT, lang)
    if b.is_person:
        for title in titles:
            b.prop("title", title)
    _fcdo_common(
        b,
        group=_xone(el, "OFSIGroupID"),
        unref=_xone(el, "UNReferenceNumber"),
        regime=_xone(el, "RegimeName"),
        source=_xone(el, "DesignationSource"),
        imposed=[p for s in _xall(el, "SanctionsImposed") for p in _split_multi(s)],
        other=_xone(el, "OtherInformation"),
        reasons=_xone(el, "UKStatementofReasons"),
        designated=_xone(el, "DateDesignated"),
        updated=_xone(el, "LastUpdated"),
    )
    for addr in el.iterfind(".//{*}Addresses/{*}Address"):
        lines = [_xone(addr, f"AddressLine{n}") for n in range(1, 7)]
        b.address(lines, _xone(addr, "AddressPostalCode"), _xone(addr, "AddressCountry"))
    for value in _xall(el, "PhoneNumber"):
        b.prop("phone", value)
    for value in _xall(el, "EmailAddress"):
        b.prop("email", value)
    for value in _xall(el, "Website"):
        b.prop("website", value)
    for dob in _xall(el, "DOB"):
        b.birth_date(dob)
    for nat in _xall(el, "Nationality"):
        b.nationality(nat)
    for position in _xall(el, "Position"):
        b.prop("position", position)
    for gender in _xall(el, "Gender"):
        _gender(b, gender)
    for loc in el.iterfind(".//{*}BirthDetails/{*}Location"):
        b.birth_place(_xone(loc, "TownOfBirth"), _xone(loc, "CountryOfBirth"))
    for pp in el.iterfind(".//{*}Passport"):
        b.document(
            "passport",
            _xone(pp, "PassportNumber"),
            _xone(pp, "PassportAdditionalInformation"),
            "Passport",
        )
    for ni in el.iterfind(".//{*}NationalIdentifier"):
        b.document(
            "national_id",
            _xone(ni, "NationalIdentifierNumber"),
            _xone(ni, "NationalIdentifierAdditionalInformation"),
            "National identifier",
        )
    _fcdo_entity_details(
        b,
        types=_xall(el, "TypeOfEntity"),
        regnos=_xall(el, "BusinessRegistrationNumber"),
        parents=_xall(el, "ParentCompany"),
        subsidiaries=_xall(el, "Subsidiary"),
    )
    _fcdo_ship_details(
        b,
        imos=_xall(el, "IMONumber"),
        owners=_xall(el, "CurrentOwnerOperator"),
        prev_owners=_xall(el, "PreviousOwnerOperator"),
        flags=_xall(el, "CurrentBelievedFlagOfShip"),
        prev_flags=_xall(el, "PreviousFlag"),
        types=_xall(el, "TypeOfShip"),
        tonnages=_xall(el, "TonnageOfShip"),
        lengths=_xall(el, "LengthOfShip"),
        built=_xall(el, "YearBuilt"),
        hins=_xall(el, "HullIdentificationNumber"),
    )


def classify_fcdo_xml(path: Path, head: bytes) -> tuple[str, str] | None:
    name = logical_name(path)
    if fnmatch.fnmatch(name, "uk?sanctions?list*.xml"):
        return FCDO, "xml"
    if name.endswith(".xml") and b"<Designations" in head and b"<Designation>" in head:
        return FCDO, "xml"
    return None


# --------------------------------------------------------------------------- FCDO ODS

_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_T_TABLE = f"{{{_ODS_TABLE}}}table"
_T_ROW = f"{{{_ODS_TABLE}}}table-row"
_T_CELL = f"{{{_ODS_TABLE}}}table-cell"
_T_COVERED = f"{{{_ODS_TABLE}}}covered-table-cell"
_A_COLS = f"{{{_ODS_TABLE}}}number-columns-repeated"
_A_ROWS = f"{{{_ODS_TABLE}}}number-rows-repeated"
_X_P = f"{{{_ODS_TEXT}}}p"
_X_S = f"{{{_ODS_TEXT}}}s"
_X_TAB = f"{{{_ODS_TEXT}}}tab"
_X_BR = f"{{{_ODS_TEXT}}}line-break"
_A_C = f"{{{_ODS_TEXT}}}c"
_A_VTYPE = f"{{{_ODS_OFFICE}}}value-type"
_A_DATE = f"{{{_ODS_OFFICE}}}date-value"
_MAX_COLS = 256  # a data row never needs more; Excel pads rows to 16,384 empty cells
_ODS_REQUIRED = ("unique id", "name", "type")
_RE_ODF_SPACE = re.compile(r"[ \t\r\n]+")


def _ods_inline(el: etree._Element, out: list[str]) -> None:
    """Paragraph text by the ODF rules: literal whitespace collapses to one space, and
    only ``text:s``/``text:tab``/``text:line-break`` stand for real spacing."""
    if el.text:
        out.append(_RE_ODF_SPACE.sub(" ", el.text))
    for child in el:
        if child.tag == _X_S:
            out.append(" " * int(child.get(_A_C, "1")))
        elif child.tag == _X_TAB:
            out.append("\t")
        elif child.tag == _X_BR:
            out.append("\n")
        else:
            _ods_inline(child, out)
        if child.tail:
            out.append(_RE_ODF_SPACE.sub(" ", child.tail))


def _ods_cell(cell: etree._Element) -> str:
    if cell.get(_A_VTYPE) == "date":
        value = cell.get(_A_DATE)
        if value:
            return value[:10]
    paras: list[str] = []
    for p in cell:
        if p.tag == _X_P:
            out: list[str] = []
            _ods_inline(p, out)
            paras.append("".join(out))
    return "\n".join(paras).strip()


def _ods_row(row: etree._Element) -> list[str]:
    values: list[str] = []
    pending = 0  # empty cells seen; only materialised when a value follows them
    for cell in row:
        if cell.tag != _T_CELL and cell.tag != _T_COVERED:
            continue
        repeat = int(cell.get(_A_COLS, "1"))
        text = _ods_cell(cell)
        if not text:
            pending += repeat
            continue
        if len(values) + pending >= _MAX_COLS:
            break
        values.extend([""] * pending)
        pending = 0
        values.extend([text] * min(repeat, _MAX_COLS - len(values)))
    return values


def _ods_tables(content: bytes, path: Path) -> Iterator[tuple[str, list[str]]]:
    """(sheet name, cell values) for every non-empty row, repeats expanded."""
    sheet = ""
    try:
        for event, el in etree.iterparse(
            io.BytesIO(content),
            events=("start", "end"),
            tag=(_T_TABLE, _T_ROW),
            resolve_entities=False,
            no_network=True,
            huge_tree=True,
        ):
            if el.tag == _T_TABLE:
                if event == "start":
                    sheet = el.get(f"{{{_ODS_TABLE}}}name", "")
                continue
            if event != "end":
                continue
            values = _ods_row(el)
            repeat = int(el.get(_A_ROWS, "1")) if values else 0
            for _ in range(min(repeat, 100_000)):
                yield sheet, values
            el.clear()
            while el.getprevious() is not None:
                parent = el.getparent()
                if parent is None:
                    break
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"invalid content.xml ({exc.msg})", path, exc.lineno) from exc


def _ods_content(path: Path) -> bytes:
    raw = read_bytes(path)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return zf.read("content.xml")
    except KeyError as exc:
        raise ParseError("ODS file has no content.xml", path) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ParseError(f"not a readable ODS (zip) file ({exc})", path) from exc


def _ods_published(path: Path) -> str | None:
    """``FCDO_SL_Mon_Aug_11_2025.ods`` → ``2025-08-11``."""
    for m in _RE_FILE_DATE.finditer(path.name):
        iso = parse_date(f"{m[2]} {m[1]} {m[3]}")
        if iso:
            return iso
    return None


def parse_fcdo_ods(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    """Reads ``content.xml`` directly with lxml: odfpy is far too slow for 5,000 rows.

    Excel pads every row to 16,384 cells and the sheet to 1,048,576 rows with repeat
    attributes; those are never expanded.
    """
    path = files["ods"]
    content = _ods_content(path)
    ctx.published = _ods_published(path)
    groups: dict[str, _Builder] = {}
    header: dict[str, int] | None = None
    header_sheet: str | None = None
    seen_sheets: set[str] = set()
    for sheet, values in _ods_tables(content, path):
        if sheet not in seen_sheets:  # the first non-empty row of a sheet is its header
            seen_sheets.add(sheet)
            cols = {_norm_header(v): i for i, v in reversed(list(enumerate(values)))}
            if all(r in cols for r in _ODS_REQUIRED):
                header, header_sheet = cols, sheet
            continue
        if header is None or sheet != header_sheet:
            continue
        _ods_record(ctx, header, values, groups)
    if header is None:
        raise ParseError(
            f"no sheet with the columns {', '.join(_ODS_REQUIRED)} (not the FCDO list?)", path
        )
    yield from _finish_all(ctx, groups)


def _ods_record(
    ctx: ParseContext, header: dict[str, int], values: list[str], groups: dict[str, _Builder]
) -> None:
    def v(name: str) -> str:
        i = header.get(name)
        return values[i].strip() if i is not None and i < len(values) else ""

    uid = v("unique id")
    if not uid:
        ctx.warn("row without Unique ID", v("name"))
        return
    b = groups.get(uid)
    if b is None:
        schema = _schema(ctx, uid, v("type"))
        b = groups[uid] = _Builder(ctx, Entity(dataset=FCDO, source_id=uid, schema=schema))
        kind = NameKind.PRIMARY
    else:
        ctx.warn("Unique ID on several rows", uid)
        kind = NameKind.ALIAS
    if name := v("name"):
        b.plain_name(name, kind)
    _fcdo_common(
        b,
        group=v("ofsi group id"),
        unref="",
        regime=v("regime name"),
        source=v("designation source"),
        imposed=[v("sanctions imposed")] if v("sanctions imposed") else [],
        other="",
        reasons="",
        designated=v("date designated"),
        updated="",
    )


_ODS_NAME_PATTERNS = ("fcdo_sl_*.ods", "uk?sanctions?list*.ods")


def classify_fcdo_ods(path: Path, head: bytes) -> tuple[str, str] | None:
    name = logical_name(path)
    if any(fnmatch.fnmatch(name, p) for p in _ODS_NAME_PATTERNS):
        return FCDO, "ods"
    if name.endswith(".ods") and head[:2] == b"PK" and _ods_looks_like_fcdo(path):
        return FCDO, "ods"
    return None


def _ods_looks_like_fcdo(path: Path) -> bool:
    """Peek at the start of content.xml: the FCDO header row names these columns."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
            start = fh.read(64 * 1024)
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return False
    return all(s in start for s in (b"Unique ID", b"OFSI Group ID", b"Regime Name"))


# --------------------------------------------------------------------------- registration

register(
    Source(
        name="uk_fcdo_xml",
        datasets=(FCDO,),
        primary="xml",
        roles=("xml",),
        classify=classify_fcdo_xml,
        parse=parse_fcdo_xml,
        titles={FCDO: TITLES[FCDO]},
        downloads={FCDO: {"xml": FCDO_XML_URL}},
    )
)
register(
    Source(
        name="uk_fcdo_csv",
        datasets=(FCDO,),
        primary="csv",
        roles=("csv",),
        classify=classify_fcdo_csv,
        parse=parse_fcdo_csv,
        titles={FCDO: TITLES[FCDO]},
    )
)
register(
    Source(
        name="uk_fcdo_ods",
        datasets=(FCDO,),
        primary="ods",
        roles=("ods",),
        classify=classify_fcdo_ods,
        parse=parse_fcdo_ods,
        titles={FCDO: TITLES[FCDO]},
    )
)
register(
    Source(
        name="uk_hmt_csv",
        datasets=(HMT,),
        primary="conlist",
        roles=("conlist",),
        classify=classify_hmt,
        parse=parse_hmt_csv,
        titles={HMT: TITLES[HMT]},
        downloads={HMT: {"conlist": HMT_CSV_URL}},
    )
)
