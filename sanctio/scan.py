"""Free-text scanning: which listed persons and companies a text mentions, and where.

    from sanctio.scan import scan_text
    for m in scan_text(screener, article):
        print(m.start, m.end, m.text, m.entity_id, m.score)

Three kinds of text are read, told apart by :func:`detect_format`:

- **prose** (a news article, a memo): names are looked for in runs of capitalised words
  (with ``al``/``bin``/``van``/``of``… inside them, hyphens, initials, a line break in the
  middle, a possessive ``'s`` at the end);
- **SWIFT MT103**: the party fields (``:50K:``, ``:50F:``, ``:59:``, ``:59F:``, ``:52D:``…
  without their ``/account`` lines) and the free-text fields (``:70:``, ``:72:``,
  ``:77B:``), in which every word counts whatever its case (payment messages are in
  capitals);
- **ISO 20022 pacs.008** XML: every ``Nm`` (``Dbtr``, ``Cdtr``, ``UltmtDbtr``, agents…)
  and the free-text elements (``Ustrd``, ``AddtlRmtInf``, ``InstrInf``…), XML entities
  decoded for matching while offsets still point into the original XML.

How a mention is found, and why it is trusted:

1. Words are cut out of the text with their character offsets. A run of candidate words
   is cut into windows of at most :data:`MAX_SPAN_WORDS` words.
2. Cheap checks decide whether a window is worth screening at all: the parts the lists
   know (by spelling or phonetic key) could add up to enough *evidence* (below), and two
   of them stand together in one list name, or one of them is a whole organisation's
   name. Most capitalised words and pairs in an article (``Treasury``, ``Monday``,
   ``Tomasz Novak``) never reach the screener.
3. A window of three words or more, or one holding a one-part organisation name, is
   *probed*: screened loosely through the public :class:`~sanctio.screener.Screener`,
   each candidate's alignment telling which words it used. The tightest span around them
   is then screened for real (``Russian President Vladimir Putin`` → ``Vladimir Putin``).
   Shorter windows are screened directly.
4. A (span, listing) pair becomes a mention when it scores at least the scan threshold
   (:data:`SCAN_THRESHOLD`, 0.80, above the 0.70 of name screening: an article offers
   hundreds of chances for a chance hit), uses every name word of the span, names all of
   an organisation but its legal form (``Hong Kong`` does not mention HONG KONG
   ELECTRONICS), **and** either

   - the aligned name parts weigh at least :data:`MIN_EVIDENCE` (1.2), a part weighing
     its rarity on the lists (or on the official lists at large, whichever is commoner)
     times its role weight, halved for an English dictionary word in prose (``Golden``,
     ``Bank``, ``Kim``), and at least one part is spelt as listed: ``Kun Kim``
     (1.0 + 0.33) and ``Sergei Lavrov`` (listed as Sergey) pass; ``Mohammed Ali``
     (0.54 + 0.46), ``Golden Trading Group`` and ``Mariam Cohen`` (two near misses of
     ``Marial CHAN``) do not;
   - or the listing is an organisation whose name is one *distinctive* part plus legal
     forms or company words (``Rosneft``, ``Wagner Group``, ``Müller Trading LLC``), that
     part met exactly (a variant spelling is enough only inside a longer span), where
     distinctive means: no English word (proper nouns included: ``October``), at least 5
     letters (4 for an acronym written in capitals: ``IRGC``), in few listings; and no
     title or given name stands next to it (``Mr. Novak``, ``Tomasz Novak`` are people).

   So a single word never fires on a person or on a common token (``Kim``, ``Sen``,
   ``Group``, ``Bank``, ``Mohammed``), and a vessel or aircraft needs two words.
5. Where mentions overlap, the best score wins, then the longer span; a span holding
   spans already taken replaces them (``Rosneft Trading`` is ROSNEFT TRADING S.A., though
   ``Rosneft`` alone matches ROSNEFT better). Every listing that matched the winning span
   is reported (a person on four lists is four mentions of the same span).

In a payment's name field (``:59:``, ``Cdtr/Nm``) the words are known to be a name, so
English words count in full there.

Known limits: names written in lower case in prose are not looked for; a listing whose
only distinctive part is also an English word (``Golden``, ``Ocean``, and ``Muller``
without its umlaut) needs more words around it than prose usually gives.

Offsets are indexes into the original Python string (code points), so
``text[m.start:m.end] == m.text`` always holds.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any, Literal

import numpy as np

from sanctio.index import Index, decode_tokens
from sanctio.match.names import KIND_WEIGHT, Rarity
from sanctio.normalize import Kind, Token, analyze, phonetic_key
from sanctio.screener import Match, Query, QueryError, Screener

__all__ = [
    "MAX_SPAN_WORDS",
    "MIN_EVIDENCE",
    "SCAN_THRESHOLD",
    "Mention",
    "detect_format",
    "scan_text",
    "warm_up",
]

SCAN_THRESHOLD = 0.80
MIN_EVIDENCE = 1.2  # about two name parts' worth of rarity
MAX_SPAN_WORDS = 6
DICTIONARY_FACTOR = 0.5  # an English word is weaker evidence of a name
MIN_DISTINCTIVE_RARITY = 0.7  # the lone part of a one-part name: in few listings
_PROBE_THRESHOLD = 0.15  # what a window's screening keeps to learn which words matched
_PROBE_LIMIT = 25
_PROBE_CANDIDATES = 32  # name records scored by a probe (the screener's default is 64)
_FINAL_LIMIT = 25  # listings reported per span at most
_FINAL_CANDIDATES = 64

Format = Literal["text", "mt103", "pacs008"]
_PAIRED = frozenset([Kind.NAME, Kind.PATRONYMIC, Kind.NUMBER])  # parts a name rests on


@dataclass
class Mention:
    """A listed name found in a text: where, which listing, how well, and why."""

    start: int
    end: int
    text: str
    entity_id: str
    dataset: str
    source_id: str
    name: str  # the list name that matched best
    score: float
    explanation: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "entity_id": self.entity_id,
            "dataset": self.dataset,
            "source_id": self.source_id,
            "name": self.name,
            "score": round(self.score, 4),
            "explanation": self.explanation,
        }


# ---------------------------------------------------------------------------- segments


@dataclass
class _Segment:
    """A stretch of the text to scan, possibly read through a decoding view.

    ``view`` is what is matched; ``starts``/``ends`` give, for each view character, the
    original offsets it came from (None when the view is the original slice itself).
    """

    offset: int
    view: str
    mode: Literal["prose", "free", "name"]  # name: a payment's name field, known to be one
    context: str
    starts: list[int] | None = None
    ends: list[int] | None = None

    def orig_start(self, i: int) -> int:
        return self.offset + i if self.starts is None else self.starts[i]

    def orig_end(self, j: int) -> int:
        """Original offset just after view character ``j - 1``."""
        return self.offset + j if self.ends is None else self.ends[j - 1]


_RE_MT_BLOCK2 = re.compile(r"\{2:[IO]103")
_RE_MT_TAG = re.compile(r"^:(\d{2}[A-Z]?):", re.MULTILINE)
_RE_PACS = re.compile(r"pacs\.008|<(?:[\w.-]+:)?FIToFICstmrCdtTrf\b|urn:iso:std:iso:20022")


def detect_format(text: str) -> Format:
    """``pacs008`` for ISO 20022 XML (credit transfers, and any message with the same
    ``Nm``/``Ustrd`` elements), ``mt103`` for SWIFT MT103, else ``text``."""
    head = text[:4000]
    if _RE_PACS.search(head) and "<" in head:
        return "pacs008"
    if _RE_MT_BLOCK2.search(head):
        return "mt103"
    tags = {m.group(1) for m in _RE_MT_TAG.finditer(text)}
    if "20" in tags and "32A" in tags:
        return "mt103"
    return "text"


# Party fields whose lines are a name and an address (option A is a BIC only).
_MT_PARTY = frozenset(
    ["50", "50K", "50F", "59", "59F", "52D", "53D", "54D", "55D", "56D", "57D", "58D"]
)
_MT_FREE = frozenset(["70", "72", "77B", "77T"])
_RE_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_RE_MT_END = re.compile(r"^-\}", re.MULTILINE)


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each line in ``text[start:end]``, line break excluded."""
    pos = start
    while pos < end:
        nl = pos
        while nl < end and text[nl] not in "\r\n":
            nl += 1
        yield pos, nl
        if nl < end and text[nl] == "\r" and nl + 1 < end and text[nl + 1] == "\n":
            nl += 1
        pos = nl + 1


def _mt103_segments(text: str) -> list[_Segment]:
    tags = list(_RE_MT_TAG.finditer(text))
    out: list[_Segment] = []
    for n, tag in enumerate(tags):
        code = tag.group(1)
        start = tag.end()
        end = tags[n + 1].start() if n + 1 < len(tags) else len(text)
        trailer = _RE_MT_END.search(text, start, end)
        if trailer:
            end = trailer.start()
        context = f":{code}:"
        if code in _MT_FREE:
            out.append(_Segment(start, text[start:end], "free", context))
        elif code in _MT_PARTY:
            if code.endswith("F"):
                # Structured party: "1/NAME" lines are the name, the rest is address,
                # country, birth date, which are not names.
                for a, b in _lines(text, start, end):
                    if text.startswith("1/", a):
                        out.append(_Segment(a + 2, text[a + 2 : b], "name", context))
                continue
            body = [(a, b) for a, b in _lines(text, start, end) if not text.startswith("/", a)]
            if body:
                a, b = body[0][0], body[-1][1]
                out.append(_Segment(a, text[a:b], "name", context))
    return out


_RE_XML_TAG = re.compile(r"<(/?)((?:[\w.-]+:)?([\w.-]+))[^<>]*?(/?)>")
_XML_NAME = frozenset(["Nm"])
_XML_WRAPPERS = frozenset(["FinInstnId", "Id", "OrgId", "PrvtId"])
_XML_FREE = frozenset(["Ustrd", "AddtlRmtInf", "InstrInf", "AddtlInf", "Inf", "Prtry"])
_RE_XML_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_XML_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _xml_view(
    text: str, start: int, end: int, mode: Literal["free", "name"], context: str
) -> _Segment:
    raw = text[start:end]
    if "&" not in raw:
        return _Segment(start, raw, mode, context)
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = start
    for m in _RE_XML_ENTITY.finditer(text, start, end):
        for i in range(pos, m.start()):
            chars.append(text[i])
            starts.append(i)
            ends.append(i + 1)
        ref = m.group(1)
        if ref.startswith("#"):
            try:
                code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
                ch = chr(code) if code < 0xD800 or 0xDFFF < code < 0x110000 else " "
            except (ValueError, OverflowError):
                ch = " "
        else:
            ch = _XML_NAMED[ref]
        chars.append(ch)
        starts.append(m.start())
        ends.append(m.end())
        pos = m.end()
    for i in range(pos, end):
        chars.append(text[i])
        starts.append(i)
        ends.append(i + 1)
    return _Segment(start, "".join(chars), mode, context, starts, ends)


def _pacs008_segments(text: str) -> list[_Segment]:
    stack: list[str] = []
    out: list[_Segment] = []
    for m in _RE_XML_TAG.finditer(text):
        closing, local, selfclosing = m.group(1), m.group(3), m.group(4)
        if text.startswith("<?", m.start()) or text.startswith("<!", m.start()):
            continue
        if selfclosing:
            continue
        if not closing:
            stack.append(local)
            if local in _XML_NAME or local in _XML_FREE:
                close = text.find("<", m.end())
                if close == -1:
                    close = len(text)
                # Dbtr/Nm, CdtrAgt/FinInstnId/Nm: the party the name belongs to.
                depth = 3 if len(stack) >= 3 and stack[-2] in _XML_WRAPPERS else 2
                context = "/".join(stack[-depth:])
                mode: Literal["free", "name"] = "name" if local in _XML_NAME else "free"
                out.append(_xml_view(text, m.end(), close, mode, context))
            continue
        # Pop to the matching opening tag (tolerates sloppy XML).
        while stack:
            if stack.pop() == local:
                break
    return out


def _segments(text: str, fmt: Format) -> list[_Segment]:
    if fmt == "mt103":
        return _mt103_segments(text)
    if fmt == "pacs008":
        return _pacs008_segments(text)
    return [_Segment(0, text, "prose", "text")]


# ------------------------------------------------------------------------------- words


@lru_cache(maxsize=1)
def _word_pattern() -> re.Pattern[str]:
    """A word: letters and digits, with the combining marks and invisible format
    characters inside it (``José`` decomposed, ``Ros\\u00adneft``), joined by apostrophes
    and hyphens, a hyphen at a line break included (``al-\\nAssad``); or a dotted
    abbreviation."""
    extra: list[str] = []
    run_start = -1
    for cp in range(0x10000):
        ch = chr(cp)
        inside = unicodedata.category(ch) in ("Mn", "Mc", "Me", "Cf") and not ch.isspace()
        if inside and run_start < 0:
            run_start = cp
        elif not inside and run_start >= 0:
            extra.append(_class_range(run_start, cp - 1))
            run_start = -1
    marks = "".join(extra)
    wch = rf"(?:[^\W_]|[{marks}])"
    joiner = r"(?:['’ʼ`\-‐‑]|-[ \t]*(?:\r\n|\r|\n)[ \t]*)"
    dotted = r"(?:[^\W\d_]\.){2,}"  # L.L.C., S.A., U.S.: one word, final period included
    return re.compile(rf"{dotted}|[^\W_]{wch}*(?:{joiner}[^\W_]{wch}*)*")


def _class_range(a: int, b: int) -> str:
    return re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"


_MAX_WORD = 64
_RE_SOFT_BREAK = re.compile(r"-[ \t]*(?:\r\n|\r|\n)[ \t]*")
_POSSESSIVE = ("'s", "’s", "'S", "’S")

# Lower-case words that may stand inside a name in prose: "Bank of America", "Osama bin
# Laden", "Banco Nacional de Cuba", "Bank of Commerce and Development". A run such as
# "Kun Kim and King Chandy" holds two names; the probe tells them apart.
_CONNECTORS = frozenset(
    [
        "of", "the", "and", "for", "de", "del", "della", "der", "den", "di", "da", "das",
        "dos", "do", "du", "la", "le", "les", "el", "al", "ul", "bin", "ibn", "bint", "ben",
        "abu", "abou", "umm", "van", "von", "y", "zu", "ter", "ten",
    ]
)  # fmt: skip
_NAME_PREFIXES = frozenset(
    [
        "al", "el", "ad", "as", "ash", "at", "az", "ar", "an", "ul", "bin", "ibn", "bint",
        "ben", "abu", "d", "o",
    ]
)  # fmt: skip
# Titles before a name that make it a person's.
_PERSON_TITLES = frozenset(
    [
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lord", "lady",
        "sheikh", "shaikh", "sheik", "imam", "mullah", "ayatollah", "president", "minister",
        "general", "gen", "colonel", "col", "major", "maj", "captain", "capt", "lt",
        "senator", "sen", "governor", "gov", "judge", "justice", "rev", "father", "brother",
        "sister", "uncle", "aunt", "king", "queen", "prince", "princess", "emir", "sultan",
        "oknha", "okhna", "chairman", "chairwoman", "ceo", "founder", "tycoon", "oligarch",
        "businessman", "businesswoman", "spokesman", "spokeswoman", "commander",
    ]
)  # fmt: skip
# A period after these does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "maj", "capt", "cpt", "sgt",
        "st", "jr", "sr", "co", "inc", "ltd", "corp", "no", "mt", "ft", "rev", "hon", "gov",
        "sen", "rep", "adm", "cmdr", "brig", "messrs", "mme", "mlle",
    ]
)  # fmt: skip


@dataclass(slots=True)
class _Word:
    start: int  # view offsets; ``end`` excludes a possessive 's
    end: int
    full_end: int
    text: str  # what is screened: soft line-break hyphens made plain hyphens
    candidate: bool
    digits: bool


def _words(seg: _Segment) -> list[_Word]:
    view = seg.view
    out: list[_Word] = []
    for m in _word_pattern().finditer(view):
        s, e = m.span()
        full = e
        raw = m.group(0)
        if raw.endswith(_POSSESSIVE) and len(raw) > 2:
            e -= 2
            raw = raw[:-2]
        if "\n" in raw or "\r" in raw:
            raw = _RE_SOFT_BREAK.sub("-", raw)
        digits = any(c.isdigit() for c in raw)
        if seg.mode != "prose":
            candidate = not digits
        else:
            first = raw[0]
            candidate = first.isupper() or (first.isalpha() and not first.islower())
            if not candidate and first.islower():
                parts = re.split(r"['’ʼ`\-‐‑]", raw)
                candidate = (
                    len(parts) > 1
                    and parts[0].lower() in _NAME_PREFIXES
                    and any(p[:1].isupper() for p in parts[1:])
                )
        if len(raw) > _MAX_WORD:
            candidate = False  # no name part is this long: a hash, a run of letters
        out.append(_Word(s, e, full, raw, candidate, digits))
    return out


def _gap_joins(seg: _Segment, prev: _Word, word: _Word) -> bool:
    """Whether the characters between two words let a name run on across them."""
    gap = seg.view[prev.full_end : word.start].replace("\r\n", "\n")
    newlines = sum(gap.count(c) for c in "\n\r\u2028") + 2 * gap.count("\u2029")
    if newlines >= 2:
        return False  # a blank line ends a paragraph
    stripped = [
        ch for ch in gap if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc")
    ]
    p = "".join(stripped)
    if not p or p in ("&", "+"):
        return True
    field = seg.mode != "prose"
    if p == ",":
        return field  # "KIM, KUN" in a payment; a list of names in prose
    if p == ".":
        if field:
            return True
        return len(prev.text) == 1 or prev.text.lower() in _ABBREVIATIONS
    return False


def _runs(seg: _Segment, words: list[_Word]) -> Iterator[list[int]]:
    """Indices of words that may together form a name, run by run."""
    run: list[int] = []

    def flush() -> Iterator[list[int]]:
        # No run ends on a connector ("Bank of").
        while run and not words[run[-1]].candidate and not words[run[-1]].digits:
            run.pop()
        if run:
            yield list(run)
        run.clear()

    for i, w in enumerate(words):
        if run and not _gap_joins(seg, words[run[-1]], w):
            yield from flush()
        if w.candidate:
            run.append(i)
        elif run and seg.mode == "prose":
            low = w.text.lower()
            if low in _CONNECTORS and words[run[-1]].candidate:
                run.append(i)
            elif w.digits and words[run[-1]].candidate:
                run.append(i)  # "Adrian Darya 1"
            else:
                yield from flush()
        elif run:
            yield from flush()
    yield from flush()


def _windows(run: list[int]) -> Iterator[list[int]]:
    n = len(run)
    if n <= MAX_SPAN_WORDS:
        yield run
        return
    step = MAX_SPAN_WORDS // 2
    starts = list(range(0, n - MAX_SPAN_WORDS + 1, step))
    if starts[-1] != n - MAX_SPAN_WORDS:
        starts.append(n - MAX_SPAN_WORDS)
    for s in starts:
        yield run[s : s + MAX_SPAN_WORDS]


# ---------------------------------------------------------------------------- evidence


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, bool]:
    """English dictionary words (Webster's 2nd), lower-cased → whether the dictionary has
    them in lower case (a common word: ``golden``, ``bank``) rather than only as a proper
    noun (``October``, ``Moscow``). Capitalised at the start of a sentence or in a
    headline, both look like names, and some are list name parts."""
    from english_words import get_english_words_set

    out: dict[str, bool] = {}
    for w in get_english_words_set(["web2"], lower=False, alpha=True):
        low = w.lower()
        out[low] = out.get(low, False) or w == low
    return out


def _tokens(text: str) -> tuple[Token, ...]:
    """All name parts of a piece of text, over every rendering (Han has several)."""
    renderings = analyze(text)
    if len(renderings) == 1:
        return renderings[0]
    out: dict[str, Token] = {}
    for r in renderings:
        for t in r:
            out.setdefault(t.text, t)
    return tuple(out.values())


_SOLO: weakref.WeakKeyDictionary[Index, tuple[frozenset[str], frozenset[str]]] = (
    weakref.WeakKeyDictionary()
)
_UNPAIRED_SCHEMATA = frozenset(["Person", "Vessel", "Airplane"])


_RE_VOWELS = re.compile(r"[aeiouy]")


def _consonants(text: str) -> str:
    """A spelling key finer than the phonetic one: ``Mueller`` and ``Muller`` share it,
    ``Hannah`` and ``Han`` do not."""
    out = _RE_VOWELS.sub("", text)
    return out if len(out) >= 3 else text


def _solo_parts(index: Index) -> tuple[frozenset[str], frozenset[str]]:
    """Texts and consonant keys of the name parts that are, bar legal forms and company
    words, a whole organisation name (``ROSNEFT``, ``WAGNER GROUP``): the only parts a
    one-word mention can rest on. Computed once per loaded index."""
    cached = _SOLO.get(index)
    if cached is None:
        texts: set[str] = set()
        keys: set[str] = set()
        entities = index.entities
        for ei, _ni, encoded in index.records:
            if entities[ei].schema in _UNPAIRED_SCHEMATA:
                continue
            names = [t for t in decode_tokens(encoded) if t.kind == Kind.NAME]
            if len(names) == 1:
                texts.add(names[0].text)
                keys.add(_consonants(names[0].text))
        cached = _SOLO[index] = (frozenset(texts), frozenset(keys))
    return cached


class _Scanner:
    """One scan: the screener, its settings, and caches shared by all segments."""

    def __init__(self, screener: Screener, threshold: float, datasets: Sequence[str] | None):
        self.screener = screener
        self.index = screener.index
        self.rarities = (screener.index.rarity, Rarity.prior())
        self.threshold = threshold
        self.datasets = list(datasets) if datasets else None
        self.dictionary = _dictionary()
        self.solo = _solo_parts(screener.index)
        self._screened: dict[str, list[Match]] = {}
        self._known: dict[str, bool] = {}
        self._list_tokens: dict[tuple[str, str], tuple[Token, ...]] = {}
        self._records: dict[str, np.ndarray] = {}
        self.calls = 0

    # -- what the lists know

    def known(self, token: Token) -> bool:
        """Whether a list name has this part, by spelling or phonetic key."""
        hit = self._known.get(token.text)
        if hit is None:
            index = self.index
            hit = index.postings(f"t:{token.text}") is not None or (
                token.kind != Kind.NUMBER
                and len(token.key) >= 2
                and index.postings(f"k:{token.key}") is not None
            )
            self._known[token.text] = hit
        return hit

    def rarity(self, text: str) -> float:
        """How rare a part is on the lists screened against, or on the official lists at
        large, whichever says more common: a watchlist of twenty names says nothing about
        how common ``Mohammed`` is."""
        return min(r.rarity(text) for r in self.rarities)

    def weight(self, token: Token, plain: bool = True) -> float:
        """Evidence a part carries: rarity times role weight, less for an English word.

        ``plain`` is false where the word cannot be an English word taken for a name: in
        another script or with accents (``Müller``), or in a payment's name field.
        """
        w = KIND_WEIGHT[token.kind] * self.rarity(token.text)
        if plain and self.dictionary.get(token.text):
            w *= DICTIONARY_FACTOR
        return w

    def distinctive(self, token: Token, surface: str, plain: bool = True) -> bool:
        """Could this part alone name a listing (``Rosneft``, ``IRGC``)?"""
        if token.kind != Kind.NAME:
            return False
        if token.text not in self.solo[0] and _consonants(token.text) not in self.solo[1]:
            return False  # no organisation's name rests on this part alone
        if plain and surface.isascii() and token.text in self.dictionary:
            return False
        acronym = surface.isupper() and len(token.text) >= 4
        if len(token.text) < 5 and not acronym:
            return False
        if self.rarity(token.text) < MIN_DISTINCTIVE_RARITY:
            return False
        return self.known(token)

    def could_match(self, words: list[_Word], tokens: list[tuple[Token, ...]], prose: bool) -> bool:
        """Cheap upper bound: could these words carry a mention at all?"""
        total = 0.0
        for w, toks in zip(words, tokens, strict=True):
            plain = prose and w.text.isascii()
            for t in toks:
                if self.known(t):
                    if self.distinctive(t, w.text, plain):
                        return True
                    total += self.weight(t, plain)
        if total >= MIN_EVIDENCE:
            return True
        # Parts glued on the list ("Bun Heang" for "Bunheang") are known only together.
        flat = [t for toks in tokens for t in toks if t.kind == Kind.NAME]
        for a, b in pairwise(flat):
            glued = a.text + b.text
            if self.index.postings(f"k:{phonetic_key(glued)}") is not None:
                total += self.weight(a, False) + self.weight(b, False)
        return total >= MIN_EVIDENCE

    def records(self, token: Token) -> np.ndarray:
        """The list name records holding this part, spelt alike or sounding alike."""
        found = self._records.get(token.text)
        if found is None:
            keys = (self.index.postings(key) for key in (f"t:{token.text}", f"k:{token.key}"))
            arrays = [p for p in keys if p is not None]
            found = np.unique(np.concatenate(arrays)) if arrays else np.empty(0, np.int32)
            self._records[token.text] = found
        return found

    def together(self, tokens: Sequence[Token]) -> bool:
        """Whether one list name holds two of these parts: a mention resting on two name
        parts needs that, and most pairs of capitalised words in a text fail it."""
        parts = list({t.text: t for t in tokens if t.kind in _PAIRED}.values())
        found = [self.records(t) for t in parts]
        for i in range(len(found)):
            for j in range(i + 1, len(found)):
                if np.intersect1d(found[i], found[j], assume_unique=True).size:
                    return True
        return any(
            self.index.postings(f"k:{phonetic_key(a.text + b.text)}") is not None
            for a, b in pairwise(parts)
        )

    def screen(self, text: str, *, probe: bool) -> list[Match]:
        """Screen a span (cached): a *probe* keeps weak candidates from fewer retrieved
        records, to learn which words they use; the final screening is the real one."""
        key = ("p:" if probe else "f:") + " ".join(text.split()).casefold()
        cached = self._screened.get(key)
        if cached is None:
            self.calls += 1
            try:
                cached = self.screener.screen_query(
                    Query(text),
                    datasets=self.datasets,
                    limit=_PROBE_LIMIT if probe else _FINAL_LIMIT,
                    threshold=min(_PROBE_THRESHOLD, self.threshold) if probe else self.threshold,
                    candidates=_PROBE_CANDIDATES if probe else _FINAL_CANDIDATES,
                )
            except QueryError:
                cached = []
            self._screened[key] = cached
        return cached

    def list_tokens(self, name: str, schema: str) -> tuple[Token, ...]:
        key = (name, schema)
        toks = self._list_tokens.get(key)
        if toks is None:
            renderings = analyze(name, schema)
            toks = self._list_tokens[key] = renderings[0] if renderings else ()
        return toks

    # -- acceptance

    def personal(self, word: _Word, plain: bool) -> bool:
        """Whether a word next to a one-part company name says it is a person's name: a
        title before it, or another capitalised word that is no English word."""
        low = word.text.lower()
        if low in _PERSON_TITLES:
            return True
        if not word.candidate or word.end != word.full_end or low in _CONNECTORS:
            return False  # a possessive ends a name ("Sechin's Rosneft")
        # Not an acronym (CEO) nor an English word (Chief).
        return not (
            word.text.isupper() or (plain and word.text.isascii() and low in self.dictionary)
        )

    def accept(
        self,
        match: Match,
        span_text: str,
        span_words: list[_Word],
        prose: bool,
        neighbours: Sequence[_Word] = (),
    ) -> tuple[bool, float, str]:
        """Whether a match on a span is a mention: (accepted, evidence, rule).

        ``neighbours``: the words just before and after the span in its run."""
        if match.score < self.threshold:
            return False, 0.0, ""
        name_expl = match.explanation.get("name", {})
        aligned = name_expl.get("aligned", [])
        query_kinds = {t.text: t for t in _tokens(span_text)}
        plain = {t.text for w in span_words if w.text.isascii() for t in _tokens(w.text)}
        if not prose:
            plain = set()
        for part in name_expl.get("query_only", []):
            tok = query_kinds.get(part)
            if tok is None or tok.kind == Kind.NAME:
                return False, 0.0, ""  # the span holds a name part the listing lacks
        evidence = 0.0
        name_parts: list[tuple[Token, float]] = []
        for pair in aligned:
            for part in str(pair.get("query", "")).split():
                tok = query_kinds.get(part) or Token(part, phonetic_key(part), Kind.NAME)
                sim = float(pair.get("similarity", 0.0))
                evidence += self.weight(tok, tok.text in plain) * sim
                if tok.kind == Kind.NAME:
                    name_parts.append((tok, sim))
        list_only = name_expl.get("list_only", [])
        if match.schema != "Person" and list_only:
            # A company's name is all of its words but the legal form: "Hong Kong" does
            # not mention HONG KONG ELECTRONICS, nor "Transneft" TRANSNEFT FINANCE LTD.
            kinds = {t.text: t.kind for t in self.list_tokens(match.name, match.schema)}
            if any(kinds.get(p, Kind.NAME) != Kind.LEGAL for p in list_only):
                return False, evidence, ""
        if evidence >= MIN_EVIDENCE and len(name_parts) >= 2:
            # Two parts each only like the listed ones ("Mariam Cohen", "Marial CHAN") are
            # a chance resemblance more often than a spelling variant.
            if any(sim >= 1.0 for _, sim in name_parts):
                return True, evidence, "evidence"
            return False, evidence, ""
        # One distinctive part naming a non-person listing (checked above: all of it but
        # its legal form is in the span).
        if match.schema in _UNPAIRED_SCHEMATA or len(name_parts) != 1:
            return False, evidence, ""
        if any(self.personal(w, plain=prose) for w in neighbours):
            return False, evidence, ""  # "Mr. Novak", "Tomasz Novak": a person, not NOVAK OOO
        tok, sim = name_parts[0]
        if sim < (1.0 if len(span_words) == 1 else 0.95):
            return False, evidence, ""
        surface = next((w.text for w in span_words if tok in _tokens(w.text)), tok.text)
        if not self.distinctive(tok, surface, tok.text in plain):
            return False, evidence, ""
        listed = self.list_tokens(match.name, match.schema)
        if sum(1 for t in listed if t.kind == Kind.NAME) != 1:
            return False, evidence, ""
        return True, evidence, "distinctive"


@dataclass
class _Candidate:
    start: int
    end: int
    match: Match
    explanation: dict[str, Any]


def _cover(
    match: Match,
    window: list[int],
    word_tokens: dict[int, set[str]],
    words: list[_Word],
    view: str,
) -> tuple[int, int] | None:
    """The tightest run of window words holding every query part the match aligned."""
    aligned = match.explanation.get("name", {}).get("aligned", [])
    parts = [p for pair in aligned for p in str(pair.get("query", "")).split()]
    if not parts:
        return None
    positions: list[list[int]] = []
    for part in parts:
        pos = [k for k, wi in enumerate(window) if part in word_tokens[wi]]
        if not pos:
            # A part made of several words ("Joint Stock Company" → jsc).
            for width in (2, 3):
                for k in range(len(window) - width + 1):
                    joined = view[words[window[k]].start : words[window[k + width - 1]].end]
                    if part in {t.text for t in _tokens(joined)}:
                        pos.extend(range(k, k + width))
                if pos:
                    break
        if pos:
            positions.append(pos)
    if not positions:
        return None
    best: tuple[int, int] | None = None
    n = len(window)
    for a in range(n):
        for b in range(a, n):
            if best is not None and b - a >= best[1] - best[0]:
                break
            if all(any(a <= p <= b for p in pos) for pos in positions):
                best = (a, b)
                break
    return best


def _probe(
    scanner: _Scanner,
    window: list[int],
    words: list[_Word],
    word_tokens: dict[int, set[str]],
    text: str,
    view: str,
) -> list[tuple[int, int]]:
    """Screen a whole window loosely to learn which words each candidate listing uses:
    the tightest spans around them are what is then screened for real."""
    whole = (window[0], window[-1])
    spans: list[tuple[int, int]] = []
    for m in scanner.screen(text, probe=True):
        cover = _cover(m, window, word_tokens, words, view)
        if cover is None:
            continue
        sub = (window[cover[0]], window[cover[1]])
        if sub == whole and m.score < scanner.threshold - 0.05:
            continue  # scored on exactly these words, and too low
        if sub not in spans:
            spans.append(sub)
    return spans


def _scan_segment(scanner: _Scanner, seg: _Segment) -> list[_Candidate]:
    words = _words(seg)
    if not words:
        return []
    word_tokens: dict[int, set[str]] = {}
    word_toks: dict[int, tuple[Token, ...]] = {}
    out: list[_Candidate] = []
    seen: set[tuple[int, int]] = set()

    def text_of(first: int, last: int) -> str:
        text = _RE_SOFT_BREAK.sub("-", seg.view[words[first].start : words[last].end])
        return " ".join(text.split())

    def gated(first: int, last: int) -> bool:
        span = range(first, last + 1)
        return scanner.could_match(
            [words[i] for i in span], [word_toks[i] for i in span], seg.mode != "name"
        )

    for run in _runs(seg, words):
        for window in _windows(run):
            for wi in window:
                if wi not in word_toks:
                    toks = _tokens(words[wi].text)
                    word_toks[wi] = toks
                    word_tokens[wi] = {t.text for t in toks}
            whole = (window[0], window[-1])
            if not gated(*whole):
                continue
            parts = [t for wi in window for t in word_toks[wi]]
            distinctive = any(
                scanner.distinctive(t, words[wi].text, seg.mode != "name")
                for wi in window
                for t in word_toks[wi]
            )
            spans: list[tuple[int, int]] = []
            if len(window) == 1 or (len(window) == 2 and not distinctive):
                # Only the whole window can be a mention: no need to probe.
                if len(window) == 1 or scanner.together(parts):
                    spans.append(whole)
            elif distinctive or scanner.together(parts):
                spans = _probe(scanner, window, words, word_tokens, text_of(*whole), seg.view)
            for first, last in spans:
                if (first, last) in seen:
                    continue
                seen.add((first, last))
                if not gated(first, last):
                    continue
                span = list(range(first, last + 1))
                span_words = [words[i] for i in span]
                neighbours = [words[i] for i in (first - 1, last + 1) if run[0] <= i <= run[-1]]
                span_text = text_of(first, last)
                for m in scanner.screen(span_text, probe=False):
                    if _cover(m, span, word_tokens, words, seg.view) != (0, len(span) - 1):
                        continue  # uses fewer words: a mention of its own span, if any
                    ok, evidence, rule = scanner.accept(
                        m, span_text, span_words, seg.mode != "name", neighbours
                    )
                    if not ok:
                        continue
                    explanation = dict(m.explanation)
                    explanation["scan"] = {
                        "query": " ".join(span_text.split()),
                        "context": seg.context,
                        "evidence": round(evidence, 3),
                        "rule": rule,
                    }
                    s, e = seg.orig_start(words[first].start), seg.orig_end(words[last].end)
                    out.append(_Candidate(s, e, m, explanation))
    return out


def _resolve(candidates: list[_Candidate]) -> list[_Candidate]:
    """Non-overlapping spans, with every listing each one matched.

    Spans are taken best score first, then longest. A span holding spans already taken
    replaces them: ``Rosneft Trading`` names ROSNEFT TRADING S.A. even though ``Rosneft``
    alone matches ROSNEFT better. A span crossing one already taken is dropped.
    """
    by_span: dict[tuple[int, int], dict[str, _Candidate]] = {}
    for c in candidates:
        entities = by_span.setdefault((c.start, c.end), {})
        old = entities.get(c.match.entity_id)
        if old is None or c.match.score > old.match.score:
            entities[c.match.entity_id] = c
    order = sorted(
        by_span,
        key=lambda sp: (
            -max(c.match.score for c in by_span[sp].values()),
            -(sp[1] - sp[0]),
            sp[0],
        ),
    )
    taken: list[tuple[int, int]] = []
    for sp in order:
        clashes = [t for t in taken if sp[0] < t[1] and t[0] < sp[1]]
        if all(sp[0] <= t[0] and t[1] <= sp[1] for t in clashes):
            taken = [t for t in taken if t not in clashes]
            taken.append(sp)
    kept = [c for sp in taken for c in by_span[sp].values()]
    kept.sort(key=lambda c: (c.start, c.end, -c.match.score, c.match.entity_id))
    return kept


def warm_up(screener: Screener) -> None:
    """Load what the first scan would otherwise load (the English dictionary, the word
    pattern, the index's one-part company names: a few tenths of a second), e.g. when a
    server starts."""
    _dictionary()
    _word_pattern()
    _solo_parts(screener.index)


def scan_text(
    screener: Screener,
    text: str,
    *,
    threshold: float | None = None,
    datasets: Sequence[str] | None = None,
) -> list[Mention]:
    """Every listed name mentioned in ``text``, in text order (see the module docstring).

    ``threshold`` defaults to :data:`SCAN_THRESHOLD`; ``datasets`` restricts the lists.
    """
    cutoff = SCAN_THRESHOLD if threshold is None else threshold
    scanner = _Scanner(screener, cutoff, datasets)
    fmt = detect_format(text)
    candidates: list[_Candidate] = []
    for seg in _segments(text, fmt):
        candidates.extend(_scan_segment(scanner, seg))
    mentions = []
    for c in _resolve(candidates):
        m = c.match
        mentions.append(
            Mention(
                c.start,
                c.end,
                text[c.start : c.end],
                m.entity_id,
                m.dataset,
                m.source_id,
                m.name,
                m.score,
                c.explanation,
            )
        )
    return mentions
