"""Scoring: a query against one candidate listing, with the explanation shown to users.

The final score is the best name score over every (query rendering, list name) pair,
reduced for weak aliases, then moved by the secondary evidence in
:mod:`sanctio.match.evidence`, and clamped to [0, 1]. An identical identifier lifts the
score to at least 0.95 whatever the name says: that is a finding an analyst must see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sanctio.match import evidence
from sanctio.match.names import BETA, BETA_ORG, NameScore, Weigher, score_tokens
from sanctio.model import NameKind
from sanctio.normalize import Token

if TYPE_CHECKING:
    from sanctio.index import EntityInfo

KIND_FACTOR = {
    NameKind.PRIMARY: 1.0,
    NameKind.ALIAS: 1.0,
    NameKind.ORIGINAL_SCRIPT: 1.0,
    NameKind.FORMER: 0.98,
    NameKind.WEAK_ALIAS: 0.9,  # "weak" / "low quality" aliases: the lists' own warning
}


@dataclass(frozen=True)
class Prepared:
    """A validated query, analysed once and reused against every candidate."""

    name: str
    schema: str | None
    renderings: tuple[tuple[Token, ...], ...]
    birth_date: str | None
    countries: tuple[str, ...]
    identifiers: tuple[str, ...]


@dataclass
class Scored:
    score: float
    name_score: float
    list_name: str
    name_kind: NameKind
    explanation: dict[str, Any]


def score_candidate(
    query: Prepared,
    info: EntityInfo,
    names: Sequence[tuple[int, tuple[Token, ...]]],
    weight: Weigher,
    memo: dict[tuple[int, tuple[Token, ...]], NameScore] | None = None,
) -> Scored:
    """Score one listing, given its analysed names as (name index, tokens).

    ``memo`` carries name scores across the candidates of one query: the same name is
    often on several lists, and is then aligned only once.
    """
    memo = {} if memo is None else memo
    beta = BETA if info.schema in ("Person", "LegalEntity") else BETA_ORG
    best: tuple[float, int, NameScore, tuple[Token, ...], tuple[Token, ...]] | None = None
    for name_idx, tokens in names:
        factor = KIND_FACTOR[info.names[name_idx][1]]
        for r, rendering in enumerate(query.renderings):
            ns = memo.get((r, tokens))
            if ns is None:
                ns = memo[(r, tokens)] = score_tokens(rendering, tokens, weight, beta)
            value = ns.score * factor
            if best is None or value > best[0]:
                best = (value, name_idx, ns, rendering, tokens)
    if best is None:
        return Scored(0.0, 0.0, info.caption, NameKind.PRIMARY, {})
    value, name_idx, ns, rendering, tokens = best
    list_name, kind = info.names[name_idx]
    explanation: dict[str, Any] = {
        "name": {
            "score": round(value, 4),
            "list_name": list_name,
            "name_kind": kind.value,
            **ns.explain(rendering, tokens),
        }
    }
    score = value
    dob = evidence.birth_date(query.birth_date, info)
    if dob is not None:
        score += dob[0]
        explanation["birth_date"] = dob[1]
    ctry = evidence.country(query.countries, info)
    if ctry is not None:
        score += ctry[0]
        explanation["country"] = ctry[1]
    ident = evidence.identifier(query.identifiers, info)
    if ident is not None:
        score = max(score, 0.95 + 0.05 * value)
        explanation["identifier"] = ident[1]
    score = min(1.0, max(0.0, score))
    return Scored(score, value, list_name, kind, explanation)
