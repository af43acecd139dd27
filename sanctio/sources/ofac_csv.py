"""OFAC's legacy CSV set: the SDN list and the Consolidated (non-SDN) list.

Each list is one primary file plus optional companions, all headerless, CRLF, UTF-8,
ending with a DOS end-of-file byte (0x1A), with ``-0-`` for an empty cell:

- ``sdn.csv`` / ``cons_prim.csv`` (role ``sdn``): ent_num, name, type, programs, title,
  call sign, vessel type, tonnage, GRT, flag, vessel owner, remarks;
- ``alt.csv`` / ``cons_alt.csv`` (``alt``): ent_num, alt_num, aka/fka/nka, name, remarks;
- ``add.csv`` / ``cons_add.csv`` (``add``): ent_num, add_num, street, city/state/postal,
  country, remarks;
- ``sdn_comments.csv`` / ``cons_comments.csv`` (``comments``): ent_num and the part of the
  remarks that did not fit the primary file's cell. It is appended verbatim (OFAC cuts
  mid-word) *before* the remarks are parsed, so an ID split across both files survives.

Choices worth knowing:

- Non-individual, non-vessel, non-aircraft rows become ``Organization``: OFAC does not say
  whether an entity is a company, a government body or an armed group, and
  ``Organization`` is the FtM schema that covers all of them without claiming a company.
- The remarks are the only place OFAC's CSV puts birth dates, nationalities and ID
  numbers, so they are parsed segment by segment (``;``-separated, ``alt.`` prefix
  ignored). ``remarks[0]`` is always the full original text, for the record; the segments
  we did not understand follow it, so a reviewer sees at a glance what is left unparsed.
  Unknown segments are normal (job titles, directives) and are not warned about; a
  segment we recognise but cannot read (a birth date we cannot parse, a nationality that
  is no country) is counted with :meth:`ParseContext.warn` and kept in the remarks.
- Individuals are ``SURNAME, Given names``: ``full`` keeps that display string, ``last`` the
  surname and ``first`` all given names together (OFAC does not mark middle names or
  patronymics, so splitting them further would be a guess). A suffix after a second comma
  (``, Jr.``) stays only in ``full``.
- ``Linked To:`` targets are resolved, after all rows are read, to the entity of the same
  file whose primary name equals the target (case-insensitive, trailing dots ignored);
  ambiguous or absent targets keep ``target_id=None``.
- Companion rows whose ent_num has no primary row are counted, never fatal: OFAC's files
  are fetched separately and vintages can differ by a day (or, in test data, by years).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sanctio.model import Address, Entity, Identifier, Name, NameKind, Relation
from sanctio.sources.base import (
    ParseContext,
    ParseError,
    Source,
    logical_name,
    parse_date,
    read_text,
    register,
    to_country,
)

__all__ = ["SOURCE", "classify", "parse"]

SDN = "us_ofac_sdn"
CONS = "us_ofac_cons"

_FILES: dict[str, tuple[str, str]] = {
    "sdn.csv": (SDN, "sdn"),
    "alt.csv": (SDN, "alt"),
    "add.csv": (SDN, "add"),
    "sdn_comments.csv": (SDN, "comments"),
    "cons_prim.csv": (CONS, "sdn"),
    "cons_alt.csv": (CONS, "alt"),
    "cons_add.csv": (CONS, "add"),
    "cons_comments.csv": (CONS, "comments"),
}

_BASE_URL = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
_DOWNLOADS: dict[str, dict[str, str]] = {
    SDN: {
        "sdn": _BASE_URL + "SDN.CSV",
        "alt": _BASE_URL + "ALT.CSV",
        "add": _BASE_URL + "ADD.CSV",
        "comments": _BASE_URL + "SDN_COMMENTS.CSV",
    },
    CONS: {
        "sdn": _BASE_URL + "CONS_PRIM.CSV",
        "alt": _BASE_URL + "CONS_ALT.CSV",
        "add": _BASE_URL + "CONS_ADD.CSV",
        "comments": _BASE_URL + "CONS_COMMENTS.CSV",
    },
}
_DETAILS_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={}"

_WIDTHS = {"sdn": 12, "alt": 5, "add": 6, "comments": 2}
_SCHEMATA = {
    None: "Organization",
    "individual": "Person",
    "vessel": "Vessel",
    "aircraft": "Airplane",
}
_ALT_KINDS = {"aka": NameKind.ALIAS, "fka": NameKind.FORMER, "nka": NameKind.ALIAS}
# Values OFAC writes where a country would go when there is none to give.
_NO_COUNTRY = frozenset({"none identified", "undetermined", "unknown"})


def classify(path: Path, head: bytes) -> tuple[str, str] | None:
    """Recognise the eight OFAC legacy CSV names by name alone.

    The names are OFAC's own, so a file called ``SDN.CSV`` that is not in OFAC's shape
    (a header row, UTF-16, garbage) is a broken SDN file: the parser, not the classifier,
    must report it, and the update must be refused rather than silently skipped.
    """
    return _FILES.get(logical_name(path))


# --- reading -------------------------------------------------------------------------


def _rows(path: Path, role: str) -> Iterator[list[str]]:
    """Rows of one headerless file; a wrong shape is fatal, naming file and line.

    The column count is the only schema check a headerless CSV allows, so a row with the
    wrong count means the file is not what we think it is (or was cut), and nothing in it
    can be trusted.
    """
    text = read_text(path).rstrip("\x1a\r\n")
    width = _WIDTHS[role]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip("\x1a \t")):
                continue
            if len(row) != width:
                raise ParseError(
                    f"expected {width} columns in OFAC {role} file, found {len(row)}",
                    path,
                    reader.line_num,
                )
            if not row[0].strip().isdigit():
                raise ParseError(
                    f"ent_num {row[0].strip()[:40]!r} is not a number (a header row?)",
                    path,
                    reader.line_num,
                )
            yield row
    except csv.Error as exc:
        raise ParseError(f"malformed CSV ({exc})", path, reader.line_num) from exc


def _val(cell: str) -> str | None:
    value = cell.strip()
    if not value or value == "-0-":
        return None
    return value


def _append(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _split_person(full: str, kind: NameKind) -> Name:
    """``SURNAME, Given names[, Suffix]`` → parts; anything else stays whole."""
    surname, sep, rest = full.partition(",")
    if not sep:
        return Name(full=full, kind=kind)
    given = rest.split(",", 1)[0].strip()
    return Name(full=full, kind=kind, last=surname.strip() or None, first=given or None)


def _make_name(entity: Entity, full: str, kind: NameKind) -> Name:
    if entity.schema == "Person":
        return _split_person(full, kind)
    return Name(full=full, kind=kind)


# --- remarks -------------------------------------------------------------------------


@dataclass(slots=True)
class _Remarks:
    """Per-entity state while its remarks are read."""

    ctx: ParseContext
    entity: Entity
    unparsed: list[str] = field(default_factory=list)

    def warn(self, kind: str, segment: str) -> None:
        self.ctx.warn(kind, f"{self.entity.source_id}: {segment}")

    def country(self, value: str, segment: str) -> str | None:
        if value.lower() in _NO_COUNTRY:
            return None
        code = to_country(value)
        if code is None:
            self.warn("unknown country", segment)
        return code


Handler = Callable[[_Remarks, str, str, str], bool]
"""(state, label, value, segment) → True when the segment was understood."""


def _h_dob(st: _Remarks, label: str, value: str, seg: str) -> bool:
    dates = _parse_dates(value)
    if not dates:
        st.warn("unparsed date of birth", seg)
        return False
    for d in dates:
        _append(st.entity.birth_dates, d)
    return True


_RE_YEAR_RANGE = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")


def _parse_dates(value: str) -> list[str]:
    """``01 Jan 1954``, ``Jan 1954``, ``1954``, ``circa 1954``, ``1954 to 1956`` and mixes.

    A range of whole years (``1954 to 1956``, ``01 Jan 1960 to 31 Dec 1962``) becomes each
    year, because matching compares years; any other range keeps its two ends.
    """
    text = value.strip()
    if text.lower().startswith("circa "):
        text = text[6:].strip()
    if " to " in text:
        start_text, _, end_text = text.partition(" to ")
    elif m := _RE_YEAR_RANGE.match(text):
        start_text, end_text = m[1], m[2]
    else:
        single = parse_date(text)
        return [single] if single else []
    start, end = parse_date(start_text), parse_date(end_text)
    if start is None or end is None:
        return []
    whole_years = (len(start) == 4 and len(end) == 4) or (
        start.endswith("-01-01") and end.endswith("-12-31")
    )
    first, last = int(start[:4]), int(end[:4])
    if whole_years and 0 <= last - first <= 30:
        return [str(year) for year in range(first, last + 1)]
    return [start, end]


def _h_pob(st: _Remarks, label: str, value: str, seg: str) -> bool:
    _append(st.entity.birth_places, value)
    return True


def _country_into(field: str) -> Handler:
    """A handler putting the country a remark names into ``entity.<field>``."""

    def handler(st: _Remarks, label: str, value: str, seg: str) -> bool:
        code = st.country(value, seg)
        if code:
            _append(getattr(st.entity, field), code)
        return code is not None

    return handler


_h_nationality = _country_into("nationalities")
_h_citizen = _country_into("citizenships")
_h_registration_country = _country_into("countries")


def _h_gender(st: _Remarks, label: str, value: str, seg: str) -> bool:
    gender = value.lower()
    if gender not in ("male", "female"):
        st.warn("unknown gender", seg)
        return False
    st.entity.gender = gender
    return True


def _h_linked(st: _Remarks, label: str, value: str, seg: str) -> bool:
    target = value.rstrip(".").strip()
    if not target:
        return False
    st.entity.relations.append(Relation(kind="linked_to", target_name=target))
    return True


def _h_name(kind: NameKind) -> Handler:
    def handler(st: _Remarks, label: str, value: str, seg: str) -> bool:
        text = value.strip()
        if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
            text = text[1:-1]
        text = text.strip()
        if not text:
            return False
        st.entity.add_name(_make_name(st.entity, text, kind))
        return True

    return handler


def _h_prop(prop: str) -> Handler:
    def handler(st: _Remarks, label: str, value: str, seg: str) -> bool:
        st.entity.add_property(prop, value)
        return True

    return handler


def _h_note(st: _Remarks, label: str, value: str, seg: str) -> bool:
    """Sanctions notes whose label is part of their meaning: keep the whole segment."""
    st.entity.add_property("notes", seg)
    return True


def _h_date_prop(prop: str) -> Handler:
    def handler(st: _Remarks, label: str, value: str, seg: str) -> bool:
        dates = _parse_dates(value)
        if not dates:
            st.warn("unparsed date", seg)
            return False
        for iso in dates:
            st.entity.add_property(prop, iso)
        return True

    return handler


def _h_country_prop(prop: str, also_countries: bool) -> Handler:
    def handler(st: _Remarks, label: str, value: str, seg: str) -> bool:
        code = st.country(value, seg)
        if code is None:
            return value.lower() in _NO_COUNTRY
        st.entity.add_property(prop, code)
        if also_countries:
            _append(st.entity.countries, code)
        return True

    return handler


# value, then "(Country)" groups, then "issued …"/"expires …"
_RE_ID = re.compile(
    r"^(?P<num>.+?)(?P<paren>(?:\s*\([^()]*\))*)(?P<tail>(?:\s+(?:issued|expires)\b.*)?)$",
    re.S | re.I,
)
_RE_PAREN = re.compile(r"\(([^()]*)\)")
_RE_DIGIT = re.compile(r"\d")
# Identifier types whose numbers may legitimately have no digit (BIC "SABRRUMM").
_LETTERS_ONLY = frozenset({"swift_bic", "aircraft_tail", "other"})
# Identifier types that also have a dedicated FtM property on the entity.
_ID_PROPS = {
    "imo": "imoNumber",
    "mmsi": "mmsi",
    "swift_bic": "swiftBic",
    "lei": "leiCode",
    "aircraft_serial": "serialNumber",
}


def _h_id(id_type: str) -> Handler:
    def handler(st: _Remarks, label: str, value: str, seg: str) -> bool:
        m = _RE_ID.match(value)
        if m is None:
            return False
        number = m["num"].strip().rstrip(",").strip()
        # "Passport issued in Sarajevo": a note about a document, not a number.
        if not number or (id_type not in _LETTERS_ONLY and not _RE_DIGIT.search(number)):
            return False
        country: str | None = None
        notes: list[str] = []
        parens = _RE_PAREN.findall(m["paren"])
        for text in reversed(parens):
            code = to_country(text) if country is None else None
            if code is not None:
                country = code
            else:
                notes.insert(0, text.strip())
        if m["tail"].strip():
            notes.append(m["tail"].strip())
        st.entity.identifiers.append(
            Identifier(
                type=id_type,
                number=number,
                country=country,
                label=label,
                note="; ".join(notes) or None,
            )
        )
        prop = _ID_PROPS.get(id_type)
        if prop == "imoNumber":
            st.entity.add_property(prop, "IMO" + number.replace(" ", ""))
        elif prop:
            st.entity.add_property(prop, number)
        if id_type == "aircraft_tail" and not label.lower().startswith("previous"):
            st.entity.add_property("registrationNumber", number)
        return True

    return handler


# Labels as OFAC writes them. Matching is case-insensitive and longest label first.
_ID_LABELS: dict[str, tuple[str, ...]] = {
    "passport": (
        "Passport",
        "Passport No.",
        "Passport Booklet",
        "Diplomatic Passport",
        "British National Overseas Passport",
        "Stateless Person Passport",
    ),
    "national_id": (
        "National ID No.",
        "Cedula No.",
        "D.N.I.",
        "Identification Number",
        "Personal ID Card",
        "National Foreign ID Number",
        "Turkish Identification Number",
        "Numero de Identidad",
        "Kenyan ID No.",
        "Citizen's Card Number",
        "Bosnian Personal ID No.",
        "Moroccan Personal ID No.",
        "Tazkira National ID Card",
        "C.U.R.P.",
        "C.U.R.P. #",
        "CURP #",
        "Credencial electoral",
        "I.F.E.",
        "C.U.I.",
        "CNP (Personal Numerical Code)",
        "N.I.E.",
        "UAE Identification",
        "Stateless Person ID Card",
        "Refugee ID Card",
    ),
    "tax_id": (
        "Tax ID No.",
        "NIT #",
        "RFC",
        "R.F.C.",
        "R.F.C. #",
        "RUC #",
        "V.A.T. Number",
        "US FEIN",
        "Italian Fiscal Code",
        "Fiscal Code",
        "RIF #",
        "C.U.I.T.",
        "RTN",
        "Paraguayan tax identification number",
        "Numero Unico de Identificacao Tributaria (NUIT)",
        "N.I.F.",
        "C.I.F.",
        "Romanian Tax Registration",
    ),
    "registration": (
        "Registration Number",
        "Registration ID",
        "Business Registration Number",
        "Business Registration Document #",
        "Commercial Registry Number",
        "C.R. No.",
        "Romanian C.R.",
        "Company Number",
        "UK Company Number",
        "Company ID: No.",
        "Folio Mercantil No.",
        "Matricula Mercantil No",
        "Trade License No.",
        "Chamber of Commerce Number",
        "Public Registration Number",
        "Government Gazette Number",
        "Unified Social Credit Code (USCC)",
        "United Social Credit Code Certificate (USCCC)",
        "Economic Register Number (CBLS)",
        "Central Registration System Number",
        "Istanbul Chamber of Comm. No.",
        "Dubai Chamber of Commerce Membership No.",
        "Enterprise Number",
        "Branch Unit Number",
        "Business Number",
        "Certificate of Incorporation Number",
        "Registered Charity No.",
        "D-U-N-S Number",
        "Organization Code",
        "LE Number",
        "Registration Certificate Number (Dubai)",
        "MSB Registration Number",
        "C.I.N.",
        "Vessel Registration Identification",
    ),
    "ssn": ("SSN",),
    "driving_licence": ("Driver's License No.",),
    "lei": ("Legal Entity Number",),
    "swift_bic": ("SWIFT/BIC",),
    "imo": (
        "Vessel Registration Identification IMO",
        "Identification Number IMO",
        "Company Number IMO",
        "International Maritime Organization No.",
    ),
    "mmsi": ("MMSI",),
    "aircraft_serial": (
        "Aircraft Manufacturer's Serial Number (MSN)",
        "Aircraft Serial Identification",
        "Aircraft Construction Number (also called L/N or S/N or F/N)",
    ),
    "aircraft_tail": ("Aircraft Tail Number", "Previous Aircraft Tail Number"),
    "other": (
        "ISIN",
        "Equity Ticker",
        "BIK (RU)",
        "Birth Certificate Number",
        "Residency Number",
        "Electoral Registry No.",
        "Travel Document Number",
        "Military Registration Number",
        "Pilot License Number",
        "Seafarer's Identification Document",
        "Cartilla de Servicio Militar Nacional",
        "SRE Permit No.",
        "Permit Number",
        "VisaNumberID",
        "C.U.I.P.",
        "Immigration No.",
        "Public Security and Immigration No.",
        "Chinese Commercial Code",
        "Afghan Money Service Provider License Number",
        "Aircraft Mode S Transponder Code",
        "License",
        "Digital Currency Address - XBT",
        "Digital Currency Address - ETH",
        "Digital Currency Address - USDT",
        "Digital Currency Address - USDC",
        "Digital Currency Address - LTC",
        "Digital Currency Address - TRX",
        "Digital Currency Address - XMR",
        "Digital Currency Address - DASH",
        "Digital Currency Address - ZEC",
        "Digital Currency Address - BCH",
        "Digital Currency Address - BSV",
        "Digital Currency Address - BTG",
        "Digital Currency Address - ETC",
        "Digital Currency Address - XVG",
        "Digital Currency Address - ARB",
        "Digital Currency Address - BSC",
        "Digital Currency Address - SOL",
        "Digital Currency Address - XRP",
    ),
}

_OTHER_LABELS: dict[str, Handler] = {
    "DOB": _h_dob,
    "POB": _h_pob,
    "nationality": _h_nationality,
    "citizen": _h_citizen,
    "Nationality of Registration": _h_registration_country,
    "Gender": _h_gender,
    "Linked To:": _h_linked,
    "a.k.a.": _h_name(NameKind.ALIAS),
    "n.k.a.": _h_name(NameKind.ALIAS),
    "d.b.a.": _h_name(NameKind.ALIAS),
    "f.k.a.": _h_name(NameKind.FORMER),
    "Email Address": _h_prop("email"),
    "Email": _h_prop("email"),
    "Website": _h_prop("website"),
    "Phone Number": _h_prop("phone"),
    "Phone": _h_prop("phone"),
    "Telephone": _h_prop("phone"),
    "Telephone No.": _h_prop("phone"),
    "Telephone Number": _h_prop("phone"),
    "Organization Established Date": _h_date_prop("incorporationDate"),
    "Organization Type:": _h_prop("sector"),
    "Target Type": _h_prop("classification"),
    "Vessel Year of Build": _h_prop("buildDate"),
    "Other Vessel Call Sign": _h_prop("callSign"),
    "Other Vessel Type": _h_prop("type"),
    "Other Vessel Flag": _h_country_prop("flag", also_countries=True),
    "Former Vessel Flag": _h_country_prop("pastFlags", also_countries=False),
    "Aircraft Model": _h_prop("model"),
    "Aircraft Operator": _h_prop("operator"),
    "Aircraft Manufacture Date": _h_date_prop("buildDate"),
    "Additional Sanctions Information -": _h_note,
    "Secondary sanctions risk:": _h_note,
    "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions:": (
        _h_note
    ),
    "CAATSA Section": _h_note,
    "Executive Order": _h_note,
    "IFCA Determination -": _h_note,
}


def _build_labels() -> dict[str, list[tuple[str, str, Handler]]]:
    """First word (lower case) → [(label lower, label, handler)], longest label first."""
    handlers: dict[str, Handler] = dict(_OTHER_LABELS)
    for id_type, labels in _ID_LABELS.items():
        for label in labels:
            handlers[label] = _h_id(id_type)
    index: dict[str, list[tuple[str, str, Handler]]] = {}
    for label, handler in handlers.items():
        first = label.lower().split(" ", 1)[0].rstrip(":")
        index.setdefault(first, []).append((label.lower(), label, handler))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


_LABELS = _build_labels()


def _apply_remarks(ctx: ParseContext, entity: Entity, remarks: str) -> None:
    text = remarks.strip()
    entity.remarks.append(text)
    st = _Remarks(ctx, entity)
    body_text = text[:-1] if text.endswith(".") else text
    for raw in body_text.split(";"):
        seg = raw.strip()
        if not seg:
            continue
        body = seg[5:].strip() if seg[:5].lower() == "alt. " else seg
        if not _apply_segment(st, body, seg):
            _append(st.unparsed, seg)
    entity.remarks.extend(st.unparsed)


def _apply_segment(st: _Remarks, body: str, seg: str) -> bool:
    lower = body.lower()
    first = lower.split(" ", 1)[0].rstrip(":")
    for label_lower, label, handler in _LABELS.get(first, ()):
        if not lower.startswith(label_lower):
            continue
        after = body[len(label_lower) :]
        if after and after[0] not in " :#":
            continue
        value = after.lstrip(" :").strip()
        if not value:
            return False
        return handler(st, label, value, seg)
    return False


# --- companions ----------------------------------------------------------------------


def _split_city(value: str) -> tuple[str | None, str | None, str | None]:
    """OFAC's one ``city/state/postal`` cell → (city, region, postal code), best effort.

    Postal codes are the leading or trailing words that contain a digit (``Zurich
    CH-8022``, ``10115 Berlin``, ``London EC3N 1DY``); of the rest, the first
    comma-separated part is the city and the others the region (``Culiacan, Sinaloa``).
    """
    words = value.split()
    end = len(words)
    while end > 0 and _RE_DIGIT.search(words[end - 1]):
        end -= 1
    start = 0
    if end == len(words):
        while start < end and _RE_DIGIT.search(words[start]):
            start += 1
    postal_words = words[:start] + words[end:]
    place = " ".join(words[start:end]).strip(" ,")
    postal = " ".join(postal_words).strip(" ,") or None
    if not place:
        return None, None, postal
    city, _, region = place.partition(",")
    return city.strip() or None, region.strip(" ,") or None, postal


def _address(st: _Remarks, row: list[str]) -> Address | None:
    street, city_cell, country_cell = _val(row[2]), _val(row[3]), _val(row[4])
    parts = [p for p in (street, city_cell, country_cell) if p]
    if not parts:
        return None
    city = region = postal = country = None
    if city_cell:
        city, region, postal = _split_city(city_cell)
    if country_cell:
        if country_cell.lower().startswith("region:"):
            named = country_cell.split(":", 1)[1].strip()
            region = region or named
            # "Region: Crimea" → the region, and the country it belongs to (ua).
            country = to_country(named)
        else:
            country = st.country(country_cell, f"address country {country_cell}")
    return Address(
        full=", ".join(parts),
        street=street,
        city=city,
        postal_code=postal,
        region=region,
        country=country,
    )


# --- parse ---------------------------------------------------------------------------


def _primary(ctx: ParseContext, row: list[str]) -> tuple[Entity, str]:
    ent_num = row[0].strip()
    sdn_type = _val(row[2])
    key = sdn_type.lower() if sdn_type else None
    schema = _SCHEMATA.get(key)
    if schema is None:
        ctx.warn("unknown SDN_Type", f"{ent_num}: {sdn_type}")
        schema = "LegalEntity"
    entity = Entity(
        dataset=ctx.dataset,
        source_id=ent_num,
        schema=schema,
        source_url=_DETAILS_URL.format(ent_num),
    )
    full = _val(row[1])
    if full is None:
        ctx.warn("entry without name", ent_num)
    else:
        name = _make_name(entity, full, NameKind.PRIMARY)
        title = _val(row[4])
        if title:
            name.title = title
            entity.add_property("position", title)
        entity.add_name(name)
    programs = _val(row[3])
    if programs:
        for program in programs.strip("[] ").split("] ["):
            if program.strip():
                _append(entity.programs, program.strip())
    entity.add_property("callSign", _val(row[5]))
    entity.add_property("type", _val(row[6]))
    entity.add_property("tonnage", _val(row[7]))
    entity.add_property("grossRegisteredTonnage", _val(row[8]))
    flag = _val(row[9])
    if flag and flag.lower() not in _NO_COUNTRY:
        code = to_country(flag)
        if code is None:
            ctx.warn("unknown country", f"{ent_num}: flag {flag}")
        else:
            entity.add_property("flag", code)
            _append(entity.countries, code)
    entity.add_property("owner", _val(row[10]))
    remarks = row[11] if _val(row[11]) else ""
    return entity, remarks


def _name_key(name: str) -> str:
    return " ".join(name.rstrip(".").split()).casefold()


def parse(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    """Read the whole set (companions join by ent_num), then yield in primary-file order."""
    if "sdn" not in files:
        raise ParseError("the OFAC CSV set needs its primary file (sdn.csv / cons_prim.csv)")
    entities: dict[str, Entity] = {}
    remarks: dict[str, str] = {}
    for row in _rows(files["sdn"], "sdn"):
        entity, text = _primary(ctx, row)
        if entity.source_id in entities:
            ctx.warn("duplicate ent_num", entity.source_id)
            continue
        entities[entity.source_id] = entity
        remarks[entity.source_id] = text

    if "comments" in files:
        for row in _rows(files["comments"], "comments"):
            ent_num = row[0].strip()
            if ent_num not in remarks:
                ctx.warn("comment without primary row", f"ent_num {ent_num}")
                continue
            remarks[ent_num] += row[1]

    for ent_num, entity in entities.items():
        if remarks[ent_num].strip():
            _apply_remarks(ctx, entity, remarks[ent_num])

    if "alt" in files:
        _read_aliases(ctx, files["alt"], entities)
    if "add" in files:
        _read_addresses(ctx, files["add"], entities)
    _resolve_links(entities)
    yield from entities.values()


def _read_aliases(ctx: ParseContext, path: Path, entities: Mapping[str, Entity]) -> None:
    for row in _rows(path, "alt"):
        ent_num = row[0].strip()
        entity = entities.get(ent_num)
        if entity is None:
            ctx.warn("alias without primary row", f"ent_num {ent_num}, alt_num {row[1].strip()}")
            continue
        full = _val(row[3])
        if full is None:
            ctx.warn("alias without name", ent_num)
            continue
        alt_type = (_val(row[2]) or "aka").lower()
        kind = _ALT_KINDS.get(alt_type)
        if kind is None:
            ctx.warn("unknown alias type", f"{ent_num}: {alt_type}")
            kind = NameKind.ALIAS
        entity.add_name(_make_name(entity, full, kind))
        note = _val(row[4])
        if note:
            entity.remarks.append(f"{full}: {note}")


def _read_addresses(ctx: ParseContext, path: Path, entities: Mapping[str, Entity]) -> None:
    for row in _rows(path, "add"):
        ent_num = row[0].strip()
        entity = entities.get(ent_num)
        if entity is None:
            ctx.warn("address without primary row", f"ent_num {ent_num}, add_num {row[1].strip()}")
            continue
        address = _address(_Remarks(ctx, entity), row)
        if address is None:
            continue
        if address not in entity.addresses:
            entity.addresses.append(address)
        if address.country:
            _append(entity.countries, address.country)
        note = _val(row[5])
        if note:
            entity.remarks.append(f"{address.full}: {note}")


def _resolve_links(entities: Mapping[str, Entity]) -> None:
    """Point ``Linked To:`` relations at the one entity of this file bearing that name."""
    by_name: dict[str, str | None] = {}
    for entity in entities.values():
        for name in entity.names:
            if name.kind != NameKind.PRIMARY:
                continue
            key = _name_key(name.full)
            # Two entries with the same primary name: the link is ambiguous, leave it open.
            by_name[key] = None if key in by_name else entity.id
    for entity in entities.values():
        for relation in entity.relations:
            relation.target_id = by_name.get(_name_key(relation.target_name))


SOURCE = register(
    Source(
        name="ofac_csv",
        datasets=(SDN, CONS),
        primary="sdn",
        roles=("sdn", "alt", "add", "comments"),
        classify=classify,
        parse=parse,
        titles={
            SDN: "OFAC Specially Designated Nationals (SDN) List",
            CONS: "OFAC Consolidated (non-SDN) List",
        },
        downloads=_DOWNLOADS,
    )
)
