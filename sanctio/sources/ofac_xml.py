"""OFAC ``sdn.xml`` / ``consolidated.xml``: the ``sdnList`` schema.

The same schema carries the SDN list and the Consolidated (non-SDN) list; which one a file
is follows from its name. The namespace changed between vintages (``http://tempuri.org/
sdnList.xsd`` before the 2024 Sanctions List Service, its export URL after), so elements
are matched on their local names only.

Choices worth knowing when reading the output:

- Schema: ``Individual`` → ``Person``, ``Entity`` → ``Organization`` (OFAC does not say
  whether an entity is a company), ``Vessel`` → ``Vessel``, ``Aircraft`` → ``Airplane``.
- Display names follow the legacy CSV (``LAST, First`` for anyone with a first name,
  the ``lastName`` alone otherwise) so that the CSV and XML parsers of the same list
  produce the same name strings; the parts are kept in ``first``/``last``.
- ``title`` is a position ("Minister of Defense") more than an honorific; like the CSV
  parser we keep it both as ``Name.title`` of the primary name and as ``position``.
- ``Linked To`` (in remarks or idList) becomes a ``linked_to`` relation, resolved to the
  entry of this file with that primary name when exactly one has it (as in the CSV
  parser). ``vesselOwner`` becomes the ``owner`` property and an ``owner`` relation.
- ``idList`` is a grab bag: besides documents it carries gender, e-mail, website,
  founding date, securities codes and sanctions notes ("Secondary sanctions risk:",
  directive listings). Documents and registry codes become :class:`Identifier`; the
  descriptive items become FtM properties or ``gender``; the sanctions notes become
  remarks, because treating "Subject to Directive 1" as an identifier number would make
  every entity under that directive look alike to identifier matching.
- Birth-date ranges (``1954 to 1956``, ``01 Jan 1960 to 31 Dec 1962``) become every year
  in the range (at most 20), because matching compares years; ``circa 1954`` becomes
  ``1954``. Other ranges keep both ends.
- Address countries and ``Nationality of Registration`` also go to ``countries``.
- ``Record_Count`` is checked against the number of ``sdnEntry`` elements: a mismatch
  means the file was cut or mangled, and the whole file is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from lxml import etree

from sanctio.model import Address, Entity, Identifier, Name, NameKind, Relation
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

_DATASETS = {"sdn.xml": "us_ofac_sdn", "consolidated.xml": "us_ofac_cons"}
_DOWNLOADS = {
    "us_ofac_sdn": {
        "xml": "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML"
    },
    "us_ofac_cons": {
        "xml": "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONSOLIDATED.XML"
    },
}
_DETAILS_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={uid}"

_SCHEMA = {
    "individual": "Person",
    "entity": "Organization",
    "vessel": "Vessel",
    "aircraft": "Airplane",
}

# idType (lower case, exact) → Identifier.type. Checked before the keyword rules below.
_ID_EXACT = {
    "passport": "passport",
    "diplomatic passport": "passport",
    "national id no.": "national_id",
    "identification number": "national_id",
    "cedula no.": "national_id",
    "d.n.i.": "national_id",
    "c.u.r.p.": "national_id",
    "curp #": "national_id",
    "ssn": "ssn",
    "tax id no.": "tax_id",
    "nit #": "tax_id",
    "rfc": "tax_id",
    "r.u.c. #": "tax_id",
    "ruc #": "tax_id",
    "cuit": "tax_id",
    "v.a.t. number": "tax_id",
    "vat number": "tax_id",
    "italian fiscal code": "tax_id",
    "fiscal code": "tax_id",
    "swift/bic": "swift_bic",
    "legal entity number": "lei",
    "vessel registration identification": "imo",
    "imo number": "imo",
    "mmsi": "mmsi",
    "aircraft tail number": "aircraft_tail",
    "previous aircraft tail number": "aircraft_tail",
    "aircraft construction number (also called l/n or s/n or f/n)": "aircraft_serial",
    "aircraft manufacturer's serial number (msn)": "aircraft_serial",
    "driver's license no.": "driving_licence",
    "government gazette number": "registration",
    "unified social credit code (uscc)": "registration",
    "c.r. no.": "registration",
    "company number": "registration",
    "uk company number": "registration",
    "matricula mercantil no": "registration",
    "folio mercantil no.": "registration",
    "chamber of commerce number": "registration",
    "commercial registry number": "registration",
    "certificate of incorporation number": "registration",
    "trade license no.": "registration",
    "registered charity no.": "registration",
    "enterprise number": "registration",
}
# Fallbacks by substring, in order, for the long tail of national spellings.
_ID_KEYWORDS = (
    ("passport", "passport"),
    ("pasaporte", "passport"),
    ("driver", "driving_licence"),
    ("social security", "ssn"),
    ("tax", "tax_id"),
    ("fiscal", "tax_id"),
    ("registration", "registration"),
    ("registry", "registration"),
    ("national id", "national_id"),
    ("identity", "national_id"),
    ("identification", "national_id"),
    ("id card", "national_id"),
    ("id no", "national_id"),
)
# idType → FtM property for descriptive items that are not identifying documents.
_PROPERTY_TYPES = {
    "email address": "email",
    "website": "website",
    "phone number": "phone",
    "organization type:": "legalForm",
    "target type": "classification",
    "isin": "isinCode",
    "equity ticker": "ticker",
    "issuer name": "issuerName",
    "aircraft model": "model",
    "aircraft operator": "operator",
    "aircraft manufacturer": "manufacturer",
    "other vessel call sign": "callSign",
    "other vessel type": "type",
    "vessel year of build": "buildDate",
}
_DATE_PROPERTY_TYPES = {
    "organization established date": "incorporationDate",
    "aircraft manufacture date": "buildDate",
}
_COUNTRY_PROPERTY_TYPES = {
    "nationality of registration": "jurisdiction",
    "other vessel flag": "flag",
    "former vessel flag": "pastFlags",
}
# idTypes that carry sanctions terms rather than facts about the target → remarks.
_NOTE_PREFIXES = (
    "secondary sanctions risk",
    "executive order",
    "caatsa",
    "listing date",
    "effective date",
    "purchase/sales",
    "additional sanctions information",
    "transactions prohibited",
    "sanctions",
)
_GENDERS = {"male": "male", "female": "female"}

_RE_LINKED_TO = re.compile(r"Linked To:\s*([^;)]+)")
_RE_TRAILING_COUNTRY = re.compile(r"^(.*\S)\s+\(([^()]+)\)$")
_RE_IMO_PREFIX = re.compile(r"^IMO\s*", re.IGNORECASE)
_MAX_YEAR_SPAN = 20


class _LocalNames(dict[object, str]):
    """Tag → local name, memoised.

    A file has a few dozen distinct tags but ~50 elements per entry; looking the local
    name up in a dict (a C-level call) instead of splitting every tag takes a fifth off
    the parse time of a full-size (28 MB) SDN file.
    """

    def __missing__(self, tag: object) -> str:
        local = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        self[tag] = local
        return local


_LOCAL = _LocalNames()


def _fields(el: etree._Element) -> dict[str, str]:
    """Leaf children as local name → stripped text (none of them repeat).

    Stripped, not whitespace-collapsed: values are single-line in practice, and the
    free-text ones (remarks, names) are collapsed where they are used.
    """
    return {_LOCAL[c.tag]: (c.text or "").strip() for c in el}


def classify(path: Path, head: bytes) -> tuple[str, str] | None:
    """``sdn.xml`` / ``consolidated.xml`` whose head shows the sdnList root.

    The name alone is not enough: the UN ships a ``consolidated.xml`` too.
    """
    dataset = _DATASETS.get(logical_name(path))
    if dataset is None or b"<sdnList" not in head:
        return None
    return dataset, "xml"


def birth_dates(value: str) -> list[str] | None:
    """OFAC date-of-birth spellings → ISO prefixes; None when the value is not understood."""
    text = value.strip()
    low = text.lower()
    for prefix in ("circa ", "ca. ", "approximately ", "about "):
        if low.startswith(prefix):
            text = text[len(prefix) :].strip()
            break
    if " to " in text:
        start_raw, _, end_raw = text.partition(" to ")
        start, end = parse_date(start_raw), parse_date(end_raw)
        if start is None or end is None:
            return None
        return expand_range(start, end)
    single = parse_date(text)
    return [single] if single else None


def expand_range(start: str, end: str) -> list[str]:
    """Year ranges (or whole-year date ranges) → each year; anything else → both ends."""
    whole_years = (len(start) == 4 and len(end) == 4) or (
        start.endswith("-01-01") and end.endswith("-12-31")
    )
    first, last = int(start[:4]), int(end[:4])
    if whole_years and 0 <= last - first <= _MAX_YEAR_SPAN:
        return [str(year) for year in range(first, last + 1)]
    return [start] if start == end else [start, end]


def _display(first: str, last: str) -> str:
    if first and last:
        return f"{last}, {first}"
    return last or first


def _country(ctx: ParseContext, uid: str, value: str) -> str | None:
    if not value:
        return None
    code = to_country(value)
    if code is None:
        ctx.warn("unknown country", f"uid {uid}: {value}")
    return code


def _add_country(values: list[str], code: str | None) -> None:
    if code and code not in values:
        values.append(code)


def _identifier_type(label: str) -> str:
    low = label.lower()
    exact = _ID_EXACT.get(low)
    if exact:
        return exact
    for keyword, id_type in _ID_KEYWORDS:
        if keyword in low:
            return id_type
    return "other"


def _apply_id(ctx: ParseContext, entity: Entity, uid: str, item: dict[str, str]) -> None:
    """Route one ``idList/id`` to an identifier, a property, a relation or a remark."""
    label = item.get("idType", "")
    number = item.get("idNumber", "")
    low = label.lower()
    if not number:
        return
    if low == "gender":
        gender = _GENDERS.get(number.lower())
        if gender is None:
            ctx.warn("unknown gender", f"uid {uid}: {number}")
            gender = "other"
        entity.gender = gender
        return
    if low in _PROPERTY_TYPES:
        entity.add_property(_PROPERTY_TYPES[low], number)
        return
    if low in _DATE_PROPERTY_TYPES:
        iso = parse_date(number)
        if iso is None:
            ctx.warn("unparsed date", f"uid {uid}: {label} {number}")
        entity.add_property(_DATE_PROPERTY_TYPES[low], iso or number)
        return
    if low in _COUNTRY_PROPERTY_TYPES:
        code = _country(ctx, uid, number)
        if code:
            entity.add_property(_COUNTRY_PROPERTY_TYPES[low], code)
            if low == "nationality of registration":
                _add_country(entity.countries, code)
        return
    if low.startswith("linked to"):
        entity.relations.append(Relation(kind="linked_to", target_name=number))
        return
    if low.startswith(_NOTE_PREFIXES):
        sep = " " if label.endswith((":", "-")) else ": "
        remark = f"{label}{sep}{number}"
        if remark not in entity.remarks:
            entity.remarks.append(remark)
        return
    id_type = _identifier_type(label)
    country_raw = item.get("idCountry", "")
    if not country_raw and (m := _RE_TRAILING_COUNTRY.match(number)) and to_country(m[2]):
        # "1026303117642 (Russia)": the country written into the number field.
        number, country_raw = m[1], m[2]
    if id_type == "imo":
        number = _RE_IMO_PREFIX.sub("", number)
        entity.add_property("imoNumber", f"IMO{number}")
    elif id_type == "mmsi":
        entity.add_property("mmsi", number)
    notes = [f"{k} {item[k]}" for k in ("issueDate", "expirationDate") if item.get(k)]
    entity.identifiers.append(
        Identifier(
            type=id_type,
            number=number,
            country=_country(ctx, uid, country_raw),
            label=label or None,
            note="; ".join(notes) or None,
        )
    )


def _apply_aka(ctx: ParseContext, entity: Entity, uid: str, item: dict[str, str]) -> None:
    first = " ".join(item.get("firstName", "").split())
    last = " ".join(item.get("lastName", "").split())
    full = _display(first, last)
    if not full:
        return
    aka_type = item.get("type", "").lower()
    category = item.get("category", "").lower()
    if aka_type == "f.k.a.":
        kind = NameKind.FORMER
    elif category == "weak":
        kind = NameKind.WEAK_ALIAS
    else:
        if aka_type not in {"a.k.a.", "n.k.a."}:
            ctx.warn("unknown alias type", f"uid {uid}: {aka_type}")
        kind = NameKind.ALIAS
    person = entity.schema == "Person"
    entity.add_name(
        Name(
            full=full,
            kind=kind,
            first=(first or None) if person else None,
            last=(last or None) if person else None,
        )
    )


def _apply_address(ctx: ParseContext, entity: Entity, uid: str, item: dict[str, str]) -> None:
    street = ", ".join(v for k in ("address1", "address2", "address3") if (v := item.get(k)))
    city = item.get("city", "")
    region = item.get("stateOrProvince", "") or item.get("region", "")
    postal = item.get("postalCode", "")
    country_raw = item.get("country", "")
    full = ", ".join(v for v in (street, city, region, postal, country_raw) if v)
    if not full:
        return
    code = _country(ctx, uid, country_raw)
    _add_country(entity.countries, code)
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


def _apply_vessel(ctx: ParseContext, entity: Entity, uid: str, item: dict[str, str]) -> None:
    entity.add_property("callSign", item.get("callSign"))
    entity.add_property("type", item.get("vesselType"))
    entity.add_property("tonnage", item.get("tonnage"))
    entity.add_property("grossRegisteredTonnage", item.get("grossRegisteredTonnage"))
    flag = item.get("vesselFlag", "")
    code = _country(ctx, uid, flag)
    if code:
        entity.add_property("flag", code)
        _add_country(entity.countries, code)
    owner = item.get("vesselOwner", "")
    if owner:
        entity.add_property("owner", owner)
        entity.relations.append(Relation(kind="owner", target_name=owner))


def _entry(ctx: ParseContext, el: etree._Element) -> Entity | None:
    """One ``sdnEntry`` → Entity; None (with a warning) when it has no uid or no name."""
    top: dict[str, str] = {}
    lists: list[etree._Element] = []
    for child in el:
        if len(child):
            lists.append(child)
        else:
            top[_LOCAL[child.tag]] = (child.text or "").strip()
    uid = top.get("uid", "")
    if not uid:
        ctx.warn("entry without uid", top.get("lastName"))
        return None
    sdn_type = top.get("sdnType", "")
    schema = _SCHEMA.get(sdn_type.lower())
    if schema is None:
        ctx.warn("unknown sdnType", f"uid {uid}: {sdn_type}")
        schema = "LegalEntity"
    entity = Entity(
        dataset=ctx.dataset,
        source_id=uid,
        schema=schema,
        source_url=_DETAILS_URL.format(uid=uid),
    )
    first = " ".join(top.get("firstName", "").split())
    last = " ".join(top.get("lastName", "").split())
    full = _display(first, last)
    if not full:
        ctx.warn("entry without name", f"uid {uid}")
        return None
    person = schema == "Person"
    title = top.get("title") or None
    entity.add_name(
        Name(
            full=full,
            first=(first or None) if person else None,
            last=(last or None) if person else None,
            title=title,
        )
    )
    entity.add_property("position", title)
    remarks = " ".join(top.get("remarks", "").split())
    if remarks:
        entity.remarks.append(remarks)
        for target in _RE_LINKED_TO.findall(remarks):
            entity.relations.append(Relation(kind="linked_to", target_name=target.strip()))

    for block in lists:
        name = _LOCAL[block.tag]
        if name == "vesselInfo":
            _apply_vessel(ctx, entity, uid, _fields(block))
            continue
        for item_el in block:
            if name == "programList":
                program = (item_el.text or "").strip()
                if program and program not in entity.programs:
                    entity.programs.append(program)
                continue
            item = _fields(item_el)
            if name == "akaList":
                _apply_aka(ctx, entity, uid, item)
            elif name == "idList":
                _apply_id(ctx, entity, uid, item)
            elif name == "addressList":
                _apply_address(ctx, entity, uid, item)
            elif name == "dateOfBirthList":
                raw = item.get("dateOfBirth", "")
                dates = birth_dates(raw) if raw else []
                if dates is None:
                    ctx.warn("unparsed date of birth", f"uid {uid}: {raw}")
                    continue
                for iso in dates:
                    if iso not in entity.birth_dates:
                        entity.birth_dates.append(iso)
            elif name == "placeOfBirthList":
                place = item.get("placeOfBirth", "")
                if place and place not in entity.birth_places:
                    entity.birth_places.append(place)
            elif name == "nationalityList":
                _add_country(entity.nationalities, _country(ctx, uid, item.get("country", "")))
            elif name == "citizenshipList":
                _add_country(entity.citizenships, _country(ctx, uid, item.get("country", "")))
            else:
                ctx.warn("unknown element", f"uid {uid}: {name}")
    return entity


def _load(path: Path) -> etree._Element:
    raw = read_bytes(path)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"invalid XML: {exc.msg}", path, exc.lineno) from exc
    if _LOCAL[root.tag] != "sdnList":
        raise ParseError(f"root element is <{_LOCAL[root.tag]}>, expected <sdnList>", path)
    return root


def parse(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    """Whole file is read and counted before the first entity is yielded.

    Checking ``Record_Count`` first means a truncated file fails before any of its
    entities reaches the caller; at 30 MB for the full SDN list the tree fits in memory.
    """
    path = files["xml"]
    root = _load(path)
    entries: list[etree._Element] = []
    stated: int | None = None
    for child in root:
        name = _LOCAL[child.tag]
        if name == "sdnEntry":
            entries.append(child)
        elif name == "publshInformation":  # OFAC's spelling
            info = _fields(child)
            published = info.get("Publish_Date", "")
            if published:
                ctx.published = parse_date(published, order="mdy")
                if ctx.published is None:
                    ctx.warn("unparsed Publish_Date", published)
            count = info.get("Record_Count", "")
            if count.isdigit():
                stated = int(count)
    if stated is not None and stated != len(entries):
        raise ParseError(
            f"Record_Count says {stated} entries but the file holds {len(entries)} "
            "(truncated or corrupt file)",
            path,
        )
    entities: list[Entity] = []
    for el in entries:
        entity = _entry(ctx, el)
        el.clear()
        if entity is not None:
            entities.append(entity)
    _resolve_links(entities)
    yield from entities


def _name_key(name: str) -> str:
    return " ".join(name.rstrip(".").split()).casefold()


def _resolve_links(entities: list[Entity]) -> None:
    """Point ``Linked To`` relations at the one entry of this file with that primary name.

    Same rule as the OFAC CSV parser, so both formats of a list link alike; two entries
    sharing the name leave the link unresolved rather than guess.
    """
    by_name: dict[str, str | None] = {}
    for entity in entities:
        key = _name_key(entity.names[0].full)
        by_name[key] = None if key in by_name else entity.id
    for entity in entities:
        for relation in entity.relations:
            if relation.kind == "linked_to":
                relation.target_id = by_name.get(_name_key(relation.target_name))


SOURCE = register(
    Source(
        name="ofac_xml",
        datasets=("us_ofac_sdn", "us_ofac_cons"),
        primary="xml",
        roles=("xml",),
        classify=classify,
        parse=parse,
        titles={
            "us_ofac_sdn": "OFAC Specially Designated Nationals (SDN) List",
            "us_ofac_cons": "OFAC Consolidated (non-SDN) List",
        },
        downloads=_DOWNLOADS,
    )
)
