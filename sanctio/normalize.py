"""Names → comparable tokens. Pure functions, no I/O; the index and the scorer share them.

What a name goes through, in order, and why:

1. **Unicode clean-up**: NFKC (full-width letters, ligatures), invisible characters removed
   (zero-width spaces and joiners, bidi marks: classic evasion), control characters
   become spaces.
2. **Homoglyph folding**: a word mixing Latin with Cyrillic or Greek look-alikes
   (``Рutin`` with a Cyrillic Р) is folded to Latin before anything else.
3. **Transliteration** to ASCII: ICU ``Any-Latin; Latin-ASCII`` for most scripts, Hangul
   syllable by syllable (so ``김정은`` gives ``gim jeong eun``, three parts, as lists write
   Korean names), ``anyascii`` for scripts ICU leaves untouched (Khmer, Myanmar…).
   Han characters get extra *renderings*: Mandarin (ICU), Korean (Hanja readings) and
   Japanese (pykakasi), because ``金正恩`` is Kim Jong Un, not Jin Zheng En.
4. **Tokenising**: case-fold, possessive ``'s`` dropped, apostrophes inside words dropped
   (``O'Brien`` → ``obrien``), split on everything else; ``&`` is ``and``.
5. **Token roles**: titles and honorifics (Mr, Dr, Gen., Sheikh, Oknha, H.E.) are dropped
   from person names; legal forms (LLC, ООО, GmbH, S.A.…) are canonicalised with rigour
   and marked, as are generic company words (Trading, Group…) and particles (al, bin,
   van, de…): such tokens must never carry a match by themselves.
6. **Phonetic key**: a consonant skeleton in which romanisation variants collide
   (Muhammad/Mohammed/Mohamad → ``md``; Qadhafi/Gaddafi → ``kdf``; Jeong/Jong → ``jnk``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

__all__ = [
    "Kind",
    "Token",
    "analyze",
    "clean",
    "fold_homoglyphs",
    "phonetic_key",
    "renderings",
    "tokenize",
    "transliterate",
]


class Kind(IntEnum):
    """A token's role in a name; the scorer weighs each role differently."""

    NAME = 0
    PARTICLE = 1  # al, bin, van, de: part of a name, weak evidence
    LEGAL = 2  # llc, jsc, gmbh: says what an organisation is, not which
    GENERIC = 3  # trading, group, international: common company words
    INITIAL = 4  # a single letter standing for a given name
    NUMBER = 5  # digits or a series marker (II, XV): must agree exactly
    PATRONYMIC = 6  # Vladimirovich, Oleksandrivna, Aliyev oglu: often left out by others


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # ASCII, lower case
    key: str  # phonetic skeleton
    kind: Kind


# --- 1. Unicode clean-up ----------------------------------------------------------------

_SPACE_CATEGORIES = {"Cc", "Zl", "Zp", "Zs"}


_ASCII_CONTROLS = {i: " " for i in (*range(32), 127)}


def clean(text: str) -> str:
    """NFKC, invisible characters removed, controls and odd spaces made plain spaces."""
    if text.isascii():  # the common case, and NFKC leaves ASCII alone
        return " ".join(text.translate(_ASCII_CONTROLS).split())
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        if ch.isascii():
            out.append(" " if ch < " " or ch == "\x7f" else ch)
            continue
        cat = unicodedata.category(ch)
        if cat == "Cf":
            continue  # zero-width space/joiner, bidi controls, soft hyphen
        out.append(" " if cat in _SPACE_CATEGORIES else ch)
    return " ".join("".join(out).split())


# --- 2. Homoglyphs ----------------------------------------------------------------------

_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
        # Greek
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u",
        "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
        "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ζ": "Z",
    }
)  # fmt: skip


def _is_latin_letter(ch: str) -> bool:
    return (ch.isascii() and ch.isalpha()) or "LATIN" in unicodedata.name(ch, "")


def fold_homoglyphs(text: str) -> str:
    """Fold Cyrillic/Greek look-alikes inside words that also contain Latin letters.

    A wholly Cyrillic word is a Cyrillic name and is transliterated properly later; only a
    mix (``Рutin``, ``Bаnk``) is an evasion attempt or a keyboard accident.
    """
    if text.isascii():
        return text
    words = text.split(" ")
    for i, word in enumerate(words):
        if word.isascii():
            continue
        has_latin = any(_is_latin_letter(c) for c in word if c.isalpha())
        has_other = any(not _is_latin_letter(c) for c in word if c.isalpha())
        if has_latin and has_other:
            words[i] = word.translate(_HOMOGLYPHS)
    return " ".join(words)


# --- 3. Transliteration ------------------------------------------------------------------


@lru_cache(maxsize=8)
def _icu(rules: str = "Any-Latin") -> object:
    import icu

    return icu.Transliterator.createInstance(f"{rules}; Latin-ASCII")


_UKRAINIAN = frozenset("іїєґІЇЄҐ")
_BELARUSIAN = frozenset("ўЎ")


def _cyrillic_rules(text: str) -> str:
    """BGN/PCGN romanisation, the one the lists use (Zhelezniak, not Železnâk)."""
    if _BELARUSIAN.intersection(text):
        return "Belarusian-Latin/BGN"
    if _UKRAINIAN.intersection(text):
        return "Ukrainian-Latin/BGN"
    return "Russian-Latin/BGN"


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _is_kana(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff"


def _icu_ascii(text: str) -> str:
    rules = "Any-Latin"
    if any("\u0400" <= c <= "\u04ff" for c in text):
        rules = _cyrillic_rules(text)
    out: str = _icu(rules).transliterate(text)  # type: ignore[attr-defined]
    out = out.replace("\u00b7", "")  # BGN's separator dot (Lukash·enka)
    if not out.isascii():
        from anyascii import anyascii

        out = anyascii(out)
    return out


def transliterate(text: str) -> str:
    """Any script → ASCII (case kept). Hangul syllables come out space-separated."""
    if text.isascii():
        return text
    if any(_is_hangul(c) for c in text):
        # One syllable at a time: ICU otherwise glues a whole word ("gimjeong-eun").
        text = "".join(f" {c} " if _is_hangul(c) else c for c in text)
    out = _icu_ascii(text)
    return " ".join(out.split())


# Korean surnames: Revised Romanisation (what ICU gives) → the spellings lists use.
_KOREAN_SURNAMES = {
    "gim": ("kim",), "i": ("lee", "yi", "ri", "rhee", "li"), "bak": ("park", "pak"),
    "choe": ("choi",), "jeong": ("jung", "chung", "jong"), "gang": ("kang",),
    "jo": ("cho",), "yun": ("yoon",), "jang": ("chang",), "im": ("lim", "rim"),
    "han": (), "o": ("oh",), "seo": ("suh",), "sin": ("shin",), "gwon": ("kwon",),
    "bag": ("park", "pak", "bak"), "baeg": ("baek", "paek"), "hwang": (), "an": ("ahn",),
    "song": (), "ryu": ("yoo", "yu"), "yu": ("yoo", "ryu"),
    "hong": (), "jeon": ("chun", "jun", "chon"), "go": ("ko",), "mun": ("moon",),
    "yang": (), "son": ("sohn",), "bae": ("pae",), "baek": ("paek",), "heo": ("hur",),
    "no": ("roh", "noh"), "ri": ("lee", "li"), "ju": ("joo", "chu"), "gu": ("koo",),
    "u": ("woo",), "na": ("ra",), "cha": (), "sim": ("shim",), "min": (), "jin": ("chin",),
}  # fmt: skip

# Hanja read as a surname differ from their everyday reading (金 is 김 as a name).
_HANJA_SURNAMES = {
    "金": "김",
    "李": "이",
    "朴": "박",
    "崔": "최",
    "鄭": "정",
    "柳": "류",
    "盧": "노",
}


@lru_cache(maxsize=1)
def _kakasi() -> object:
    import pykakasi

    return pykakasi.kakasi()  # type: ignore[no-untyped-call]


def _japanese_reading(text: str) -> str | None:
    try:
        parts = _kakasi().convert(text)  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - optional dependency misbehaving
        return None
    return " ".join(p["hepburn"] for p in parts if p.get("hepburn"))


def _korean_reading(text: str) -> str | None:
    try:
        import hanja
    except ImportError:  # pragma: no cover
        return None
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return None
    first = _HANJA_SURNAMES.get(chars[0])
    hangul = hanja.translate(text, "substitution")
    if first and hangul:
        hangul = first + hangul[1:]
    return str(hangul)


def renderings(text: str) -> list[str]:
    """Every ASCII rendering worth trying for a name (several only for Han script)."""
    base = transliterate(text)
    if text.isascii() or not any(_is_han(c) for c in text):
        return [base]
    out = [base]
    if not any(_is_kana(c) for c in text):
        korean = _korean_reading(text)
        if korean:
            out.append(transliterate(korean))
    japanese = _japanese_reading(text)
    if japanese:
        out.append(transliterate(japanese))
    return list(dict.fromkeys(r for r in out if r.strip()))


# --- 4. Tokenising ----------------------------------------------------------------------

_RE_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
_RE_APOSTROPHE = re.compile(r"(?<=\w)['’`ʻʼ](?=\w)")
_RE_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")  # "l.l.c." "s.a." "p.l.c."
_RE_SPLIT = re.compile(r"[^a-z0-9]+")
_RE_DOTTED_ANY = re.compile(r"\b(?:[A-Za-z]\.){2,}|\b[A-Za-z]{2}\.(?=\s)")


_OCR_DIGITS = str.maketrans("0134578", "oleastb")


def _ocr(token: str, person: bool) -> str:
    """Digits inside a word read as the letters they are mistaken for (``Ig0r``, ``5aad``).

    In a person's name every such digit is a slip; in a company's only a lone digit among
    three or more letters is ("AR16", "A1", "3M" are real names).
    """
    if token.isdigit() or token.isalpha():
        return token
    digits = sum(c.isdigit() for c in token)
    if person or (digits == 1 and len(token) - digits >= 3):
        return token.translate(_OCR_DIGITS)
    return token


def tokenize(text: str, *, ocr: bool = False) -> list[str]:
    """ASCII text → lower-case word tokens.

    ``ocr`` says whether the name may be a person's, whose parts never hold digits (see
    :func:`_ocr`).
    """
    text = text.casefold().replace("&", " and ")
    text = _RE_POSSESSIVE.sub("", text)
    text = _RE_APOSTROPHE.sub("", text)
    text = _RE_DOTTED.sub(lambda m: m.group(0).replace(".", "") + " ", text)
    tokens = [t for t in _RE_SPLIT.split(text) if t]
    return [_ocr(t, ocr) for t in tokens]


# --- 5. Token roles ---------------------------------------------------------------------

TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "madam",
        "madame",
        "mme",
        "mlle",
        "herr",
        "frau",
        "sheikh",
        "shaikh",
        "sheik",
        "shaykh",
        "sayed",
        "sayyid",
        "sayyed",
        "syed",
        "hajji",
        "haji",
        "hadji",
        "alhaj",
        "alhaji",
        "mullah",
        "mawlawi",
        "maulvi",
        "maulawi",
        "molvi",
        "maulana",
        "mufti",
        "imam",
        "ayatollah",
        "hojatoleslam",
        "gen",
        "general",
        "lt",
        "ltgen",
        "maj",
        "major",
        "col",
        "colonel",
        "capt",
        "captain",
        "cpt",
        "brig",
        "brigadier",
        "adm",
        "admiral",
        "cmdr",
        "commander",
        "sgt",
        "sergeant",
        "cpl",
        "corporal",
        "marshal",
        "he",
        "excellency",
        "his",
        "her",
        "honorable",
        "honourable",
        "rev",
        "reverend",
        "president",
        "prasident",
        "presidente",
        "vice",
        "prime",
        "minister",
        "senator",
        "governor",
        "ambassador",
        "monsieur",
        "senor",
        "senora",
        "sra",
        "dona",
        "oknha",
        "okhna",
        "neak",
        "samdech",
        "lok",
        "chumteav",
        "jr",
        "jnr",
        "sr",
        "snr",
        "ii",
        "iii",
        "iv",
    ]
)
PARTICLES = frozenset(
    [
        "al",
        "el",
        "ad",
        "ad",
        "as",
        "ash",
        "at",
        "az",
        "ar",
        "an",
        "ul",
        "bin",
        "ibn",
        "bint",
        "ben",
        "binti",
        "bte",
        "ould",
        "van",
        "von",
        "der",
        "den",
        "de",
        "da",
        "di",
        "del",
        "della",
        "dos",
        "das",
        "do",
        "du",
        "la",
        "le",
        "des",
        "y",
        "e",
        "abu",
        "abou",
        "abo",
        "umm",
    ]
)
# Industry words: they say what a company does, rarely which company it is.
INDUSTRY = frozenset(
    [
        "oil",
        "gas",
        "petroleum",
        "energy",
        "shipping",
        "marine",
        "maritime",
        "airlines",
        "airline",
        "aviation",
        "logistics",
        "transport",
        "construction",
        "engineering",
        "steel",
        "metals",
        "mining",
        "chemical",
        "chemicals",
        "pharmaceutical",
        "insurance",
        "finance",
        "financial",
        "capital",
        "securities",
        "fund",
        "trust",
        "leasing",
        "electronics",
        "electric",
        "power",
        "telecom",
        "communications",
    ]
)
GENERIC = frozenset(
    [
        "trading",
        "trade",
        "traders",
        "group",
        "holding",
        "holdings",
        "international",
        "intl",
        "industries",
        "industrial",
        "industry",
        "services",
        "service",
        "enterprise",
        "enterprises",
        "general",
        "global",
        "import",
        "export",
        "imports",
        "exports",
        "investment",
        "investments",
        "development",
        "management",
        "solutions",
        "technologies",
        "technology",
        "systems",
        "products",
        "partners",
        "resources",
        "commercial",
        "company",
        "companies",
        "corporation",
        "co",
        "the",
        "of",
        "and",
        "for",
        "in",
        "on",
    ]
)
ROMAN_NUMERALS = frozenset(
    [
        "ii",
        "iii",
        "iv",
        "vi",
        "vii",
        "viii",
        "ix",
        "xi",
        "xii",
        "xiii",
        "xiv",
        "xv",
        "xvi",
        "xvii",
        "xviii",
        "xix",
        "xx",
    ]
)
_PATRONYMIC_ENDINGS = (
    "ovich", "evich", "ovych", "evych", "ovna", "evna", "ivna", "ichna", "ogly", "oglu",
    "kyzy", "uulu", "ovitch", "evitch",
)  # fmt: skip
LEGAL = frozenset(
    [
        "llc",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "plc",
        "lp",
        "llp",
        "gmbh",
        "ag",
        "kg",
        "ug",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "ab",
        "as",
        "asa",
        "oy",
        "aps",
        "jsc",
        "ojsc",
        "cjsc",
        "pjsc",
        "oao",
        "zao",
        "pao",
        "ooo",
        "ao",
        "tov",
        "pp",
        "fze",
        "fzco",
        "fzc",
        "fzllc",
        "dmcc",
        "sdn",
        "bhd",
        "sacv",
        "sadecv",
        "pte",
        "pty",
        "pvt",
        "ltda",
        "eireli",
        "cv",
        "sab",
        "kft",
        "zrt",
        "rt",
        "doo",
        "dd",
        "ad",
        "ead",
        "eood",
        "sro",
        "as",
        "akb",
        "kk",
        "gk",
        "jv",
        "sc",
        "scs",
        "snc",
    ]
)


def _org_form(text: str) -> str:
    """Legal forms in any language to one short form each, by rigour's maintained table.

    The table wants some forms dotted (``Sp. z o.o.``) and stumbles on others
    (``T.E.G. Limited``, ``Liability. Company``), so the text is tried as written, with
    dotted abbreviations closed up, and with stray full stops dropped; the reading with
    the fewest words (the most forms recognised) wins.
    """
    from rigour.names import replace_org_types_compare

    text = text.casefold()
    undotted = _RE_DOTTED_ANY.sub(lambda m: m.group(0).replace(".", ""), text)
    readings = dict.fromkeys((text, undotted, undotted.replace(". ", " ")))
    forms = [str(replace_org_types_compare(r)) for r in readings]
    return min(forms, key=lambda f: len(_RE_SPLIT.split(f.strip())))


# Given names and their common short forms (English, Russian, German), both directions.
_NICKNAMES = {
    "william": "bill billy will willy liam", "robert": "bob bobby rob robbie",
    "richard": "rick ricky dick rich richie", "james": "jim jimmy jamie",
    "john": "jack johnny jon", "joseph": "joe joey", "thomas": "tom tommy",
    "charles": "charlie chuck", "edward": "ed eddie ted ned", "theodore": "ted teddy theo",
    "benjamin": "ben benny", "michael": "mike mikey mick", "alexander": "alex sasha sandy",
    "aleksandr": "sasha alex", "vladimir": "volodya vova", "dmitry": "dima",
    "mikhail": "misha", "nikolai": "kolya", "sergey": "seryozha", "ivan": "vanya",
    "yevgeny": "zhenya", "evgeny": "zhenya", "alexei": "alyosha lyosha", "pavel": "pasha",
    "elizabeth": "liz lizzie beth betty eliza", "margaret": "maggie peggy meg",
    "katherine": "kate kathy katie", "catherine": "cathy kate", "christopher": "chris",
    "daniel": "dan danny", "david": "dave davey", "anthony": "tony", "andrew": "andy drew",
    "nicholas": "nick nicky", "stephen": "steve", "steven": "steve", "matthew": "matt",
    "patrick": "pat paddy", "peter": "pete", "samuel": "sam sammy", "jonathan": "jon",
    "timothy": "tim", "kenneth": "ken kenny", "ronald": "ron ronnie", "donald": "don donnie",
    "gerald": "gerry jerry", "lawrence": "larry", "frederick": "fred freddie",
    "friedrich": "fritz", "henry": "hank harry", "harold": "harry", "abraham": "abe",
    "gregory": "greg", "jeffrey": "jeff", "joshua": "josh", "leonard": "len lenny",
    "raymond": "ray", "walter": "walt", "susan": "sue suzy", "jennifer": "jen jenny",
    "jessica": "jess", "patricia": "pat patty trish", "rebecca": "becky",
    "victoria": "vicky", "deborah": "debbie", "barbara": "barb", "johannes": "hans",
}  # fmt: skip
# Romanisations of the same Arabic, Persian and Turkic given names that spelling distance
# alone cannot tie together (short names differing in a vowel: Ali/Aly, Omar/Omer).
_NAME_VARIANTS = (
    "ali aly alee", "omar omer umar oumar", "osman usman othman uthman",
    "yusuf yousef yusef youssef yousuf yosef", "hussein husein hussain husain husayn hossein",
    "hassan hasan hasson", "ahmed ahmad akhmed ahmet", "mahmoud mahmud mahmood mehmood",
    "mustafa mostafa moustafa", "said saeed sayed saied saeid sa'id", "khalid khaled",
    "abdullah abdallah abdulla abdellah", "ibrahim ebrahim ibraheem", "ismail ismael esmail",
    "yasin yaseen yassin", "karim kareem", "rahim raheem", "salim saleem selim",
    "jamal gamal djamal", "nasser nasir naser nassir", "tariq tarek tarik", "walid waleed",
    "zaid zayd zeid", "ayman aiman", "hamid hameed", "majid majeed", "rashid rasheed",
    "bashir basheer", "nur noor nour", "isa issa eisa", "musa moussa mousa",
    "yahya yahia yehia", "idris idriss", "ilyas elias", "reza riza", "mohsen mohsin muhsin",
    "hadi haadi", "jafar jaafar", "amir emir ameer",
)  # fmt: skip
NICKNAME_PAIRS = frozenset(
    [frozenset((full, nick)) for full, nicks in _NICKNAMES.items() for nick in nicks.split()]
    + [
        frozenset((a, b))
        for group in _NAME_VARIANTS
        for a in group.split()
        for b in group.split()
        if a != b
    ]
)


# --- 6. Phonetic key --------------------------------------------------------------------

_DIGRAPHS = (
    ("sch", "s"), ("tch", "c"), ("dzh", "j"), ("zh", "j"), ("dj", "j"), ("kh", "h"),
    ("gh", "k"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("sh", "s"), ("ch", "c"),
    ("ck", "k"), ("ts", "c"), ("tz", "c"), ("ou", "u"), ("oo", "u"), ("ee", "i"),
    ("q", "k"), ("x", "ks"), ("z", "s"), ("w", "v"), ("g", "k"), ("y", "i"),
)  # fmt: skip
_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=200_000)
def phonetic_key(token: str) -> str:
    """A consonant skeleton in which common romanisation variants collide.

    Vowels carry most of the disagreement between romanisations (Mohammed/Muhammad,
    Jeong/Jong, Yevgeny/Evgeni) and abjad scripts write none (``mhmd``), so they go; an
    ``h`` after a consonant or at the end is mostly a vowel sign (Mohammed, Abdullah,
    Moshe) and goes too; doubled letters collapse. Digits are kept as they are.
    """
    if token.isdigit():
        return token
    s = token
    for a, b in _DIGRAPHS:
        if a in s:
            s = s.replace(a, b)
    out: list[str] = []
    for i, ch in enumerate(s):
        if ch in _VOWELS:
            continue
        if ch == "h" and i > 0:
            continue
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out) or token[:1]


# --- Putting it together ----------------------------------------------------------------

_PERSONS = {"Person"}
_ORGS = {"Organization", "Company", "Vessel", "Airplane"}


# Legal forms that are never part of a person's name ("Nicolás Maduro LLC" is a company).
_UNAMBIGUOUS_LEGAL = frozenset(
    ["llc", "ltd", "inc", "gmbh", "plc", "jsc", "ojsc", "cjsc", "pjsc", "ooo", "llp"]
)

# One spelling for the company words rigour leaves alone ("Co" and "Company" alike).
_ORG_SYNONYMS = {
    "company": "co",
    "corporation": "corp",
    "international": "intl",
    "limited": "ltd",
    "incorporated": "inc",
    "holdings": "holding",
}


_GREEK_ENDINGS = frozenset(("os", "as", "is", "es"))


def _token(text: str, kind: Kind) -> Token:
    return Token(text, phonetic_key(text), kind)


def abjad_key(token: str) -> str | None:
    """For a vowel-less part (Arabic, Hebrew, Thai transliterated: ``mhmwd``), the key with
    ``w``/``y`` read as the vowels they mostly stand for; None for other parts."""
    if _VOWELS.intersection(token) or not token.isalpha():
        return None
    stripped = token.replace("w", "").replace("y", "")
    return phonetic_key(stripped) if stripped else None


def _tokens_of(ascii_text: str, schema: str | None) -> tuple[Token, ...]:
    is_org = schema in _ORGS
    # "Joint Stock-Company" is "Joint Stock Company" and "S.A. de C.V." is "SA de CV" to
    # the legal-form table.
    text = ascii_text if schema in _PERSONS else _org_form(ascii_text.replace("-", " "))
    raw = tokenize(text, ocr=not is_org)
    if schema not in _PERSONS:
        raw = [_ORG_SYNONYMS.get(t, t) for t in raw]
    if not is_org:
        kept = [t for t in raw if t not in TITLES]
        raw = kept if kept else raw
    tokens: list[Token] = []
    for t in raw:
        if t.isdigit() or (is_org and (t in ROMAN_NUMERALS or (t in ("i", "v", "x") and tokens))):
            kind = Kind.NUMBER
        elif t in LEGAL and (schema not in _PERSONS or t in _UNAMBIGUOUS_LEGAL):
            kind = Kind.LEGAL
        elif (t in GENERIC or t in INDUSTRY) and schema not in _PERSONS:
            kind = Kind.GENERIC
        elif t in PARTICLES:
            kind = Kind.PARTICLE
        elif len(t) == 1:
            kind = Kind.INITIAL
        elif schema not in _ORGS and len(t) > 6 and t.endswith(_PATRONYMIC_ENDINGS):
            kind = Kind.PATRONYMIC
        else:
            kind = Kind.NAME
        tokens.append(Token(t, phonetic_key(t), kind))
    return tuple(tokens)


def analyze(name: str, schema: str | None = None) -> list[tuple[Token, ...]]:
    """A name → one token sequence per rendering (usually exactly one)."""
    return list(_analyze(name, schema))


@lru_cache(maxsize=100_000)
def _analyze(name: str, schema: str | None) -> tuple[tuple[Token, ...], ...]:
    # Cached: the same name stands on several lists, and customers repeat in bulk files.
    text = fold_homoglyphs(clean(name))
    ascii_only = text.isascii()
    if schema not in _PERSONS and not ascii_only:
        text = _org_form(text)  # "beschränkter Haftung" must be matched before ASCII folding
    cjk = not ascii_only and any(_is_hangul(c) or _is_han(c) for c in text)
    greek = not ascii_only and any("\u0370" <= c <= "\u03ff" for c in text)
    out: list[tuple[Token, ...]] = []
    for rendering in renderings(text):
        tokens = _tokens_of(rendering, schema)
        if not tokens:
            continue
        variants = [tokens]
        if cjk:
            # Lists write Korean names McCune-Reischauer-like: Jong, Un, Song/Sung, not
            # Revised Romanisation's Jeong, Eun, Seong; and the family name first, spelt
            # Kim, Lee, Park.
            for eo, eu in (("o", "u"), ("u", "u")):
                respelt = tuple(
                    _token(t.text.replace("eo", eo).replace("eu", eu), t.kind) for t in tokens
                )
                if respelt != tokens:
                    variants.append(respelt)
            for v in list(variants):
                for alt in _KOREAN_SURNAMES.get(v[0].text, ()):
                    variants.append((_token(alt, Kind.NAME), *v[1:]))
        if greek:
            # Greek names carry their case ending (Alexandros, Nikolaos, Giorgos); other
            # languages write the stem (Alexander, Nicholas, George).
            stems = tuple(
                _token(t.text[:-2], t.kind)
                if len(t.text) > 5 and t.text[-2:] in _GREEK_ENDINGS
                else t
                for t in tokens
            )
            if stems != tokens:
                variants.append(stems)
        for v in variants:
            if v not in out:
                out.append(v)
    return tuple(out)
