"""Name perturbations for the accuracy benchmark (``bench/accuracy.py``).

Each class is one way a real query differs from the name on the list: a bank's customer
file spells the name in another case, drops the patronymic, adds "Dr.", swaps "Ltd" for
"Limited", or someone slips a Cyrillic "а" into a Latin name to slide past a screen. A
class is a function ``(name, rng) -> variant | None``: deterministic given a seeded
:class:`random.Random`, and ``None`` when it does not apply to that name (no legal form
to change in a person's name, no given name to shorten in a one-word name), so the
benchmark counts only names a class really changes.

Classes are marked *benign* (a screening engine must catch these: the target is >= 99%
recall) or *hard* (typing and OCR errors, truncation, initials: reported, not targeted).

The variant tables here are general classes of spelling (Mohammed/Muhammad, -ey/-ei,
LLC/OOO), written from how names are romanised, not from entries of any list.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

Perturbation = Callable[[str, random.Random], "str | None"]

# ---------------------------------------------------------------------------- helpers

_ALPHA_RUN = re.compile(r"[^\W\d_]+")
_LATIN_RUN = re.compile(r"[A-Za-z]+")


def is_latin(text: str) -> bool:
    """True when every letter is Latin (accents allowed): the script-bound classes need it."""
    for ch in text:
        if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return any(ch.isalpha() for ch in text)


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    )


def _match_case(word: str, like: str) -> str:
    """Spell ``word`` in the case style of ``like`` (UPPER, Title or lower)."""
    letters = [ch for ch in like if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return word.upper()
    if letters and letters[0].isupper():
        return word[:1].upper() + word[1:]
    return word.lower() if letters else word


def is_upper_name(name: str) -> bool:
    letters = [ch for ch in name if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


def _tidy(text: str) -> str:
    """Collapse the spaces and dangling commas a removal leaves behind."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.])", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    text = re.sub(r'"\s*"', "", text)
    return text.strip(" ,-")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _pick_token(name: str, rng: random.Random, min_len: int) -> re.Match[str] | None:
    """A random Latin word of at least ``min_len`` letters, or None."""
    runs = [
        m for m in _ALPHA_RUN.finditer(name) if len(m.group()) >= min_len and is_latin(m.group())
    ]
    return rng.choice(runs) if runs else None


# ---------------------------------------------------------------------- person names

# Tokens that bind to the next one: "Abdul Salam" is one given name, "bin Laden" one surname.
PARTICLES = _wordset(
    "al el ul bin ibn ben bint abu abou abd abdel abdul abdol um umm ould van von der den de"
    " del della da di dos das du la le st"
)

PATRONYMIC = re.compile(
    r"(?:ovich|evich|avich|ovna|evna|avna|ichna|ivna|ogly|ogli|kyzy|qizi)$",
    re.IGNORECASE,
)
RUSSIAN_SURNAME = re.compile(
    r"(?:ov|ova|ev|eva|yev|yeva|sky|skiy|skii|skaya|enko|enka|chuk|yuk|ovs?kyi|ovich|evich)$",
    re.IGNORECASE,
)

STYLES = ("given_first", "surname_first", "comma")


@dataclass
class PersonName:
    """A person's name split into given names and surname, and the order it was written in.

    Sources write ``SURNAME, Given`` (OFAC, OFSI), ``Given SURNAME`` (Canada, Australia) or
    ``Given Surname`` with nothing to tell the parts apart; the split below is a heuristic
    (comma, then an upper-case run among mixed-case tokens, then the last token plus its
    particles) that is right for the common forms and harmlessly wrong for the rest.
    """

    given: list[str]
    surname: list[str]
    style: str

    def render(self, style: str | None = None) -> str:
        style = style or self.style
        if not self.given:
            return " ".join(self.surname)
        if not self.surname:
            return " ".join(self.given)
        if style == "comma":
            return f"{' '.join(self.surname)}, {' '.join(self.given)}"
        if style == "surname_first":
            return " ".join(self.surname + self.given)
        return " ".join(self.given + self.surname)


def parse_person(name: str) -> PersonName:
    if "," in name:
        surname, _, given = name.partition(",")
        return PersonName(given.split(), surname.split(), "comma")
    tokens = name.split()
    if len(tokens) < 2:
        return PersonName([], tokens, "given_first")
    upper = [is_upper_name(t) and len(t) > 1 for t in tokens]
    if any(upper) and not all(upper):
        first = upper.index(True)
        last = len(upper) - 1 - upper[::-1].index(True)
        if all(upper[first : last + 1]) and (first == 0 or last == len(tokens) - 1):
            run = tokens[first : last + 1]
            rest = tokens[:first] + tokens[last + 1 :]
            return PersonName(rest, run, "surname_first" if first == 0 else "given_first")
    cut = len(tokens) - 1
    while cut > 1 and tokens[cut - 1].casefold() in PARTICLES:
        cut -= 1
    return PersonName(tokens[:cut], tokens[cut:], "given_first")


def given_units(given: list[str]) -> list[list[str]]:
    """Group given-name tokens so that particles stay with what they introduce."""
    units: list[list[str]] = []
    pending: list[str] = []
    for token in given:
        pending.append(token)
        if token.casefold().rstrip("-") not in PARTICLES:
            units.append(pending)
            pending = []
    if pending:
        if units:
            units[-1].extend(pending)
        else:
            units.append(pending)
    return units


def _person_applicable(name: str) -> PersonName | None:
    person = parse_person(name)
    if not person.given or not person.surname:
        return None
    return person


# --------------------------------------------------------------------------- classes


def case_change(name: str, rng: random.Random) -> str | None:
    """UPPER, lower or Title case, whichever the name is not already in."""
    options = [name.upper(), name.lower(), name.title()]
    options = [o for o in dict.fromkeys(options) if o != name]
    return rng.choice(options) if options else None


_ADD_ACCENT = {
    "a": "áàäâ",
    "e": "éèëê",
    "i": "íï",
    "o": "óöô",
    "u": "úüû",
    "c": "çč",
    "s": "šş",
    "z": "žż",
    "n": "ñ",
    "g": "ğ",
    "y": "ý",
    "r": "ř",
}


def diacritics(name: str, rng: random.Random) -> str | None:
    """Strip the accents a name has, or add one or two to a name that has none."""
    stripped = strip_diacritics(name)
    if stripped != name:
        return stripped
    spots = [i for i, ch in enumerate(name) if ch.lower() in _ADD_ACCENT]
    if not spots:
        return None
    chars = list(name)
    for i in rng.sample(spots, min(len(spots), rng.choice((1, 1, 1, 2)))):
        accented = rng.choice(_ADD_ACCENT[chars[i].lower()])
        chars[i] = accented.upper() if chars[i].isupper() else accented
    return "".join(chars)


def token_order(name: str, rng: random.Random) -> str | None:
    """Surname first or last, or the list form ``SURNAME, Given`` (and back)."""
    person = _person_applicable(name)
    if person is None:
        return None
    styles = [s for s in STYLES if s != person.style]
    if person.style == "comma":
        styles = ["given_first"]
    variant = person.render(rng.choice(styles))
    return variant if variant != name else None


_NOISE_OPS = ("double_space", "hyphen_space", "dots", "trailing", "comma", "quotes", "edges")


def punctuation_noise(name: str, rng: random.Random) -> str | None:
    """Spacing and punctuation a form or a data entry clerk adds: letters stay as they are."""
    ops = list(_NOISE_OPS)
    rng.shuffle(ops)
    for op in ops[: rng.choice((1, 2))] + ops[2:]:
        variant = _noise(name, op, rng)
        if variant is not None and variant != name:
            return variant
    return None


def _noise(name: str, op: str, rng: random.Random) -> str | None:
    spaces = [m.start() for m in re.finditer(r" ", name)]
    if op == "double_space" and spaces:
        i = rng.choice(spaces)
        return name[:i] + "  " + name[i + 1 :]
    if op == "hyphen_space":
        if "-" in name:
            return name.replace("-", rng.choice((" ", "")), 1)
        if spaces:
            i = rng.choice(spaces)
            return name[:i] + "-" + name[i + 1 :]
        return None
    if op == "dots" and spaces:
        i = rng.choice(spaces)
        return name[:i] + ". " + name[i + 1 :]
    if op == "trailing":
        return name + rng.choice((".", ",", " .", ";", " -"))
    if op == "comma":
        at = trailing_legal_form(name)
        if at is None or name[:at].rstrip().endswith(","):
            return None
        return name[:at].rstrip() + ", " + name[at:]
    if op == "quotes":
        return rng.choice(('"{}"', "'{}'", "({})", "«{}»")).format(name)
    if op == "edges":
        return rng.choice(("  ", " ", "\t")) + name + rng.choice(("  ", " ", ""))
    return None


# Korean, Chinese and Vietnamese surnames: their given names ("Kwang Yon", "Jin Ping") are
# one name written in syllables, and have no middle name to drop.
EAST_ASIAN_SURNAMES = _wordset(
    "kim lee li ri rhee park pak choi choe jung jong chung kang cho jo yoon yun jang chang lim"
    " im han oh o seo shin sin kwon hwang ahn an song ryu yoo hong jeon chon ko moon mun yang"
    " son bae baek paek heo nam sim noh ro ha kwak sung cha joo ju woo koo ku min na jin ji"
    " wang zhang liu chen zhao huang zhou wu xu sun ma zhu hu guo he gao lin luo zheng liang"
    " xie tang cao deng feng xiao cheng cai peng pan yuan dong yu su ye lu wei jiang tian du"
    " ding shen nguyen tran le pham hoang vu vo dang bui do ho ngo duong ly"
)


def middle_drop(name: str, rng: random.Random) -> str | None:
    """Leave out the patronymic, or one middle given name, as short forms of a name do."""
    tokens = name.replace(",", " ").split()
    if len(tokens) < 3:
        return None
    if any(t.casefold().strip("-") in EAST_ASIAN_SURNAMES for t in tokens):
        return None
    patronymics = [i for i, t in enumerate(tokens) if len(t) > 5 and PATRONYMIC.search(t)]
    if patronymics:
        target = tokens[rng.choice(patronymics)]
        return _tidy(re.sub(rf"(?<!\w){re.escape(target)}(?!\w)", "", name, count=1))
    person = _person_applicable(name)
    if person is None:
        return None
    units = given_units(person.given)
    if len(units) < 2:
        return None
    drop = rng.randrange(1, len(units))
    given = [t for i, u in enumerate(units) if i != drop for t in u]
    return PersonName(given, person.surname, person.style).render()


def _initial(token: str) -> str:
    parts = [p for p in token.split("-") if p]
    return "-".join(p[0].upper() + "." for p in parts if p[0].isalpha()) or token


def initials(name: str, rng: random.Random) -> str | None:
    """Given names cut to initials (``U. A. AL-SHIHABI``), the surname kept."""
    person = _person_applicable(name)
    if person is None:
        return None
    given = [_initial(t) for t in person.given]
    if rng.random() < 0.3:
        given = [g.replace(".", "") for g in given]
    variant = PersonName(given, person.surname, person.style).render()
    return variant if variant != name else None


TITLES = (
    "Mr",
    "Mr.",
    "Dr",
    "Dr.",
    "Gen.",
    "General",
    "Col.",
    "Prof.",
    "Sheikh",
    "Shaykh",
    "H.E.",
    "Oknha",
    "Haji",
    "Mullah",
    "Sir",
)


def title(name: str, rng: random.Random) -> str | None:
    """An honorific or rank in front, as correspondence and press reports write names."""
    return f"{rng.choice(TITLES)} {name}"


# Equivalent legal forms; the first spellings are the ones written into variants.
LEGAL_FORMS: tuple[tuple[str, ...], ...] = (
    ("LLC", "Limited Liability Company", "OOO", "ООО", "L.L.C."),
    ("Ltd", "Limited", "Ltd."),
    ("JSC", "Joint Stock Company", "OAO", "AO", "Open Joint Stock Company", "Joint-Stock Company"),
    ("PJSC", "Public Joint Stock Company", "PAO"),
    ("CJSC", "Closed Joint Stock Company", "ZAO"),
    ("GmbH", "Gesellschaft mit beschränkter Haftung", "G.m.b.H."),
    ("Inc.", "Incorporated", "Inc"),
    ("Corp.", "Corporation", "Corp"),
    ("Co.", "Company", "Co"),
    ("S.A.", "SA", "Sociedad Anónima", "Société Anonyme"),
    ("PLC", "Public Limited Company"),
    ("LLP", "Limited Liability Partnership"),
    ("FZE", "Free Zone Establishment"),
    ("FZCO", "Free Zone Company"),
    ("B.V.", "BV"),
    ("N.V.", "NV"),
    ("AG", "Aktiengesellschaft"),
    ("SARL", "S.A.R.L."),
    ("S.R.L.", "SRL"),
)
# Long transliterated forms that appear on lists; matched, never written.
_LEGAL_EXTRA = {
    "Obshchestvo s Ogranichennoi Otvetstvennostyu": 0,
    "Obshchestvo s Ogranichennoy Otvetstvennostyu": 0,
    "Aktsionernoe Obshchestvo": 2,
    "Otkrytoe Aktsionernoe Obshchestvo": 2,
    "Publichnoe Aktsionernoe Obshchestvo": 3,
    "Zakrytoe Aktsionernoe Obshchestvo": 4,
}


def _phrase_pattern(phrase: str) -> str:
    words = [re.escape(w) for w in phrase.split()]
    return r"(?<!\w)" + r"[\s-]+".join(words) + r"(?!\w)"


_LEGAL_INDEX: list[tuple[str, int]] = sorted(
    [(p, g) for g, forms in enumerate(LEGAL_FORMS) for p in forms] + list(_LEGAL_EXTRA.items()),
    key=lambda pg: -len(pg[0]),
)
_LEGAL_RE = re.compile(
    "|".join(f"(?P<g{i}>{_phrase_pattern(p)})" for i, (p, _) in enumerate(_LEGAL_INDEX)),
    re.IGNORECASE,
)


def find_legal_forms(name: str) -> list[tuple[int, int, int]]:
    """``(start, end, group)`` of every legal form written in ``name``."""
    found = []
    for m in _LEGAL_RE.finditer(name):
        index = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
        found.append((m.start(), m.end(), _LEGAL_INDEX[index][1]))
    return found


def _meaningful_left(text: str) -> bool:
    """Something besides legal forms and generic words is left to screen on."""
    rest = _LEGAL_RE.sub(" ", text)
    rest = GENERIC_RE.sub(" ", rest)
    return any(len(m.group()) >= 3 for m in _ALPHA_RUN.finditer(rest))


def legal_form(name: str, rng: random.Random) -> str | None:
    """Legal form spelled another way (Ltd/Limited, JSC/OAO, OOO/ООО), dropped, or added."""
    found = find_legal_forms(name)
    upper = is_upper_name(name)
    if not found:
        added = rng.choice(("LLC", "Ltd", "GmbH", "JSC", "Inc."))
        return f"{name}{rng.choice((' ', ', '))}{added.upper() if upper else added}"
    start, end, group = rng.choice(found)
    written = name[start:end]
    dropped = _tidy(name[:start] + " " + name[end:])
    if rng.random() < 0.35 and _meaningful_left(dropped):
        return dropped
    options = [f for f in LEGAL_FORMS[group] if f.casefold() != written.casefold()]
    replacement = rng.choice(options)
    if upper:
        replacement = replacement.upper()
    return name[:start] + replacement + name[end:]


GENERIC_WORDS = ("Trading", "Group", "Holding", "International", "Industries", "Enterprises")
GENERIC_RE = re.compile(r"(?<!\w)(?:" + "|".join(GENERIC_WORDS) + r")(?!\w)", re.IGNORECASE)


def generic_word(name: str, rng: random.Random) -> str | None:
    """A generic business word (Trading, Group...) added, or one the name has dropped."""
    present = list(GENERIC_RE.finditer(name))
    if present and rng.random() < 0.5:
        m = rng.choice(present)
        dropped = _tidy(name[: m.start()] + " " + name[m.end() :])
        if _meaningful_left(dropped):
            return dropped
    word = rng.choice([w for w in GENERIC_WORDS if w.casefold() not in name.casefold()])
    if is_upper_name(name):
        word = word.upper()
    at = trailing_legal_form(name)
    if at is not None:
        return _tidy(name[:at].rstrip(" ,") + " " + word + " " + name[at:])
    return f"{name} {word}"


def trailing_legal_form(name: str) -> int | None:
    """Where the legal forms that end a name begin ("Liberty Shipping| Co Ltd"), or None."""
    end = len(name.rstrip(" .,"))
    start = None
    for form_start, form_end, _ in reversed(find_legal_forms(name)):
        if form_start == 0 or len(name[:form_end].rstrip(" .,")) < end:
            break
        start = form_start
        end = len(name[:form_start].rstrip(" .,"))
    return start


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    pos = {ch: (r, c) for r, row in enumerate(_KEYBOARD_ROWS) for c, ch in enumerate(row)}
    near: dict[str, str] = {}
    for ch, (r, c) in pos.items():
        near[ch] = "".join(
            other
            for other, (r2, c2) in pos.items()
            if other != ch and abs(r - r2) <= 1 and abs((c + 0.5 * r) - (c2 + 0.5 * r2)) <= 1
        )
    return near


KEYBOARD_NEIGHBOURS = _keyboard_neighbours()
_KEYED = frozenset(KEYBOARD_NEIGHBOURS) | frozenset(k.upper() for k in KEYBOARD_NEIGHBOURS)


def typo(name: str, rng: random.Random) -> str | None:
    """One letter replaced by a key next to it on a QWERTY keyboard."""
    m = _pick_token(name, rng, 4)
    if m is None:
        return None
    spots = [m.start() + j for j in range(1, len(m.group())) if m.group()[j] in _KEYED]
    if not spots:
        return None
    i = rng.choice(spots)
    old = name[i]
    new = rng.choice(KEYBOARD_NEIGHBOURS[old.lower()])
    return name[:i] + (new.upper() if old.isupper() else new) + name[i + 1 :]


def double_drop(name: str, rng: random.Random) -> str | None:
    """One letter doubled or left out (``Hasan``/``Hassan``, ``Mohamed``/``Mohammed``)."""
    m = _pick_token(name, rng, 4)
    if m is None:
        return None
    i = m.start() + rng.randrange(1, len(m.group()))
    if rng.random() < 0.5:
        return name[:i] + name[i] + name[i:]
    return name[:i] + name[i + 1 :]


_VOWELS = frozenset("aeiouAEIOU")


def vowel_drop(name: str, rng: random.Random) -> str | None:
    """The vowels of one word dropped after its first letter (``Mhmmd``), as in SMS spelling."""
    runs = [
        m
        for m in _ALPHA_RUN.finditer(name)
        if len(m.group()) >= 5 and sum(ch in _VOWELS for ch in m.group()[1:]) >= 2
    ]
    if not runs:
        return None
    m = rng.choice(runs)
    word = m.group()
    short = word[0] + "".join(ch for ch in word[1:] if ch not in _VOWELS)
    return name[: m.start()] + short + name[m.end() :]


HOMOGLYPHS = {
    "a": "а",
    "e": "е",
    "o": "о",
    "p": "р",
    "c": "с",
    "x": "х",
    "y": "у",
    "i": "і",
    "A": "А",
    "B": "В",
    "C": "С",
    "E": "Е",
    "H": "Н",
    "K": "К",
    "M": "М",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "X": "Х",
}


def homoglyph(name: str, rng: random.Random) -> str | None:
    """A Latin letter swapped for the Cyrillic one that looks the same (а for a, р for p)."""
    if not is_latin(name):
        return None
    spots = [i for i, ch in enumerate(name) if ch in HOMOGLYPHS]
    if not spots:
        return None
    chars = list(name)
    for i in rng.sample(spots, min(len(spots), rng.choice((1, 1, 2)))):
        chars[i] = HOMOGLYPHS[chars[i]]
    return "".join(chars)


ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")


def zero_width(name: str, rng: random.Random) -> str | None:
    """An invisible character (zero-width space/joiner, soft hyphen) inside a word."""
    m = _pick_token(name, rng, 2)
    if m is None:
        m = next(_ALPHA_RUN.finditer(name), None)
        if m is None or len(m.group()) < 2:
            return None
    i = m.start() + rng.randrange(1, len(m.group()))
    return name[:i] + rng.choice(ZERO_WIDTH) + name[i:]


_OCR_SWAPS: tuple[tuple[str, str], ...] = (
    ("rn", "m"),
    ("m", "rn"),
    ("O", "0"),
    ("0", "O"),
    ("l", "1"),
    ("1", "l"),
    ("I", "1"),
    ("I", "l"),
    ("cl", "d"),
    ("d", "cl"),
    ("S", "5"),
    ("B", "8"),
)


def ocr(name: str, rng: random.Random) -> str | None:
    """A confusion scanners make: rn/m, 0/O, 1/l, cl/d, 5/S."""
    spots = [
        (m.start(), old, new)
        for old, new in _OCR_SWAPS
        for m in re.finditer(re.escape(old), name)
        if not (old == "O" and name[m.start() - 1 : m.start()] == "O")
    ]
    if not spots:
        return None
    i, old, new = rng.choice(spots)
    return name[:i] + new + name[i + len(old) :]


TRUNCATE_WIDTH = 35


def truncate(name: str, rng: random.Random) -> str | None:
    """Cut to a fixed field width (35 characters), as old payment formats do."""
    if len(name) <= TRUNCATE_WIDTH:
        return None
    return name[:TRUNCATE_WIDTH].rstrip(" ,-")


# Spellings of one name. General classes of romanisation, each listing common spellings.
ARABIC_SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("Mohammed", "Muhammad", "Mohamed", "Mohammad", "Muhammed", "Mohamad", "Mohamud", "Mehmet"),
    ("Ahmed", "Ahmad", "Ahmet"),
    ("Mahmoud", "Mahmud", "Mahmood"),
    ("Mustafa", "Mostafa", "Moustafa", "Mustapha"),
    ("Abdullah", "Abdallah", "Abdulla"),
    ("Qaddafi", "Gaddafi", "Kadhafi", "Qadhafi", "Gadhafi", "Kaddafi", "Qathafi"),
    ("Yusuf", "Yousef", "Yousuf", "Youssef", "Yusif", "Yosef"),
    ("Hussein", "Husayn", "Hussain", "Husain", "Hossein", "Husein"),
    ("Hassan", "Hasan"),
    ("Hasani", "Hassani"),
    ("Osama", "Usama", "Usamah", "Oussama"),
    ("Omar", "Umar", "Omer"),
    ("Khaled", "Khalid"),
    ("Saeed", "Said", "Saied", "Saeid"),
    ("Hamid", "Hamed"),
    ("Mohsen", "Muhsin"),
    ("Reza", "Rida", "Ridha"),
    ("Jafar", "Jaafar", "Djafar"),
    ("Ibrahim", "Ebrahim", "Ibraheem"),
    ("Ismail", "Ismael", "Esmail"),
    ("Suleiman", "Sulayman", "Soleiman", "Sleiman"),
    ("Abu", "Abou"),
    ("Nasser", "Nasir", "Naser", "Nassir"),
    ("Yahya", "Yehia", "Yahia"),
    ("Issa", "Isa", "Eisa"),
    ("Musa", "Moussa", "Mousa"),
    ("Ali", "Aly"),
    ("Abdulrahman", "Abdurrahman", "Abdelrahman"),
    ("Rahman", "Rehman"),
    ("Aziz", "Azeez"),
    ("Karim", "Kareem"),
    ("Rashid", "Rasheed", "Rachid"),
    ("Tariq", "Tarek", "Tarik"),
    ("Faisal", "Faysal", "Feisal"),
    ("Salah", "Saleh", "Salih"),
)
RUSSIAN_SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("Aleksandr", "Alexander", "Aleksander", "Alexandr"),
    ("Aleksey", "Alexey", "Alexei", "Aleksei"),
    ("Sergey", "Sergei", "Serguei"),
    ("Dmitry", "Dmitriy", "Dmitri", "Dmitrii"),
    ("Yury", "Yuri", "Yuriy", "Iurii"),
    ("Andrey", "Andrei"),
    ("Nikolay", "Nikolai"),
    ("Mikhail", "Mihail", "Michail"),
    ("Yevgeny", "Evgeny", "Evgeniy", "Yevgeniy", "Evgenii"),
    ("Vyacheslav", "Viacheslav"),
    ("Vitaly", "Vitaliy", "Vitalii"),
    ("Anatoly", "Anatoliy", "Anatolii"),
    ("Valery", "Valeriy", "Valerii"),
    ("Grigory", "Grigoriy", "Grigorii"),
    ("Arkady", "Arkadiy", "Arkadii"),
    ("Yelena", "Elena"),
    ("Tatiana", "Tatyana"),
    ("Natalia", "Natalya"),
    ("Olga", "Olha"),
    ("Ilya", "Ilia"),
    ("Pyotr", "Petr", "Piotr"),
    ("Fyodor", "Fedor"),
    ("Semyon", "Semen"),
    ("Maksim", "Maxim"),
    ("Gennady", "Gennadiy", "Gennadii"),
    ("Yevgenia", "Evgenia", "Yevgeniya"),
)
ROMANISATION = ARABIC_SPELLINGS + RUSSIAN_SPELLINGS
_ROMAN_INDEX = {v.casefold(): g for g, group in enumerate(ROMANISATION) for v in group}

# Substring classes of romanisation, applied to one word: (pattern, replacements).
_RUSSIAN_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"iy$", ("y", "ii", "i")),
    (r"(?<=[bcdfghklmnprstvz])y$", ("iy", "i")),
    (r"ey$", ("ei",)),
    (r"ei$", ("ey",)),
    (r"(?<=[aeiou])yev", ("ev",)),
    (r"(?<=[aeiou])ev", ("yev",)),
    (r"kh", ("h",)),
    (r"ks", ("x",)),
    (r"x", ("ks",)),
    (r"ya", ("ia",)),
    (r"yu", ("iu",)),
    (r"sky$", ("skiy", "ski")),
    (r"skiy$", ("sky", "skii")),
    (r"ts", ("tz",)),
    (r"yo", ("e",)),
)
_ARABIC_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"^q", ("k",)),
    (r"ou", ("u",)),
    (r"oo", ("u",)),
    (r"ee", ("i",)),
    (r"dh", ("z", "d")),
    (r"^sh", ("ch",)),
    (r"aa", ("a",)),
)
_ARABIC_PARTICLES = _wordset("al el bin ibn abu abou abd abdul abdel bint")


# Given names that mark a name as Russian/Ukrainian (besides the spellings table above).
RUSSIAN_GIVEN_NAMES = _wordset(
    "vladimir oleg igor ivan viktor pavel konstantin stanislav vadim leonid ruslan svetlana"
    " irina lyudmila ludmila oksana galina vasily vasiliy gleb kirill artem artyom yaroslav"
    " vsevolod taras bogdan volodymyr oleksandr oleksiy mykola mykhailo serhiy petro ihor"
    " aleksandr alexandr aleksey alexey alexei aleksei sergey sergei dmitry dmitriy dmitri"
    " andrey andrei nikolay nikolai mikhail yevgeny evgeny evgeniy yevgeniy vyacheslav"
    " viacheslav vitaly vitaliy anatoly anatoliy valery valeriy grigory grigoriy arkady"
    " arkadiy yelena tatyana natalya pyotr fyodor semyon maksim gennady gennadiy yury yuri"
    " aliaksandr aliaksei uladzimir siarhei"
)
_ARABIC_GIVEN = frozenset(v.casefold() for group in ARABIC_SPELLINGS for v in group)


def spelling_class(word: str) -> int | None:
    """The romanisation class of a word (same number = spellings of one name), or None."""
    return _ROMAN_INDEX.get(word.casefold())


def looks_russian(name: str) -> bool:
    """A patronymic, a Russian surname ending, or a Russian given name."""
    if not is_latin(name):
        return False
    for word in _LATIN_RUN.findall(name):
        if len(word) > 5 and PATRONYMIC.search(word):
            return True
        if len(word) > 4 and RUSSIAN_SURNAME.search(word):
            return True
        if word.casefold() in RUSSIAN_GIVEN_NAMES:
            return True
    return False


def romanisation(name: str, rng: random.Random) -> str | None:
    """Another common romanisation: Mohammed/Muhammad, Abdul/Abd al-, el-/al-, -ey/-ei, kh/h."""
    if not is_latin(name):
        return None
    edits: list[tuple[int, int, str]] = []
    for m in _ALPHA_RUN.finditer(name):
        group = _ROMAN_INDEX.get(m.group().casefold())
        if group is not None:
            options = [v for v in ROMANISATION[group] if v.casefold() != m.group().casefold()]
            edits.append((m.start(), m.end(), _match_case(rng.choice(options), m.group())))
    for m in re.finditer(r"(?<!\w)(al|el)(?=[- ]\w)", name, re.IGNORECASE):
        swap = {"al": "el", "el": "al"}[m.group(1).casefold()]
        edits.append((m.start(), m.end(), _match_case(swap, m.group(1))))
    for m in re.finditer(r"(?<!\w)(abdul|abdel|abdol) (?=\w)", name, re.IGNORECASE):
        edits.append((m.start(), m.end(), _match_case("abd al-", m.group(1))))
    for m in re.finditer(r"(?<!\w)(abd)[ -](?:al|el)-(?=\w)", name, re.IGNORECASE):
        edits.append((m.start(), m.end(), _match_case("abdul ", m.group(1))))
    if not edits:
        # Spelling rules touch only words that are themselves Russian-looking, or that follow
        # an Arabic particle ("al-Shihabi"): never the English words of a company name.
        arabic_next = False
        for m in _ALPHA_RUN.finditer(name):
            word = m.group()
            rules: tuple[tuple[str, tuple[str, ...]], ...] = ()
            if looks_russian(word):
                rules = _RUSSIAN_RULES
            elif arabic_next:
                rules = _ARABIC_RULES
            arabic_next = word.casefold() in _ARABIC_PARTICLES
            if len(word) < 3 or not is_latin(word):
                continue
            for pattern, replacements in rules:
                for hit in re.finditer(pattern, word.lower()):
                    new = word.lower()[: hit.start()] + rng.choice(replacements)
                    new += word.lower()[hit.end() :]
                    edits.append((m.start(), m.end(), _match_case(new, word)))
    if not edits:
        return None
    start, end, new = rng.choice(edits)
    variant = name[:start] + new + name[end:]
    return variant if variant != name else None


_TO_CYRILLIC = (
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("tch", "ч"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "е"),
    ("yo", "ё"),
    ("iu", "ю"),
    ("ia", "я"),
    ("x", "кс"),
    ("j", "дж"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("w", "в"),
    ("g", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("k", "к"),
    ("q", "к"),
    ("c", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
    ("h", "х"),
    ("'", "ь"),
)
_CYR_VOWELS = frozenset("аеёиоуыэюя")


def to_cyrillic_word(word: str) -> str:
    """Latin → Cyrillic for one word with a plain Russian-style map (no dictionary)."""
    low = strip_diacritics(word).lower()
    out: list[str] = []
    i = 0
    while i < len(low):
        rest = low[i:]
        if rest in ("iy", "ii", "yi") and out:
            out.append("ий")
            break
        if rest == "ia" and out:  # Maria, Yulia: -ия at the end, я inside (Aliaksandr)
            out.append("ия")
            break
        if rest == "i" and out and out[-1][-1] not in _CYR_VOWELS:  # Yuri, Dmitri: -ий
            out.append("ий")
            break
        if rest[0] == "y" and not any(rest.startswith(p) for p in ("yu", "ya", "ye", "yo")):
            prev_vowel = bool(out) and out[-1][-1] in _CYR_VOWELS
            if prev_vowel:
                out.append("й")
            elif len(rest) == 1 and out:
                out.append("ий")
            else:
                out.append("ы" if out else "й")
            i += 1
            continue
        if rest[0] == "i" and out and out[-1][-1] in _CYR_VOWELS and len(rest) == 1:
            out.append("й")
            i += 1
            continue
        for latin, cyr in _TO_CYRILLIC:
            if rest.startswith(latin):
                out.append(cyr)
                i += len(latin)
                break
        else:
            out.append(rest[0])
            i += 1
    return _match_case("".join(out), word)


def cyrillic(name: str, rng: random.Random) -> str | None:
    """A Russian or Ukrainian-looking name written back in Cyrillic, as a local record has it."""
    if not looks_russian(name):
        return None
    return _LATIN_RUN.sub(lambda m: to_cyrillic_word(m.group()), strip_diacritics(name))


def exact(name: str, rng: random.Random) -> str | None:
    """The list name itself: the baseline every other class is read against."""
    return name


# ------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class PerturbClass:
    name: str
    func: Perturbation
    applies_to: str  # "person", "org" or "any"
    benign: bool
    label: str

    def applies(self, schema: str) -> bool:
        if self.applies_to == "any":
            return True
        return (schema == "Person") == (self.applies_to == "person")

    def __call__(self, name: str, rng: random.Random) -> str | None:
        return self.func(name, rng)


CLASSES: dict[str, PerturbClass] = {
    c.name: c
    for c in (
        PerturbClass("exact", exact, "any", True, "list name as is"),
        PerturbClass("case", case_change, "any", True, "case change"),
        PerturbClass("diacritics", diacritics, "any", True, "diacritics removed/added"),
        PerturbClass("token_order", token_order, "person", True, "surname first/last, comma"),
        PerturbClass("punctuation", punctuation_noise, "any", True, "whitespace/punctuation"),
        PerturbClass("middle_drop", middle_drop, "person", True, "middle name/patronymic dropped"),
        PerturbClass("title", title, "person", True, "title/honorific added"),
        PerturbClass("legal_form", legal_form, "org", True, "legal form changed/dropped/added"),
        PerturbClass("generic_word", generic_word, "org", True, "Trading/Group added or dropped"),
        PerturbClass("homoglyph", homoglyph, "any", True, "Cyrillic homoglyph in Latin"),
        PerturbClass("zero_width", zero_width, "any", True, "zero-width character"),
        PerturbClass("romanisation", romanisation, "any", True, "romanisation variant"),
        PerturbClass("cyrillic", cyrillic, "person", True, "back to Cyrillic (ru/uk names)"),
        PerturbClass("initials", initials, "person", False, "given names as initials"),
        PerturbClass("typo", typo, "any", False, "keyboard-adjacent typo"),
        PerturbClass("double_drop", double_drop, "any", False, "letter doubled/dropped"),
        PerturbClass("vowel_drop", vowel_drop, "any", False, "vowels dropped in one word"),
        PerturbClass("ocr", ocr, "any", False, "OCR confusion rn/m 0/O 1/l"),
        PerturbClass("truncate", truncate, "any", False, f"truncated to {TRUNCATE_WIDTH} chars"),
    )
}


def perturb(class_name: str, name: str, rng: random.Random) -> str | None:
    return CLASSES[class_name](name, rng)


def rng_for(seed: int | str, *keys: str) -> random.Random:
    """One generator per (seed, class, name): adding a class never changes another's variants."""
    return random.Random(":".join([str(seed), *keys]))
