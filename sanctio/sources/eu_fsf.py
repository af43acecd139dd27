"""EU Financial Sanctions Files (FSF): the Commission's consolidated list as XML.

Two layouts are read:

* **v1.1** (``xmlFullSanctionsList_1_1``, the current one): root ``export`` in namespace
  ``http://eu.europa.ec/fpi/fsd/export`` with ``generationDate``; one ``sanctionEntity`` per
  listing, everything in attributes (``nameAlias``, ``birthdate``, ``citizenship``,
  ``identification``, ``address``, ``regulation``, ``remark``).
* **v1.0** (the pre-2018 layout still found in archives): root ``WHOLE Date="dd/mm/yyyy"``,
  ``ENTITY`` elements with child-element ``NAME``/``BIRTH``/``PASSPORT``/``CITIZEN``/
  ``ADDRESS`` records and ISO alpha-3 country codes.

Choices, and why:

* Schema: ``person`` / ``P`` → ``Person``; ``enterprise`` / ``E`` → ``Organization`` (the EU
  lists groups, parties and firms alike under "enterprise", so ``Company`` would overclaim).
* Names: the EU marks each alias ``strong`` or not and gives its language, but never says
  which one is *the* name. The primary is the first strong alias in Latin script without a
  ``nameLanguage`` (the EU's own English-form entry) — in practice the first strong alias;
  when an entry starts with, say, the Swedish transliteration, the language-less one still
  wins. Other strong aliases are ``ALIAS``; ``strong="false"`` ones are ``WEAK_ALIAS``
  (weak wins over script, so a weak nickname never screens at full weight); names whose
  *letters* are not Latin are ``ORIGINAL_SCRIPT`` whatever ``nameLanguage`` says (the EU
  leaves it empty for many Arabic and Cyrillic names). Identical spellings are kept once.
* Birth dates stay as precise as the file states them; ``circa="true"`` reduces a date to
  its year (an approximate day is not a day), a ``yearRangeFrom``/``yearRangeTo`` range
  gives every year in it (ends only for ranges over ten years).
* Citizenship → ``nationalities`` for persons (the EU's citizenship is what other lists call
  nationality), ``countries`` for enterprises; address countries → ``countries``.
  ``countryIso2Code="00"`` means UNKNOWN and is dropped silently.
* ``regulation/@programme`` → programs; the earliest of ``designationDate`` and the
  regulations' ``publicationDate`` → ``listed_on``; that regulation's URL → ``source_url``.
* The EU reference number (``EU.27.28``) and the UN id go to the FtM ``Sanction`` properties
  ``authorityId`` and ``unscId`` in ``properties``: they identify the listing, not the person,
  so they must never be matched like passport numbers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from lxml import etree

from sanctio.model import Address, Entity, Identifier, Name, NameKind
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

__all__ = ["DATASET", "classify", "parse"]

DATASET = "eu_fsf"
NS = "http://eu.europa.ec/fpi/fsd/export"
URL = (
    "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/"
    "content?token=dG9rZW4tMjAxNw"
)
_ENTITY_TAGS = (f"{{{NS}}}sanctionEntity", "sanctionEntity", "ENTITY")

_SCHEMA = {
    "person": "Person",
    "p": "Person",
    "enterprise": "Organization",
    "e": "Organization",
}
_GENDER = {"m": "male", "f": "female"}

# EU identificationTypeCode (v1.1) and the code prefix of v1.0 PASSPORT/NUMBER texts.
_ID_TYPES = {
    "passport": "passport",
    "id": "national_id",
    "nationalid": "national_id",
    "ssn": "ssn",
    "fiscalcode": "tax_id",
    "tax": "tax_id",
    "tin": "tax_id",
    "regnumber": "registration",
    "registration": "registration",
    "imo": "imo",
    "swiftbic": "swift_bic",
    "bic": "swift_bic",
    "lei": "lei",
    "drivinglicence": "driving_licence",
    "drivinglicense": "driving_licence",
}
_ID_FLAGS = (
    ("knownFalse", "known false"),
    ("knownExpired", "known expired"),
    ("reportedLost", "reported lost"),
    ("revokedByIssuer", "revoked by issuer"),
    ("diplomatic", "diplomatic"),
)

_RE_PAREN = re.compile(r"\([^()]*\)")
_RE_APPROX = re.compile(r"\b(approx\w*|circa|ca\.?|about)\b", re.I)
# v1.0 PASSPORT/NUMBER: "AD001095 (passport-National passport) ((passport))"
_RE_V10_ID = re.compile(
    r"^(?P<number>[^()]*?)\s*\((?P<code>\w+)-(?P<label>[^()]*)\)\s*(?P<rest>.*)$"
)


def classify(path: Path, head: bytes) -> tuple[str, str] | None:
    """Claim the file by its XML structure; the EU namespace alone is unambiguous."""
    if b"fpi/fsd/export" in head:
        return DATASET, "xml"
    if not logical_name(path).endswith(".xml"):
        return None
    if b"<export" in head and b"sanctionEntity" in head:
        return DATASET, "xml"
    if b"<WHOLE" in head and b"<ENTITY" in head:
        return DATASET, "xml"
    return None


def parse(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    path = files["xml"]
    raw = read_bytes(path)
    events = etree.iterparse(
        io.BytesIO(raw),
        events=("end",),
        tag=_ENTITY_TAGS,
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
        remove_comments=True,
    )
    version: str | None = None
    seen: set[str] = set()
    count = 0
    try:
        for _event, el in events:
            parent = el.getparent()
            if version is None:
                version = _start(ctx, path, el.getroottree().getroot())
            if parent is None or _local(parent.tag) not in ("export", "WHOLE"):
                # An ENTITY nested deeper (the UN list has ENTITIES/ENTITY) is not ours.
                raise ParseError(
                    f"not an EU FSF file: <{_local(el.tag)}> outside <export>/<WHOLE>",
                    path,
                    el.sourceline,
                )
            entity = _entity_v11(ctx, el) if version == "1.1" else _entity_v10(ctx, el)
            # Free the parsed entity and its predecessors: the full file is ~25 MB.
            el.clear()
            while el.getprevious() is not None:
                del parent[0]
            if entity is None:
                continue
            if entity.source_id in seen:
                ctx.warn("duplicate entity id (later one skipped)", entity.source_id)
                continue
            seen.add(entity.source_id)
            count += 1
            yield entity
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"invalid XML: {exc.msg}", path, exc.lineno) from exc
    if version is None:
        root = events.root
        name = _local(root.tag) if root is not None else "?"
        if name in ("export", "WHOLE"):
            raise ParseError(f"EU FSF file without any entity (root <{name}>)", path)
        raise ParseError(f"not an EU FSF file (root element <{name}>)", path)
    if count == 0:
        raise ParseError("EU FSF file without any usable entity", path)


def _start(ctx: ParseContext, path: Path, root: etree._Element | None) -> str:
    """Identify the layout from the root and take the publication date it states."""
    name = _local(root.tag) if root is not None else "?"
    if root is not None and name == "export":
        ctx.published = parse_date(root.get("generationDate"))
        return "1.1"
    if root is not None and name == "WHOLE":
        ctx.published = parse_date(root.get("Date"))
        return "1.0"
    raise ParseError(f"not an EU FSF file (root element <{name}>)", path)


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _clean(value: str | None) -> str:
    return " ".join(value.split()) if value else ""


def _country(ctx: ParseContext, code: str | None, description: str | None = None) -> str | None:
    """ISO2 (v1.1) / ISO3 (v1.0) code, else the description; ``00`` is the EU's UNKNOWN."""
    code = (code or "").strip()
    if code and code != "00":
        found = to_country(code)
        if found:
            return found
    desc = (description or "").strip()
    if desc and desc.upper() != "UNKNOWN":
        found = to_country(desc)
        if found:
            return found
    if (code and code != "00") or (desc and desc.upper() != "UNKNOWN"):
        ctx.warn("unknown country", code or desc)
    return None


def _add_unique(values: list[str], value: str | None) -> None:
    if value and value not in values:
        values.append(value)


def _schema(ctx: ParseContext, code: str, sid: str) -> str:
    schema = _SCHEMA.get(code.strip().lower())
    if schema is None:
        ctx.warn("unknown subject type (kept as LegalEntity)", f"{sid}: {code!r}")
        return "LegalEntity"
    return schema


def _circa_year(value: str) -> str:
    return value[:4]


def _year_range(start: str | None, end: str | None) -> list[str]:
    try:
        lo, hi = int(start or ""), int(end or "")
    except ValueError:
        return []
    if not 1000 <= lo <= hi <= 2200:
        return []
    if hi - lo > 10:
        return [str(lo), str(hi)]
    return [str(y) for y in range(lo, hi + 1)]


# --- v1.1 ------------------------------------------------------------------------------


def _entity_v11(ctx: ParseContext, el: etree._Element) -> Entity | None:
    sid = (el.get("logicalId") or "").strip()
    if not sid:
        ctx.warn("sanctionEntity without logicalId (skipped)", el.get("euReferenceNumber"))
        return None
    groups: dict[str, list[etree._Element]] = {}
    for child in el:
        groups.setdefault(_local(child.tag), []).append(child)

    subject = groups.get("subjectType", [])
    code = ""
    if subject:
        code = subject[0].get("code") or subject[0].get("classificationCode") or ""
    if not code:
        ctx.warn("sanctionEntity without subjectType (kept as LegalEntity)", sid)
        schema = "LegalEntity"
    else:
        schema = _schema(ctx, code, sid)
    entity = Entity(dataset=DATASET, source_id=sid, schema=schema)

    _names_v11(ctx, entity, groups.get("nameAlias", []))
    if not entity.names:
        ctx.warn("entity without any name (skipped)", sid)
        return None
    person = schema == "Person"
    for item in groups.get("birthdate", []):
        _birth_v11(ctx, entity, item, person)
    for item in groups.get("citizenship", []):
        found = _country(ctx, item.get("countryIso2Code"), item.get("countryDescription"))
        _add_unique(entity.nationalities if person else entity.countries, found)
    for item in groups.get("identification", []):
        _identification_v11(ctx, entity, item)
    for item in groups.get("address", []):
        _address_v11(ctx, entity, item)
    _regulations_v11(ctx, entity, groups.get("regulation", []), el.get("designationDate"))
    for item in groups.get("remark", []):
        _add_unique(entity.remarks, _clean(item.text))
    _add_unique(entity.remarks, _clean(el.get("designationDetails")))
    entity.add_property("authorityId", el.get("euReferenceNumber"))
    entity.add_property("unscId", el.get("unitedNationId"))
    return entity


def _names_v11(ctx: ParseContext, entity: Entity, aliases: list[etree._Element]) -> None:
    built: list[tuple[Name, bool]] = []
    for alias in aliases:
        parts = [_clean(alias.get(k)) for k in ("firstName", "middleName", "lastName")]
        full = _clean(alias.get("wholeName")) or " ".join(p for p in parts if p)
        if not full:
            ctx.warn("nameAlias without a name", alias.get("logicalId"))
            continue
        lang = _clean(alias.get("nameLanguage")).lower() or None
        name = Name(
            full=full,
            kind=NameKind.ALIAS,
            first=parts[0] or None,
            middle=parts[1] or None,
            last=parts[2] or None,
            title=_clean(alias.get("title")) or None,
            lang=lang,
        )
        strong = (alias.get("strong") or "true").strip().lower() != "false"
        built.append((name, strong))
        if entity.schema == "Person":
            gender = _GENDER.get(_clean(alias.get("gender")).lower())
            if gender and entity.gender is None:
                entity.gender = gender
            entity.add_property("position", _clean(alias.get("function")))
    if not built:
        return
    primary = _pick_primary(built)
    seen: set[str] = set()
    for index in [primary] + [i for i in range(len(built)) if i != primary]:
        name, strong = built[index]
        key = name.full.casefold()
        if key in seen:
            continue
        seen.add(key)
        if index == primary:
            name.kind = NameKind.PRIMARY
        elif not strong:
            name.kind = NameKind.WEAK_ALIAS
        elif is_non_latin(name.full):
            name.kind = NameKind.ORIGINAL_SCRIPT
        entity.add_name(name)


def _pick_primary(built: list[tuple[Name, bool]]) -> int:
    """Index of the display name: strong, Latin, language-less first; see module docstring."""

    def rank(item: tuple[int, tuple[Name, bool]]) -> tuple[bool, bool, bool, int]:
        index, (name, strong) = item
        latin = not is_non_latin(name.full)
        return (not strong, not latin, bool(name.lang), index)

    return min(enumerate(built), key=rank)[0]


def _birth_v11(ctx: ParseContext, entity: Entity, item: etree._Element, person: bool) -> None:
    dates: list[str] = []
    full = _clean(item.get("birthdate"))
    year = _clean(item.get("year"))
    month = _clean(item.get("monthOfYear") or item.get("month"))
    day = _clean(item.get("dayOfMonth") or item.get("day"))
    circa = _clean(item.get("circa")).lower() == "true"
    if full or year:
        parsed = parse_date(full) if full else None
        if parsed is None and year:
            parts = [year, month, day] if month else [year]
            parsed = parse_date("-".join(p for p in parts if p))
        if parsed is None:
            ctx.warn("unparseable birth date", f"{entity.source_id}: {full or year!r}")
            # Keep what is still a valid fact: "1975-02-30" still says February 1975.
            parsed = parse_date(f"{year}-{month}") if year and month else None
            parsed = parsed or (parse_date(year) if year else None)
        if parsed:
            dates.append(parsed)
    else:
        dates.extend(_year_range(item.get("yearRangeFrom"), item.get("yearRangeTo")))
    if circa:
        dates = [_circa_year(d) for d in dates]
    country = _country(ctx, item.get("countryIso2Code"), item.get("countryDescription"))
    places = [_clean(item.get(k)) for k in ("city", "place", "region")]
    place = ", ".join(dict.fromkeys(p for p in places if p))
    if not person:
        # A birth date on an enterprise is its founding; keep it out of birth-date matching.
        for d in dates:
            entity.add_property("incorporationDate", d)
        return
    for d in dates:
        _add_unique(entity.birth_dates, d)
    if place:
        _add_unique(entity.birth_places, place)
    if country:
        entity.add_property("birthCountry", country)


def _identification_v11(ctx: ParseContext, entity: Entity, item: etree._Element) -> None:
    number = _clean(item.get("number")) or _clean(item.get("latinNumber"))
    if not number:
        return
    code = _clean(item.get("identificationTypeCode")).lower()
    notes = [label for attr, label in _ID_FLAGS if (item.get(attr) or "").lower() == "true"]
    for child in item:
        if _local(child.tag) == "remark":
            _add_unique(notes, _clean(child.text))
    issued = _clean(item.get("issuedBy"))
    if issued:
        notes.append(f"issued by {issued}")
    entity.identifiers.append(
        Identifier(
            type=_ID_TYPES.get(code, "other"),
            number=number,
            country=_country(ctx, item.get("countryIso2Code"), item.get("countryDescription")),
            label=_clean(item.get("identificationTypeDescription")) or code or None,
            note="; ".join(notes) or None,
        )
    )


def _address_v11(ctx: ParseContext, entity: Entity, item: etree._Element) -> None:
    country = _country(ctx, item.get("countryIso2Code"), item.get("countryDescription"))
    _add_unique(entity.countries, country)
    street = _clean(item.get("street"))
    city = _clean(item.get("city"))
    zipcode = _clean(item.get("zipCode"))
    region = _clean(item.get("region"))
    po_box = _clean(item.get("poBox"))
    place = _clean(item.get("place"))
    lines = [
        street,
        f"PO Box {po_box}" if po_box else "",
        place,
        " ".join(p for p in (zipcode, city) if p),
        region,
    ]
    if not any(lines):
        return
    desc = _clean(item.get("countryDescription"))
    if desc and desc.upper() != "UNKNOWN":
        lines.append(desc)
    entity.addresses.append(
        Address(
            full=", ".join(p for p in lines if p),
            street=street or None,
            city=city or None,
            postal_code=zipcode or None,
            region=region or None,
            country=country,
        )
    )


def _regulations_v11(
    ctx: ParseContext, entity: Entity, regs: list[etree._Element], designated: str | None
) -> None:
    dated: list[tuple[str, str | None]] = []
    first_url: str | None = None
    for reg in regs:
        _add_unique(entity.programs, _clean(reg.get("programme")))
        url = _clean(reg.get("publicationUrl")) or None
        for child in reg:
            if _local(child.tag) == "publicationUrl" and child.text:
                url = _clean(child.text)
        first_url = first_url or url
        raw = reg.get("publicationDate")
        when = parse_date(raw)
        if when:
            dated.append((when, url))
        elif raw:
            ctx.warn("unparseable regulation date", f"{entity.source_id}: {raw!r}")
    # The earliest act is the listing itself; later ones amend it.
    earliest = min(dated, key=lambda pair: pair[0]) if dated else None
    entity.source_url = (earliest[1] if earliest else None) or first_url
    candidates = [d for d in (earliest[0] if earliest else None, parse_date(designated)) if d]
    entity.listed_on = min(candidates) if candidates else None


# --- v1.0 ------------------------------------------------------------------------------


def _fields(el: etree._Element) -> dict[str, str]:
    return {_local(c.tag): _clean(c.text) for c in el}


def _entity_v10(ctx: ParseContext, el: etree._Element) -> Entity | None:
    sid = (el.get("Id") or "").strip()
    if not sid:
        ctx.warn("ENTITY without Id (skipped)")
        return None
    type_code = (el.get("Type") or "").strip()
    if not type_code:
        ctx.warn("ENTITY without Type (kept as LegalEntity)", sid)
        schema = "LegalEntity"
    else:
        schema = _schema(ctx, type_code, sid)
    entity = Entity(dataset=DATASET, source_id=sid, schema=schema)
    person = schema == "Person"
    dates: list[str] = []
    for item in [el, *el]:
        _add_unique(entity.programs, _clean(item.get("programme")))
        when = parse_date(item.get("reg_date"))
        if when:
            dates.append(when)
    entity.listed_on = min(dates) if dates else None
    entity.source_url = _clean(el.get("pdf_link")) or None
    remark = _clean(el.get("remark"))
    if remark:
        entity.remarks.append(remark)

    names: list[Name] = []
    for child in el:
        tag = _local(child.tag)
        if tag == "NAME":
            name = _name_v10(ctx, entity, _fields(child), person)
            if name is not None:
                names.append(name)
        elif tag == "BIRTH":
            _birth_v10(ctx, entity, _fields(child), person)
        elif tag == "PASSPORT":
            _passport_v10(ctx, entity, _fields(child))
        elif tag == "CITIZEN":
            found = _country(ctx, _fields(child).get("COUNTRY"))
            _add_unique(entity.nationalities if person else entity.countries, found)
        elif tag == "ADDRESS":
            _address_v10(ctx, entity, _fields(child))
    if not names:
        ctx.warn("entity without any name (skipped)", sid)
        return None
    # v1.0 has no strong/weak flag: the first Latin-script NAME is the main one.
    primary = next((i for i, n in enumerate(names) if not is_non_latin(n.full)), 0)
    seen: set[str] = set()
    for index in [primary] + [i for i in range(len(names)) if i != primary]:
        name = names[index]
        key = name.full.casefold()
        if key in seen:
            continue
        seen.add(key)
        if index == primary:
            name.kind = NameKind.PRIMARY
        elif is_non_latin(name.full):
            name.kind = NameKind.ORIGINAL_SCRIPT
        entity.add_name(name)
    return entity


def _name_v10(
    ctx: ParseContext, entity: Entity, fields: dict[str, str], person: bool
) -> Name | None:
    first, middle, last = fields.get("FIRSTNAME"), fields.get("MIDDLENAME"), fields.get("LASTNAME")
    full = fields.get("WHOLENAME") or " ".join(p for p in (first, middle, last) if p)
    if not full:
        ctx.warn("NAME without a name", entity.source_id)
        return None
    if person:
        gender = _GENDER.get((fields.get("GENDER") or "").lower())
        if gender and entity.gender is None:
            entity.gender = gender
        entity.add_property("position", fields.get("FUNCTION"))
    return Name(
        full=full,
        kind=NameKind.ALIAS,
        first=first or None,
        middle=middle or None,
        last=last or None,
        title=fields.get("TITLE") or None,
        lang=(fields.get("LANGUAGE") or "").lower() or None,
    )


def _birth_v10(ctx: ParseContext, entity: Entity, fields: dict[str, str], person: bool) -> None:
    text = fields.get("DATE", "")
    parsed: str | None = None
    if text:
        circa = bool(_RE_APPROX.search(text))
        core = _RE_APPROX.sub("", _RE_PAREN.sub("", text)).strip(" ,.")
        parsed = parse_date(core)
        if parsed is None:
            ctx.warn("unparseable birth date", f"{entity.source_id}: {text!r}")
        elif circa:
            parsed = _circa_year(parsed)
    country = _country(ctx, fields.get("COUNTRY"))
    if not person:
        entity.add_property("incorporationDate", parsed)
        return
    _add_unique(entity.birth_dates, parsed)
    _add_unique(entity.birth_places, fields.get("PLACE"))
    if country:
        entity.add_property("birthCountry", country)


def _passport_v10(ctx: ParseContext, entity: Entity, fields: dict[str, str]) -> None:
    text = fields.get("NUMBER", "")
    if not text:
        return
    number, id_type, label, note = text, "passport", None, None
    match = _RE_V10_ID.match(text)
    if match and match["number"]:
        number = match["number"]
        id_type = _ID_TYPES.get(match["code"].lower(), "other")
        label = match["label"].strip() or None
        note = match["rest"].strip("() ") or None
    entity.identifiers.append(
        Identifier(
            type=id_type,
            number=number,
            country=_country(ctx, fields.get("COUNTRY")),
            label=label,
            note=note,
        )
    )


def _address_v10(ctx: ParseContext, entity: Entity, fields: dict[str, str]) -> None:
    country = _country(ctx, fields.get("COUNTRY"))
    _add_unique(entity.countries, country)
    street = " ".join(p for p in (fields.get("NUMBER"), fields.get("STREET")) if p)
    city = fields.get("CITY", "")
    zipcode = fields.get("ZIPCODE", "")
    other = fields.get("OTHER", "")
    lines = [street, " ".join(p for p in (zipcode, city) if p), other]
    if not any(lines):
        return
    entity.addresses.append(
        Address(
            full=", ".join(p for p in lines if p),
            street=street or None,
            city=city or None,
            postal_code=zipcode or None,
            country=country,
        )
    )


register(
    Source(
        name="eu_fsf",
        datasets=(DATASET,),
        primary="xml",
        roles=("xml",),
        classify=classify,
        parse=parse,
        titles={DATASET: "EU Financial Sanctions Files (FSF)"},
        downloads={DATASET: {"xml": URL}},
    )
)
