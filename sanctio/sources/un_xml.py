"""UN Security Council Consolidated List, XML (root ``CONSOLIDATED_LIST``).

``INDIVIDUALS/INDIVIDUAL`` become ``Person``; ``ENTITIES/ENTITY`` become ``Organization``
(the list does not say whether an entity is a company, and many are armed groups).

Choices worth knowing when reading the output:

- Source id is ``REFERENCE_NUMBER`` (``KPi.033``), the id the UN uses in its notices; a
  record without one falls back to ``DATAID`` and is counted as a warning.
- Names: the UN writes names in the order the person uses, split into FIRST_NAME …
  FOURTH_NAME, which is not "given names then surname" (Korean entries start with the
  family name: ``KANG`` / ``CHOL SU``). We do not guess: ``full`` is the parts joined in
  order, ``first`` is FIRST_NAME, ``last`` the last non-empty later part and ``middle``
  the parts in between. Matching must not rely on ``last`` being a surname here.
- Aliases: QUALITY ``Good`` / ``a.k.a.`` → ALIAS, ``Low`` → WEAK_ALIAS, ``f.k.a.`` →
  FORMER. About 1% of ALIAS_NAME values pack several spellings as ``A; B; C``; those are
  split into separate aliases. Values with parentheses (``حسن غول (Hassan Ghul; Hassan
  Gul)``, ``… b) …``) are kept whole, as their structure varies too much to split safely.
  ``Entity.add_name`` drops an alias identical (text and kind) to one already present.
- TITLE values (``Maulavi``, ``Dr.``, sometimes a position) go to ``Name.title`` of the
  primary name and to the ``title`` property; DESIGNATION values to ``position``.
- Birth dates: EXACT / APPROXIMATELY give DATE or YEAR (``circa`` is not kept: matching
  tolerates a year either way); BETWEEN gives every year FROM_YEAR…TO_YEAR (at most 20);
  a bare NOTE (``Nov. 1973``) is parsed when it is a date. Dates of birth and places of
  birth given on aliases are added to the person.
- Documents without NUMBER (the number is buried in NOTE prose) are kept as remarks, not
  identifiers, and counted as a warning.
- Free text (comments, titles, notes) is whitespace-collapsed: its line breaks are the
  XML file's pretty-printing, not content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from lxml import etree

from sanctio.model import Address, Entity, Identifier, Name, NameKind
from sanctio.sources.base import (
    ParseContext,
    ParseError,
    Source,
    logical_name,
    parse_date,
    read_bytes,
    register,
    to_country,
)

__all__ = ["SOURCE", "classify", "parse"]

DATASET = "un_sc_sanctions"
_URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"

_ALIAS_KINDS = {
    "good": NameKind.ALIAS,
    "a.k.a.": NameKind.ALIAS,
    "": NameKind.ALIAS,
    "low": NameKind.WEAK_ALIAS,
    "f.k.a.": NameKind.FORMER,
}
# Values the UN writes where a country would go when there is none.
_NO_COUNTRY = {"na", "n/a", "-", "unknown"}
_GENDERS = {"male": "male", "female": "female"}
_MAX_YEAR_SPAN = 20
_RE_SPLITTABLE = re.compile(r"^[^()]*;[^()]*$")
_RE_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")

# Document type wording (lower case, substring) → Identifier.type, most specific first.
_DOC_KEYWORDS = (
    ("social security", "ssn"),
    ("fiscal code", "tax_id"),
    ("tax", "tax_id"),
    ("driv", "driving_licence"),
    ("passport", "passport"),
    ("passeport", "passport"),
    ("pasaporte", "passport"),
    ("birth certificate", "other"),
    ("ration card", "other"),
    ("student", "other"),
    ("military", "other"),
    ("serviceman", "other"),
    ("fardc", "other"),
    ("other id", "other"),
    ("identif", "national_id"),
    ("identity", "national_id"),
    ("national number", "national_id"),
    ("tazkira", "national_id"),
)


def _clean(value: str | None) -> str:
    return " ".join(value.split()) if value else ""


def _child(el: etree._Element, tag: str) -> str:
    return _clean(el.findtext(tag))


def _values(el: etree._Element, tag: str) -> list[str]:
    """Non-empty ``TAG/VALUE`` texts, in order."""
    out: list[str] = []
    for block in el.iterfind(tag):
        for value in block.iterfind("VALUE"):
            text = _clean(value.text)
            if text:
                out.append(text)
    return out


def classify(path: Path, head: bytes) -> tuple[str, str] | None:
    if logical_name(path).endswith(".xml") and b"<CONSOLIDATED_LIST" in head:
        return DATASET, "xml"
    return None


def _date(value: str) -> str | None:
    """parse_date, tolerating the timezone suffix some records carry (``2015-04-07-04:00``)."""
    iso = parse_date(value)
    if iso is None and _RE_ISO_DAY.match(value):
        iso = parse_date(value[:10])
    return iso


def _country(ctx: ParseContext, ref: str, value: str) -> str | None:
    if not value or value.lower() in _NO_COUNTRY:
        return None
    code = to_country(value)
    if code is None:
        ctx.warn("unknown country", f"{ref}: {value}")
    return code


def _add(values: list[str], value: str | None) -> None:
    if value and value not in values:
        values.append(value)


def _add_alias(entity: Entity, raw: str, kind: NameKind) -> None:
    parts = raw.split(";") if _RE_SPLITTABLE.match(raw) else [raw]
    for part in parts:
        entity.add_name(Name(full=part, kind=kind))


def _aliases(ctx: ParseContext, entity: Entity, el: etree._Element, tag: str) -> None:
    for alias in el.iterfind(tag):
        name = _child(alias, "ALIAS_NAME")
        if not name:
            continue
        quality = _child(alias, "QUALITY")
        kind = _ALIAS_KINDS.get(quality.lower())
        if kind is None:
            ctx.warn("unknown alias quality", f"{entity.source_id}: {quality}")
            kind = NameKind.ALIAS
        _add_alias(entity, name, kind)
        dob = _child(alias, "DATE_OF_BIRTH")
        if dob:
            iso = _date(dob)
            if iso is None:
                ctx.warn("unparsed date of birth", f"{entity.source_id}: {dob}")
            _add(entity.birth_dates, iso)
        place = ", ".join(
            v for v in (_child(alias, "CITY_OF_BIRTH"), _child(alias, "COUNTRY_OF_BIRTH")) if v
        )
        _add(entity.birth_places, place)
        note = _child(alias, "NOTE")
        if note:
            _add(entity.remarks, f"{name}: {note}")


def _addresses(ctx: ParseContext, entity: Entity, el: etree._Element, tag: str) -> None:
    for addr in el.iterfind(tag):
        street = _child(addr, "STREET")
        city = _child(addr, "CITY")
        region = _child(addr, "STATE_PROVINCE")
        postal = _child(addr, "ZIP_CODE")
        country_raw = _child(addr, "COUNTRY")
        full = ", ".join(v for v in (street, city, region, postal, country_raw) if v)
        full = full or _child(addr, "NOTE")
        if not full:
            continue
        code = _country(ctx, entity.source_id, country_raw)
        _add(entity.countries, code)
        entity.addresses.append(
            Address(
                full=full,
                street=street or None,
                city=city or None,
                postal_code=postal or None,
                region=region or None,
                country=code,
            )
        )


def _birth_dates(ctx: ParseContext, entity: Entity, el: etree._Element) -> None:
    for dob in el.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        date, year = _child(dob, "DATE"), _child(dob, "YEAR")
        start, end = _child(dob, "FROM_YEAR"), _child(dob, "TO_YEAR")
        note = _child(dob, "NOTE")
        found: list[str] = []
        if date or year:
            iso = _date(date or year)
            if iso:
                found.append(iso)
        elif start and end and start.isdigit() and end.isdigit():
            first, last = int(start), int(end)
            if 0 <= last - first <= _MAX_YEAR_SPAN:
                found.extend(str(y) for y in range(first, last + 1))
            else:
                found.extend(filter(None, (parse_date(start), parse_date(end))))
        elif start or end:
            found.extend(filter(None, (parse_date(start), parse_date(end))))
        elif note:
            iso = parse_date(note)
            if iso:
                found.append(iso)
        else:
            continue  # an empty placeholder element
        if not found:
            raw = " ".join(v for v in (date, year, start, end, note) if v)
            ctx.warn("unparsed date of birth", f"{entity.source_id}: {raw}")
        for iso in found:
            _add(entity.birth_dates, iso)


def _birth_places(ctx: ParseContext, entity: Entity, el: etree._Element) -> None:
    for pob in el.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
        country_raw = _child(pob, "COUNTRY")
        parts = [_child(pob, t) for t in ("STREET", "CITY", "STATE_PROVINCE")]
        place = ", ".join(v for v in (*parts, country_raw) if v)
        note = _child(pob, "NOTE")
        if note:
            place = f"{place} {note}" if place else note
        _add(entity.birth_places, place)
        code = _country(ctx, entity.source_id, country_raw)
        if code:
            entity.add_property("birthCountry", code)


def _doc_type(*labels: str) -> str:
    for label in labels:
        low = label.lower()
        for keyword, doc_type in _DOC_KEYWORDS:
            if keyword in low:
                return doc_type
    return "other"


def _documents(ctx: ParseContext, entity: Entity, el: etree._Element) -> None:
    for doc in el.iterfind("INDIVIDUAL_DOCUMENT"):
        kind = _child(doc, "TYPE_OF_DOCUMENT")
        detail = _child(doc, "TYPE_OF_DOCUMENT2").rstrip(": ")
        number = _child(doc, "NUMBER")
        note = _child(doc, "NOTE")
        if not (kind or detail or number or note):
            continue
        label = kind
        if detail and detail.lower() != kind.lower():
            label = f"{kind} ({detail})" if kind else detail
        if not number:
            ctx.warn("document without NUMBER (kept as remark)", f"{entity.source_id}: {label}")
            _add(entity.remarks, f"{label}: {note}" if note else label)
            continue
        country_raw = _child(doc, "ISSUING_COUNTRY") or _child(doc, "COUNTRY_OF_ISSUE")
        issued = _child(doc, "DATE_OF_ISSUE")
        city = _child(doc, "CITY_OF_ISSUE")
        notes = [
            f"issued {issued}" if issued else "",
            f"issued in {city}" if city else "",
            note,
        ]
        entity.identifiers.append(
            Identifier(
                type=_doc_type(detail, kind),
                number=number,
                country=_country(ctx, entity.source_id, country_raw),
                label=label or None,
                note="; ".join(n for n in notes if n) or None,
            )
        )


def _common(ctx: ParseContext, entity: Entity, el: etree._Element) -> None:
    """What individuals and entities share: list, dates, comments, original script."""
    _add(entity.programs, _child(el, "UN_LIST_TYPE"))
    listed = _child(el, "LISTED_ON")
    if listed:
        entity.listed_on = _date(listed)
        if entity.listed_on is None:
            ctx.warn("unparsed LISTED_ON", f"{entity.source_id}: {listed}")
    comments = _child(el, "COMMENTS1")
    if comments:
        _add(entity.remarks, comments)
    updated = sorted(filter(None, (_date(v) for v in _values(el, "LAST_DAY_UPDATED"))))
    if updated:
        entity.add_property("modifiedAt", updated[-1])
    original = _child(el, "NAME_ORIGINAL_SCRIPT")
    if original:
        entity.add_name(Name(full=original, kind=NameKind.ORIGINAL_SCRIPT))


def _source_id(ctx: ParseContext, el: etree._Element) -> str | None:
    ref = _child(el, "REFERENCE_NUMBER")
    if ref:
        return ref
    data_id = _child(el, "DATAID")
    if data_id:
        ctx.warn("record without REFERENCE_NUMBER (DATAID used)", data_id)
        return data_id
    ctx.warn("record without REFERENCE_NUMBER or DATAID", _child(el, "FIRST_NAME"))
    return None


def _individual(ctx: ParseContext, el: etree._Element) -> Entity | None:
    source_id = _source_id(ctx, el)
    if source_id is None:
        return None
    entity = Entity(dataset=ctx.dataset, source_id=source_id, schema="Person")
    first = _child(el, "FIRST_NAME")
    rest = [v for t in ("SECOND_NAME", "THIRD_NAME", "FOURTH_NAME") if (v := _child(el, t))]
    full = " ".join([first, *rest]).strip()
    if not full:
        ctx.warn("record without name", source_id)
        return None
    titles = _values(el, "TITLE")
    entity.add_name(
        Name(
            full=full,
            first=first or None,
            middle=" ".join(rest[:-1]) or None,
            last=rest[-1] if rest else None,
            title="; ".join(titles) or None,
        )
    )
    for title in titles:
        entity.add_property("title", title)
    for designation in _values(el, "DESIGNATION"):
        entity.add_property("position", designation)
    for value in _values(el, "NATIONALITY"):
        _add(entity.nationalities, _country(ctx, source_id, value))
    gender = _child(el, "GENDER")
    if gender:
        entity.gender = _GENDERS.get(gender.lower())
        if entity.gender is None:
            ctx.warn("unknown gender", f"{source_id}: {gender}")
            entity.gender = "other"
    _common(ctx, entity, el)
    _birth_dates(ctx, entity, el)
    _birth_places(ctx, entity, el)
    _aliases(ctx, entity, el, "INDIVIDUAL_ALIAS")  # after: alias birth data comes second
    _addresses(ctx, entity, el, "INDIVIDUAL_ADDRESS")
    _documents(ctx, entity, el)
    return entity


def _entity(ctx: ParseContext, el: etree._Element) -> Entity | None:
    source_id = _source_id(ctx, el)
    if source_id is None:
        return None
    entity = Entity(dataset=ctx.dataset, source_id=source_id, schema="Organization")
    name = _child(el, "FIRST_NAME")
    if not name:
        ctx.warn("record without name", source_id)
        return None
    entity.add_name(Name(full=name))
    _common(ctx, entity, el)
    _aliases(ctx, entity, el, "ENTITY_ALIAS")
    _addresses(ctx, entity, el, "ENTITY_ADDRESS")
    return entity


def _load(path: Path) -> etree._Element:
    raw = read_bytes(path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"invalid XML: {exc.msg}", path, exc.lineno) from exc
    if root.tag != "CONSOLIDATED_LIST":
        raise ParseError(f"root element is <{root.tag}>, expected <CONSOLIDATED_LIST>", path)
    return root


def parse(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    path = files["xml"]
    root = _load(path)
    generated = root.get("dateGenerated", "")
    if generated:
        ctx.published = parse_date(generated[:10])
        if ctx.published is None:
            ctx.warn("unparsed dateGenerated", generated)
    seen: set[str] = set()
    for group, tag, build in (
        ("INDIVIDUALS", "INDIVIDUAL", _individual),
        ("ENTITIES", "ENTITY", _entity),
    ):
        for block in root.iterfind(group):
            for el in block.iterfind(tag):
                entity = build(ctx, el)
                el.clear()
                if entity is None:
                    continue
                if entity.source_id in seen:
                    ctx.warn("duplicate REFERENCE_NUMBER (later record dropped)", entity.source_id)
                    continue
                seen.add(entity.source_id)
                yield entity


SOURCE = register(
    Source(
        name="un_xml",
        datasets=(DATASET,),
        primary="xml",
        roles=("xml",),
        classify=classify,
        parse=parse,
        titles={DATASET: "UN Security Council Consolidated List"},
        downloads={DATASET: {"xml": _URL}},
    )
)
