"""Canada's Consolidated Autonomous Sanctions List (SEMA / JVCFOA), ``sema-lema.xml``.

The file is a flat ``<data-set>`` of ``<record>`` elements, one per listing under one
regulation. A record names either an individual (``LastName`` / ``GivenName``) or an
entity or ship (``EntityOrShip``); ships additionally carry ``ShipIMONumber`` and their
type in ``TitleOrShip``, which for individuals holds a title ("Brigadier", "Dr.").

Choices made here, and why:

* ``source_id`` is ``Country|Schedule|Item`` (DESIGN.md). ``Country`` is reduced to its
  English half ("Russia / Russie" → "Russia") and whitespace is normalised everywhere
  ("1,Part 3" → "1, Part 3"), so a cosmetic fix by the publisher does not re-key a
  listing. The key is unique in the 2025-03 file; a repeat would get ``#2`` appended and a
  counted warning rather than silently replacing the first record.
* Records are not grouped: a person listed under two regulations is two listings, each
  with its own programme and date, exactly as Canada publishes them.
* Schema: individuals → ``Person``; ``EntityOrShip`` with an IMO number or a ship type →
  ``Vessel``; every other entity → ``Organization`` (the list never says whether an entity
  is a company, and ministries, courts and militias are listed alongside firms).
* ``Aliases`` is hand-typed free text mixing ``,`` ``;`` ``/`` `` or `` ``или`` and
  language labels ("Russian: ..."). Splitting is deliberately conservative where a
  separator is also part of names: a comma does not split before a lower-case word
  ("Министерство культуры, спорта и туризма") or around a bare legal form
  ("Северсталь, ПАО"), and `` and `` splits only between non-Latin words or inside an
  individual's aliases (organisation names contain "and" far more often than lists do).
  Non-Latin aliases are ``ORIGINAL_SCRIPT``; a one-word alias of an individual (a
  nickname or a lone given-name variant such as "Alexei") is ``WEAK_ALIAS``.
* The ``GivenName`` is kept whole as ``first`` (it holds given name and patronymic, which
  the list does not separate); the display string is "GivenName LastName".
* The file states no publication date (``DateOfListing`` is per listing), so
  ``ctx.published`` stays ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from itertools import pairwise
from pathlib import Path

from lxml import etree

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
)

DATASET = "ca_dfatd_sema_sanctions"
ROLE = "list"
DOWNLOAD_URL = (
    "https://www.international.gc.ca/world-monde/assets/office_docs/"
    "international_relations-relations_internationales/sanctions/sema-lema.xml"
)
SOURCE_URL = (
    "https://www.international.gc.ca/world-monde/international_relations-"
    "relations_internationales/sanctions/consolidated-consolide.aspx?lang=eng"
)

_KNOWN_TAGS = frozenset(
    {
        "Country",
        "LastName",
        "GivenName",
        "EntityOrShip",
        "TitleOrShip",
        "Aliases",
        "DateOfBirthOrShipBuildDate",
        "ShipIMONumber",
        "Schedule",
        "Item",
        "DateOfListing",
    }
)

# --- text helpers -------------------------------------------------------------------

_WS = re.compile(r"\s+")
_HYPHEN_WRAP = re.compile(r"-[ \t]*\n\s*")


def _clean(value: str | None) -> str:
    """Collapse all whitespace (the file has tabs, NBSP, U+202F and hard line breaks).

    Names were pasted from wrapped PDF text, so "Almaz-\nAntey" is one word again.
    """
    if not value:
        return ""
    return _WS.sub(" ", _HYPHEN_WRAP.sub("-", value)).strip()


# --- alias splitting ----------------------------------------------------------------

_LANG_LABEL = re.compile(
    r"\b(Arabic|Belarusian|Belarussian|Russian|Ukrainian|Chinese|Persian|Farsi|Hebrew)\s*:\s*",
    re.IGNORECASE,
)
_LANG_CODES = {
    "arabic": "ar",
    "belarusian": "be",
    "belarussian": "be",
    "russian": "ru",
    "ukrainian": "uk",
    "chinese": "zh",
    "persian": "fa",
    "farsi": "fa",
    "hebrew": "he",
}
# One alternation so that ", or" / ", and" are consumed as a single separator.
_SEP = re.compile(r"\s*(?:[;/]|,(?:\s*(?:or|and)\b)?)\s*|\s+(?:or|OR|или|and)\s+")
_ALSO_KNOWN = re.compile(r"\(\s*also\s+known\s+as\s+([^)]*)\)?", re.IGNORECASE)
_QUOTES = "\"'“”„«»‘’"
_LEGAL_FORMS = frozenset(
    {
        "ао",
        "aо",
        "оао",
        "зао",
        "пао",
        "ооо",
        "сао",
        "ак",
        "мк",
        "фгуп",
        "jsc",
        "ojsc",
        "pjsc",
        "cjsc",
        "llc",
        "ltd",
        "ltd.",
        "limited",
        "inc",
        "inc.",
        "co",
        "co.",
        "plc",
        "fsue",
        "sc",
        "ao",
        "oao",
        "ooo",
        "zao",
        "pao",
        "акционерное общество",
        "открытое акционерное общество",
        "публичное акционерное общество",
        "общество с ограниченной ответственностью",
    }
)
_GENERATION = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def _is_legal_form(segment: str) -> bool:
    return segment.strip(" .,").casefold() in _LEGAL_FORMS


def _paren_depths(text: str) -> list[int]:
    """Bracket depth at each character, counting only brackets that are closed.

    The list has stray brackets ("(Юрий ГОВТВИН / ..." never closes, "банк) (" closes
    nothing); an unmatched one must not shield the rest of the text from splitting.
    """
    depths = [0] * len(text)
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            start = stack.pop()
            for j in range(start + 1, i):
                depths[j] += 1
    return depths


def _tidy(segment: str) -> str:
    """Strip separators, unbalanced brackets, wrapping quotes and editorial words."""
    seg = segment.strip(" ,;:-–")
    seg = seg.removesuffix("(").removeprefix(")").strip(" ,;:-–")
    if seg.startswith("(") and seg.count("(") > seg.count(")"):
        seg = seg[1:].strip()
    if seg.endswith(")") and seg.count(")") > seg.count("("):
        seg = seg[:-1].strip()
    if len(seg) > 2 and seg[0] in _QUOTES and seg[-1] in _QUOTES:
        inner = seg[1:-1]
        if not any(q in inner for q in _QUOTES):
            seg = inner.strip()
    if seg.lower().startswith("also "):
        seg = seg[5:].strip()
    if seg.endswith((" AKA", " aka")):
        seg = seg[:-4].strip()
    return seg.strip(" ,;:")


def _and_separates(left: str, right: str) -> bool:
    """Whether `` and `` between two organisation-name fragments separates two names.

    Yes between non-Latin words (the editors wrote English "and" between Russian names)
    and when both sides start with the same word ("Zadna Company and Zadna International
    Investments"); no otherwise ("Myanma Investment and Commercial Bank").
    """
    before = left.split()[-1:] or [""]
    after = right.split()[:1] or [""]
    if is_non_latin(before[0]) and is_non_latin(after[0]):
        return True
    lead = re.match(r"\w+", left.strip())
    follow = re.match(r"\w+", right.strip())
    return bool(lead and follow and lead[0].casefold() == follow[0].casefold())


def _split_names(text: str, person: bool) -> list[str]:
    """Split one run of alias text (no language label inside) into names."""
    if not text.strip():
        return []
    depths = _paren_depths(text) if "(" in text else None
    segments: list[str] = []
    joiners: list[str] = []  # separator kind between segments[i] and segments[i + 1]
    start = 0
    for m in _SEP.finditer(text):
        if depths is not None and depths[m.start()] > 0:
            continue
        sep = m.group().strip()
        left = text[start : m.start()]
        right_rest = text[m.end() :]
        if sep == "and" and not person and not _and_separates(left, right_rest):
            continue
        if sep == "/":
            # Keep "A/S"-like tokens: split only between two real words.
            before_tok = re.findall(r"\w+", left)[-1:] or [""]
            after_tok = re.findall(r"\w+", right_rest)[:1] or [""]
            if len(before_tok[0]) < 2 or len(after_tok[0]) < 2:
                continue
        segments.append(left)
        joiners.append("," if sep == "," else "strong")
        start = m.end()
    segments.append(text[start:])

    merged: list[str] = []
    for i, seg in enumerate(segments):
        seg = seg.strip()
        if merged and joiners[i - 1] == ",":
            prev = merged[-1]
            first = seg[:1]
            continuation = first.islower() and seg[1:2] not in ("'", "’")
            if (
                continuation
                or _is_legal_form(seg)
                or _is_legal_form(prev)
                or seg.casefold() in _GENERATION
            ):
                merged[-1] = f"{prev}, {seg}"
                continue
        merged.append(seg)
    return [t for t in (_tidy(s) for s in merged) if t]


def split_aliases(raw: str, person: bool) -> list[tuple[str, str | None]]:
    """The ``Aliases`` free text → ``(name, language)`` pairs in source order.

    A line break is a separator only where the script changes across it (an Arabic name
    on its own line after the Latin ones); elsewhere it is a wrapped long name.
    """
    text = _HYPHEN_WRAP.sub("-", raw).replace("\xa0", " ").replace("\u202f", " ").replace("\t", " ")
    if "\n" in text:
        lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
        text = lines[0] if lines else ""
        for line in lines[1:]:
            prev_word = text.split()[-1] if text.split() else ""
            next_word = line.split()[0]
            if prev_word.endswith((",", ";", "/")):
                text = f"{text} {line}"
            elif is_non_latin(prev_word) != is_non_latin(next_word):
                text = f"{text}; {line}"
            else:
                text = f"{text} {line}"
    out: list[tuple[str, str | None]] = []
    parts = _LANG_LABEL.split(text)
    # parts = [text, label, text, label, text, ...]
    lang: str | None = None
    for idx, part in enumerate(parts):
        if idx % 2 == 1:
            lang = _LANG_CODES[part.lower()]
            continue
        for name in _split_names(part, person):
            out.append((name, lang))
    return out


# --- dates ----------------------------------------------------------------------------

_APPROX = re.compile(r"^(?:circa|ca\.?|c\.|about|approx(?:imately|\.)?)\s*", re.IGNORECASE)
_YEAR_RANGE = re.compile(r"^(\d{4})\s*[-–]\s*(\d{4})$")
_OR = re.compile(r"\s+or\s+", re.IGNORECASE)


def parse_dates(raw: str) -> list[str] | None:
    """``1962``, ``1962-05-30``, ``1963-1964``, ``A or B``, ``circa 1962`` → ISO list.

    Returns None when any part is not a date, so the caller counts one warning per
    record rather than silently keeping half of an alternative.
    """
    text = _clean(raw)
    if not text:
        return []
    out: list[str] = []
    for part in _OR.split(text):
        part = _APPROX.sub("", part).strip()
        m = _YEAR_RANGE.match(part)
        if m:
            low, high = int(m[1]), int(m[2])
            if not 0 < high - low <= 10:
                return None
            out.extend(str(y) for y in range(low, high + 1))
            continue
        iso = parse_date(part, "dmy")
        if iso is None:
            return None
        out.append(iso)
    return out


# --- records --------------------------------------------------------------------------


def _program(country: str) -> str:
    """English half of the bilingual regulation label ("Syria / Syrie" → "Syria")."""
    return country.split(" / ")[0].strip()


def _schedule(value: str) -> str:
    return re.sub(r"\s*,\s*", ", ", value)


def _add_alias(entity: Entity, name: str, lang: str | None, person: bool, primary: str) -> None:
    if name.casefold() == primary.casefold():
        return
    if is_non_latin(name):
        kind = NameKind.ORIGINAL_SCRIPT
    elif person and len(name.split()) == 1:
        kind = NameKind.WEAK_ALIAS
    else:
        kind = NameKind.ALIAS
    entity.add_name(Name(full=name, kind=kind, lang=lang))


def _person_names(ctx: ParseContext, entity: Entity, fields: dict[str, str], key: str) -> str:
    last = fields.get("LastName", "")
    given = fields.get("GivenName", "")
    variant: str | None = None
    m = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", last)
    if m:  # "DIKIY (DIKY)": the bracket is a spelling variant of the surname
        last, variant = m[1], m[2]
    if last and given.casefold().endswith(" " + last.casefold()):
        ctx.warn("given name repeats the last name", key)
        given = given[: -len(last)].strip()
    full = f"{given} {last}".strip()
    title = fields.get("TitleOrShip") or None
    entity.add_name(
        Name(full=full, kind=NameKind.PRIMARY, first=given or None, last=last or None, title=title)
    )
    if variant:
        entity.add_name(
            Name(
                full=f"{given} {variant}".strip(),
                kind=NameKind.ALIAS,
                first=given or None,
                last=variant,
            )
        )
    if title:
        entity.add_property("title", title)
    return full


def _entity_names(entity: Entity, raw_name: str) -> str:
    name = raw_name.strip(" ;,")
    also: list[str] = []
    m = _ALSO_KNOWN.search(name)
    if m:
        also = _split_names(m[1], person=False)
        name = (name[: m.start()] + name[m.end() :]).strip(" ;,")
    entity.add_name(Name(full=name, kind=NameKind.PRIMARY))
    # Iranian and Syrian entities are listed "English/French"; each half is a name.
    if "/" in name:
        depths = _paren_depths(name)
        cuts = [i for i, ch in enumerate(name) if ch == "/" and depths[i] == 0]
        if cuts:
            bounds = [-1, *cuts, len(name)]
            for a, b in pairwise(bounds):
                part = name[a + 1 : b].strip()
                if len(part) > 2:
                    entity.add_name(Name(full=part, kind=NameKind.ALIAS))
    for alias in also:
        if alias.casefold() != name.casefold():
            entity.add_name(Name(full=alias, kind=NameKind.ALIAS))
    return name


def _record(ctx: ParseContext, fields: dict[str, str], source_id: str) -> Entity | None:
    person = bool(fields.get("LastName") or fields.get("GivenName"))
    entity_name = fields.get("EntityOrShip", "")
    imo = fields.get("ShipIMONumber", "")
    if person:
        schema = "Person"
    elif entity_name:
        schema = "Vessel" if imo or fields.get("TitleOrShip") else "Organization"
    else:
        ctx.warn("record without a name", source_id)
        return None
    entity = Entity(dataset=DATASET, source_id=source_id, schema=schema, source_url=SOURCE_URL)
    if person:
        if entity_name:
            ctx.warn("record with both a person's and an entity's name", source_id)
        primary = _person_names(ctx, entity, fields, source_id)
    else:
        primary = _entity_names(entity, entity_name)

    aliases = fields.get("Aliases")
    if aliases:
        for alias, lang in split_aliases(aliases, person):
            if _is_legal_form(alias):
                ctx.warn("alias is only a legal form", f"{source_id}: {alias}")
                continue
            _add_alias(entity, alias, lang, person, primary)

    if schema == "Vessel":
        if fields.get("TitleOrShip"):
            entity.add_property("type", fields["TitleOrShip"])
        if imo:
            if re.fullmatch(r"\d{7}", imo):
                entity.identifiers.append(Identifier(type="imo", number=imo, label="IMO"))
                entity.add_property("imoNumber", f"IMO{imo}")
            else:
                ctx.warn("malformed IMO number", f"{source_id}: {imo}")

    raw_date = fields.get("DateOfBirthOrShipBuildDate")
    if raw_date:
        dates = parse_dates(raw_date)
        if dates is None:
            ctx.warn("unparsed date of birth or build date", f"{source_id}: {raw_date}")
            entity.remarks.append(f"Date of birth or build date: {raw_date}")
        elif schema == "Person":
            for d in dates:
                if d not in entity.birth_dates:
                    entity.birth_dates.append(d)
        elif schema == "Vessel":
            for d in dates:
                entity.add_property("buildDate", d)
        else:
            ctx.warn("date on an organisation", source_id)
            entity.remarks.append(f"Date: {raw_date}")

    country = fields.get("Country", "")
    if country:
        entity.programs.append(_program(country))
        if fields.get("Schedule"):
            schedule = _schedule(fields["Schedule"])
            entity.remarks.append(f"Schedule {schedule}, item {fields.get('Item', '')}")
    listed = fields.get("DateOfListing")
    if listed:
        entity.listed_on = parse_date(listed, "dmy")
        if entity.listed_on is None:
            ctx.warn("unparsed date of listing", f"{source_id}: {listed}")
    return entity


def parse(ctx: ParseContext, files: Mapping[str, Path]) -> Iterator[Entity]:
    """Yield one entity per ``<record>``; whole-file problems raise :class:`ParseError`."""
    path = files[ROLE]
    raw = read_bytes(path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(raw, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"invalid XML: {exc.msg}", path, exc.lineno) from exc
    if root.tag != "data-set":
        raise ParseError(f"not a SEMA list: root element is <{root.tag}>, not <data-set>", path)
    records = root.findall("record")
    if not records:
        raise ParseError("no <record> elements", path)

    seen: dict[str, int] = {}
    for rec in records:
        fields: dict[str, str] = {}
        for child in rec:
            if not isinstance(child.tag, str):
                continue  # comments, processing instructions
            if child.tag not in _KNOWN_TAGS:
                ctx.warn("unknown element", child.tag)
            value = _clean(child.text)
            if value:
                # Aliases keep their line breaks: split_aliases reads them as separators.
                fields[child.tag] = (child.text or "").strip() if child.tag == "Aliases" else value
        item = fields.get("Item")
        if not item:
            ctx.warn("record without Item", f"line {rec.sourceline}")
            continue
        key = "|".join(
            (_program(fields.get("Country", "")), _schedule(fields.get("Schedule", "")), item)
        )
        count = seen.get(key, 0) + 1
        seen[key] = count
        if count > 1:
            ctx.warn("duplicate Country|Schedule|Item", key)
            key = f"{key}#{count}"
        entity = _record(ctx, fields, key)
        if entity is not None:
            yield entity


def classify(path: Path, head: bytes) -> tuple[str, str] | None:
    """``sema-lema.xml`` by name, or any XML whose head shows the SEMA record layout."""
    name = logical_name(path)
    if name == "sema-lema.xml":
        return DATASET, ROLE
    if (
        name.endswith(".xml")
        and b"<data-set" in head
        and b"<record>" in head
        and b"<Country>" in head
        and (b"<Item>" in head or b"<DateOfListing>" in head)
    ):
        return DATASET, ROLE
    return None


SOURCE = register(
    Source(
        name="ca_sema",
        datasets=(DATASET,),
        primary=ROLE,
        roles=(ROLE,),
        classify=classify,
        parse=parse,
        titles={DATASET: "Canada Consolidated Autonomous Sanctions List (SEMA/JVCFOA)"},
        downloads={DATASET: {ROLE: DOWNLOAD_URL}},
    )
)
