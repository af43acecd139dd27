"""Secondary evidence: what besides the name makes a candidate more or less likely.

Each function compares one aspect of the query with one listing and returns the
adjustment to the name score plus a short explanation; the docstring is the rule a user
is shown. Absent data on either side is no evidence at all: most customer records carry
no passport number and many listings no birth date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanctio.index import EntityInfo

ORG_LIKE = {"Organization", "Company", "LegalEntity"}
COMPATIBLE: dict[str, set[str]] = {
    "Person": {"Person", "LegalEntity"},
    "Organization": ORG_LIKE,
    "Company": ORG_LIKE,
    "LegalEntity": {"Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane"},
    "Vessel": {"Vessel", "LegalEntity"},
    "Airplane": {"Airplane", "LegalEntity"},
}

Evidence = tuple[float, dict[str, Any]] | None


def schema_compatible(query_schema: str | None, candidate_schema: str) -> bool:
    """A person never matches a vessel; LegalEntity (unknown kind) matches anything."""
    if query_schema is None:
        return True
    return candidate_schema in COMPATIBLE.get(query_schema, {query_schema})


def birth_date(query_date: str | None, info: EntityInfo) -> Evidence:
    """Same full date +0.08; same year +0.04; a year off -0.05; further apart -0.20."""
    if not query_date or not info.birth_dates:
        return None
    qy = query_date[:4]
    best: tuple[float, str] | None = None
    for listed in info.birth_dates:
        if listed == query_date and len(listed) == 10:
            outcome = (0.08, f"same date of birth {listed}")
        elif listed[:4] == qy:
            if len(listed) >= 7 and len(query_date) >= 7 and listed[:7] != query_date[:7]:
                outcome = (-0.05, f"same year, different day or month ({listed})")
            elif len(listed) == 10 and len(query_date) == 10:
                outcome = (-0.05, f"same year, different day ({listed})")
            else:
                outcome = (0.04, f"same year of birth ({listed})")
        elif qy.isdigit() and listed[:4].isdigit() and abs(int(qy) - int(listed[:4])) == 1:
            outcome = (-0.05, f"born a year apart ({listed})")
        else:
            outcome = (-0.2, f"different year of birth ({listed})")
        if best is None or outcome[0] > best[0]:
            best = outcome
    assert best is not None
    return best[0], {"effect": best[0], "detail": best[1], "query": query_date}


def country(query_countries: tuple[str, ...], info: EntityInfo) -> Evidence:
    """A shared country +0.03; listed countries that all differ -0.03."""
    if not query_countries or not info.countries:
        return None
    shared = sorted(set(query_countries) & set(info.countries))
    if shared:
        return 0.03, {"effect": 0.03, "detail": f"shared country {', '.join(shared)}"}
    return -0.03, {"effect": -0.03, "detail": f"listed countries {', '.join(info.countries)}"}


def identifier(query_ids: tuple[str, ...], info: EntityInfo) -> Evidence:
    """The same identifier number (passport, IMO, tax id...) makes a match near-certain."""
    if not query_ids or not info.identifiers:
        return None
    shared = sorted(set(query_ids) & set(info.identifiers))
    if not shared:
        return None
    return 1.0, {"effect": "near-certain", "detail": f"same identifier {', '.join(shared)}"}
