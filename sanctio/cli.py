"""The ``sanctio`` command: a thin shell over ingest, store and export.

Commands parse arguments, call the pipeline, and render; no parsing or matching logic
lives here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from sanctio import __version__
from sanctio.ingest import Discovery, FileSet, UpdateResult, discover, update
from sanctio.model import Entity
from sanctio.store import Store, default_home

app = typer.Typer(
    name="sanctio",
    help="Screen names against the official sanctions lists.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True, soft_wrap=True)

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store", help="SQLite store file (default: $SANCTIO_HOME/sanctio.db).", envvar=None
    ),
]


def _open_store(path: Path | None) -> Store:
    return Store(path)


def _version_callback(value: bool) -> None:
    if value:
        console.print(f"sanctio {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """sanctio: ingest the official sanctions lists and screen names against them."""


def _parse_custom(values: list[str]) -> list[FileSet]:
    from sanctio.sources import SOURCES

    source = SOURCES["custom_csv"]
    filesets = []
    for value in values:
        name, sep, file = value.partition("=")
        if not sep or not name or not file:
            raise typer.BadParameter(f"expected NAME=FILE, got {value!r}", param_hint="--custom")
        code = name if name.startswith("custom_") else f"custom_{name}"
        if not code.replace("_", "").isalnum() or code != code.lower():
            raise typer.BadParameter(
                f"watchlist name {name!r}: use lower-case letters, digits and _",
                param_hint="--custom",
            )
        path = Path(file)
        if not path.is_file():
            raise typer.BadParameter(f"{path} is not a file", param_hint="--custom")
        filesets.append(FileSet(source, code, {source.primary: path}))
    return filesets


@app.command("update")
def update_cmd(
    from_dir: Annotated[
        Path | None,
        typer.Option(
            "--from", help="Load the list files found under this folder instead of downloading."
        ),
    ] = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", "-d", help="Only this dataset (repeatable).")
    ] = None,
    custom: Annotated[
        list[str] | None,
        typer.Option("--custom", help="Your own watchlist CSV as NAME=FILE (repeatable)."),
    ] = None,
    min_ratio: Annotated[
        float,
        typer.Option(
            help="Refuse a version holding fewer than this share of the active one's entities."
        ),
    ] = 0.5,
    allow_older: Annotated[
        bool, typer.Option(help="Load files dated before the active version.")
    ] = False,
    store_path: StoreOpt = None,
) -> None:
    """Load new versions of the lists (download them, or read them from --from DIR)."""
    filesets: list[FileSet] = _parse_custom(custom or [])
    failures: dict[str, str] = {}
    if from_dir is not None:
        try:
            found: Discovery = discover(from_dir, dataset)
        except FileNotFoundError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc
        filesets.extend(found.filesets)
        for path in found.orphans:
            err.print(
                f"[yellow]note:[/] {path} has no primary file beside it or elsewhere; ignored"
            )
        if found.ignored:
            names = ", ".join(str(p.relative_to(from_dir)) for p in found.ignored[:5])
            more = f" and {len(found.ignored) - 5} more" if len(found.ignored) > 5 else ""
            err.print(f"[dim]not a known list format: {names}{more}[/]")
    elif not custom:
        from sanctio.fetch import fetch, official_downloads

        downloads = official_downloads(dataset)
        if not downloads:
            err.print(f"[red]error:[/] no official download known for {', '.join(dataset or [])}")
            raise typer.Exit(2)
        with console.status(f"downloading {len(downloads)} files…"):
            fetched, failures = fetch(downloads, default_home() / "downloads")
        filesets.extend(fetched)
    if not filesets and not failures:
        err.print("[red]error:[/] no list files found" + (f" under {from_dir}" if from_dir else ""))
        raise typer.Exit(2)

    with (
        _open_store(store_path) as store,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("parsing", total=len(filesets))

        def advance(parsed: Any) -> None:
            progress.update(task, advance=1, description=f"parsed {parsed.fileset.primary.name}")

        results = update(
            store, filesets, min_ratio=min_ratio, allow_older=allow_older, on_parsed=advance
        )
        progress.update(task, description="building the screening index")
        from sanctio.screener import build_index as build_screening_index
        from sanctio.screener import index_path

        if store.active_versions() and not index_path(store).exists():
            index = build_screening_index(store)
            err.print(
                f"[dim]screening index: {len(index.records):,} names of "
                f"{len(index.entities):,} entities in {index.build_seconds:.1f} s[/]"
            )
    _print_results(results, failures)
    if failures or any(r.status == "refused" for r in results):
        raise typer.Exit(1)


def _print_results(results: list[UpdateResult], failures: dict[str, str]) -> None:
    table = Table(title="update", show_lines=False)
    for col in ("dataset", "status", "version", "entities", "+", "~", "-", "warnings", "parse s"):
        table.add_column(
            col,
            justify="right" if col not in ("dataset", "status") else "left",
            no_wrap=col == "dataset",
        )
    colors = {"loaded": "green", "unchanged": "dim", "skipped": "yellow", "refused": "red"}
    for r in results:
        p = r.parsed
        warn_total = sum(p.ctx.warnings.values()) if p else 0
        table.add_row(
            r.dataset,
            f"[{colors[r.status]}]{r.status}[/]",
            r.version.version if r.version else "-",
            f"{len(p.entities):,}" if p and not p.error else "-",
            str(r.added) if r.status == "loaded" else "",
            str(r.changed) if r.status == "loaded" else "",
            str(r.removed) if r.status == "loaded" else "",
            f"{warn_total:,}" if warn_total else "",
            f"{p.seconds:.2f}" if p else "",
        )
    console.print(table)
    for r in results:
        if r.status in ("refused", "skipped"):
            err.print(
                f"[{'red' if r.status == 'refused' else 'yellow'}]{r.dataset}:[/] {r.message}"
            )
        if r.parsed is not None:
            for note in r.parsed.fileset.notes:
                err.print(f"[dim]{r.dataset}: {note}[/]")
            for kind, count in sorted(r.parsed.ctx.warnings.items()):
                examples = r.parsed.ctx.examples.get(kind, [])
                eg = f" (e.g. {', '.join(examples)})" if examples else ""
                err.print(f"[yellow]{r.dataset}: {count:,} × {kind}{eg}[/]")
    for dataset, why in failures.items():
        err.print(f"[red]{dataset}: download failed:[/] {why}; previous version stays active")


@app.command("lists")
def lists_cmd(
    all_versions: Annotated[
        bool, typer.Option("--all", help="Every version, refused attempts included.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    store_path: StoreOpt = None,
) -> None:
    """The loaded datasets and their versions."""
    with _open_store(store_path) as store:
        versions = store.versions() if all_versions else store.active_versions()
        if json_out:
            rows = [
                {
                    "id": v.id,
                    "dataset": v.dataset,
                    "version": v.version,
                    "published": v.published,
                    "fetched_at": v.fetched_at.isoformat(),
                    "status": v.status,
                    "entities": v.entity_count,
                    "names": v.name_count,
                    "message": v.message,
                }
                for v in versions
            ]
            sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
            return
        if not versions:
            err.print("no lists loaded yet: run `sanctio update` (or `sanctio update --from DIR`)")
            raise typer.Exit(1)
        table = Table(title="sanctions lists")
        # Narrow enough for an 80-column terminal; --all adds when each version was
        # loaded, --json says everything. "version" is the id `show --version` takes.
        columns = ["dataset", "version", "published", "status", "entities", "names"]
        if all_versions:
            columns.insert(3, "loaded")
        for col in columns:
            table.add_column(
                col,
                justify="right" if col in ("version", "entities", "names") else "left",
                no_wrap=col != "status",
                min_width=len(col),
            )
        for v in versions:
            cells = {
                "dataset": v.dataset,
                "version": str(v.id),
                "published": v.published or "-",
                "loaded": v.fetched_at.strftime("%Y-%m-%d %H:%M"),
                "status": v.status if v.status != "refused" else f"[red]refused[/]: {v.message}",
                "entities": f"{v.entity_count:,}",
                "names": f"{v.name_count:,}",
            }
            table.add_row(*(cells[c] for c in columns))
        console.print(table)


def _render_entity(entity: Entity) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row("id", entity.id)
    table.add_row("schema", entity.schema)
    for name in entity.names:
        parts = ", ".join(
            f"{k}={v}"
            for k, v in (
                ("first", name.first),
                ("middle", name.middle),
                ("last", name.last),
                ("father", name.father),
                ("title", name.title),
            )
            if v
        )
        table.add_row(
            f"name ({name.kind.value})", name.full + (f"  [dim]{parts}[/]" if parts else "")
        )
    simple = [
        ("birth date", entity.birth_dates),
        ("birth place", entity.birth_places),
        ("nationality", entity.nationalities),
        ("citizenship", entity.citizenships),
        ("country", entity.countries),
        ("gender", [entity.gender] if entity.gender else []),
        ("programs", entity.programs),
        ("listed on", [entity.listed_on] if entity.listed_on else []),
    ]
    for label, values in simple:
        if values:
            table.add_row(label, ", ".join(values))
    for ident in entity.identifiers:
        extra = " ".join(x for x in (ident.country and f"({ident.country})", ident.note) if x)
        table.add_row(f"id ({ident.label or ident.type})", f"{ident.number} {extra}".strip())
    for addr in entity.addresses:
        table.add_row("address", addr.full)
    for rel in entity.relations:
        table.add_row(
            rel.kind.replace("_", " "),
            rel.target_name + (f" → {rel.target_id}" if rel.target_id else ""),
        )
    for prop, values in sorted(entity.properties.items()):
        table.add_row(prop, ", ".join(values))
    for remark in entity.remarks:
        table.add_row("remarks", remark)
    return table


@app.command("show")
def show_cmd(
    entity_id: Annotated[str, typer.Argument(help="Entity id, e.g. us_ofac_sdn:28036.")],
    version: Annotated[
        int | None, typer.Option(help="As of this version id (see `sanctio lists --all`).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    store_path: StoreOpt = None,
) -> None:
    """Everything known about one listed entity, in every version it appeared in."""
    with _open_store(store_path) as store:
        records = store.history(entity_id)
        if not records:
            err.print(f"[red]error:[/] no entity {entity_id!r} in any loaded version")
            raise typer.Exit(1)
        current = store.get(entity_id, version)
        referrers = store.referrers(entity_id)
        versions = {v.id: v for v in store.versions(entity_id.split(":", 1)[0])}
        if json_out:
            out = {
                "entity": current.to_dict() if current else None,
                "history": [
                    {
                        "valid_from": versions[r.valid_from].version,
                        "valid_from_id": r.valid_from,
                        "valid_to_id": r.valid_to,
                        "entity": r.entity.to_dict(),
                    }
                    for r in records
                ],
                "referred_by": [{"id": e.id, "name": e.caption} for e in referrers],
            }
            sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
            return
        if current is None:
            last = records[-1]
            ended = versions[last.valid_to].version if last.valid_to else "?"
            console.print(
                f"[yellow]{entity_id} is not in the {'chosen' if version else 'active'} "
                f"version; it was delisted in version {ended}. Last known state:[/]"
            )
            current = last.entity
        console.print(_render_entity(current))
        if referrers:
            console.print("\n[bold]linked from[/]")
            for e in referrers:
                console.print(f"  {e.id}  {e.caption}")
        console.print("\n[bold]versions[/]")
        for r in records:
            start = versions[r.valid_from]
            end = versions[r.valid_to].version if r.valid_to else "active"
            console.print(f"  {start.version} (v{start.id}) → {end}")


@app.command("diff")
def diff_cmd(
    dataset: Annotated[str, typer.Argument(help="Dataset code, e.g. gb_hmt_sanctions.")],
    old: Annotated[
        int | None, typer.Option("--from", help="Older version id (default: previous).")
    ] = None,
    new: Annotated[
        int | None, typer.Option("--to", help="Newer version id (default: active).")
    ] = None,
    store_path: StoreOpt = None,
) -> None:
    """What changed between two versions of a dataset."""
    with _open_store(store_path) as store:
        loaded = [v for v in store.versions(dataset) if v.status != "refused"]
        if len(loaded) < 2 and (old is None or new is None):
            err.print(
                f"[red]error:[/] {dataset} has {len(loaded)} loaded version(s); nothing to compare"
            )
            raise typer.Exit(1)
        new_id = new if new is not None else loaded[-1].id
        old_id = old if old is not None else max(v.id for v in loaded if v.id < new_id)
        d = store.diff(dataset, old_id, new_id)
        console.print(
            f"{dataset}: v{old_id} → v{new_id}: "
            f"[green]+{len(d.added)}[/] [yellow]~{len(d.changed)}[/] [red]-{len(d.removed)}[/]"
        )
        for label, ids, vid in (
            ("+", d.added, new_id),
            ("~", d.changed, new_id),
            ("-", d.removed, old_id),
        ):
            for eid in ids:
                ent = store.get(eid, vid)
                console.print(f"  {label} {eid}  {ent.caption if ent else ''}")


@app.command("export")
def export_cmd(
    fmt: Annotated[
        str,
        typer.Option("--format", help="ftm (FollowTheMoney JSON lines) or json (sanctio's model)."),
    ] = "ftm",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", "-d", help="Only this dataset.")
    ] = None,
    store_path: StoreOpt = None,
) -> None:
    """Write the active entities as JSON lines."""
    if fmt not in ("ftm", "json"):
        raise typer.BadParameter("use ftm or json", param_hint="--format")
    from sanctio.ftm import to_ftm

    out = output.open("wb") if output else sys.stdout.buffer
    count = 0
    try:
        with _open_store(store_path) as store:
            for version in store.active_versions():
                if dataset and version.dataset not in dataset:
                    continue
                for entity in store.entities(version.dataset, version.id):
                    docs = to_ftm(entity) if fmt == "ftm" else iter([entity.to_dict()])
                    for doc in docs:
                        out.write(orjson.dumps(doc) + b"\n")
                    count += 1
    finally:
        if output:
            out.close()
    err.print(f"[dim]{count:,} entities exported[/]")


# ------------------------------------------------------------------------- screening


def _screening_versions(store: Store, datasets: list[str] | None) -> dict[str, int]:
    """Refuse to screen against nothing: an empty store or a misspelt dataset code would
    otherwise read as "no match"."""
    versions = {v.dataset: v.id for v in store.active_versions()}
    if not versions:
        err.print("[red]error:[/] no lists loaded yet: run `sanctio update` first")
        raise typer.Exit(1)
    unknown = [d for d in datasets or [] if d not in versions]
    if unknown:
        err.print(
            f"[red]error:[/] unknown dataset {escape(', '.join(unknown))}; "
            f"loaded: {', '.join(sorted(versions))}"
        )
        raise typer.Exit(2)
    return versions


def _short_explanation(explanation: dict[str, Any], width: int = 80) -> str:
    """One line of the engine's explanation for the table (the JSON has all of it): its
    summary when it gives one, else each feature's detail, effect or score."""
    summary = explanation.get("summary")
    parts: list[str] = []
    if isinstance(summary, str):
        parts.append(summary)
    for key, value in explanation.items():
        if summary is not None:
            break
        if isinstance(value, dict):
            detail, effect, score = value.get("detail"), value.get("effect"), value.get("score")
            if isinstance(detail, str):
                parts.append(detail)
            elif isinstance(effect, int | float):
                parts.append(f"{key} {effect:+.2f}")
            elif isinstance(score, int | float):
                parts.append(f"{key} {score:.2f}")
        elif isinstance(value, float):
            parts.append(f"{key} {value:.2f}")
        elif isinstance(value, str | int):
            parts.append(f"{key} {value}")
    text = "; ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command("screen")
def screen_cmd(
    name: Annotated[str, typer.Argument(help="The name to screen.")],
    schema: Annotated[
        str | None,
        typer.Option(help="Person, Organization, Company, LegalEntity, Vessel or Airplane."),
    ] = None,
    birth_date: Annotated[
        str | None, typer.Option("--birth-date", help="1954, 1954-01 or 1954-01-01.")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option("--country", help="Country name or code (repeatable).")
    ] = None,
    id_number: Annotated[
        list[str] | None,
        typer.Option("--id", help="Passport, IMO, tax or other number (repeatable)."),
    ] = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", "-d", help="Only this dataset (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many matches.")] = 10,
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Lowest score shown (default: the calibrated one)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    store_path: StoreOpt = None,
) -> None:
    """Screen one name against every loaded list."""
    from sanctio.batch import canonical_schema
    from sanctio.screener import DEFAULT_THRESHOLD, Query, QueryError, Screener

    cutoff = DEFAULT_THRESHOLD if threshold is None else threshold
    try:
        query = Query(
            name, canonical_schema(schema), birth_date, tuple(country or ()), tuple(id_number or ())
        ).validated()
    except QueryError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    with _open_store(store_path) as store:
        _screening_versions(store, dataset)
        screener = Screener.open(store)
        try:
            matches = screener.screen_query(query, datasets=dataset, limit=limit, threshold=cutoff)
        except QueryError as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}")
            raise typer.Exit(2) from None
    _audit_screen(store_path, query, dataset, limit, cutoff, matches, screener.versions)
    if json_out:
        out = {
            "query": {
                "name": query.name,
                "schema": query.schema,
                "birth_date": query.birth_date,
                "countries": list(query.countries),
                "identifiers": list(query.identifiers),
                "datasets": list(dataset or []),
                "limit": limit,
                "threshold": cutoff,
            },
            "matches": [m.to_dict() for m in matches],
            "versions": screener.versions,
        }
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    if not matches:
        console.print(
            f"no matches for {escape(query.name)!r} at threshold {cutoff:.2f} "
            f"in {len(screener.versions)} lists"
        )
        return
    noun = "match" if len(matches) == 1 else "matches"
    table = Table(title=f"{escape(query.name)}: {len(matches)} {noun} (threshold {cutoff:.2f})")
    for col in ("score", "entity id", "matched name", "caption", "schema", "dataset", "why"):
        table.add_column(
            col,
            justify="right" if col == "score" else "left",
            no_wrap=col == "score",
            overflow="fold",  # an entity id cut short with "…" is useless
        )
    for m in matches:
        table.add_row(
            f"{m.score:.2f}",
            m.entity_id,
            escape(m.name),
            escape(m.caption) if m.caption != m.name else "[dim]same[/]",
            m.schema,
            m.dataset,
            escape(_short_explanation(m.explanation)),
        )
    console.print(table)


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "… rows/s", style="cyan")


@app.command("batch")
def batch_cmd(
    input_path: Annotated[
        Path,
        typer.Argument(
            help="CSV (UTF-8) or Parquet: id,name[,schema,birth_date,country,id_number]."
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="JSON lines, one line per input row, in order.")
    ],
    limit: Annotated[int, typer.Option(min=1, help="At most this many matches per row.")] = 10,
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Lowest score kept (default: the calibrated one)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Processes, each holding the lists (default: min(2, cores))."),
    ] = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", "-d", help="Only this dataset (repeatable).")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Continue an interrupted run whose OUTPUT is already there.")
    ] = False,
    store_path: StoreOpt = None,
) -> None:
    """Screen every row of a file; bad rows become error lines, the run goes on."""
    from sanctio.batch import BatchError, BatchSummary, RowError, default_workers, screen_file
    from sanctio.screener import DEFAULT_THRESHOLD

    with _open_store(store_path) as store:
        _screening_versions(store, dataset)
    shown, max_shown = 0, 20

    def on_error(error: RowError) -> None:
        nonlocal shown
        shown += 1
        if shown <= max_shown:
            err.print(
                f"[yellow]line {error.line}[/] (id {escape(repr(error.id))}): "
                f"{escape(error.message)}"
            )

    progress = Progress(
        TextColumn("screening"),
        BarColumn(),
        MofNCompleteColumn(),
        _RowsPerSecond(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    task: TaskID | None = None

    def on_start(done: int, total: int) -> None:
        nonlocal task
        task = progress.add_task("screening", total=total, completed=done)

    def on_progress(done: int, total: int) -> None:
        if task is not None:
            progress.update(task, completed=done)

    try:
        with progress:
            summary: BatchSummary = screen_file(
                input_path,
                output,
                store=store_path,
                limit=limit,
                threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
                workers=workers or default_workers(),
                datasets=dataset,
                resume=resume,
                on_start=on_start,
                on_progress=on_progress,
                on_error=on_error,
            )
    except (BatchError, OSError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print(
            f"[yellow]interrupted[/]: {output} holds every finished chunk; "
            "run the same command with --resume to continue"
        )
        raise typer.Exit(130) from None
    _audit_batch(store_path, input_path, output, summary, limit, threshold, dataset)
    if shown > max_shown:
        err.print(f"[yellow]… and {shown - max_shown:,} more bad rows[/] (error lines in {output})")
    table = Table(title=f"batch: {input_path.name} → {output.name}", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("rows", f"{summary.rows:,}"),
        ("screened", f"{summary.screened:,}"),
        ("errors", f"{summary.errors:,}"),
        ("rows with matches", f"{summary.with_matches:,}"),
        ("duplicate ids", f"{summary.duplicate_ids:,}"),
        ("elapsed", f"{summary.elapsed:,.1f} s"),
        ("rows/s", f"{summary.rows_per_second:,.0f}"),
        ("workers", str(summary.workers)),
    ]
    if summary.resumed_from:
        rows.insert(1, ("already done (resumed)", f"{summary.resumed_from:,}"))
    if summary.internal_errors:
        rows.append(("internal errors", f"[red]{summary.internal_errors:,}[/]"))
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    console.print(f"[dim]list versions and settings: {summary.meta}[/]")
    if summary.internal_errors:
        raise typer.Exit(1)


# ------------------------------------------------------------------ audit hooks, serving


def _audit_screen(
    store_path: Path | None,
    query: Any,
    datasets: list[str] | None,
    limit: int,
    threshold: float,
    matches: list[Any],
    versions: dict[str, int],
) -> None:
    """Append the audit entry of one `sanctio screen` (see sanctio.audit)."""
    from sanctio.audit import log_screen

    log_screen(store_path, query, datasets, limit, threshold, matches, versions)


def _audit_batch(
    store_path: Path | None,
    input_path: Path,
    output: Path,
    summary: Any,
    limit: int,
    threshold: float | None,
    datasets: list[str] | None,
) -> None:
    """One audit entry per finished `sanctio batch` run: settings, versions, counts, and
    the sha256 of input and output (the output file holds the per-row answers)."""
    from sanctio.audit import log_batch
    from sanctio.screener import DEFAULT_THRESHOLD

    cutoff = DEFAULT_THRESHOLD if threshold is None else threshold
    log_batch(
        store_path, input_path, output, summary, limit=limit, threshold=cutoff, datasets=datasets
    )


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes, each holding the lists in memory.")
    ] = 1,
    require_keys: Annotated[
        bool | None,
        typer.Option(
            "--require-keys/--no-require-keys",
            help="Demand an API key on every request (default: when any key exists, and "
            "always on a non-loopback address).",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    store_path: StoreOpt = None,
) -> None:
    """Serve the HTTP API (yente-compatible /match, /search, /entities, /catalog, /scan,
    /reconcile, /metrics) and the analyst pages."""
    import os
    import shutil
    import tempfile

    from sanctio.api import ENV_REQUIRE_KEYS, ENV_STORE, is_loopback_host, run_server

    with _open_store(store_path) as store:
        resolved = store.path.resolve()
        has_keys = store.has_active_api_keys()
        if not store.active_versions():
            err.print("[yellow]note:[/] no lists loaded yet; /readyz answers 503 until then")
    loopback = is_loopback_host(host)
    required = require_keys
    if required is None and not loopback:
        required = True
    if required and not has_keys:
        err.print(
            "[red]error:[/] API keys are required "
            + ("on a non-loopback address " if not loopback else "")
            + "but none exists: create one with `sanctio keys add LABEL` "
            "(or pass --no-require-keys to serve without)"
        )
        raise typer.Exit(2)
    if required is False and not loopback:
        err.print(f"[yellow]warning:[/] serving {host} without API keys: anyone can screen")
    flag = "" if required is None else "1" if required else "0"
    env = {ENV_STORE: str(resolved), ENV_REQUIRE_KEYS: flag}
    os.environ.update(env)
    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="sanctio-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    level = log_level.lower()
    if level not in ("debug", "info", "warning", "error"):
        raise typer.BadParameter("use debug, info, warning or error", param_hint="--log-level")
    err.print(
        f"[dim]sanctio {__version__} serving {resolved} on http://{host}:{port} "
        f"({workers} worker{'s' if workers > 1 else ''}; API keys "
        f"{'required' if required else 'optional' if required is None else 'off'})[/]"
    )
    try:
        run_server(host, port, workers, level)
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)


keys_app = typer.Typer(help="API keys for `sanctio serve` (stored hashed).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("add")
def keys_add_cmd(
    label: Annotated[str, typer.Argument(help="Who or what the key is for.")],
    store_path: StoreOpt = None,
) -> None:
    """Create a key. It is printed once: only its sha256 is stored."""
    from sanctio.audit import hash_key, new_key

    if not label.strip():
        raise typer.BadParameter("give the key a label", param_hint="LABEL")
    key = new_key()
    with _open_store(store_path) as store:
        record = store.add_api_key(label.strip(), hash_key(key))
    err.print(
        f"key {record.id} ({escape(record.label)}) created; it is shown only this once. "
        "Send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."
    )
    sys.stdout.write(key + "\n")


@keys_app.command("list")
def keys_list_cmd(
    json_out: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    store_path: StoreOpt = None,
) -> None:
    """Every key issued: id, label, created, revoked."""
    with _open_store(store_path) as store:
        keys = store.api_keys()
    if json_out:
        rows = [
            {"id": k.id, "label": k.label, "created": k.created, "revoked": k.revoked} for k in keys
        ]
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    if not keys:
        console.print("no API keys; create one with `sanctio keys add LABEL`")
        return
    table = Table(title="API keys")
    for col in ("id", "label", "created", "status"):
        table.add_column(col, justify="right" if col == "id" else "left")
    for k in keys:
        status = "[green]active[/]" if k.active else f"[red]revoked[/] {k.revoked}"
        table.add_row(str(k.id), escape(k.label), k.created, status)
    console.print(table)


@keys_app.command("revoke")
def keys_revoke_cmd(
    key_id: Annotated[int, typer.Argument(help="Key id (see `sanctio keys list`).")],
    store_path: StoreOpt = None,
) -> None:
    """Revoke a key; requests with it are refused from then on."""
    with _open_store(store_path) as store:
        record = store.revoke_api_key(key_id)
    if record is None:
        err.print(f"[red]error:[/] no key {key_id}")
        raise typer.Exit(1)
    console.print(f"key {record.id} ({escape(record.label)}) revoked at {record.revoked}")


audit_app = typer.Typer(help="The audit log of screening requests.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _iso_bound(value: str | None, option: str) -> str | None:
    """Accept a date or a date and time; the log compares UTC ISO text."""
    if value is None:
        return None
    from datetime import UTC, datetime

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]", param_hint=option
        ) from None
    if len(value) == 10:
        return value
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.replace(tzinfo=None).isoformat(timespec="milliseconds")


@audit_app.command("export")
def audit_export_cmd(
    since: Annotated[
        str | None, typer.Option(help="From this UTC date or time on (2026-01-01).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Before this UTC date or time.")] = None,
    channel: Annotated[
        str | None, typer.Option(help="Only api, cli, batch, scan or web entries.")
    ] = None,
    who: Annotated[str | None, typer.Option(help="Only entries by this caller.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    store_path: StoreOpt = None,
) -> None:
    """Write audit entries as JSON lines, oldest first."""
    from sanctio.audit import export

    lower, upper = _iso_bound(since, "--since"), _iso_bound(until, "--until")
    out = output.open("wb") if output else sys.stdout.buffer
    try:
        with _open_store(store_path) as store:
            count = export(store, out, since=lower, until=upper, channel=channel, who=who)
    finally:
        if output:
            out.close()
        else:
            out.flush()
    err.print(f"[dim]{count:,} audit entries exported[/]")


@audit_app.command("verify")
def audit_verify_cmd(store_path: StoreOpt = None) -> None:
    """Check the hash chain of the log: any edited or removed row breaks it."""
    with _open_store(store_path) as store:
        count, bad = store.verify_audit()
    if bad is not None:
        err.print(f"[red]audit log broken at entry {bad}[/] ({count:,} entries checked)")
        raise typer.Exit(1)
    console.print(f"audit log intact: {count:,} entries")


@audit_app.command("replay")
def audit_replay_cmd(
    entry_id: Annotated[int, typer.Argument(help="Audit entry id.")],
    store_path: StoreOpt = None,
) -> None:
    """Run a logged request again over the list versions it used, and compare."""
    from sanctio.audit import AuditError, replay

    with _open_store(store_path) as store:
        entry = store.audit_entry(entry_id)
        if entry is None:
            err.print(f"[red]error:[/] no audit entry {entry_id}")
            raise typer.Exit(1)
        try:
            again = replay(store, entry)
        except (AuditError, ImportError) as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}")
            raise typer.Exit(2) from None
    same = again == entry.results
    out = {"id": entry.id, "reproduced": same, "logged": entry.results, "replayed": again}
    sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
    if not same:
        err.print(f"[red]entry {entry_id}: the replayed answer differs from the logged one[/]")
        raise typer.Exit(1)
    err.print(f"[green]entry {entry_id} reproduced[/] (versions {entry.versions})")


# --------------------------------------------------------------------------- scanning


@app.command("scan")
def scan_cmd(
    file: Annotated[
        str, typer.Argument(help="UTF-8 text, SWIFT MT103 or ISO 20022 pacs.008 file; - for stdin.")
    ],
    json_out: Annotated[bool, typer.Option("--json", help='JSON: {"mentions": [...]}.')] = False,
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Lowest score kept (default: the scan one, 0.80)."),
    ] = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", "-d", help="Only this dataset (repeatable).")
    ] = None,
    store_path: StoreOpt = None,
) -> None:
    """Find listed persons and companies mentioned in a text or a payment message.

    Offsets count characters of the file as decoded (line breaks as they are)."""
    from sanctio.scan import SCAN_THRESHOLD, scan_text
    from sanctio.screener import Screener

    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        err.print(f"[red]error:[/] cannot read {escape(file)}: {escape(exc.strerror or str(exc))}")
        raise typer.Exit(2) from None
    except UnicodeDecodeError as exc:
        err.print(f"[red]error:[/] {escape(file)} is not UTF-8 (byte {exc.start})")
        raise typer.Exit(2) from None
    with _open_store(store_path) as store:
        _screening_versions(store, dataset)
        screener = Screener.open(store)
    mentions = scan_text(screener, text, threshold=threshold, datasets=dataset)
    from sanctio.audit import log_scan

    log_scan(store_path, text, mentions, screener.versions)
    if json_out:
        out = {"mentions": [m.to_dict() for m in mentions]}
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    cutoff = SCAN_THRESHOLD if threshold is None else threshold
    if not mentions:
        console.print(f"no listed names found at threshold {cutoff:.2f}")
        return
    spans = len({(m.start, m.end) for m in mentions})
    table = Table(
        title=f"{escape(file)}: {spans} mentions, {len(mentions)} listings (threshold {cutoff:.2f})"
    )
    for col in ("span", "text", "entity id", "matched name", "score"):
        table.add_column(col, justify="right" if col == "score" else "left", overflow="fold")
    for m in mentions:
        table.add_row(
            f"{m.start}–{m.end}",
            escape(" ".join(m.text.split())),
            m.entity_id,
            escape(m.name),
            f"{m.score:.2f}",
        )
    console.print(table)


if __name__ == "__main__":  # pragma: no cover
    app()
