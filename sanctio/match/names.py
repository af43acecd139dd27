"""Name against name: align the parts, weigh them by rarity, explain the result.

The score of a pair of token sequences is the weighted share of agreement:

    score = Σ sim(p)·w(p) / (Σ w(p) + α·unmatched query weight + β·unmatched list weight)

over aligned pairs ``p``. A token's weight is its rarity in the lists (``Kim`` and
``Mohammed`` weigh less than ``Bunheang``) times a factor for its role (particles, legal
forms and generic company words weigh little, so they never carry a match by
themselves). An unmatched query part costs more (α) than an unmatched list part (β):
lists carry patronymics, middle names and clan names that a customer record often
omits, while a query part the list never had points to a different person.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

from rapidfuzz.distance import OSA

from sanctio.normalize import NICKNAME_PAIRS, Kind, Token, abjad_key

ALPHA = 0.9  # cost of a query part with no counterpart
BETA = 0.45  # cost of a list part with no counterpart, in a person's name
BETA_ORG = 0.8  # ...in an organisation's: companies do not drop words the way people do
GAMMA = 0.6  # extra cost when both sides have a part the other lacks: a swap, not an omission
MIN_PAIR = 0.66  # below this two parts are not the same part

KIND_WEIGHT = {
    Kind.NAME: 1.0,
    Kind.PARTICLE: 0.2,
    Kind.LEGAL: 0.1,
    Kind.GENERIC: 0.2,
    Kind.INITIAL: 0.3,
    Kind.NUMBER: 0.8,
    Kind.PATRONYMIC: 0.35,
}

Weigher = Callable[[Token], float]


def uniform_weight(token: Token) -> float:
    return KIND_WEIGHT[token.kind]


class Rarity:
    """Weights name parts by how many listings use them (inverse document frequency).

    ``rarity = log(N/df) / log(N/10)`` clamped to [0.2, 1]: a part in ten listings or
    fewer weighs fully, ``al`` (in 8% of listings) about 0.3. Parts never seen weigh 1.
    """

    def __init__(self, df: dict[str, int], total: int):
        self.df = df
        self.total = max(total, 100)
        self._scale = math.log(self.total / 10)
        self._cache: dict[str, float] = {}

    @classmethod
    @lru_cache(maxsize=1)
    def prior(cls) -> Rarity:
        """The shipped table of part frequencies on the official lists."""
        data = json.loads(files("sanctio.data").joinpath("token_freq.json").read_text())
        return cls(data["df"], data["entities"])

    def rarity(self, text: str) -> float:
        cached = self._cache.get(text)
        if cached is None:
            df = self.df.get(text, 0)
            if df <= 10:
                cached = 1.0
            else:
                cached = min(1.0, max(0.2, math.log(self.total / df) / self._scale))
            self._cache[text] = cached
        return cached

    def __call__(self, token: Token) -> float:
        return KIND_WEIGHT[token.kind] * self.rarity(token.text)


def credit(similarity: float) -> float:
    """How much of a pair's weight counts as agreement.

    Linear above 0.5: a near-miss (``Pezeshfar``/``Pezeshkian``) is mostly disagreement,
    while a one-letter typo in a long name or a romanisation variant keeps most credit.
    """
    return max(0.0, (similarity - 0.4) / 0.6)


def token_similarity(a: Token, b: Token) -> float:
    """How alike two name parts are, in [0, 1]; 0 below :data:`MIN_PAIR`.

    Exact text is 1; an identical phonetic skeleton (romanisation variants) 0.95, unless
    the spellings are far apart and both have vowels (then the skeletons met by chance);
    else the edit similarity counting a transposition as one edit (typos, OCR, a doubled
    or dropped letter). An initial agrees with any part starting with its letter; a part
    of 4+ letters that begins another is a truncation. Numbers agree only when equal.
    """
    if a.text == b.text:
        return 1.0
    return _similarity(a.text, a.key, a.kind, b.text, b.key, b.kind)


@lru_cache(maxsize=500_000)
def _similarity(at: str, ak: str, akind: Kind, bt: str, bk: str, bkind: Kind) -> float:
    # ``a`` is the query part, ``b`` the list part.
    if akind == Kind.NUMBER or bkind == Kind.NUMBER:
        return 0.0
    if akind == Kind.INITIAL or bkind == Kind.INITIAL:
        short, long = (at, bt) if len(at) <= len(bt) else (bt, at)
        return 0.75 if len(short) == 1 and long.startswith(short) else 0.0
    if frozenset((at, bt)) in NICKNAME_PAIRS:
        return 0.9
    if at.replace("y", "i") == bt.replace("y", "i"):
        return 0.95  # Yury/Yuri, Aly/Ali, Dmitriy/Dmitrii
    sim = OSA.normalized_similarity(at, bt)  # a transposition is one edit
    shortest = min(len(at), len(bt))
    abjad = not _VOWELS.intersection(at) or not _VOWELS.intersection(bt)
    if ak == bk and shortest >= 2 and _same_onset(at, bt):
        # Romanisations differ in vowels: Mohammed/Muhammad, Jeong/Jong, Eun/Un. But in a
        # short part a changed vowel is another name (Chen/Chin, Yun/Yin), while a vowel
        # added or dropped (Jeong/Jong, Uun/Un) is still a spelling.
        close = sim >= 0.6 or (sim >= 0.55 and abs(len(at) - len(bt)) <= 1)
        if abjad or (shortest >= 5 and close) or (len(at) != len(bt) and sim >= 0.6):
            sim = max(sim, 0.95)
    elif abjad and shortest >= 2 and (abjad_key(at) or ak) == (abjad_key(bt) or bk):
        sim = max(sim, 0.9)  # "mhmwd" ~ "mahmoud": the w was a vowel
    # A query part cut short (a fixed-width field) may begin the list part; a list part
    # beginning a query's patronymic (Ivanov / Ivanovich) is another name.
    if len(at) >= 4 and bt.startswith(at) and bkind != Kind.PATRONYMIC:
        sim = max(sim, 0.86)
    if (akind == Kind.PATRONYMIC) != (bkind == Kind.PATRONYMIC) and sim < 0.9:
        return 0.0  # a patronymic is not a surname that looks like it (Grigoriev/-evich)
    if shortest <= 4 and sim < 0.8:
        return 0.0  # one letter in four is too much for a short part to be the same
    return sim if sim >= MIN_PAIR else 0.0


_VOWELS = frozenset("aeiou")
# Onsets romanisations confuse: Qadhafi/Gaddafi/Kadhafi, Jamal/Gamal, Yevgeny/Evgeny (y or
# a vowel), Cergey/Sergey, Fyodor/Vyodor. A different onset is a different name
# (Yakovleva/Kovaleva, Zhang/Jiang) even when the skeletons agree.
_ONSET_CLASSES = ("kqgc", "jg", "aeiouy", "cs", "fv", "bp", "vw")


def _same_onset(a: str, b: str) -> bool:
    x, y = a[0], b[0]
    return x == y or any(x in cls and y in cls for cls in _ONSET_CLASSES)


@dataclass
class Pair:
    query: tuple[int, ...]  # indices into the query tokens
    candidate: tuple[int, ...]  # indices into the candidate tokens
    similarity: float


@dataclass
class NameScore:
    score: float
    pairs: list[Pair] = field(default_factory=list)
    unmatched_query: list[int] = field(default_factory=list)
    unmatched_candidate: list[int] = field(default_factory=list)

    def explain(self, query: Sequence[Token], candidate: Sequence[Token]) -> dict[str, object]:
        return {
            "aligned": [
                {
                    "query": " ".join(query[i].text for i in p.query),
                    "list": " ".join(candidate[j].text for j in p.candidate),
                    "similarity": round(p.similarity, 3),
                }
                for p in self.pairs
            ],
            "query_only": [query[i].text for i in self.unmatched_query],
            "list_only": [candidate[j].text for j in self.unmatched_candidate],
        }


@lru_cache(maxsize=200_000)
def _merged(tokens: tuple[Token, ...]) -> list[tuple[tuple[int, ...], Token]]:
    """Adjacent parts glued: ``Bun Hieng`` ~ ``Bunheang``, ``Abd al`` ~ ``Abdul``, ``SiemensAG``."""
    from sanctio.normalize import phonetic_key

    out: list[tuple[tuple[int, ...], Token]] = []
    for i in range(len(tokens) - 1):
        a, b = tokens[i], tokens[i + 1]
        if a.kind not in (Kind.NUMBER, Kind.INITIAL) and b.kind not in (Kind.NUMBER, Kind.INITIAL):
            text = a.text + b.text
            out.append(((i, i + 1), Token(text, phonetic_key(text), Kind.NAME)))
    return out


def align(query: Sequence[Token], candidate: Sequence[Token]) -> list[Pair]:
    """Greedy best-first alignment of parts, single or glued, each part used once.

    Glued parts are only tried when single parts leave something unexplained.
    """
    options: list[Pair] = []
    for i, q in enumerate(query):
        for j, c in enumerate(candidate):
            sim = token_similarity(q, c)
            if sim > 0:
                options.append(Pair((i,), (j,), sim))
    singles = _greedy(options, query)
    covered_q = sum(len(p.query) for p in singles)
    covered_c = sum(len(p.candidate) for p in singles)
    perfect = all(p.similarity == 1.0 for p in singles)
    if (covered_q == len(query) and covered_c == len(candidate) and perfect) or (
        len(query) == 1 and len(candidate) == 1
    ):
        return singles
    if len(query) > 1 or len(candidate) > 1:
        q_abjad = [_vowelless(t.text) for t in query]
        c_abjad = [_vowelless(t.text) for t in candidate]
        for qi, q in _merged(tuple(query)):
            for j, c in enumerate(candidate):
                abjad = any(q_abjad[i] for i in qi) or c_abjad[j]
                sim = _glued_similarity(q.text, q.key, c.text, c.key, abjad)
                if sim > 0:
                    options.append(Pair(qi, (j,), sim))
        for cj, c in _merged(tuple(candidate)):
            for i, q in enumerate(query):
                abjad = any(c_abjad[j] for j in cj) or q_abjad[i]
                sim = _glued_similarity(q.text, q.key, c.text, c.key, abjad)
                if sim > 0:
                    options.append(Pair((i,), cj, sim))
    return _greedy(options, query)


@lru_cache(maxsize=200_000)
def _glued_similarity(a: str, akey: str, b: str, bkey: str, abjad: bool) -> float:
    """Spelling first: two glued parts whose skeletons meet by chance (Meroe Gold /
    Marigold) are no evidence; a glued spelling close to a single part is, and more so
    when their skeletons agree too (Abd al / Abdul). Parts written without vowels
    (Arabic ``bd allh``) have only their skeleton to go by."""
    sim = OSA.normalized_similarity(a, b)
    if akey == bkey and (sim >= 0.75 or abjad):
        return max(sim, 0.95)
    return sim if sim >= 0.75 else 0.0


@lru_cache(maxsize=200_000)
def _vowelless(text: str) -> bool:
    """Written without vowels, as Arabic and Hebrew come out of transliteration."""
    return text.isalpha() and not _VOWELS.intersection(text)


def _greedy(options: list[Pair], query: Sequence[Token]) -> list[Pair]:
    """Best similarity first; glued pairs before equal singles (they explain more parts);
    a lone particle (``al``) last among near-equals, so ``Abd al`` can glue to ``Abdul``."""

    def rank(p: Pair) -> tuple[float, int]:
        particle = len(p.query) == 1 and query[p.query[0]].kind == Kind.PARTICLE
        return (-(p.similarity - (0.1 if particle else 0.0)), -(len(p.query) + len(p.candidate)))

    options.sort(key=rank)
    used_q: set[int] = set()
    used_c: set[int] = set()
    chosen: list[Pair] = []
    for p in options:
        if used_q.intersection(p.query) or used_c.intersection(p.candidate):
            continue
        chosen.append(p)
        used_q.update(p.query)
        used_c.update(p.candidate)
    return chosen


def score_tokens(
    query: Sequence[Token],
    candidate: Sequence[Token],
    weight: Weigher = uniform_weight,
    beta: float = BETA,
) -> NameScore:
    """The weighted agreement of two analysed names (see the module docstring)."""
    if not query or not candidate:
        return NameScore(0.0)
    pairs = align(query, candidate)
    wq = [weight(t) for t in query]
    wc = [weight(t) for t in candidate]
    matched_q = {i for p in pairs for i in p.query}
    matched_c = {j for p in pairs for j in p.candidate}
    num = 0.0
    den = 0.0
    for p in pairs:
        w = (sum(wq[i] for i in p.query) + sum(wc[j] for j in p.candidate)) / 2
        num += credit(p.similarity) * w
        den += w
    unmatched_q = [i for i in range(len(query)) if i not in matched_q]
    unmatched_c = [j for j in range(len(candidate)) if j not in matched_c]
    # A part repeated in the query ("Sergey Sergey Shoigu") is a slip, not a new part.
    matched_texts = {query[i].text for i in matched_q}
    for i in unmatched_q:
        if query[i].text in matched_texts:
            wq[i] *= 0.2
    uq = sum(wq[i] for i in unmatched_q)
    uc = sum(wc[j] for j in unmatched_c)
    den += ALPHA * uq + beta * uc + GAMMA * min(uq, uc)
    score = num / den if den else 0.0
    # Agreement on particles, legal forms, generic words or initials alone is no match,
    # unless that is all either name is made of ("Technology and Development Group Ltd").
    strong = (Kind.NAME, Kind.NUMBER, Kind.PATRONYMIC)
    has_strong = any(t.kind in strong for t in query) or any(t.kind in strong for t in candidate)
    if has_strong and not any(query[i].kind in strong for p in pairs for i in p.query):
        score *= 0.3
    # Two different patronymics: Yuri Vasilevich and Yuri Vladimirovich are two people.
    if any(query[i].kind == Kind.PATRONYMIC for i in unmatched_q) and any(
        candidate[j].kind == Kind.PATRONYMIC for j in unmatched_c
    ):
        score *= 0.8
    # Numbers name different things: "Trust 2004-1" is not "Trust 2004-2".
    q_nums = {t.text for t in query if t.kind == Kind.NUMBER}
    c_nums = {t.text for t in candidate if t.kind == Kind.NUMBER}
    if q_nums != c_nums and (q_nums or c_nums):
        score *= 0.75 if q_nums and c_nums else 0.9
    return NameScore(score, pairs, unmatched_q, unmatched_c)
