"""Free-text scanning: precision and recall on the planted fixtures, and speed.

    python bench/scan.py                        # temp stores from tests/fixtures/lists and
                                                # ../shared/data/lists
    python bench/scan.py --store ~/.local/share/sanctio/sanctio.db   # real lists already loaded
    python bench/scan.py --words 20000 --repeat 5

Prints two tables:

- **Accuracy** per fixture under ``tests/fixtures/scan`` (each scored against the lists
  its entry in ``expected.json`` names: the test lists or every shipped list) and overall.
  A predicted span is right when it overlaps a planted mention and names one of its
  listings; span recall counts planted mentions found (known misses included); entity
  precision counts (span, listing) pairs, since one span reports every listing it matches.
- **Speed** on a long synthetic news article (seeded; ``--words`` words of prose full of
  capitalised names, places, institutions and dates, with a few listed names planted) over
  the real lists: the first scan in the process (it loads the English dictionary and
  builds the word pattern), then the best and median of ``--repeat`` scans, each with
  fresh per-scan caches; words/s and how many spans were screened.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sanctio.scan import SCAN_THRESHOLD, Mention, _Scanner, scan_text
from sanctio.screener import Screener
from sanctio.store import Store

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SANCTIO_TEST_DATA", REPO.parent / "shared" / "data"))
FIXTURES = REPO / "tests" / "fixtures" / "scan"


@contextmanager
def loaded_store(path: Path | None, lists: Path) -> Iterator[Store]:
    """The store given, or a temporary one loaded from ``lists``."""
    if path is not None:
        with Store(path / "sanctio.db" if path.is_dir() else path) as store:
            yield store
        return
    from sanctio.ingest import discover, update

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        print(f"loading {lists} into a temporary store…", file=sys.stderr, flush=True)
        update(store, discover(lists).filesets)
        yield store


def score(mentions: list[Mention], expected: dict[str, Any]) -> dict[str, int]:
    """Counts for span precision/recall and entity precision on one fixture."""
    planted = expected["mentions"]
    spans: dict[tuple[int, int], set[str]] = {}
    for m in mentions:
        spans.setdefault((m.start, m.end), set()).add(m.entity_id)

    def names(span: tuple[int, int], ids: set[str]) -> list[dict[str, Any]]:
        return [
            p
            for p in planted
            if span[0] < p["end"] and p["start"] < span[1] and ids & set(p["entity_ids"])
        ]

    right_spans = sum(1 for sp, ids in spans.items() if names(sp, ids))
    right_pairs = sum(1 for sp, ids in spans.items() for i in ids if names(sp, {i}))
    found = sum(
        1
        for p in planted
        if any(sp[0] < p["end"] and p["start"] < sp[1] and ids & set(p["entity_ids"])
               for sp, ids in spans.items())
    )  # fmt: skip
    near = sum(
        1
        for n in expected["near_misses"]
        if any(sp[0] < n["end"] and n["start"] < sp[1] for sp in spans)
    )
    return {
        "planted": len(planted),
        "found": found,
        "spans": len(spans),
        "right_spans": right_spans,
        "pairs": sum(len(ids) for ids in spans.values()),
        "right_pairs": right_pairs,
        "near_misses": len(expected["near_misses"]),
        "near_fired": near,
    }


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "—"


def accuracy(real: Screener | None, test: Screener) -> None:
    doc = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    rows = []
    total: dict[str, int] = {}
    for name, expected in doc["files"].items():
        screener = test if expected["lists"] == "fixtures" else real
        if screener is None:
            rows.append((name, expected["lists"], "skipped: no real lists"))
            continue
        with open(FIXTURES / name, encoding="utf-8", newline="") as fh:
            text = fh.read()
        counts = score(scan_text(screener, text), expected)
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
        rows.append((name, expected["lists"], counts))
    print(f"\nAccuracy (threshold {SCAN_THRESHOLD:.2f})\n")
    head = (
        "| fixture | lists | planted | span precision | span recall | entity precision "
        "| near misses fired |"
    )
    print(head)
    print("|---|---|---|---|---|---|---|")
    for name, lists, c in [*rows, ("**overall**", "", total)]:
        if isinstance(c, str):
            print(f"| {name} | {lists} | {c} | | | | |")
            continue
        print(
            f"| {name} | {lists} | {c['planted']} | {_pct(c['right_spans'], c['spans'])} "
            f"({c['right_spans']}/{c['spans']}) | {_pct(c['found'], c['planted'])} "
            f"({c['found']}/{c['planted']}) | {_pct(c['right_pairs'], c['pairs'])} "
            f"({c['right_pairs']}/{c['pairs']}) | {c['near_fired']}/{c['near_misses']} |"
        )


# ------------------------------------------------------------------------------ speed

_FIRST = [
    "James", "Robert", "Maria", "Anna", "Pierre", "Sofia", "Lukas", "Elena", "Carlos",
    "Aisha", "Omar", "Fatima", "Chen", "Wei", "Li", "Na", "Hiroshi", "Yuki", "Min-jun",
    "Ji-woo", "Ivan", "Olga", "Dmitri", "Natalia", "Ahmed", "Layla", "Rahul", "Priya",
    "Kwame", "Amara", "Jonas", "Ingrid", "Mateo", "Lucia", "Tomasz", "Agnieszka", "Mehmet",
    "Zeynep", "Nguyen", "Thi", "Samuel", "Grace", "Daniel", "Hannah", "Yusuf", "Mariam",
    "Andrei", "Irina", "Paolo", "Giulia",
]  # fmt: skip
_LAST = [
    "Thompson", "Bianchi", "Dubois", "Novak", "Fernandez", "Haddad", "Rahman", "Wang",
    "Zhang", "Tanaka", "Sato", "Park", "Lee", "Petrova", "Sokolov", "Okafor", "Mensah",
    "Andersen", "Lindqvist", "Rossi", "Garcia", "Kowalski", "Yilmaz", "Demir", "Tran",
    "Pham", "Cohen", "Levy", "Schmidt", "Weber", "Moreau", "Laurent", "Silva", "Santos",
    "Costa", "Murphy", "Kelly", "Walsh", "Singh", "Patel", "Gupta", "Ibrahim", "Hussain",
    "Karimi", "Tehrani", "Volkov", "Morozov", "Ortiz", "Herrera",
]  # fmt: skip
_PLACES = [
    "London", "Paris", "Berlin", "Geneva", "Vienna", "Brussels", "Singapore", "Jakarta",
    "Manila", "Nairobi", "Lagos", "Cairo", "Istanbul", "Ankara", "Tbilisi", "Baku",
    "Almaty", "Tashkent", "Karachi", "Mumbai", "Dhaka", "Colombo", "Bangkok", "Hanoi",
    "Seoul", "Tokyo", "Osaka", "Sydney", "Auckland", "Toronto", "Montreal", "Chicago",
    "Houston", "Miami", "Bogota", "Lima", "Santiago", "Madrid", "Lisbon", "Rome", "Milan",
    "Athens", "Warsaw", "Prague", "Budapest", "Bucharest", "Kyiv", "Riga",
]  # fmt: skip
_ORGS = [
    "the European Commission", "the Ministry of Finance", "the Central Bank",
    "the International Monetary Fund", "the World Bank", "the Security Council",
    "the Financial Action Task Force", "Bank of America", "Deutsche Bank", "HSBC",
    "Standard Chartered", "the Federal Reserve", "the Treasury Department",
    "the Foreign Office", "Interpol", "Europol", "the Supreme Court", "Reuters",
    "the Associated Press", "Transparency International", "Global Witness",
    "Golden Trading Group", "Pacific Star Shipping", "Northern Lights Logistics",
]  # fmt: skip
_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October",
]  # fmt: skip
_DAYS = [
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
]  # fmt: skip
_PLANTED = [
    "Vladimir Putin", "Igor Sechin", "Rosneft", "Gazprombank", "Yevgeny Prigozhin",
    "Ayman al-Zawahiri", "Hamas", "Islamic Revolutionary Guard Corps", "Qasem Soleimani",
    "Kim Jong Un", "Sergei Lavrov", "Bank Melli",
]  # fmt: skip
_TEMPLATES = [
    "{P} told reporters in {L} on {D} that {O} would review the case.",
    "According to {O}, {P} met {P2} in {L} last {M}.",
    "{P}, a spokesperson for {O}, declined to comment on the allegations.",
    "The deal, signed in {L} in {M}, was negotiated by {P} and {P2}.",
    "Officials at {O} said they had frozen accounts held in {L} and {L2}.",
    "{P} of {O} said the figures for {M} showed a sharp rise in transfers.",
    "In {L}, prosecutors questioned {P} about payments routed through {O}.",
    "A report by {O} published on {D} named {X} among the beneficiaries.",
    "Analysts in {L} said {X} had continued to trade through intermediaries.",
    "Mr. {N} and Ms. {N2} worked for {O} in {L} until {M}.",
]  # fmt: skip


def synthetic_article(words: int, seed: int = 1) -> tuple[str, int]:
    """A long news-like text; returns it and how many listed names were planted."""
    rnd = random.Random(seed)
    sentences: list[str] = []
    count = planted = 0

    def person() -> str:
        return f"{rnd.choice(_FIRST)} {rnd.choice(_LAST)}"

    while count < words:
        t = rnd.choice(_TEMPLATES)
        x = rnd.choice(_PLANTED) if rnd.random() < 0.3 else person()
        planted += "{X}" in t and x in _PLANTED
        s = t.format(
            P=person(), P2=person(), L=rnd.choice(_PLACES), L2=rnd.choice(_PLACES),
            D=rnd.choice(_DAYS), M=rnd.choice(_MONTHS), O=rnd.choice(_ORGS), X=x,
            N=rnd.choice(_LAST), N2=rnd.choice(_LAST),
        )  # fmt: skip
        s = s[0].upper() + s[1:]
        sentences.append(s)
        count += len(s.split())
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    # Wrap at ~88 characters, as a news feed or a pasted article would be.
    lines = []
    for p in paragraphs:
        line = ""
        for w in p.split(" "):
            if len(line) + len(w) + 1 > 88:
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}" if line else w
        lines.append(line + "\n")
    return "\n".join(lines), planted


def speed(screener: Screener, words: int, repeat: int) -> None:
    text, planted = synthetic_article(words)
    n = len(text.split())
    calls: list[int] = []
    original = _Scanner.screen

    def counting(self: _Scanner, text: str, *, probe: bool) -> Any:
        before = self.calls
        out = original(self, text, probe=probe)
        if self.calls != before:
            calls.append(1)
        return out

    _Scanner.screen = counting  # type: ignore[method-assign]
    started = time.perf_counter()
    mentions = scan_text(screener, text)
    first = time.perf_counter() - started
    per_scan_calls = len(calls)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        scan_text(screener, text)
        times.append(time.perf_counter() - started)
    _Scanner.screen = original  # type: ignore[method-assign]
    best, median = min(times), statistics.median(times)
    print(f"\nSpeed: synthetic article of {n:,} words, {planted} listed names planted\n")
    print("| scan | seconds | words/s |")
    print("|---|---|---|")
    print(f"| first in the process | {first:.3f} | {n / first:,.0f} |")
    print(f"| best of {repeat} | {best:.3f} | {n / best:,.0f} |")
    print(f"| median of {repeat} | {median:.3f} | {n / median:,.0f} |")
    spans = len({(m.start, m.end) for m in mentions})
    print(
        f"\n{per_scan_calls} screenings per scan (probes and final), {spans} mention spans, "
        f"{len(mentions)} mentions"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, help="store with the real lists loaded")
    parser.add_argument("--lists", type=Path, default=DATA / "lists")
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with loaded_store(None, REPO / "tests" / "fixtures" / "lists") as test_store:
        test = Screener.open(test_store)
        if args.store is None and not args.lists.is_dir():
            print(f"no real lists at {args.lists}: real-list fixtures and speed skipped")
            accuracy(None, test)
            return
        with loaded_store(args.store, args.lists) as store:
            real = Screener.open(store)
            accuracy(real, test)
            speed(real, args.words, args.repeat)


if __name__ == "__main__":
    main()
