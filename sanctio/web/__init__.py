"""Analyst web pages (search, entity, scan), mounted on the HTTP API's app under ``/ui``.

Pages are server-rendered HTML forms that work without JavaScript; htmx, vendored under
``static/`` so no CDN or build step is involved, only swaps the result area in place so a
search answers as the analyst types. Every value a list supplies goes through Jinja's
autoescaping and the pages carry a strict Content-Security-Policy: names come from
official files sanctio does not control, and a page must never run what a list says.

This module only renders: screening, scanning and storage are the engine's
(:class:`~sanctio.screener.Screener`, ``sanctio.scan``, :class:`~sanctio.store.Store`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from starlette.concurrency import run_in_threadpool

from sanctio.model import SCHEMATA, Entity, NameKind
from sanctio.screener import DEFAULT_THRESHOLD, Match, QueryError, Screener
from sanctio.sources import SOURCES
from sanctio.store import Store

HERE = Path(__file__).resolve().parent
PREFIX = "/ui"
SEARCH_LIMIT = 25
# Listings whose primary name (and birth date) screen this high against an entity are
# offered as "possibly the same on other lists"; high, because it is a suggestion.
SIMILAR_THRESHOLD = 0.9
MAX_SCAN_CHARS = 100_000
# A urlencoded character can take 9 bytes (%XX for each byte of UTF-8).
MAX_SCAN_BODY = 9 * MAX_SCAN_CHARS + 1024

# The pages load nothing but their own CSS and htmx: a name that smuggles markup past
# escaping still could not run a script or pull a resource from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # The same URL answers a whole page or, to htmx, just the result fragment.
    "Vary": "HX-Request",
}

KIND_LABELS = {
    NameKind.PRIMARY.value: "primary",
    NameKind.ALIAS.value: "alias",
    NameKind.WEAK_ALIAS.value: "weak alias",
    NameKind.FORMER.value: "former name",
    NameKind.ORIGINAL_SCRIPT.value: "original script",
}

Scanner = Callable[[Screener, str], list[Any]]


def dataset_titles() -> dict[str, str]:
    """Dataset code → the list's official title, from the registered sources."""
    titles: dict[str, str] = {}
    for source in SOURCES.values():
        titles.update(source.titles)
    return titles


def load_scanner() -> Scanner | None:
    """``sanctio.scan.scan_text`` if that module is installed, else None.

    Looked up per request, not at import, so the pages run (and say scanning is not
    available) on an engine that does not ship the scanner.
    """
    try:
        module = importlib.import_module("sanctio.scan")
    except ImportError:
        return None
    scan = getattr(module, "scan_text", None)
    return scan if callable(scan) else None


def entity_url(entity_id: str, version: int | None = None) -> str:
    # Canada's ids hold "|" and may hold "/" or spaces: quote all but the ":" separator.
    url = f"{PREFIX}/entities/{quote(entity_id, safe=':')}"
    return f"{url}?version={version}" if version is not None else url


def _format_score(value: Any) -> str:
    return f"{float(value):.2f}" if isinstance(value, int | float) else str(value)


def _format_effect(value: Any) -> str:
    if isinstance(value, int | float):
        return f"{float(value):+.2f}".replace("-", "−")
    return str(value)


def _score_class(value: Any) -> str:
    if not isinstance(value, int | float):
        return "low"
    return "high" if value >= 0.9 else "mid" if value >= DEFAULT_THRESHOLD else "low"


# ---------------------------------------------------------------------- view models


@dataclass
class Evidence:
    label: str
    detail: str
    effect: str


@dataclass
class Explained:
    """A match explanation laid out for a page: aligned parts, one-sided parts, evidence."""

    list_name: str | None = None
    name_kind: str | None = None
    name_score: str | None = None
    aligned: list[tuple[str, str, str]] = field(default_factory=list)  # query, list, sim
    query_only: list[str] = field(default_factory=list)
    list_only: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


def explain(explanation: Mapping[str, Any]) -> Explained:
    """Lay out the engine's explanation dict; unknown keys are shown, never dropped."""
    out = Explained()
    for key, value in explanation.items():
        if key == "name" and isinstance(value, Mapping):
            out.list_name = _str_or_none(value.get("list_name"))
            kind = value.get("name_kind")
            out.name_kind = KIND_LABELS.get(str(kind), str(kind)) if kind else None
            if isinstance(value.get("score"), int | float):
                out.name_score = _format_score(value["score"])
            for pair in value.get("aligned") or []:
                if isinstance(pair, Mapping):
                    sim = pair.get("similarity")
                    out.aligned.append(
                        (
                            str(pair.get("query", "")),
                            str(pair.get("list", "")),
                            _format_score(sim) if sim is not None else "",
                        )
                    )
            out.query_only = [str(t) for t in value.get("query_only") or []]
            out.list_only = [str(t) for t in value.get("list_only") or []]
        elif isinstance(value, Mapping):
            detail = value.get("detail")
            effect = value.get("effect", value.get("score"))
            out.evidence.append(
                Evidence(
                    key.replace("_", " "),
                    str(detail) if detail is not None else "",
                    _format_effect(effect) if effect is not None else "",
                )
            )
        else:
            out.evidence.append(Evidence(key.replace("_", " "), "", _format_effect(value)))
    return out


def _str_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None


@dataclass
class MatchView:
    entity_id: str
    dataset: str
    name: str
    caption: str
    schema: str
    score: float
    explained: Explained

    @classmethod
    def of(cls, match: Match) -> MatchView:
        return cls(
            match.entity_id,
            match.dataset,
            match.name,
            match.caption,
            match.schema,
            match.score,
            explain(match.explanation),
        )


@dataclass
class Segment:
    """A run of scanned text; ``mentions`` (best first) when the run is a mention."""

    text: str
    mentions: list[dict[str, Any]] = field(default_factory=list)


def segments(text: str, mentions: Iterable[Mapping[str, Any]]) -> list[Segment]:
    """Cut ``text`` into plain runs and mention runs, mentions of one span grouped.

    Several listings often share a span (one person on three lists): they become one
    highlight. Overlapping spans keep the one that starts first (the longer on a tie), so
    every character of the text is shown exactly once.
    """
    groups: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for mention in mentions:
        start, end = mention.get("start"), mention.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        if 0 <= start < end <= len(text):
            groups.setdefault((start, end), []).append(dict(mention))
    out: list[Segment] = []
    pos = 0
    for (start, end), group in sorted(groups.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        if start < pos:
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        group.sort(key=lambda m: -float(m.get("score") or 0.0))
        out.append(Segment(text[start:end], group))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def mention_title(group: list[dict[str, Any]]) -> str:
    """The tooltip of a highlight: each listing with its score (escaped by the template)."""
    return "; ".join(
        f"{m.get('name', '')} — {m.get('entity_id', '')} — score {_format_score(m.get('score'))}"
        for m in group
    )


# ---------------------------------------------------------------------- the pages


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["entity_url"] = entity_url
    env.filters["score"] = _format_score
    env.filters["score_class"] = _score_class
    env.filters["mention_title"] = mention_title
    env.globals["prefix"] = PREFIX
    env.globals["default_threshold"] = f"{DEFAULT_THRESHOLD:.2f}"
    env.globals["similar_threshold"] = f"{SIMILAR_THRESHOLD:.2f}"
    env.globals["kind_label"] = lambda kind: KIND_LABELS.get(str(kind), str(kind))
    return env


def _is_fragment(request: Request) -> bool:
    """An htmx swap wants the result fragment; a history restore wants the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def register_web(
    app: FastAPI,
    get_screener: Callable[[], Screener],
    get_store: Callable[[], Store],
) -> None:
    """Add the analyst pages under ``/ui`` (and ``/`` → ``/ui/`` when ``/`` is free).

    ``get_screener``/``get_store`` are called per request, so a service that swaps in a
    new screener after a list update serves the pages from it at once.
    """
    env = _environment()
    titles = dataset_titles()
    env.globals["dataset_title"] = lambda code: titles.get(
        code, f"Own list {code[7:]}" if code.startswith("custom_") else code
    )
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    def lists_in_use() -> list[dict[str, Any]]:
        store = get_store()
        out = []
        for dataset, vid in sorted(get_screener().versions.items()):
            version = store.version(vid)
            out.append(
                {
                    "dataset": dataset,
                    "id": vid,
                    "label": version.version if version else str(vid),
                    "published": version.published if version else None,
                }
            )
        return out

    def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        if not name.startswith("_"):
            context.setdefault("lists", lists_in_use())
        html = env.get_template(name).render(request_path=request.url.path, **context)
        return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)

    @router.get("/", response_class=HTMLResponse)
    def search_page(
        request: Request,
        q: str = "",
        schema: str = "",
        dataset: str = "",
        birth_date: str = "",
        country: str = "",
        threshold: str = "",
    ) -> HTMLResponse:
        form = {
            "q": q,
            "schema": schema,
            "dataset": dataset,
            "birth_date": birth_date,
            "country": country,
            "threshold": threshold,
        }
        matches: list[MatchView] = []
        error: str | None = None
        if q.strip():
            try:
                cut = float(threshold) if threshold.strip() else DEFAULT_THRESHOLD
                if not 0.0 <= cut <= 1.0:
                    raise ValueError
            except ValueError:
                error = f"threshold must be a number between 0 and 1, not {threshold!r}"
            else:
                try:
                    found = get_screener().screen(
                        q,
                        schema=schema or None,
                        birth_date=birth_date.strip() or None,
                        country=[c.strip() for c in country.split(";") if c.strip()],
                        datasets=[dataset] if dataset else None,
                        limit=SEARCH_LIMIT,
                        threshold=cut,
                    )
                    matches = [MatchView.of(m) for m in found]
                except QueryError as exc:
                    error = str(exc)
        context: dict[str, Any] = {
            "form": form,
            "matches": matches,
            "error": error,
            "searched": bool(q.strip()),
        }
        if _is_fragment(request):
            return page(request, "_results.html", **context)
        datasets = sorted(v.dataset for v in get_store().active_versions())
        status = 400 if error else 200
        return page(
            request,
            "search.html",
            status,
            schemata=SCHEMATA,
            datasets=datasets,
            **context,
        )

    @router.get("/entities/{entity_id:path}", response_class=HTMLResponse)
    def entity_page(request: Request, entity_id: str, version: str = "") -> HTMLResponse:
        store = get_store()
        records = store.history(entity_id)
        if not records:
            return page(request, "not_found.html", 404, entity_id=entity_id)
        chosen = int(version) if version.isdigit() else None
        entity = store.get(entity_id, chosen)
        notice: str | None = None
        versions = {v.id: v for v in store.versions(entity_id.split(":", 1)[0])}
        if entity is None:
            last = records[-1]
            entity = last.entity
            ended = versions.get(last.valid_to) if last.valid_to else None
            where = f"version {chosen}" if chosen is not None else "the active list"
            notice = f"Not on {where}"
            if ended is not None:
                notice += f"; removed in version {ended.version}"
            notice += ". Showing the last state it was listed in."
        elif chosen is not None and versions.get(chosen) is not None:
            notice = f"As listed in version {versions[chosen].version} (v{chosen})."
        history = [
            {
                "from": versions.get(r.valid_from),
                "from_id": r.valid_from,
                "to": versions.get(r.valid_to) if r.valid_to else None,
                "to_id": r.valid_to,
                "names": len(r.entity.names),
            }
            for r in records
        ]
        linked_to = [
            {
                "kind": rel.kind.replace("_", " "),
                "name": rel.target_name,
                "id": rel.target_id,
                "known": bool(rel.target_id and store.history(rel.target_id)),
            }
            for rel in entity.relations
        ]
        linked_from = store.referrers(entity_id)
        return page(
            request,
            "entity.html",
            entity=entity,
            notice=notice,
            history=history,
            linked_to=linked_to,
            linked_from=linked_from,
            similar=_similar(get_screener(), entity),
            active=store.active_version(entity.dataset),
            chosen=chosen,
        )

    @router.get("/scan", response_class=HTMLResponse)
    def scan_page(request: Request) -> HTMLResponse:
        return page(request, "scan.html", **_scan_state("", load_scanner() is not None))

    @router.post("/scan", response_class=HTMLResponse)
    async def scan_submit(request: Request) -> HTMLResponse:
        text, error = await _read_text(request)
        scanner = load_scanner()
        state = _scan_state(text, scanner is not None, error)
        if error is None and scanner is not None:
            found = await run_in_threadpool(scanner, get_screener(), text)
            mentions = [m.to_dict() if hasattr(m, "to_dict") else dict(m) for m in found]
            state.update(
                scanned=True,
                mentions=mentions,
                segments=segments(text, mentions),
                entities=len({m.get("entity_id") for m in mentions}),
            )
        if _is_fragment(request):
            return page(request, "_scan_result.html", **state)
        return page(request, "scan.html", 400 if error else 200, **state)

    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    if not any(getattr(route, "path", None) == "/" for route in app.routes):

        @app.get("/", include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse(f"{PREFIX}/", status_code=307)


def _scan_state(text: str, available: bool, error: str | None = None) -> dict[str, Any]:
    return {
        "text": text,
        "available": available,
        "error": error,
        "scanned": False,
        "mentions": [],
        "segments": [],
        "entities": 0,
        "max_chars": MAX_SCAN_CHARS,
    }


async def _read_text(request: Request) -> tuple[str, str | None]:
    """The ``text`` field of a urlencoded form post, or why it cannot be scanned.

    Parsed here rather than through a multipart library: a textarea form posts
    ``application/x-www-form-urlencoded``, and the size is checked before parsing.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", ""):
        return "", f"unsupported form encoding {kind!r}; post the form as urlencoded"
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_SCAN_BODY:
            return "", f"the text is too long; the limit is {MAX_SCAN_CHARS:,} characters"
    try:
        fields = parse_qs(body.decode("ascii"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return "", "the form could not be read (bad encoding)"
    text = (fields.get("text") or [""])[0].replace("\r\n", "\n")
    if len(text) > MAX_SCAN_CHARS:
        return text[:MAX_SCAN_CHARS], (
            f"the text is {len(text):,} characters long; the limit is {MAX_SCAN_CHARS:,}"
        )
    if not text.strip():
        return text, "paste a text to scan"
    return text, None


def _similar(screener: Screener, entity: Entity) -> list[MatchView]:
    """Listings elsewhere whose name (and birth date) screen very close to this one's."""
    try:
        found = screener.screen(
            entity.caption,
            schema=entity.schema,
            birth_date=entity.birth_dates[0] if entity.birth_dates else None,
            limit=10,
            threshold=SIMILAR_THRESHOLD,
        )
    except QueryError:
        return []
    return [MatchView.of(m) for m in found if m.entity_id != entity.id]
