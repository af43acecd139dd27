"""Deterministic query sets for the speed and scale benchmarks.

A latency figure means little without saying what was asked. Screening traffic is mostly
names that are *not* listed, plus listed names typed the way people type them: in another
case or order, with a typo, without a middle name, or in another script. This module
builds such a mix from the entities of a store, seeded, so two runs (and two engines)
are timed on exactly the same questions.

    from queries import build_queries
    queries = build_queries(entities, 2000, seed=1)

Kinds (default share):

- ``exact`` (18%): a listed name (primary or strong alias), verbatim.
- ``case`` (8%): the same in lower, upper or title case.
- ``order`` (10%): tokens rotated ("PUTIN, Vladimir" -> "Vladimir PUTIN").
- ``typo`` (12%): one letter substituted, dropped, doubled or swapped.
- ``drop_middle`` (7%): a middle token of a person's name left out.
- ``cross_script`` (12%): the listed original-script form (Arabic, Cyrillic, CJK...),
  a Cyrillic name romanised, or a Latin name written in Cyrillic.
- ``absent`` (33%): a given name of one listing with the surname of another (or words of
  two organisation names), checked not to be a listed name.

Each query gets its own id (``qid``) so engines that cache name analysis per entity id
(nomenklatura does) analyse every query afresh.
"""

from __future__ import annotations

import json
import random
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sanctio.model import Entity, NameKind

DEFAULT_SEED = 20240501
DEFAULT_MIX: dict[str, float] = {
    "exact": 0.18,
    "case": 0.08,
    "order": 0.10,
    "typo": 0.12,
    "drop_middle": 0.07,
    "cross_script": 0.12,
    "absent": 0.33,
}
# A quarter of queries state no schema, as many API callers don't.
NO_SCHEMA_SHARE = 0.25
_STRONG_KINDS = (NameKind.PRIMARY, NameKind.ALIAS)
_POOL_SAMPLE = 50_000  # entities looked at for name parts; enough variety, bounded time


@dataclass(frozen=True)
class BenchQuery:
    """One benchmark question and where it came from."""

    qid: str
    name: str
    schema: str | None
    kind: str
    expected: str | None  # the entity id the name was derived from (None for absent)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchQuery:
        return cls(**data)


@dataclass
class NameParts:
    """Real name material: given names, surnames and organisation words, deduplicated."""

    given: list[str]
    surnames: list[str]
    org_words: list[str]


# --------------------------------------------------------------------------- text helpers


def is_latin(text: str) -> bool:
    """Every letter is Latin (accents allowed): the names people type on a Latin keyboard."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)


def natural_order(full: str) -> list[str]:
    """Tokens in display order: OFAC's ``SURNAME, Given Names`` becomes ``Given Names SURNAME``."""
    if full.count(",") == 1:
        surname, given = (part.strip() for part in full.split(","))
        if surname and given:
            return [*given.split(), *surname.split()]
    return full.replace(",", " ").split()


def split_person(full: str, first: str | None, last: str | None) -> tuple[str, str] | None:
    """(given, surname) of a person's name, from the source's parts when it gives them."""
    if first and last and is_latin(first) and is_latin(last):
        return first.split()[0], last
    tokens = natural_order(full)
    if len(tokens) < 2:
        return None
    return tokens[0], tokens[-1]


_CYRILLIC_MULTI = (
    ("shch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "ё"),
)
_CYRILLIC_SINGLE = dict(
    zip(
        "abvgdezijklmnoprstufhcqwx",
        ["а", "б", "в", "г", "д", "е", "з", "и", "дж", "к", "л", "м", "н", "о", "п", "р", "с",
         "т", "у", "ф", "х", "к", "к", "в", "кс"],
        strict=True,
    )
)  # fmt: skip


def to_cyrillic(text: str) -> str:
    """A Russian-style spelling of a Latin name, as a Cyrillic-keyboard user would type it."""
    from normality import ascii_text

    out_tokens = []
    for token in ascii_text(text).split():
        low, out, i = token.lower(), [], 0
        while i < len(low):
            for latin, cyr in _CYRILLIC_MULTI:
                if low.startswith(latin, i):
                    out.append(cyr)
                    i += len(latin)
                    break
            else:
                ch = low[i]
                if ch == "y":  # Yuri -> Юри above; Vasily -> Василий; Chyornyy -> Чёрный
                    after_vowel = i > 0 and low[i - 1] in "aeiouy"
                    final = i == len(low) - 1
                    out.append("й" if after_vowel or i == 0 else "ий" if final else "ы")
                elif ch in _CYRILLIC_SINGLE:
                    out.append(_CYRILLIC_SINGLE[ch])
                elif not ch.isalpha():
                    out.append(ch)
                i += 1
        word = "".join(out)
        if word:
            out_tokens.append(word[:1].upper() + word[1:])
    return " ".join(out_tokens)


def romanise(text: str) -> str:
    from normality import ascii_text

    return str(ascii_text(text) or "")


def typo(rng: random.Random, text: str) -> str:
    """One keyboard slip in one of the longer words."""
    tokens = text.split(" ")
    candidates = [i for i, t in enumerate(tokens) if sum(ch.isalpha() for ch in t) >= 4]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = tokens[i]
    positions = [j for j, ch in enumerate(word) if ch.isalpha()]
    j = rng.choice(positions[1:])  # keep the first letter: the usual case for real typos
    letters = string.ascii_uppercase if word.isupper() else string.ascii_lowercase
    op = rng.choice(("substitute", "delete", "double", "swap"))
    if op == "substitute":
        new = rng.choice([c for c in letters if c.lower() != word[j].lower()])
        word = word[:j] + new + word[j + 1 :]
    elif op == "delete":
        word = word[:j] + word[j + 1 :]
    elif op == "double":
        word = word[:j] + word[j] + word[j:]
    elif j + 1 < len(word):
        word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    else:
        word = word[: j - 1] + word[j] + word[j - 1]
    tokens[i] = word
    return " ".join(tokens)


def change_case(rng: random.Random, text: str) -> str:
    for variant in rng.sample((str.lower, str.upper, str.title), 3):
        changed = variant(text)
        if changed != text:
            return changed
    return text


# --------------------------------------------------------------------------- building


def _strong_latin_names(entity: Entity) -> list[str]:
    return [n.full for n in entity.names if n.kind in _STRONG_KINDS and is_latin(n.full)]


def name_parts(entities: Sequence[Entity], *, seed: int = DEFAULT_SEED) -> NameParts:
    """Given names, surnames and organisation words of (a seeded sample of) ``entities``."""
    rng = random.Random(seed)
    sample = list(entities)
    if len(sample) > _POOL_SAMPLE:
        sample = rng.sample(sample, _POOL_SAMPLE)
    given: set[str] = set()
    surnames: set[str] = set()
    words: set[str] = set()
    for entity in sample:
        for name in entity.names:
            if name.kind not in _STRONG_KINDS or not is_latin(name.full):
                continue
            if entity.schema == "Person":
                parts = split_person(name.full, name.first, name.last)
                if parts:
                    given.add(parts[0].strip(' .,-"()').title())
                    surnames.add(parts[1].strip(' .,-"()').title())
            elif entity.schema in ("Organization", "Company", "LegalEntity"):
                for word in name.full.replace(",", " ").split():
                    if sum(ch.isalpha() for ch in word) >= 2:
                        words.add(word.strip(" .-\"'()").upper())
    return NameParts(
        given=sorted(g for g in given if len(g) > 1),
        surnames=sorted(s for s in surnames if len(s) > 1),
        org_words=sorted(w for w in words if len(w) > 1),
    )


def _counts(n: int, mix: dict[str, float]) -> dict[str, int]:
    counts = {kind: int(n * share) for kind, share in mix.items()}
    counts["absent"] = counts.get("absent", 0) + n - sum(counts.values())
    return counts


def build_queries(
    entities: Iterable[Entity],
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    mix: dict[str, float] | None = None,
) -> list[BenchQuery]:
    """``n`` queries drawn from ``entities`` in the proportions of ``mix``, seeded."""
    rng = random.Random(seed)
    pool = sorted(entities, key=lambda e: e.id)
    if not pool:
        raise ValueError("no entities to build queries from")
    parts = name_parts(pool, seed=seed)
    listed = {n.full.casefold() for e in pool for n in e.names}
    listed |= {" ".join(natural_order(n.full)).casefold() for e in pool for n in e.names}
    by_schema = {"Person": [e for e in pool if e.schema == "Person"]}
    originals = [(e, n.full) for e in pool for n in e.names if n.kind == NameKind.ORIGINAL_SCRIPT]

    def schema_of(entity: Entity | None, default: str) -> str | None:
        if rng.random() < NO_SCHEMA_SHARE:
            return None
        return entity.schema if entity is not None else default

    def pick(persons_only: bool = False) -> tuple[Entity, str]:
        source = by_schema["Person"] if persons_only and by_schema["Person"] else pool
        for _ in range(1000):
            entity = rng.choice(source)
            names = _strong_latin_names(entity)
            if names:
                return entity, rng.choice(names)
        raise ValueError("no Latin-script names among the entities")

    def make(kind: str) -> tuple[str, str | None, str | None]:
        """(name, schema, expected entity id) for one query of ``kind``."""
        if kind == "exact":
            entity, name = pick()
            return name, schema_of(entity, ""), entity.id
        if kind == "case":
            entity, name = pick()
            return change_case(rng, name), schema_of(entity, ""), entity.id
        if kind == "order":
            for _ in range(100):
                entity, name = pick()
                tokens = natural_order(name)
                if len(tokens) >= 2:
                    if "," in name:  # the list's SURNAME, Given -> Given SURNAME
                        return " ".join(tokens), schema_of(entity, ""), entity.id
                    k = rng.randrange(1, len(tokens))
                    rotated = " ".join(tokens[k:] + tokens[:k])
                    return rotated, schema_of(entity, ""), entity.id
        if kind == "typo":
            for _ in range(100):
                entity, name = pick()
                changed = typo(rng, name)
                if changed != name:
                    return changed, schema_of(entity, ""), entity.id
        if kind == "drop_middle":
            for _ in range(200):
                entity, name = pick(persons_only=True)
                tokens = natural_order(name)
                if len(tokens) >= 3:
                    del tokens[rng.randrange(1, len(tokens) - 1)]
                    return " ".join(tokens), schema_of(entity, ""), entity.id
            return make("typo")
        if kind == "cross_script":
            way = rng.choice(("original", "romanised", "cyrillic"))
            if way in ("original", "romanised") and originals:
                entity, name = rng.choice(originals)
                if way == "original":
                    return name, schema_of(entity, ""), entity.id
                if not is_latin(name) and any(
                    unicodedata.name(ch, "").startswith("CYRILLIC") for ch in name
                ):
                    return romanise(name), schema_of(entity, ""), entity.id
            entity, name = pick(persons_only=True)
            return to_cyrillic(" ".join(natural_order(name))), schema_of(entity, ""), entity.id
        if kind == "absent":
            for _ in range(1000):
                if rng.random() < 0.8 and parts.given and parts.surnames:
                    name = f"{rng.choice(parts.given)} {rng.choice(parts.surnames)}"
                    default = "Person"
                elif len(parts.org_words) >= 2:
                    words = rng.sample(parts.org_words, rng.choice((2, 2, 3)))
                    name, default = " ".join(words), "Organization"
                else:
                    continue
                if name.casefold() not in listed:
                    return name, schema_of(None, default), None
            raise ValueError("could not make a name that is not listed")
        return make("exact")

    kinds = [kind for kind, count in _counts(n, mix or DEFAULT_MIX).items() for _ in range(count)]
    rng.shuffle(kinds)
    out = []
    for i, kind in enumerate(kinds):
        name, schema, expected = make(kind)
        out.append(BenchQuery(f"q{seed % 1000:03d}-{i:07d}", name, schema, kind, expected))
    return out


def save_queries(queries: Sequence[BenchQuery], path: Path) -> None:
    path.write_text(
        "\n".join(json.dumps(q.to_dict(), ensure_ascii=False) for q in queries) + "\n",
        encoding="utf-8",
    )


def load_queries(path: Path) -> list[BenchQuery]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [BenchQuery.from_dict(json.loads(line)) for line in lines if line.strip()]


if __name__ == "__main__":  # print a sample: python bench/queries.py [STORE] [N]
    import sys

    from sanctio.store import Store

    store = Store(sys.argv[1]) if len(sys.argv) > 1 else Store()
    for q in build_queries(store.all_entities(), int(sys.argv[2]) if len(sys.argv) > 2 else 40):
        print(f"{q.kind:13} {q.schema or '-':13} {q.name}  <- {q.expected}")
