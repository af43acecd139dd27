"""Accuracy benchmarks: how well sanctio's names match, at its one default threshold.

Prints tables (these are measurements, not tests; nothing here fails a build):

    pairs    nomenklatura's labelled name pairs, scored with ``compare_names``, beside the
             frozen nomenklatura LogicV2 predictions for the same pairs
    checks   nomenklatura's entity checks, screened with ``Screener`` over one candidate
    cross    watchman's cross-script pairs (Arabic, Cyrillic, CJK... to Latin)
    perturb  real list names, changed one way at a time (``bench/perturb.py``) and screened
             against every list: is the source listing found, and ranked first?
    fpr      names that are on no list, screened against every list: how many alert?

Every section uses ``DEFAULT_THRESHOLD``; nothing is tuned per benchmark. The best-F1
threshold of the pairs is printed for information only.

    python bench/accuracy.py                       # everything, 2,000 sampled names
    python bench/accuracy.py --only pairs,checks,cross
    python bench/accuracy.py --only perturb,fpr --sample 200 --seed 7
    python bench/accuracy.py --store ~/.local/share/sanctio/sanctio.db --json out.json

Without ``--store`` the perturbation and false-positive sections load the list files from
``--lists`` into a temporary store first (a few seconds).
"""

from __future__ import annotations

import argparse
import csv
import inspect
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations
from pathlib import Path
from typing import Any

import sanctio
from sanctio.model import Entity, Name, NameKind
from sanctio.screener import DEFAULT_THRESHOLD, Match, QueryError, Screener, compare_names
from sanctio.store import Store

try:
    from bench import perturb
except ImportError:  # run as a script: bench/ itself is on sys.path
    import perturb  # type: ignore[no-redef,import-not-found]

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SANCTIO_TEST_DATA", REPO.parent / "shared" / "data"))
BENCHMARKS = DATA / "benchmarks"
SECTIONS = ("pairs", "checks", "cross", "perturb", "fpr")
ORG_SCHEMATA = ("Organization", "Company", "LegalEntity")
THR = DEFAULT_THRESHOLD

# ----------------------------------------------------------------------------- output


def pct(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{100 * x:.{digits}f}%"


def num(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def clip(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def width(text: str) -> int:
    """Columns a terminal gives ``text``: CJK counts double, combining marks nothing."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def pad(text: str, size: int, right: bool = False) -> str:
    fill = " " * max(0, size - width(text))
    return fill + text if right else text + fill


def table(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Plain-text columns: numbers right-aligned, text left; diffable between runs."""
    body = [[str(c) for c in row] for row in rows]
    widths = [width(h) for h in headers]
    for row in body:
        widths = [max(w, width(c)) for w, c in zip(widths, row, strict=True)]
    numeric = [
        all(re.fullmatch(r"[-+]?[\d,.]+%?|-", row[i]) for row in body) if body else False
        for i in range(len(headers))
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            pad(c, w, right=n) for c, w, n in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    print(f"\n{title}")
    print(line(list(headers)))
    print("  ".join("-" * w for w in widths))
    for row in body:
        print(line(row))


def section(title: str) -> None:
    print(f"\n{'=' * 100}\n{title}\n{'=' * 100}")


def progress(label: str, done: int, total: int, started: float) -> None:
    if done == total or done % 250 == 0:
        rate = done / max(time.perf_counter() - started, 1e-9)
        print(f"  {label}: {done:,}/{total:,} ({rate:,.0f}/s)", file=sys.stderr, flush=True)


def engine_label() -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return f"sanctio {sanctio.__version__} (git {commit}), DEFAULT_THRESHOLD = {THR:.2f}"


# ---------------------------------------------------------------------------- metrics


@dataclass
class Confusion:
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif truth:
            self.fn += 1
        elif predicted:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    @property
    def accuracy(self) -> float | None:
        return (self.tp + self.tn) / self.n if self.n else None

    def cells(self) -> list[str]:
        return [num(self.precision), num(self.recall), num(self.f1), num(self.accuracy)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "tn": self.tn,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "accuracy": self.accuracy,
        }


def best_f1(scored: Sequence[tuple[float, bool]]) -> tuple[float, float]:
    """(threshold, F1) maximising F1 over every cut between observed scores."""
    best = (1.0, 0.0)
    for cut in sorted({s for s, _ in scored}):
        c = Confusion()
        for score, truth in scored:
            c.add(truth, score >= cut)
        if (c.f1 or 0.0) > best[1]:
            best = (cut, c.f1 or 0.0)
    return best


def safe_compare(a: str, b: str, schema: str) -> float:
    try:
        return compare_names(a, b, schema)
    except QueryError:
        return 0.0


# ------------------------------------------------------------------------------ pairs


def bench_pairs() -> dict[str, Any]:
    folder = BENCHMARKS / "nomenklatura_name_bench"
    with open(folder / "cases.csv", encoding="utf-8", newline="") as f:
        cases = list(csv.DictReader(f))
    with open(folder / "logicv2-frozen.csv", encoding="utf-8", newline="") as f:
        frozen = list(csv.DictReader(f))
    # The frozen run predates some regrouping and relabelling of cases.csv, so its rows are
    # joined on the pair itself; LogicV2's prediction depends on names and schema only, and
    # both engines are judged against the current labels.
    logic: dict[tuple[str, str, str], tuple[bool, float]] = {}
    for row in frozen:
        key = (row["schema"], row["name1"], row["name2"])
        logic.setdefault(key, (row["predicted_match"] == "true", float(row["score"])))

    section(
        f"1. nomenklatura name pairs ({len(cases)} cases) — compare_names(name1, name2, schema)"
    )
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    for i, row in enumerate(cases, 1):
        score = safe_compare(row["name1"], row["name2"], row["schema"])
        lv2 = logic.get((row["schema"], row["name1"], row["name2"]))
        results.append(
            {
                "case_group": row["case_group"],
                "category": row["category"] or "(none)",
                "schema": row["schema"],
                "name1": row["name1"],
                "name2": row["name2"],
                "truth": row["is_match"] == "true",
                "score": score,
                "predicted": score >= THR,
                "logicv2_predicted": lv2[0] if lv2 else None,
                "logicv2_score": lv2[1] if lv2 else None,
            }
        )
        progress("pairs", i, len(cases), started)
    seconds = time.perf_counter() - started

    def confusions(rows: list[dict[str, Any]]) -> tuple[Confusion, Confusion, Confusion]:
        ours_all, ours, theirs = Confusion(), Confusion(), Confusion()
        for r in rows:
            ours_all.add(r["truth"], r["predicted"])
            if r["logicv2_predicted"] is not None:
                ours.add(r["truth"], r["predicted"])
                theirs.add(r["truth"], r["logicv2_predicted"])
        return ours_all, ours, theirs

    def grouped(key: str) -> dict[str, list[dict[str, Any]]]:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in results:
            groups[r[key]].append(r)
        return dict(sorted(groups.items(), key=lambda kv: -len(kv[1])))

    headers = ["", "n", "P", "R", "F1", "Acc", "| n both", "P", "R", "F1", "Acc", "| LV2 P"]
    headers += ["R", "F1", "Acc"]
    out: dict[str, Any] = {"n": len(cases), "logicv2_covered": 0, "groups": {}}

    def rows_for(groups: dict[str, list[dict[str, Any]]], limit: int | None) -> list[list[str]]:
        rows = []
        for name, members in list(groups.items())[:limit]:
            ours_all, ours, theirs = confusions(members)
            rows.append(
                [
                    clip(name, 30),
                    str(ours_all.n),
                    *ours_all.cells(),
                    f"| {ours.n}",
                    *ours.cells(),
                    "| " + theirs.cells()[0],
                    *theirs.cells()[1:],
                ]
            )
            out["groups"][name] = {
                "sanctio": ours_all.to_dict(),
                "sanctio_on_logicv2_cases": ours.to_dict(),
                "logicv2": theirs.to_dict(),
            }
        return rows

    overall = rows_for({"ALL": results}, None)
    out["logicv2_covered"] = confusions(results)[2].n
    print(
        f"sanctio on all cases; then sanctio and LogicV2 (frozen predictions) on the "
        f"{out['logicv2_covered']} cases the frozen file covers, against current labels."
    )
    table("overall", headers, overall)
    table("per schema", headers, rows_for(grouped("schema"), None))
    table("per case_group", headers, rows_for(grouped("case_group"), None))
    table("per category (largest 12)", headers, rows_for(grouped("category"), 12))

    cut, f1 = best_f1([(r["score"], r["truth"]) for r in results])
    lv2_scored = [(r["logicv2_score"], r["truth"]) for r in results if r["logicv2_score"]]
    lv2_cut, lv2_f1 = best_f1(lv2_scored)
    print(
        f"\nFor information only (the engine is judged at DEFAULT_THRESHOLD = {THR:.2f}):"
        f"\n  sanctio best F1 {f1:.3f} at threshold {cut:.3f};"
        f" LogicV2 best F1 {lv2_f1:.3f} at threshold {lv2_cut:.3f} (its own scores)"
    )

    errors = [r for r in results if r["truth"] != r["predicted"]]
    errors.sort(key=lambda r: -abs(r["score"] - THR))
    table(
        f"worst 15 of {len(errors)} errors (furthest from the threshold)",
        ["err", "score", "LV2", "schema", "case_group", "name1", "name2"],
        [
            [
                "FP" if r["predicted"] else "FN",
                num(r["score"]),
                "-"
                if r["logicv2_predicted"] is None
                else ("ok" if r["logicv2_predicted"] == r["truth"] else "wrong"),
                r["schema"],
                r["case_group"],
                clip(r["name1"], 38),
                clip(r["name2"], 38),
            ]
            for r in errors[:15]
        ],
    )
    print(f"\n{len(cases)} pairs in {seconds:.1f} s")
    out.update(
        {
            "threshold": THR,
            "best_f1": {"threshold": cut, "f1": f1},
            "logicv2_best_f1": {"threshold": lv2_cut, "f1": lv2_f1},
            "seconds": seconds,
            "cases": results,
        }
    )
    return out


# ----------------------------------------------------------------------------- checks

_PART_ORDER = ("firstName", "middleName", "fatherName", "lastName")


def _values(props: dict[str, Any], key: str) -> list[str]:
    value = props.get(key)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def check_names(props: dict[str, Any]) -> list[str]:
    """The names a side of a check spells out: ``name`` values, else its parts joined."""
    names = _values(props, "name")
    if names:
        return names
    parts = [" ".join(_values(props, key)) for key in _PART_ORDER]
    joined = " ".join(p for p in parts if p)
    return [joined] if joined else []


def check_entity(props: dict[str, Any], schema: str) -> Entity:
    entity = Entity(dataset="bench", source_id="candidate", schema=schema)
    for i, full in enumerate(check_names(props)):
        if i > 0:
            entity.add_name(Name(full, NameKind.ALIAS))
            continue
        entity.add_name(
            Name(
                full,
                NameKind.PRIMARY,
                first=" ".join(_values(props, "firstName")) or None,
                middle=" ".join(_values(props, "middleName")) or None,
                last=" ".join(_values(props, "lastName")) or None,
                father=" ".join(_values(props, "fatherName")) or None,
            )
        )
    return entity


def bench_checks() -> dict[str, Any]:
    import yaml  # type: ignore[import-untyped]  # PyYAML: only this section needs it

    path = BENCHMARKS / "nomenklatura_entity_bench" / "checks.yml"
    checks = yaml.safe_load(path.read_text(encoding="utf-8"))["checks"]
    section(f"2. nomenklatura entity checks ({len(checks)} checks) — Screener over one candidate")
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    for check in checks:
        schema = check["schema"]
        screener = Screener([check_entity(check["candidate"], schema)])
        best = 0.0
        for query in check_names(check["query"]):
            try:
                matches = screener.screen(query, schema=schema, threshold=0.0, limit=1)
            except QueryError:
                continue
            if matches:
                best = max(best, matches[0].score)
        truth = bool(check["match"])
        results.append(
            {
                "schema": schema,
                "label": check.get("label", ""),
                "query": " | ".join(check_names(check["query"])),
                "candidate": " | ".join(check_names(check["candidate"])),
                "truth": truth,
                "score": best,
                "correct": (best >= THR) == truth,
            }
        )
    seconds = time.perf_counter() - started

    by_schema: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_schema[r["schema"]].append(r)
    rows = []
    for name, members in [("ALL", results), *sorted(by_schema.items(), key=lambda kv: -len(kv[1]))]:
        c = Confusion()
        for r in members:
            c.add(r["truth"], r["score"] >= THR)
        correct = sum(r["correct"] for r in members)
        rows.append([name, str(len(members)), str(correct), pct(correct / len(members)), str(c.fp)])
        rows[-1] += [str(c.fn)]
    table(
        "correct at DEFAULT_THRESHOLD (target >= 97%)", ["", "n", "ok", "correct", "FP", "FN"], rows
    )
    failures = [r for r in results if not r["correct"]]
    table(
        f"failures ({len(failures)})",
        ["expect", "score", "schema", "label", "query", "candidate"],
        [
            [
                "match" if r["truth"] else "no",
                num(r["score"]),
                r["schema"],
                clip(r["label"], 22),
                clip(r["query"], 40),
                clip(r["candidate"], 40),
            ]
            for r in failures
        ],
    )
    correct = sum(r["correct"] for r in results)
    print(f"\n{len(results)} checks in {seconds:.1f} s")
    return {
        "n": len(results),
        "correct": correct,
        "accuracy": correct / len(results),
        "seconds": seconds,
        "checks": results,
    }


# ------------------------------------------------------------------------------ cross


def bench_cross() -> dict[str, Any]:
    path = BENCHMARKS / "watchman_cross_script" / "cross_script_pairs.csv"
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    pairs = list(csv.reader(lines))
    section(f"3. watchman cross-script pairs ({len(pairs)} pairs) — compare_names(query, expected)")
    results: list[dict[str, Any]] = []
    for query, expected, min_score, description in pairs:
        score = safe_compare(query, expected, "Person")
        results.append(
            {
                "query": query,
                "expected": expected,
                "min_score": float(min_score),
                "description": description,
                "score": score,
                "pass_threshold": score >= THR,
                "pass_min_score": round(score, 4) >= float(min_score),
            }
        )
    table(
        "each pair",
        ["query", "expected", "score", f">= {THR:.2f}", "min", ">= min", "description"],
        [
            [
                r["query"],
                r["expected"],
                num(r["score"], 4),
                "yes" if r["pass_threshold"] else "NO",
                num(r["min_score"], 2),
                "yes" if r["pass_min_score"] else "NO",
                r["description"],
            ]
            for r in results
        ],
    )
    at_thr = sum(r["pass_threshold"] for r in results)
    at_min = sum(r["pass_min_score"] for r in results)
    print(
        f"\nmatched at DEFAULT_THRESHOLD: {at_thr}/{len(results)} (target: all)"
        f"\nat or above watchman's own min score: {at_min}/{len(results)}"
    )
    return {"n": len(results), "pass_threshold": at_thr, "pass_min_score": at_min, "pairs": results}


# ------------------------------------------------------------------------------ store


@contextmanager
def open_store(store_path: Path | None, lists: Path) -> Iterator[Store]:
    """The store given, or a temporary one loaded from the list files."""
    if store_path is not None:
        path = store_path / "sanctio.db" if store_path.is_dir() else store_path
        if not path.exists():
            sys.exit(f"no store at {path}")
        with Store(path) as store:
            yield store
        return
    if not lists.is_dir():
        sys.exit(f"no list files at {lists}; pass --lists or --store")
    from sanctio.ingest import discover, update

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        started = time.perf_counter()
        print(f"loading {lists} into a temporary store…", file=sys.stderr, flush=True)
        update(store, discover(lists).filesets)
        print(f"  loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        yield store


@dataclass
class Listed:
    """Everything the perturbation and false-positive sections need from the store."""

    screener: Screener
    entities: list[Entity]
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def name_count(self) -> int:
        return sum(len(e.names) for e in self.entities)


def load_listed(store: Store) -> Listed:
    entities = list(store.all_entities())
    started = time.perf_counter()
    # A saved index may predate the engine code being measured: build a fresh one.
    if "rebuild" in inspect.signature(Screener.open).parameters:
        screener = Screener.open(store, rebuild=True)
    else:
        screener = Screener.open(store)
    print(f"  Screener.open: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    versions = {v.dataset: v.version for v in store.active_versions()}
    return Listed(screener, entities, versions)


def _screen(
    screener: Screener, name: str, schema: str, limit: int = 10
) -> tuple[list[Match], str | None]:
    """The matches at the threshold, or none and the reason the query was refused."""
    try:
        return screener.screen(name, schema=schema, limit=limit, threshold=THR), None
    except QueryError as exc:
        return [], str(exc)


# ---------------------------------------------------------------------------- perturb


def sample_entities(entities: list[Entity], n: int, seed: int) -> list[Entity]:
    """``n`` Person and organisation listings, spread over every dataset by its size.

    Every dataset gets at least an eighth of an equal share, so that small lists (OFAC
    consolidated, UN) are not drowned by OFAC SDN.
    """
    by_dataset: dict[str, list[Entity]] = defaultdict(list)
    for e in entities:
        if e.schema in ("Person", *ORG_SCHEMATA) and any(ch.isalpha() for ch in e.caption):
            by_dataset[e.dataset].append(e)
    total = sum(len(v) for v in by_dataset.values())
    floor = max(1, n // (8 * max(1, len(by_dataset))))
    alloc = {d: min(len(v), max(floor, round(n * len(v) / total))) for d, v in by_dataset.items()}
    while sum(alloc.values()) > n:
        alloc[max(alloc, key=lambda d: alloc[d])] -= 1
    rng = random.Random(seed)
    picked: list[Entity] = []
    for dataset in sorted(by_dataset):
        pool = sorted(by_dataset[dataset], key=lambda e: e.id)
        picked.extend(rng.sample(pool, alloc[dataset]))
    return picked


@dataclass
class ClassStats:
    n: int = 0
    hits: int = 0
    first: int = 0
    refused: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "hits": self.hits,
            "ranked_first": self.first,
            "refused": self.refused,
            "recall": self.hits / self.n if self.n else None,
            "first_rate": self.first / self.n if self.n else None,
        }


def bench_perturb(listed: Listed, sample: int, seed: int) -> dict[str, Any]:
    picked = sample_entities(listed.entities, sample, seed)
    per_dataset = Counter(e.dataset for e in picked)
    section(
        f"4. perturbation benchmark — {len(picked):,} list names (seed {seed}) from "
        f"{len(per_dataset)} datasets, Screener.screen(variant, schema=, limit=10)"
    )
    print(
        "A hit: the listing the name came from is among the results at >= DEFAULT_THRESHOLD."
        "\nFirst: no other listing scored higher (ties with the same name on other lists count"
        " as first).\nWhen ten listings tie above the threshold, a source tied with the tenth"
        " is a hit too.\n" + ", ".join(f"{d} {k}" for d, k in sorted(per_dataset.items()))
    )
    jobs: list[tuple[Entity, perturb.PerturbClass, str]] = []
    for entity in picked:
        for cls in perturb.CLASSES.values():
            if not cls.applies(entity.schema):
                continue
            variant = cls(entity.caption, perturb.rng_for(seed, cls.name, entity.id))
            if variant is not None:
                jobs.append((entity, cls, variant))
    stats: dict[str, ClassStats] = {name: ClassStats() for name in perturb.CLASSES}
    by_dataset: dict[str, ClassStats] = defaultdict(ClassStats)
    crowded = 0
    started = time.perf_counter()
    for i, (entity, cls, variant) in enumerate(jobs, 1):
        matches, refused = _screen(listed.screener, variant, entity.schema)
        s = stats[cls.name]
        s.n += 1
        own = [m for m in matches if m.entity_id == entity.id and m.score >= THR]
        if not own and len(matches) == 10 and matches[-1].score >= THR:
            # Ten listings tie with (or beat) the source; look past the tenth for a tie.
            wider, _ = _screen(listed.screener, variant, entity.schema, limit=1000)
            own = [m for m in wider if m.entity_id == entity.id and m.score >= matches[-1].score]
            crowded += bool(own)
        hit = bool(own)
        if refused:
            s.refused += 1
        if hit:
            s.hits += 1
            if not any(m.score > own[0].score for m in matches):
                s.first += 1
        elif len(s.misses) < 200:
            top = matches[0] if matches else None
            s.misses.append(
                {
                    "entity_id": entity.id,
                    "schema": entity.schema,
                    "name": entity.caption,
                    "variant": variant,
                    "top": f"{top.name} ({top.entity_id}) {top.score:.3f}" if top else "",
                    "refused": refused,
                }
            )
        if cls.benign:
            d = by_dataset[entity.dataset]
            d.n += 1
            d.hits += hit
        progress("perturb", i, len(jobs), started)
    seconds = time.perf_counter() - started

    rows = []
    for name, cls in perturb.CLASSES.items():
        s = stats[name]
        recall = s.hits / s.n if s.n else None
        flag = " <" if cls.benign and recall is not None and recall < 0.99 else ""
        rows.append(
            [
                name,
                "benign" if cls.benign else "hard",
                cls.label,
                str(s.n),
                pct(recall) + flag,
                pct(s.first / s.n if s.n else None),
                str(s.n - s.hits),
            ]
        )
    table(
        "recall at DEFAULT_THRESHOLD per class (benign target >= 99%; '<' marks a miss)",
        ["class", "kind", "what", "n", "recall", "first", "missed"],
        rows,
    )
    benign = ClassStats()
    hard = ClassStats()
    for name, cls in perturb.CLASSES.items():
        target = benign if cls.benign else hard
        target.n += stats[name].n
        target.hits += stats[name].hits
        target.first += stats[name].first
    table(
        "pooled",
        ["", "n", "recall", "first"],
        [
            [
                label,
                str(s.n),
                pct(s.hits / s.n if s.n else None),
                pct(s.first / s.n if s.n else None),
            ]
            for label, s in (("benign classes", benign), ("hard classes", hard))
        ],
    )
    table(
        "benign classes per dataset",
        ["dataset", "n", "recall"],
        [[d, str(s.n), pct(s.hits / s.n)] for d, s in sorted(by_dataset.items())],
    )
    example_rows = []
    for name, cls in perturb.CLASSES.items():
        for miss in stats[name].misses[: 3 if cls.benign else 2]:
            score = safe_compare(miss["variant"], miss["name"], miss["schema"])
            example_rows.append(
                [
                    name,
                    clip(repr(miss["variant"])[1:-1], 42),
                    clip(miss["name"], 36),
                    num(score),
                    clip(miss["refused"] or miss["top"], 56),
                ]
            )
    table(
        "missed examples (pair score = compare_names(variant, list name))",
        ["class", "variant", "list name", "pair", "top result instead"],
        example_rows,
    )
    rate = len(jobs) / max(seconds, 1e-9)
    print(f"\n{len(jobs):,} queries in {seconds:.1f} s ({rate:,.0f}/s)")
    print(f"hits found tied beyond the tenth result: {crowded}")
    return {
        "sample": len(picked),
        "seed": seed,
        "queries": len(jobs),
        "hits_tied_beyond_limit": crowded,
        "seconds": seconds,
        "classes": {
            name: {
                **stats[name].to_dict(),
                "benign": cls.benign,
                "label": cls.label,
                "misses": stats[name].misses[:25],
            }
            for name, cls in perturb.CLASSES.items()
        },
        "benign": benign.to_dict(),
        "hard": hard.to_dict(),
        "benign_per_dataset": {d: s.to_dict() for d, s in sorted(by_dataset.items())},
    }


# -------------------------------------------------------------------------------- fpr


def _wordlist(text: str) -> list[str]:
    return text.split()


# Common names written for this benchmark, per naming tradition: realistic customers who are
# on no list. Listed names (and their shortened, extended, reordered or respelled forms) are
# taken out before screening.
WESTERN_GIVEN = _wordlist(
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher"
    " Daniel Matthew Anthony Mark Steven Paul Andrew Joshua Kevin Brian George Edward"
    " Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Emma Olivia"
    " Sophie Charlotte Hannah Laura Claire Julia Lucas Hans Klaus Stefan Pierre Jean"
    " Marie Luis Carlos Giulia Marco Lars Ingrid Pablo Lucia Francesca Henrik Sven"
)
WESTERN_SURNAMES = _wordlist(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Martin"
    " Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright"
    " Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans"
    " Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper"
    " Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood Watson Brooks"
    " Bennett Gray Hughes Price Sanders Myers Ross Foster Müller Schmidt Schneider Fischer"
    " Weber Meyer Wagner Becker Hoffmann Schulz Dubois Durand Lefebvre Moreau Laurent"
    " Garcia Martinez Rodriguez Fernandez Lopez Gonzalez Rossi Russo Ferrari Esposito"
    " Bianchi Jansen Andersson Johansson Nielsen Hansen Kowalski Nowak Novak Horvat"
)
ARABIC_GIVEN = _wordlist(
    "Mohammed Ahmed Ali Omar Khalid Hassan Hussein Ibrahim Youssef Mahmoud Mustafa"
    " Abdullah Tariq Karim Samir Nabil Walid Faisal Rami Ziad Bilal Hamza Anas Sami Majid"
    " Adel Fadi Jamal Nasser Salim Amal Fatima Aisha Layla Mariam Noor Huda Rania Salma"
    " Yasmin Zainab Hind Dalia Lina Sara Reem Mona Nadia Ghada"
)
ARABIC_FAMILY = _wordlist(
    "Haddad Khoury Mansour Saleh Nasr Hamdan Darwish Ghanem Saad Farouk Hamdi Barakat"
    " Khalil Najjar Attar Sabbagh Hijazi Jaber Zaki Bakr Tamimi Otaibi Shammari Harbi"
    " Mutairi Qahtani Dosari Zahrani Ghamdi Maliki Hashimi Masri Halabi Shami Naser"
    " Touma Azar Bitar Sayegh Kassab Nassar Hakim Salem Youssef Karam Rizk Daher"
)
CHINESE_SURNAMES = _wordlist(
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo"
    " Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai"
    " Jiang Du Ye Cheng Su Lu"
)
CHINESE_GIVEN = _wordlist(
    "Wei Fang Na Min Jing Lei Jun Yan Yong Jie Tao Ming Chao Xiuying Xiaoming Jianhua"
    " Haiyan Lijuan Guoqiang Xiaoyan Jianguo Hong Yun Ping Hui Qiang Bo Xin Hao Kai"
    " Zhiwei Jianjun Shuang Yifan Zihan Haoran Xinyi Meiling Junjie Yuxuan"
)
RUSSIAN_MALE = _wordlist(
    "Aleksandr Sergey Dmitry Andrey Alexey Maxim Ivan Mikhail Nikolai Vladimir Yuri Oleg"
    " Pavel Igor Viktor Roman Konstantin Anton Denis Yevgeny Vadim Boris Artem Kirill"
    " Stanislav Ruslan Gleb Timur Georgy Fyodor"
)
RUSSIAN_FEMALE = _wordlist(
    "Elena Olga Tatiana Natalia Irina Svetlana Anna Maria Ekaterina Yulia Anastasia"
    " Marina Daria Ksenia Lyudmila Galina Oksana Polina Vera Alina"
)
RUSSIAN_SURNAMES = _wordlist(
    "Smirnov Kuznetsov Popov Vasiliev Sokolov Mikhailov Novikov Fedorov Morozov Volkov"
    " Alekseev Lebedev Semenov Egorov Pavlov Kozlov Stepanov Nikolaev Makarov Nikitin"
    " Zakharov Zaitsev Soloviev Borisov Yakovlev Grigoriev Vorobiev Kuzmin Frolov"
    " Dmitriev Gusev Kiselev Maksimov Polyakov Sorokin Vinogradov Belov Tarasov Baranov"
    " Filippov Komarov Davydov Belyaev Gerasimov Bogdanov Osipov Sidorov Matveev Titov"
    " Mironov Kulikov Karpov Melnikov Denisov Gavrilov Tikhonov Danilov Fomin Chernov"
    " Nazarov Kalinin Bykov Maslov Rodionov Lazarev Voronin Klimov Filatov Ponomarev"
    " Golubev Naumov Potapov Trofimov Leonov Sobolev Kolesnikov Goncharov Kotov Gromov"
)
RUSSIAN_PATRONYMIC_ROOTS = _wordlist(
    "Aleksandr Sergey Dmitri Andrey Ivan Mikhail Nikolay Vladimir Yuri Oleg Pavel Igor"
    " Viktor Petr Boris Anatoli Vasili Gennadi"
)
COMPANY_STEMS = _wordlist(
    "Blue_River Oakwood Maple Summit Harbor Silver_Lake Evergreen Riverside Northgate"
    " Sunrise Greenfield Lakeside Westbrook Pinecrest Redwood Hillside Brightwater"
    " Stonebridge Meadowbrook Clearview Fairway Highland Seaside Crescent Horizon Pioneer"
    " Keystone Cornerstone Bluebell Ashford Kingsley Whitfield Rosewood Elmstead Larkspur"
    " Copperfield Windmill Lighthouse Foxglove Juniper Tidewater Birchwood Marigold"
)
COMPANY_TRADES = _wordlist(
    "Dental_Care Bakery Logistics Plumbing Software Consulting Construction Textiles Foods"
    " Printing Auto_Repair Veterinary_Clinic Landscaping Accounting Pharmacy Furniture"
    " Catering Engineering Cleaning_Services Real_Estate Travel Insurance_Brokers Florists"
    " Dairy Packaging Opticians Electrical Roofing Joinery Kitchens Fitness Nurseries"
    " Design_Studio Analytics Recruitment Security_Systems Medical_Supplies Coffee_Roasters"
)
COMPANY_FORMS = ("Ltd", "LLC", "Inc.", "GmbH", "S.A.", "B.V.", "Pty Ltd", "Co.", "PLC", "")


def _canon(token: str) -> str:
    group = perturb.spelling_class(token)
    return f"#{group}" if group is not None else token


def name_key(text: str) -> frozenset[str]:
    """Order-free tokens of a name, up to case, accents, legal form and known respellings."""
    for start, end, _ in reversed(perturb.find_legal_forms(text)):
        text = text[:start] + " " + text[end:]
    text = perturb.GENERIC_RE.sub(" ", text)
    words = re.findall(r"[^\W\d_]+|\d+", perturb.strip_diacritics(text).casefold())
    return frozenset(_canon(w) for w in words if w not in ("al", "el"))


class ListedKeys:
    """Which names count as listed: same tokens, or a shortened/extended form of a listed name.

    A name whose tokens are a subset of a listed name's ("Sergey Lavrov" against "Sergey
    Viktorovich Lavrov") is a form the perturbation benchmark demands the engine match, so
    alerting on it is no false positive; the same goes for a superset.
    """

    def __init__(self, entities: Iterable[Entity]):
        self.keys: set[frozenset[str]] = set()
        self.by_token: dict[str, list[frozenset[str]]] = defaultdict(list)
        for e in entities:
            for n in e.names:
                key = name_key(n.full)
                if key and key not in self.keys:
                    self.keys.add(key)
                    for token in key:
                        self.by_token[token].append(key)

    def covers(self, key: frozenset[str]) -> bool:
        if key in self.keys:
            return True
        if len(key) >= 2:
            for size in range(2, len(key)):
                if any(frozenset(sub) in self.keys for sub in combinations(key, size)):
                    return True
            rarest = min(key, key=lambda t: len(self.by_token.get(t, ())))
            return any(key <= listed for listed in self.by_token.get(rarest, ()))
        return False


def _title(text: str) -> str:
    return text.title() if perturb.is_upper_name(text) else text


def person_parts(entities: Iterable[Entity]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(entity id, given names) and (entity id, surname) from listed persons' names."""
    given: list[tuple[str, str]] = []
    surnames: list[tuple[str, str]] = []
    ok = re.compile(r"[^\W\d_]+(?:[-' ][^\W\d_]+)*")
    for e in entities:
        if e.schema != "Person":
            continue
        for n in e.names[:1]:
            if n.first and n.last:
                first, last = " ".join(filter(None, (n.first, n.middle))), n.last
            else:
                person = perturb.parse_person(n.full)
                first, last = " ".join(person.given), " ".join(person.surname)
            if not (first and last and perturb.is_latin(first + last)):
                continue
            if ok.fullmatch(first) and len(first.split()) <= 3 and len(first) > 1:
                given.append((e.id, _title(first)))
            if ok.fullmatch(last) and len(last.split()) <= 2 and len(last) > 1:
                surnames.append((e.id, _title(last)))
    return given, surnames


def builtin_person(culture: str, rng: random.Random) -> str:
    """A common name of one naming tradition, in its usual order and shape."""
    if culture == "western":
        first = rng.choice(WESTERN_GIVEN)
        if rng.random() < 0.3:
            first += f" {rng.choice(WESTERN_GIVEN)[0]}."
        return f"{first} {rng.choice(WESTERN_SURNAMES)}"
    if culture == "arabic":
        parts = [rng.choice(ARABIC_GIVEN)]
        if rng.random() < 0.5:
            parts.append(rng.choice(ARABIC_GIVEN[:30]))
        family = rng.choice(ARABIC_FAMILY)
        parts.append(f"Al-{family}" if rng.random() < 0.3 else family)
        return " ".join(parts)
    if culture == "chinese":
        surname, given = rng.choice(CHINESE_SURNAMES), rng.choice(CHINESE_GIVEN)
        return f"{surname} {given}" if rng.random() < 0.5 else f"{given} {surname}"
    female = rng.random() < 0.4
    first = rng.choice(RUSSIAN_FEMALE if female else RUSSIAN_MALE)
    surname = rng.choice(RUSSIAN_SURNAMES) + ("a" if female else "")
    if rng.random() < 0.5:
        root = rng.choice(RUSSIAN_PATRONYMIC_ROOTS)
        stem = root[:-1] if root[-1] in "iy" else root
        suffix = "evna" if root[-1] in "iy" else "ovna"
        patronymic = stem + (suffix if female else suffix[:-2] + "ich")
        return f"{first} {patronymic} {surname}"
    return f"{first} {surname}"


def builtin_company(rng: random.Random) -> str:
    stem = rng.choice(COMPANY_STEMS).replace("_", " ")
    trade = rng.choice(COMPANY_TRADES).replace("_", " ")
    form = rng.choice(COMPANY_FORMS)
    return f"{stem} {trade} {form}".strip()


def generate(
    count: int,
    make: Callable[[random.Random], str],
    listed: ListedKeys,
    rng: random.Random,
    excluded: Counter[str],
    group: str,
) -> list[str]:
    names: list[str] = []
    seen: set[frozenset[str]] = set()
    attempts = 0
    while len(names) < count and attempts < count * 50:
        attempts += 1
        name = make(rng)
        key = name_key(name)
        if not key or key in seen:
            continue
        seen.add(key)
        if listed.covers(key):
            excluded[group] += 1
            continue
        names.append(name)
    return names


def bench_fpr(listed: Listed, sample: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    keys = ListedKeys(listed.entities)
    given, surnames = person_parts(listed.entities)
    excluded: Counter[str] = Counter()

    def recombined(r: random.Random) -> str:
        while True:
            (gid, g), (sid, s) = r.choice(given), r.choice(surnames)
            if gid != sid:
                return f"{g} {s}"

    half = sample // 2
    groups: dict[str, tuple[str, list[str]]] = {
        "persons: recombined list parts": (
            "Person",
            generate(half, recombined, keys, rng, excluded, "persons: recombined list parts"),
        )
    }
    for culture in ("western", "arabic", "chinese", "russian"):
        label = f"persons: common {culture}"
        groups[label] = (
            "Person",
            generate(
                (sample - half) // 4,
                partial(builtin_person, culture),
                keys,
                rng,
                excluded,
                label,
            ),
        )
    groups["companies: common words + legal form"] = (
        "Organization",
        generate(sample // 2, builtin_company, keys, rng, excluded, "companies"),
    )
    total = sum(len(names) for _, names in groups.values())
    section(
        f"5. false positives on names on no list — {total:,} names (seed {seed}),"
        " Screener.screen(name, schema=)"
    )
    print(
        "Listed names are excluded first: same tokens as a listed name, or a shortened or"
        "\nextended form of one, up to case, accents, legal form and perturb.py's respellings"
        f" (excluded: {sum(excluded.values()):,})."
    )
    started = time.perf_counter()
    done = 0
    rows = []
    out: dict[str, Any] = {"groups": {}, "examples": []}
    flagged_total = 0
    persons_n = persons_flagged = 0
    for label, (schema, names) in groups.items():
        flagged = 0
        for name in names:
            matches, _ = _screen(listed.screener, name, schema, limit=3)
            if matches:
                flagged += 1
                top = matches[0]
                out["examples"].append(
                    {
                        "group": label,
                        "query": name,
                        "matched": top.name,
                        "entity_id": top.entity_id,
                        "score": top.score,
                    }
                )
            done += 1
            progress("fpr", done, total, started)
        flagged_total += flagged
        if schema == "Person":
            persons_n += len(names)
            persons_flagged += flagged
        rate = flagged / len(names) if names else None
        rows.append([label, schema, str(len(names)), str(flagged), pct(rate, 2)])
        out["groups"][label] = {"n": len(names), "flagged": flagged, "fpr": rate}
    seconds = time.perf_counter() - started
    rows.append(["all persons", "", str(persons_n), str(persons_flagged)])
    rows[-1].append(pct(persons_flagged / persons_n if persons_n else None, 2))
    rows.append(["ALL", "", str(total), str(flagged_total)])
    rows[-1].append(pct(flagged_total / total if total else None, 2))
    table(
        "names with any match >= DEFAULT_THRESHOLD (target FPR <= 0.5%)",
        ["group", "schema", "n", "alerts", "FPR"],
        rows,
    )
    examples = sorted(out["examples"], key=lambda x: -x["score"])
    shown = [x for i, x in enumerate(examples) if i < 15]
    table(
        f"false positive examples (highest scores, {len(shown)} of {len(examples)})",
        ["group", "query", "matched list name", "entity", "score"],
        [
            [
                clip(x["group"], 22),
                clip(x["query"], 34),
                clip(x["matched"], 38),
                clip(x["entity_id"], 30),
                num(x["score"]),
            ]
            for x in shown
        ],
    )
    print(f"\n{total:,} queries in {seconds:.1f} s")
    out.update(
        {
            "n": total,
            "flagged": flagged_total,
            "fpr": flagged_total / total if total else None,
            "persons_fpr": persons_flagged / persons_n if persons_n else None,
            "excluded_as_listed": dict(excluded),
            "seconds": seconds,
        }
    )
    return out


# ------------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma list of sections")
    parser.add_argument(
        "--sample",
        type=int,
        default=2000,
        help="list names to perturb, and non-listed persons to screen (companies: half)",
    )
    parser.add_argument("--seed", type=int, default=20240503)
    parser.add_argument("--store", type=Path, help="a sanctio.db (or the folder holding it)")
    parser.add_argument("--lists", type=Path, default=DATA / "lists")
    parser.add_argument("--json", type=Path, help="write machine-readable results here")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")

    print(f"sanctio accuracy benchmark — {engine_label()}")
    results: dict[str, Any] = {
        "engine": engine_label(),
        "version": sanctio.__version__,
        "threshold": THR,
        "sections": only,
    }
    if {"pairs", "checks", "cross"} & set(only) and not BENCHMARKS.is_dir():
        sys.exit(f"no benchmark data at {BENCHMARKS} (set SANCTIO_TEST_DATA)")
    if "pairs" in only:
        results["pairs"] = bench_pairs()
    if "checks" in only:
        results["checks"] = bench_checks()
    if "cross" in only:
        results["cross"] = bench_cross()
    if {"perturb", "fpr"} & set(only):
        with open_store(args.store, args.lists) as store:
            listed = load_listed(store)
            print(
                f"\nstore: {len(listed.entities):,} entities, {listed.name_count:,} names; "
                + ", ".join(f"{d} {v}" for d, v in sorted(listed.versions.items()))
            )
            results["store"] = {"entities": len(listed.entities), "versions": listed.versions}
            if "perturb" in only:
                results["perturb"] = bench_perturb(listed, args.sample, args.seed)
            if "fpr" in only:
                results["fpr"] = bench_fpr(listed, args.sample, args.seed)
    summary(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"\nresults written to {args.json}")


def summary(results: dict[str, Any]) -> None:
    rows: list[list[str]] = []
    if "pairs" in results:
        p = results["pairs"]["groups"]["ALL"]
        rows.append(["pairs F1 (LogicV2 frozen)", num(p["sanctio"]["f1"]), num(p["logicv2"]["f1"])])
    if "checks" in results:
        rows.append(["entity checks correct", pct(results["checks"]["accuracy"]), ">= 97%"])
    if "cross" in results:
        c = results["cross"]
        rows.append(
            ["cross-script matched", f"{c['pass_threshold']}/{c['n']}", f"{c['n']}/{c['n']}"]
        )
    if "perturb" in results:
        rows.append(
            ["perturbation recall, benign", pct(results["perturb"]["benign"]["recall"]), ">= 99%"]
        )
        rows.append(["perturbation recall, hard", pct(results["perturb"]["hard"]["recall"]), "-"])
    if "fpr" in results:
        rows.append(["false positive rate", pct(results["fpr"]["fpr"], 2), "<= 0.50%"])
    if rows:
        table(f"summary — {results['engine']}", ["", "sanctio", "target / baseline"], rows)


if __name__ == "__main__":
    main()
