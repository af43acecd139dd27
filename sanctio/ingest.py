"""From files on disk to versions in the store: discover, parse, check, apply.

Discovery walks a folder (such as ``../shared/data/lists``), asks every registered source
which files it recognises, and groups them into *file sets*: one per version of a
dataset. A source's primary file (``sdn.csv``, ``consolidated.xml``…) opens a file set;
its companions (``alt.csv``, ``add.csv``…) join from the same folder, or, when that folder
has none, from a folder holding only companions (OFAC's ALT/ADD files are often mirrored
apart from SDN.CSV). Several file sets of one dataset (two vintages of the OFSI list) are
loaded in date order, each becoming its own version, so the second is a real diff.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sanctio.model import DatasetVersion, Entity, SourceFile
from sanctio.sources import SOURCES, ParseContext, ParseError, Source
from sanctio.sources.base import read_head, save_country_cache
from sanctio.store import Store, StoreError, UpdateRefused

_RE_FOLDER_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


@dataclass
class FileSet:
    """The files of one version of one dataset, by role."""

    source: Source
    dataset: str
    files: dict[str, Path]
    vintage: str | None = None  # date read off the folder name, when no better one exists
    notes: list[str] = field(default_factory=list)

    @property
    def primary(self) -> Path:
        return self.files[self.source.primary]


@dataclass
class Discovery:
    filesets: list[FileSet]
    ignored: list[Path]  # files no source recognises
    orphans: list[Path]  # companion files whose primary file is nowhere in the tree


@dataclass
class Parsed:
    fileset: FileSet
    ctx: ParseContext
    files: list[SourceFile]
    entities: list[Entity] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def date(self) -> str | None:
        return self.ctx.published or self.fileset.vintage


@dataclass
class UpdateResult:
    """What happened to one file set: loaded, unchanged, skipped or refused, and why."""

    dataset: str
    status: str  # "loaded", "unchanged", "skipped", "refused"
    message: str
    version: DatasetVersion | None = None
    parsed: Parsed | None = None
    added: int = 0
    changed: int = 0
    removed: int = 0


def folder_vintage(path: Path) -> str | None:
    """``ofac_sdn_2024-05-03/sdn.csv`` → ``2024-05-03``: mirrors name folders by date."""
    for part in reversed(path.parent.parts):
        if m := _RE_FOLDER_DATE.search(part):
            return "-".join(g for g in m.groups() if g)
    return None


def classify(path: Path) -> tuple[Source, str, str] | None:
    """The (source, dataset, role) a file belongs to, or None when no source knows it."""
    head = read_head(path)
    for source in SOURCES.values():
        hit = source.classify(path, head)
        if hit is not None:
            return source, hit[0], hit[1]
    return None


def discover(root: Path, datasets: Iterable[str] | None = None) -> Discovery:
    """Group the recognised files under ``root`` into file sets, one per dataset version."""
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist")
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    wanted = set(datasets) if datasets else None
    found: dict[tuple[str, str], list[tuple[Path, str]]] = defaultdict(list)
    ignored: list[Path] = []
    sources: dict[str, Source] = {}
    for path in paths:
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        hit = classify(path)
        if hit is None:
            ignored.append(path)
            continue
        source, dataset, role = hit
        if wanted is not None and dataset not in wanted:
            continue
        sources[source.name] = source
        found[(source.name, dataset)].append((path, role))

    filesets: list[FileSet] = []
    orphans: list[Path] = []
    for (source_name, dataset), items in sorted(found.items()):
        source = sources[source_name]
        primaries = [p for p, role in items if role == source.primary]
        primary_dirs = {p.parent for p in primaries}
        # Companions in folders without a primary file, by role, newest folder first.
        loose: dict[str, list[Path]] = defaultdict(list)
        for p, role in items:
            if role != source.primary and p.parent not in primary_dirs:
                loose[role].append(p)
        for role_paths in loose.values():
            role_paths.sort(key=lambda p: folder_vintage(p) or "", reverse=True)
        if not primaries:
            orphans.extend(p for p, _ in items)
            continue
        for primary in primaries:
            fs = FileSet(source, dataset, {source.primary: primary}, folder_vintage(primary))
            for p, role in items:
                if role != source.primary and p.parent == primary.parent:
                    fs.files.setdefault(role, p)
            for role, role_paths in loose.items():
                if role not in fs.files:
                    fs.files[role] = role_paths[0]
                    fs.notes.append(f"{role} file taken from {role_paths[0].parent.name}/")
            filesets.append(fs)
    return Discovery(filesets, ignored, orphans)


def fingerprint(role: str, path: Path) -> SourceFile:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return SourceFile(
        role=role, path=str(path), sha256=digest.hexdigest(), size=path.stat().st_size
    )


def parse_fileset(fileset: FileSet) -> Parsed:
    """Parse a file set completely; any :class:`ParseError` becomes ``Parsed.error``."""
    started = time.perf_counter()
    ctx = ParseContext(dataset=fileset.dataset)
    files = [fingerprint(role, path) for role, path in sorted(fileset.files.items())]
    parsed = Parsed(fileset, ctx, files)
    try:
        parsed.entities = list(fileset.source.parse(ctx, fileset.files))
    except ParseError as exc:
        parsed.error = str(exc)
        parsed.entities = []
    parsed.seconds = time.perf_counter() - started
    return parsed


def apply(
    store: Store,
    parsed: Parsed,
    *,
    min_ratio: float = 0.5,
    allow_older: bool = False,
    fetched_at: datetime | None = None,
) -> UpdateResult:
    """Turn one parsed file set into a version, or say why not. Never half-applies."""
    fs = parsed.fileset
    label = parsed.date or datetime.now(UTC).date().isoformat()
    warnings = dict(parsed.ctx.warnings)
    if parsed.error is not None:
        store.record_refusal(fs.dataset, label, parsed.error, parsed.files, parsed.date, warnings)
        return UpdateResult(fs.dataset, "refused", parsed.error, parsed=parsed)
    known = _already_loaded(store, fs.dataset, parsed.files)
    if known is not None:
        status = "unchanged" if known.status == "active" else "skipped"
        return UpdateResult(
            fs.dataset,
            status,
            f"same files as version {known.id} ({known.version}, {known.status})",
            version=known,
            parsed=parsed,
        )
    active = store.active_version(fs.dataset)
    if (
        not allow_older
        and active is not None
        and active.published
        and parsed.date
        and parsed.date < active.published
    ):
        message = (
            f"files dated {parsed.date} are older than the active version ({active.published});"
            " not loaded (use --allow-older to load them anyway)"
        )
        return UpdateResult(fs.dataset, "skipped", message, version=active, parsed=parsed)
    try:
        version = store.add_version(
            fs.dataset,
            parsed.entities,
            label=label,
            published=parsed.date,
            files=parsed.files,
            warnings=warnings,
            min_ratio=min_ratio,
            fetched_at=fetched_at,
        )
    except UpdateRefused as exc:
        return UpdateResult(fs.dataset, "refused", str(exc), parsed=parsed)
    except StoreError as exc:
        store.record_refusal(fs.dataset, label, str(exc), parsed.files, parsed.date, warnings)
        return UpdateResult(fs.dataset, "refused", str(exc), parsed=parsed)
    added, changed, removed = store.version_stats(version.id)
    return UpdateResult(
        fs.dataset,
        "loaded",
        f"version {version.id}: {version.entity_count:,} entities",
        version=version,
        parsed=parsed,
        added=added,
        changed=changed,
        removed=removed,
    )


def _already_loaded(store: Store, dataset: str, files: list[SourceFile]) -> DatasetVersion | None:
    key = sorted((f.role, f.sha256) for f in files)
    for version in reversed(store.versions(dataset)):
        if version.status != "refused" and sorted((f.role, f.sha256) for f in version.files) == key:
            return version
    return None


def update(
    store: Store,
    filesets: Iterable[FileSet],
    *,
    min_ratio: float = 0.5,
    allow_older: bool = False,
    on_parsed: Callable[[Parsed], None] | None = None,
) -> list[UpdateResult]:
    """Parse every file set, then apply each dataset's versions oldest first."""
    by_dataset: dict[str, list[Parsed]] = defaultdict(list)
    for fs in filesets:
        parsed = parse_fileset(fs)
        if on_parsed is not None:
            on_parsed(parsed)
        by_dataset[fs.dataset].append(parsed)
    save_country_cache()
    results: list[UpdateResult] = []
    for dataset in sorted(by_dataset):
        for parsed in sorted(by_dataset[dataset], key=lambda p: p.date or ""):
            results.append(apply(store, parsed, min_ratio=min_ratio, allow_older=allow_older))
    return results
