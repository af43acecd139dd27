"""Candidate retrieval over every name of every active list.

Each analysed list name contributes, per part, a few keys: its exact text (``t:``), its
phonetic skeleton (``k:``) and the skeleton with one letter deleted (``d:``, a
deletion neighbourhood). A query part looks up its own text and skeleton, and its
skeleton's deletions, so a typo, an OCR slip, a romanisation variant or a glued or split
part still meets the list part (SymSpell's idea, on skeletons instead of spellings).
Candidates are ranked by the summed rarity of the parts that met, and only the best
few dozen go on to the scorer.

The index is built from the store after each ``update``, saved as one pickle beside it
(named by the versions it covers, so a stale index is never used) and loaded in a
fraction of a second.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np

from sanctio.match.names import KIND_WEIGHT, Rarity
from sanctio.model import Entity, NameKind
from sanctio.normalize import Kind, Token, analyze, phonetic_key

INDEX_FORMAT = 1
# An exact part counts clearly more than a phonetic or one-letter-off one, so a rare exact
# part is not outranked by a pile of near-misses on common ones.
KEY_WEIGHTS = {"t": 1.0, "k": 0.7, "d": 0.5, "kd": 0.5, "dd": 0.4}
MAX_POSTINGS = 60_000  # a key this common only helps when the query has nothing rarer


_ID_PREFIXES = ("IMO", "MMSI")


@lru_cache(maxsize=1)
def _engine_digest() -> str:
    """Hash of the modules whose behaviour is baked into an index."""
    import sanctio.match.names
    import sanctio.normalize

    digest = hashlib.sha256()
    for module in (sanctio.normalize, sanctio.match.names, sys.modules[__name__]):
        if module.__file__:
            digest.update(Path(module.__file__).read_bytes())
    digest.update(files("sanctio.data").joinpath("token_freq.json").read_bytes())
    return digest.hexdigest()[:16]


def normalize_identifier(value: str) -> str:
    """Identifier numbers compared on letters and digits only, upper case.

    A type prefix written into the number (``IMO 9074729``) is dropped, so it meets the
    bare number a list may give.
    """
    norm = "".join(ch for ch in value.upper() if ch.isalnum())
    for prefix in _ID_PREFIXES:
        if norm.startswith(prefix) and norm[len(prefix) :].isdigit():
            return norm[len(prefix) :]
    return norm


@dataclass(slots=True)
class EntityInfo:
    """What the scorer and the output need about one listing, kept compact."""

    id: str
    dataset: str
    source_id: str
    schema: str
    caption: str
    names: list[tuple[str, NameKind]]
    birth_dates: tuple[str, ...]
    countries: tuple[str, ...]
    identifiers: tuple[str, ...]
    programs: tuple[str, ...]

    @classmethod
    def from_entity(cls, e: Entity) -> EntityInfo:
        countries = dict.fromkeys(
            [*e.nationalities, *e.citizenships, *e.countries]
            + [a.country for a in e.addresses if a.country]
        )
        ids = dict.fromkeys(normalize_identifier(i.number) for i in e.identifiers)
        return cls(
            e.id,
            e.dataset,
            e.source_id,
            e.schema,
            e.caption,
            [(n.full, n.kind) for n in e.names],
            tuple(e.birth_dates),
            tuple(countries),
            tuple(i for i in ids if len(i) >= 4),
            tuple(e.programs),
        )


def encode_tokens(tokens: Sequence[Token]) -> str:
    """Tokens as one compact string: a million names pickle and load fast this way."""
    return "\x1e".join(f"{t.text}\x1f{t.key}\x1f{int(t.kind)}" for t in tokens)


def decode_tokens(data: str) -> tuple[Token, ...]:
    out = []
    for part in data.split("\x1e"):
        text, key, kind = part.split("\x1f")
        out.append(Token(text, key, Kind(int(kind))))
    return tuple(out)


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))} if len(key) >= 3 else set()


def token_keys(token: Token) -> list[str]:
    """The keys a list name part is filed under."""
    keys = [f"t:{token.text}"]
    if token.kind == Kind.NUMBER:
        return keys
    keys.append(f"k:{token.key}")
    keys.extend(f"d:{d}" for d in _deletions(token.key))
    return keys


def glued_keys(tokens: Sequence[Token]) -> list[str]:
    """Adjacent parts glued, so ``VladimirPutin`` or ``Bunheang`` find the split name."""
    out = []
    for a, b in itertools.pairwise(tokens):
        if a.kind != Kind.NUMBER and b.kind != Kind.NUMBER:
            out.append(f"k:{phonetic_key(a.text + b.text)}")
    return out


def query_keys(token: Token) -> list[tuple[str, float]]:
    """The keys a query part looks up, each with how much a hit on it is worth."""
    keys = [(f"t:{token.text}", KEY_WEIGHTS["t"])]
    if token.kind == Kind.NUMBER:
        return keys
    keys.append((f"k:{token.key}", KEY_WEIGHTS["k"]))
    keys.append((f"d:{token.key}", KEY_WEIGHTS["d"]))  # the list part had one more letter
    for d in _deletions(token.key):
        keys.append((f"k:{d}", KEY_WEIGHTS["kd"]))  # the query part has one more letter
        keys.append((f"d:{d}", KEY_WEIGHTS["dd"]))  # one letter differs
    return keys


class Index:
    """Name records (entity, name, analysed tokens) and the keys that find them."""

    def __init__(
        self,
        entities: list[EntityInfo],
        records: list[tuple[int, int, str]],
        keys: list[str],
        offsets: np.ndarray,
        ids: np.ndarray,
        rarity: Rarity,
        versions: dict[str, int],
    ):
        self.entities = entities
        self.records = records  # (entity index, name index, encoded tokens)
        self.keys = keys
        self.offsets = offsets
        self.ids = ids
        self.rarity = rarity
        self.versions = versions
        self.lengths = np.fromiter(
            (r[2].count("\x1e") + 1 for r in records), dtype=np.float32, count=len(records)
        )
        self.build_seconds = 0.0
        self._key_pos = {k: i for i, k in enumerate(keys)}
        self._tokens: dict[int, tuple[Token, ...]] = {}
        self._by_identifier: dict[str, list[int]] | None = None
        self._first_record: np.ndarray | None = None

    _DERIVED = ("_key_pos", "_tokens", "_by_identifier", "_first_record")

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k not in self._DERIVED}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._key_pos = {k: i for i, k in enumerate(self.keys)}
        self._tokens = {}
        self._by_identifier = None
        self._first_record = None

    def entities_with_identifier(self, ids: Sequence[str]) -> list[int]:
        """Listings holding any of these normalised identifiers (map built on first use)."""
        if self._by_identifier is None:
            by_id: dict[str, list[int]] = {}
            for ei, info in enumerate(self.entities):
                for ident in info.identifiers:
                    by_id.setdefault(ident, []).append(ei)
            self._by_identifier = by_id
        found = {ei for i in ids for ei in self._by_identifier.get(i, ())}
        return sorted(found)

    def records_of(self, entity: int) -> range:
        """The name records of one listing: ``build`` files them consecutively."""
        if self._first_record is None:
            owners = np.fromiter(
                (r[0] for r in self.records), dtype=np.int64, count=len(self.records)
            )
            self._first_record = np.searchsorted(owners, np.arange(len(self.entities) + 1))
        return range(int(self._first_record[entity]), int(self._first_record[entity + 1]))

    def tokens(self, record: int) -> tuple[Token, ...]:
        cached = self._tokens.get(record)
        if cached is None:
            cached = self._tokens[record] = decode_tokens(self.records[record][2])
        return cached

    def postings(self, key: str) -> np.ndarray | None:
        pos = self._key_pos.get(key)
        if pos is None:
            return None
        return self.ids[self.offsets[pos] : self.offsets[pos + 1]]

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, entities: Iterable[Entity], versions: dict[str, int] | None = None) -> Index:
        started = time.perf_counter()
        infos: list[EntityInfo] = []
        names: list[tuple[int, int, str]] = []
        postings: dict[str, list[int]] = defaultdict(list)
        df: Counter[str] = Counter()
        for entity in entities:
            if not entity.names:
                continue
            ei = len(infos)
            infos.append(EntityInfo.from_entity(entity))
            seen: set[str] = set()
            for ni, name in enumerate(entity.names):
                for tokens in analyze(name.full, entity.schema):
                    ri = len(names)
                    names.append((ei, ni, encode_tokens(tokens)))
                    record_keys: set[str] = set()
                    for t in tokens:
                        record_keys.update(token_keys(t))
                        seen.add(t.text)
                    record_keys.update(glued_keys(tokens))
                    for k in record_keys:
                        postings[k].append(ri)
            df.update(seen)
        keys = sorted(postings)
        lengths = np.fromiter((len(postings[k]) for k in keys), dtype=np.int64, count=len(keys))
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        ids = np.fromiter(
            (i for k in keys for i in postings[k]), dtype=np.int32, count=int(offsets[-1])
        )
        prior = Rarity.prior()
        # Rarity from the lists screened against; the shipped prior for parts they lack.
        merged = dict(prior.df)
        scale = len(infos) / max(prior.total, 1)
        for k, v in merged.items():
            merged[k] = int(v * scale)
        merged.update(df)
        rarity = Rarity(merged, len(infos))
        index = cls(infos, names, keys, offsets, ids, rarity, dict(versions or {}))
        index.build_seconds = time.perf_counter() - started
        return index

    # ------------------------------------------------------------------ persistence

    @staticmethod
    def fingerprint(versions: dict[str, int]) -> str:
        """Names the index by the list versions it covers and the code that built it, so
        neither a list update nor a sanctio upgrade ever serves a stale index."""
        text = f"{INDEX_FORMAT}|{_engine_digest()}|" + "|".join(
            f"{k}={v}" for k, v in sorted(versions.items())
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")  # workers may build at once
        with tmp.open("wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Index:
        with path.open("rb") as fh:
            index = pickle.load(fh)
        if not isinstance(index, cls):
            raise TypeError(f"{path} is not a sanctio index")
        return index

    # ------------------------------------------------------------------ retrieval

    def candidates(
        self,
        renderings: Sequence[Sequence[Token]],
        limit: int = 64,
        cutoff: float = 0.0,
    ) -> list[int]:
        """Name-record ids most likely to match, best first (at most ``limit``).

        ``cutoff`` drops records whose retrieval score is below that share of the best
        one's: a record meeting half the query's rarity or less rarely scores a match.

        Each query part adds, to every record it meets, its rarity times the best key
        it met the record by; common keys are skipped once two rarer parts have run.
        """
        parts: dict[str, Token] = {}
        glued: dict[str, float] = {}
        for tokens in renderings:
            for t in tokens:
                parts.setdefault(t.text, t)
            for a, b in itertools.pairwise(tokens):
                if a.kind == Kind.NAME and b.kind == Kind.NAME:
                    # Only the exact skeleton of a glued pair, and at a discount: it is a
                    # second chance for split or joined parts, not extra evidence.
                    rarity = min(self.rarity.rarity(a.text), self.rarity.rarity(b.text))
                    glued[f"k:{phonetic_key(a.text + b.text)}"] = 0.4 * rarity
        if not parts or not self.records:
            return []
        lookups: list[tuple[float, list[tuple[np.ndarray, float]]]] = []
        for token in parts.values():
            hits = []
            for key, w in query_keys(token):
                ids = self.postings(key)
                if ids is not None and len(ids):
                    hits.append((ids, w))
            if hits:
                weight = KIND_WEIGHT[token.kind] * self.rarity.rarity(token.text)
                lookups.append((weight, hits))
        for key, weight in glued.items():
            ids = self.postings(key)
            if ids is not None and len(ids):
                lookups.append((weight, [(ids, KEY_WEIGHTS["k"])]))
        if not lookups:
            return []
        lookups.sort(key=lambda x: -x[0])
        # Sparse accumulation: the work grows with the postings met, not with the index.
        part_ids: list[np.ndarray] = []
        part_ws: list[np.ndarray] = []
        for n, (weight, hits) in enumerate(lookups):
            hits.sort(key=lambda h: -h[1])
            kept = [h for h in hits if len(h[0]) <= MAX_POSTINGS or n < 2]
            if not kept:
                continue
            ids = np.concatenate([h[0] for h in kept])
            ws = np.concatenate([np.full(len(h[0]), h[1], dtype=np.float32) for h in kept])
            uniq, first = np.unique(ids, return_index=True)  # first hit = best key
            part_ids.append(uniq)
            part_ws.append(ws[first] * weight)
        if not part_ids:
            return []
        nz, inverse = np.unique(np.concatenate(part_ids), return_inverse=True)
        total_nz = np.bincount(inverse, weights=np.concatenate(part_ws)).astype(np.float32)
        # Among equal hits, shorter names first: "Gazprom" before the hundreds of
        # "Gazprom Neft ..." that share its one part, so a cap never drops the exact name.
        ranked = total_nz - 0.01 * self.lengths[nz]
        if len(nz) > limit:
            pick = np.argpartition(-ranked, limit)[:limit]
            nz, ranked = nz[pick], ranked[pick]
        sort = np.argsort(-ranked, kind="stable")
        order, best = nz[sort], ranked[sort]
        if cutoff > 0 and len(order):
            order = order[best >= cutoff * best[0]]
        return [int(i) for i in order]
