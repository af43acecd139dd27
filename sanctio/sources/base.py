"""What every list parser shares: the registry, the parse context, and reading helpers.

A source module describes which files it recognises (by name, and by a peek at the first
bytes when names are ambiguous, e.g. ``consolidated.xml`` is both OFAC's and the UN's) and
turns a set of files into :class:`~sanctio.model.Entity` objects. It never touches the store.

Errors: a problem that makes the whole file untrustworthy (invalid XML, truncated gzip,
wrong column count in a headerless CSV, undecodable bytes) raises :class:`ParseError`
naming file and line; a problem confined to one record is counted with
:meth:`ParseContext.warn` and the record is skipped or kept without the bad field.
"""

from __future__ import annotations

import gzip
import io
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sanctio.model import Entity

__all__ = [
    "SOURCES",
    "ParseContext",
    "ParseError",
    "Source",
    "excel_serial_date",
    "logical_name",
    "parse_date",
    "read_bytes",
    "read_text",
    "register",
    "to_country",
]


class ParseError(Exception):
    """A file cannot be trusted as a whole; the update of its dataset must not proceed."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if self.path:
            where = f"{self.path}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(f"{where}{message}")
        self.reason = message


@dataclass
class ParseContext:
    """Collects what a parser noticed: counted warnings, the publish date, examples.

    Warnings are counted per kind (``"alias without primary row"``) and the first few
    examples of each kept, so ``sanctio update`` can report "312 aliases without primary
    row (e.g. ent_num 57001)" instead of flooding the terminal or failing the load.
    """

    dataset: str
    published: str | None = None  # ISO date the publisher states
    warnings: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    max_examples: int = 3

    def warn(self, kind: str, example: str | None = None) -> None:
        self.warnings[kind] += 1
        if example is not None:
            bucket = self.examples.setdefault(kind, [])
            if len(bucket) < self.max_examples:
                bucket.append(example)


# classify(path, head) -> (dataset, role) or None. ``head`` is the first 4 KiB, decompressed.
Classifier = Callable[[Path, bytes], "tuple[str, str] | None"]
Parser = Callable[[ParseContext, Mapping[str, Path]], Iterator[Entity]]


@dataclass(frozen=True)
class Source:
    """A list format: which files it recognises and how it parses a set of them.

    ``roles`` names the files of one version; ``primary`` is the role without which there
    is no version (``sdn`` for the OFAC CSV set, whose ``alt``/``add``/``comments`` files
    are companions). ``downloads`` maps dataset → role → official URL.
    """

    name: str
    datasets: tuple[str, ...]
    primary: str
    roles: tuple[str, ...]
    classify: Classifier
    parse: Parser
    titles: Mapping[str, str] = field(default_factory=dict)
    downloads: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    if source.name in SOURCES:
        raise ValueError(f"source {source.name!r} registered twice")
    SOURCES[source.name] = source
    return source


def is_non_latin(text: str) -> bool:
    """True when most letters of ``text`` are outside the Latin script (Cyrillic, Arabic,
    CJK...): such a name is an original-script name, whatever language field says.

    Decided by the letters themselves because language fields are often empty or say
    nothing about script; Latin-1 and Latin Extended letters need no Unicode look-up.
    """
    if text.isascii():
        return False
    latin = other = 0
    for ch in text:
        if not ch.isalpha():
            continue
        code = ord(ch)
        if code < 0x250 or 0x1E00 <= code <= 0x1EFF or "LATIN" in unicodedata.name(ch, ""):
            latin += 1
        else:
            other += 1
    return other > latin


def logical_name(path: Path) -> str:
    """File name without a compression suffix, lower case: ``SDN.CSV.gz`` → ``sdn.csv``."""
    name = path.name.lower()
    for suffix in (".gz", ".gzip"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


def read_bytes(path: Path) -> bytes:
    """Whole file, gunzipped when it is gzip (by magic bytes, not by name)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}", path) from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise ParseError(f"corrupt or truncated gzip ({exc})", path) from exc
    if not raw.strip(b" \r\n\t\x1a\x00"):
        raise ParseError("file is empty", path)
    return raw


def read_head(path: Path, size: int = 4096) -> bytes:
    """First bytes for sniffing; never raises (a bad file is reported by its parser)."""
    try:
        with path.open("rb") as fh:
            start = fh.read(2)
            fh.seek(0)
            if start == b"\x1f\x8b":
                with gzip.open(fh) as gz:
                    return gz.read(size)
            return fh.read(size)
    except (OSError, EOFError, zlib.error):
        return b""


def read_text(path: Path, encodings: tuple[str, ...] = ("utf-8-sig",)) -> str:
    """Decode with the first encoding that fits; name the offending line when none does.

    Lists state their encoding only by convention (OFSI: Windows-1252, OFAC: UTF-8), so a
    parser passes the documented one first and, where the publisher has changed over the
    years, the alternatives after it.
    """
    raw = read_bytes(path)
    if b"\x00" in raw and not any(enc.startswith("utf-16") for enc in encodings):
        # A single-byte fallback such as cp1252 decodes anything, UTF-16 and binary
        # included; NUL bytes never occur in the text lists we read.
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ParseError("contains NUL bytes: UTF-16 or binary, not a text list", path, line)
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    # Report where the first listed encoding breaks, as a line number a person can open.
    try:
        raw.decode(encodings[0])
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ParseError(
            f"not valid {encodings[0]} (byte 0x{raw[exc.start]:02x}); tried {', '.join(encodings)}",
            path,
            line,
        ) from exc
    raise AssertionError("unreachable")


def text_stream(path: Path, encodings: tuple[str, ...] = ("utf-8-sig",)) -> io.StringIO:
    """:func:`read_text` wrapped for the csv module (newline handling left to csv)."""
    return io.StringIO(read_text(path, encodings), newline="")


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_RE_DMY_TEXT = re.compile(r"^(\d{1,2})[ \-/.]([A-Za-z]{3,9})\.?[ \-/.,]+(\d{4})$")
_RE_MY_TEXT = re.compile(r"^([A-Za-z]{3,9})\.?[ \-/.,]+(\d{4})$")
_RE_MDY_TEXT = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")
_RE_ISO = re.compile(
    r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_RE_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_RE_NUMERIC_MY = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_RE_YEAR = re.compile(r"^(\d{4})$")


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    if not 1000 <= year <= 2200:
        return None
    if month is None or month == 0:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None or day == 0:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(value: str | None, order: str = "dmy") -> str | None:
    """Turn the date spellings lists use into an ISO 8601 prefix, or None if unknown.

    Partial dates stay partial (``Jan 1954`` → ``1954-01``, ``1954`` → ``1954``) because
    matching treats a year-only birth date differently from a full one. ``order`` decides
    numeric dates: ``dmy`` (UK, UN, EU, Australia) or ``mdy`` (OFAC XML ``Publish_Date``).
    Ranges and approximations (``circa 1954``, ``1954 to 1956``) are the caller's job:
    they call this on each part. The caller counts a warning when this returns None.
    """
    if value is None:
        return None
    text = value.strip().strip(".").strip()
    if not text or text in {"-0-", "00/00/0000", "0000-00-00"}:
        return None
    if m := _RE_ISO.match(text):
        return _iso(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None)
    if m := _RE_NUMERIC.match(text):
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        day, month = (a, b) if order == "dmy" else (b, a)
        return _iso(year, month, day)
    if m := _RE_NUMERIC_MY.match(text):
        return _iso(int(m[2]), int(m[1]))
    if m := _RE_DMY_TEXT.match(text):
        named = _MONTHS.get(m[2].lower())
        return _iso(int(m[3]), named, int(m[1])) if named else None
    if m := _RE_MY_TEXT.match(text):
        named = _MONTHS.get(m[1].lower())
        return _iso(int(m[2]), named) if named else None
    if m := _RE_MDY_TEXT.match(text):
        named = _MONTHS.get(m[1].lower())
        return _iso(int(m[3]), named, int(m[2])) if named else None
    return None


def excel_serial_date(value: float | int | str | datetime | date | None) -> str | None:
    """Excel's day count (1900 system, with its fictitious 29 Feb 1900) → ISO date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        serial = float(value)
    except (TypeError, ValueError):
        return parse_date(str(value))
    if serial <= 0:
        return None
    return (datetime(1899, 12, 30) + timedelta(days=serial)).date().isoformat()


# Spellings FtM's table misses, or gets wrong once a bracket is dropped ("Congo (…)"),
# and misspellings or demonyms seen in the official lists themselves.
_COUNTRY_OVERRIDES = {
    "congo (democratic republic)": "cd",
    "congo, democratic republic": "cd",
    "democratic republic of congo": "cd",
    "drc": "cd",
    "congo (republic)": "cg",
    "aghanistan": "af",
    "united kingom": "gb",
    "trinadad and tobago": "tt",
    "belarussian": "by",
    "türkiyish": "tr",
    "turkiyish": "tr",
}
_RE_COUNTRY_CODE = re.compile(r"^[a-z]{2}$")
_COUNTRY_CACHE: dict[str, str | None] | None = None
_COUNTRY_CACHE_DIRTY = False


def _country_cache_path() -> Path:
    """Per-user cache of resolved country spellings, keyed by the FtM/rigour versions.

    Resolving the first name loads rigour's territory table, which transliterates ~29k
    names (about 1.5 s). Lists repeat the same few hundred country spellings, so the
    answers are kept between runs and the table is only loaded for a spelling never
    seen before.
    """
    import os
    from importlib.metadata import version

    from platformdirs import user_cache_path

    base = os.environ.get("SANCTIO_CACHE")
    folder = Path(base) if base else user_cache_path("sanctio", appauthor=False)
    key = f"{version('followthemoney')}-{version('rigour')}"
    return folder / f"countries-{key}.json"


def _load_country_cache() -> dict[str, str | None]:
    global _COUNTRY_CACHE
    if _COUNTRY_CACHE is None:
        _COUNTRY_CACHE = {}
        try:
            import orjson

            loaded = orjson.loads(_country_cache_path().read_bytes())
            if isinstance(loaded, dict):
                _COUNTRY_CACHE.update(loaded)
        except (OSError, ValueError):
            pass
    return _COUNTRY_CACHE


def save_country_cache() -> None:
    """Write newly resolved spellings to the per-user cache (best effort)."""
    global _COUNTRY_CACHE_DIRTY
    if not _COUNTRY_CACHE_DIRTY or _COUNTRY_CACHE is None:
        return
    import orjson

    path = _country_cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(_COUNTRY_CACHE, option=orjson.OPT_SORT_KEYS))
        tmp.replace(path)
        _COUNTRY_CACHE_DIRTY = False
    except OSError:
        pass


def _resolve_country(key: str) -> str | None:
    from followthemoney.types import registry

    override = _COUNTRY_OVERRIDES.get(key.strip(" .;,").casefold())
    if override is not None:
        return override
    if len(key) <= 3 and not key.isupper():
        return None  # "to", "in": English words, not the codes of Tonga and India
    code = registry.country.clean_text(key)
    if code is None:
        # "the Russian Federation", "Iran (Islamic Republic of)" and similar formal names.
        simplified = re.sub(r"\(.*?\)|^the\s+", "", key, flags=re.I).strip(" ,.")
        code = registry.country.clean_text(simplified) if simplified else None
    if code is not None and "-" in code:
        # FtM knows sub-national territories ("ua-cri" for Crimea); the model promises
        # ISO 3166-1 alpha-2, so a region stands for the country it belongs to.
        code = code.split("-", 1)[0]
    if code is None or code == "zz" or not _RE_COUNTRY_CODE.match(code):
        return None  # "zz" (global), "suhh" (USSR): not a current ISO country
    return code


def to_country(value: str | None) -> str | None:
    """Country name or code as lists write it → ISO 3166-1 alpha-2 (lower case), or None.

    Uses FollowTheMoney's country table (names in many languages, "Korea, North",
    "Burma", ...). Returns None for values that are not a current country ("Gaza", "at
    sea", "USSR"); the caller counts those as warnings rather than inventing a code.
    """
    global _COUNTRY_CACHE_DIRTY
    if value is None:
        return None
    key = value.strip()
    if not key or key == "-0-":
        return None
    cache = _load_country_cache()
    if key in cache:
        return cache[key]
    code = _resolve_country(key)
    cache[key] = code
    _COUNTRY_CACHE_DIRTY = True
    return code
