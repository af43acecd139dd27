"""``Screener``: the in-process screening API every interface (CLI, batch, HTTP) calls.

    from sanctio import Screener
    screener = Screener.open()                  # the store under $SANCTIO_HOME
    for match in screener.screen("Kun Kim", schema="Person", birth_date="1954"):
        print(match.score, match.entity_id, match.name)

A query is normalised (:mod:`sanctio.normalize`), candidates come from the index
(:mod:`sanctio.index`), each candidate is scored and explained (:mod:`sanctio.match`).
Scores are calibrated so that :data:`DEFAULT_THRESHOLD` is the one cut-off most users need.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sanctio.model import SCHEMATA, Entity
from sanctio.store import Store

DEFAULT_THRESHOLD = 0.70
MAX_NAME_LENGTH = 500


class QueryError(ValueError):
    """A query sanctio refuses to run, with a message fit for the caller."""


@dataclass(frozen=True)
class Query:
    """What is being screened. Only ``name`` is required."""

    name: str
    schema: str | None = None  # Person, Organization, Company, LegalEntity, Vessel, Airplane
    birth_date: str | None = None  # ISO prefix: 1954, 1954-01, 1954-01-01
    countries: tuple[str, ...] = ()  # ISO alpha-2 or names
    identifiers: tuple[str, ...] = ()  # passport, IMO, tax id... numbers

    def validated(self) -> Query:
        """Refuse what cannot be screened meaningfully; clean what can be cleaned."""
        if not isinstance(self.name, str):
            raise QueryError("name must be a string")
        if len(self.name) > MAX_NAME_LENGTH:
            raise QueryError(
                f"name is {len(self.name):,} characters long; the limit is {MAX_NAME_LENGTH}"
            )
        cleaned = "".join(
            " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in self.name
        ).strip()
        if not any(ch.isalnum() for ch in cleaned):
            raise QueryError("name is empty (no letters or digits)")
        if self.schema is not None and self.schema not in SCHEMATA:
            raise QueryError(f"unknown schema {self.schema!r}; use one of {', '.join(SCHEMATA)}")
        return Query(cleaned, self.schema, self.birth_date, self.countries, self.identifiers)


@dataclass
class Match:
    """One candidate listing for a query, with why it scored what it scored."""

    entity_id: str
    dataset: str
    source_id: str
    name: str  # the list name that matched best
    caption: str  # the entity's primary name
    schema: str
    score: float
    explanation: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "dataset": self.dataset,
            "source_id": self.source_id,
            "name": self.name,
            "caption": self.caption,
            "schema": self.schema,
            "score": round(self.score, 4),
            "explanation": self.explanation,
        }


class Screener:
    """Screens queries against every active list version in a store."""

    def __init__(self, entities: Iterable[Entity], versions: dict[str, int] | None = None):
        self.entities: dict[str, Entity] = {e.id: e for e in entities}
        self.versions = versions or {}

    @classmethod
    def open(cls, store: Store | None = None) -> Screener:
        """The screener over a store's active versions (default: $SANCTIO_HOME)."""
        store = store or Store()
        versions = {v.dataset: v.id for v in store.active_versions()}
        return cls(store.all_entities(), versions)

    def screen(
        self,
        name: str,
        *,
        schema: str | None = None,
        birth_date: str | None = None,
        country: str | Sequence[str] | None = None,
        id_number: str | Sequence[str] | None = None,
        datasets: Sequence[str] | None = None,
        limit: int = 10,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> list[Match]:
        countries = (country,) if isinstance(country, str) else tuple(country or ())
        ids = (id_number,) if isinstance(id_number, str) else tuple(id_number or ())
        query = Query(name, schema, birth_date, countries, ids)
        return self.screen_query(query, datasets=datasets, limit=limit, threshold=threshold)

    def screen_query(
        self,
        query: Query,
        *,
        datasets: Sequence[str] | None = None,
        limit: int = 10,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> list[Match]:
        """Placeholder engine (rapidfuzz over every name); replaced by index + scorer."""
        from rapidfuzz import fuzz

        query = query.validated()
        q = query.name.casefold()
        out: list[Match] = []
        for entity in self.entities.values():
            if datasets and entity.dataset not in datasets:
                continue
            best, best_name = 0.0, ""
            for n in entity.names:
                s = fuzz.token_sort_ratio(q, n.full.casefold()) / 100
                if s > best:
                    best, best_name = s, n.full
            if best >= threshold:
                out.append(
                    Match(
                        entity.id,
                        entity.dataset,
                        entity.source_id,
                        best_name,
                        entity.caption,
                        entity.schema,
                        best,
                        {"name": best},
                    )
                )
        out.sort(key=lambda m: -m.score)
        return out[:limit]


def compare_names(a: str, b: str, schema: str = "Person") -> float:
    """Similarity of two names in [0, 1], on the same scale as a screening score's name part."""
    screener = Screener([_entity_for(b, schema)])
    matches = screener.screen(a, schema=schema, threshold=0.0, limit=1)
    return matches[0].score if matches else 0.0


def _entity_for(name: str, schema: str) -> Entity:
    from sanctio.model import Name

    entity = Entity(dataset="pair", source_id="b", schema=schema)
    entity.add_name(Name(name))
    return entity
