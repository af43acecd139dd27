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

import gc
import pickle
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sanctio.index import Index, normalize_identifier
from sanctio.match import Prepared, evidence, score_candidate
from sanctio.match.names import BETA, BETA_ORG, NameScore, Rarity, score_tokens
from sanctio.model import SCHEMATA, Entity
from sanctio.normalize import Token, analyze
from sanctio.sources.base import parse_date, to_country
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
    """Screens queries against every active list version of a store, via its index."""

    def __init__(self, entities: Iterable[Entity] | None = None, *, index: Index | None = None):
        if index is None:
            index = Index.build(entities or [])
        self.index = index

    @property
    def versions(self) -> dict[str, int]:
        """Dataset → version id the answers come from (for audit trails)."""
        return dict(self.index.versions)

    @classmethod
    def open(cls, store: Store | None = None, *, rebuild: bool = False) -> Screener:
        """The screener over a store's active versions (default: $SANCTIO_HOME).

        Loads the index saved for exactly these versions, or builds and saves it.
        """
        store = store or Store()
        path = index_path(store)
        index: Index | None = None
        if not rebuild and path.exists():
            try:
                index = Index.load(path)
            except (OSError, EOFError, pickle.UnpicklingError, TypeError, AttributeError):
                index = None  # unreadable or from another sanctio version: rebuild
        if index is None:
            index = build_index(store)
        # The index is millions of long-lived objects: keep the cyclic garbage collector
        # from walking them again and again (pauses of a second at a million names).
        gc.collect()
        gc.freeze()
        return cls(index=index)

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

    def prepare(self, query: Query) -> Prepared:
        """Validate and analyse a query once."""
        query = query.validated()
        renderings = tuple(analyze(query.name, query.schema))
        if not renderings:
            raise QueryError("name has no letters or digits sanctio can compare")
        birth = parse_date(query.birth_date) if query.birth_date else None
        if query.birth_date and birth is None:
            raise QueryError(f"unreadable birth date {query.birth_date!r}; use YYYY-MM-DD")
        countries = tuple(c for c in (to_country(c) for c in query.countries) if c)
        ids = tuple(i for i in (normalize_identifier(x) for x in query.identifiers) if i)
        return Prepared(query.name, query.schema, renderings, birth, countries, ids)

    def screen_query(
        self,
        query: Query,
        *,
        datasets: Sequence[str] | None = None,
        limit: int = 10,
        threshold: float = DEFAULT_THRESHOLD,
        candidates: int = 64,
    ) -> list[Match]:
        """Candidates from the index, each scored and explained; best first."""
        prepared = self.prepare(query)
        index = self.index
        wanted = set(datasets) if datasets else None
        # Retrieved name records grouped by listing, in retrieval order.
        by_entity: dict[int, list[int]] = {}
        # Records that met less than (threshold - 0.2) of the best record's retrieval score
        # cannot plausibly reach the threshold; a low threshold keeps more of them.
        cutoff = max(0.0, threshold - 0.2)
        for ri in index.candidates(prepared.renderings, limit=candidates, cutoff=cutoff):
            by_entity.setdefault(index.records[ri][0], []).append(ri)
        if prepared.identifiers:
            for ei in index.entities_with_identifier(prepared.identifiers):
                by_entity.setdefault(ei, list(index.records_of(ei)))
        out: list[Match] = []
        memo: dict[tuple[int, tuple[Token, ...]], NameScore] = {}
        for ei, records in by_entity.items():
            info = index.entities[ei]
            if wanted is not None and info.dataset not in wanted:
                continue
            if not evidence.schema_compatible(prepared.schema, info.schema):
                continue
            names = [(index.records[r][1], index.tokens(r)) for r in records]
            scored = score_candidate(prepared, info, names, index.rarity, memo)
            if scored.score < threshold:
                continue
            out.append(
                Match(
                    info.id,
                    info.dataset,
                    info.source_id,
                    scored.list_name,
                    info.caption,
                    info.schema,
                    scored.score,
                    scored.explanation,
                )
            )
        out.sort(key=lambda m: (-m.score, m.entity_id))
        return out[:limit]


def _active(store: Store) -> dict[str, int]:
    return {v.dataset: v.id for v in store.active_versions()}


def index_path(store: Store, versions: dict[str, int] | None = None) -> Path:
    """Where the index for a store's active versions lives (beside the store)."""
    versions = _active(store) if versions is None else versions
    return store.path.parent / "index" / f"{Index.fingerprint(versions)}.pickle"


def build_index(store: Store) -> Index:
    """Build the index of a store's active versions, save it, drop stale ones."""
    versions = _active(store)
    index = Index.build(store.all_entities(), versions)
    path = index_path(store, versions)
    index.save(path)
    for old in path.parent.glob("*.pickle"):
        if old != path:
            old.unlink(missing_ok=True)
    return index


def compare_names(a: str, b: str, schema: str = "Person") -> float:
    """Similarity of two names in [0, 1], on the same scale as a screening score.

    Rarity weights come from the shipped table of part frequencies on the official lists.
    """
    prior = Rarity.prior()
    beta = BETA if schema in ("Person", "LegalEntity") else BETA_ORG
    best = 0.0
    for qa in analyze(a, schema):
        for cb in analyze(b, schema):
            best = max(best, score_tokens(qa, cb, prior, beta).score)
    return best
