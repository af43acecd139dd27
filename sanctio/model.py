"""The entity model every source produces and every later stage consumes.

One :class:`Entity` is one listing on one official list. The vocabulary follows
FollowTheMoney (schemata ``Person``, ``Organization``, ``Company``, ``LegalEntity``,
``Vessel``, ``Airplane``; property names such as ``birthDate``) so that export to FtM is a
renaming, not a reinterpretation. This module imports nothing else from sanctio.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson

SCHEMATA = ("Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane")


class NameKind(StrEnum):
    """How the source qualifies a name; screening weighs them differently."""

    PRIMARY = "primary"
    ALIAS = "alias"  # strong / good-quality a.k.a., n.k.a.
    WEAK_ALIAS = "weak_alias"  # OFAC "weak", UN "Low" quality, UK "low quality"
    FORMER = "former"  # f.k.a., formerly known as
    ORIGINAL_SCRIPT = "original_script"  # the name in its own (non-Latin) script


@dataclass(slots=True)
class Name:
    """A name as the source gave it, plus the structured parts when the source has them.

    ``full`` is always filled: when a source only gives parts, the parser joins them in the
    order the source uses for display. Parts stay separate because matching a given name
    against a surname is weaker evidence than matching like with like.
    """

    full: str
    kind: NameKind = NameKind.PRIMARY
    first: str | None = None
    middle: str | None = None
    last: str | None = None
    father: str | None = None  # patronymic / father's name
    title: str | None = None
    lang: str | None = None  # ISO 639 code or script hint, when the source states it


@dataclass(slots=True)
class Identifier:
    """An identifying document or code. ``type`` uses a small fixed vocabulary.

    Types: ``passport``, ``national_id``, ``tax_id``, ``registration``, ``imo``, ``mmsi``,
    ``swift_bic``, ``lei``, ``aircraft_serial``, ``aircraft_tail``, ``ssn``, ``driving_licence``,
    ``other``. ``label`` keeps the source's own wording ("Cedula No.", "NIT #").
    """

    type: str
    number: str
    country: str | None = None  # ISO 3166-1 alpha-2, lower case as in FtM
    label: str | None = None
    note: str | None = None


@dataclass(slots=True)
class Address:
    full: str
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, lower case


@dataclass(slots=True)
class Relation:
    """A link the source states ("Linked To: KIM, Kun"); target resolved when possible."""

    kind: str  # "linked_to", "family", "associate", "owner", ...
    target_name: str
    target_id: str | None = None


@dataclass(slots=True)
class Entity:
    """One listing. ``id`` is ``<dataset>:<source_id>`` and never changes across versions."""

    dataset: str
    source_id: str
    schema: str
    names: list[Name] = field(default_factory=list)
    birth_dates: list[str] = field(
        default_factory=list
    )  # ISO 8601 prefixes: 1954, 1954-01, 1954-01-01
    birth_places: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)  # ISO alpha-2, lower case
    citizenships: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # residence, jurisdiction, flag...
    gender: str | None = None  # "male" / "female" / "other"
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)  # e.g. "GLOMAG", "SDGT", "Russia"
    listed_on: str | None = None  # ISO date prefix
    remarks: list[str] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    # Further FtM properties the source gives (callSign, flag, tonnage, email, website, position...)
    properties: dict[str, list[str]] = field(default_factory=dict)
    source_url: str | None = None

    @property
    def id(self) -> str:
        return f"{self.dataset}:{self.source_id}"

    @property
    def caption(self) -> str:
        for name in self.names:
            if name.kind == NameKind.PRIMARY:
                return name.full
        return self.names[0].full if self.names else self.id

    def add_property(self, prop: str, value: str | None) -> None:
        """Append to an FtM-style property, ignoring empty values and duplicates."""
        if value is None:
            return
        value = value.strip()
        if not value:
            return
        values = self.properties.setdefault(prop, [])
        if value not in values:
            values.append(value)

    def add_name(self, name: Name) -> None:
        """Append a name unless the same text with the same kind is already there."""
        name.full = " ".join(name.full.split())
        if not name.full:
            return
        for existing in self.names:
            if existing.full == name.full and existing.kind == name.kind:
                return
        self.names.append(name)

    def to_dict(self) -> dict[str, Any]:
        plain: dict[str, Any] = _to_plain(self)
        return plain

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entity:
        data = dict(data)
        data["names"] = [Name(**{**n, "kind": NameKind(n["kind"])}) for n in data.get("names", [])]
        data["identifiers"] = [Identifier(**i) for i in data.get("identifiers", [])]
        data["addresses"] = [Address(**a) for a in data.get("addresses", [])]
        data["relations"] = [Relation(**r) for r in data.get("relations", [])]
        return cls(**data)

    def to_json(self) -> bytes:
        """Canonical JSON: equal entities give equal bytes, so the hash below is a diff key."""
        return orjson.dumps(self.to_dict(), option=orjson.OPT_SORT_KEYS)

    @classmethod
    def from_json(cls, raw: bytes | str) -> Entity:
        return cls.from_dict(orjson.loads(raw))


def _to_plain(obj: Any) -> Any:
    """asdict() without its deep copies (slots dataclasses, 40k entities per update)."""
    if hasattr(obj, "__dataclass_fields__"):
        out: dict[str, Any] = {}
        for f in fields(obj):
            value = getattr(obj, f.name)
            if value is None or value == [] or value == {}:
                continue
            out[f.name] = _to_plain(value)
        return out
    if isinstance(obj, list):
        return [_to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, StrEnum):
        return obj.value
    return obj


@dataclass(slots=True)
class SourceFile:
    """One file that went into a version, with its fingerprint."""

    role: str
    path: str
    sha256: str
    size: int


@dataclass(slots=True)
class DatasetVersion:
    """One successful (or refused) load of one dataset."""

    id: int
    dataset: str
    version: str  # human label, e.g. "20240503-1"
    published: str | None  # the date the publisher states, when it states one
    fetched_at: datetime
    status: str  # "active", "superseded", "refused"
    entity_count: int
    name_count: int
    files: list[SourceFile] = field(default_factory=list)
    warnings: dict[str, int] = field(default_factory=dict)
    message: str | None = None
