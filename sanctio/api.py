"""The HTTP API: yente-compatible matching, search, entities, catalog, OpenRefine
reconciliation, text scan, health and Prometheus metrics.

    sanctio serve --port 8000 --workers 2          # or: uvicorn --factory sanctio.api:app_from_env

``POST /match/{dataset}`` takes yente's request body and answers in yente's response shape,
so an existing yente client works unchanged. ``{dataset}`` is ``default`` (every loaded
list), one dataset code, or a collection (:data:`COLLECTIONS`). Every screening request
(match, search, reconcile, scan) appends an entry to the audit log (:mod:`sanctio.audit`)
before it is answered.

The app is thin: it parses, calls :class:`~sanctio.screener.Screener` through
:func:`sanctio.audit.run` (the same function that replays a logged request), renders. All
endpoints are ``async`` and screen on the event loop: screening is CPU-bound and holds
the GIL, so a thread pool would add overhead without adding parallelism. Scale with
``--workers`` (processes).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

import orjson
from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from sanctio import __version__
from sanctio.audit import (
    Outcome,
    QuerySpec,
    compact,
    compact_mention,
    local_who,
    request_dict,
    run,
)
from sanctio.audit import hash_key as _hash_key
from sanctio.model import SCHEMATA, Entity
from sanctio.screener import DEFAULT_THRESHOLD, MAX_NAME_LENGTH, Match, QueryError, Screener
from sanctio.store import Store

# ------------------------------------------------------------------------------ limits

MAX_BODY_BYTES = 1 << 20  # 1 MiB: 100 queries with many properties fit comfortably
MAX_QUERIES = 100  # queries in one /match or /reconcile request
MAX_NAMES = 20  # names (name, alias, ...) in one query
MAX_VALUES = 20  # values of any other property in one query
MAX_LIMIT = 500  # results per query
MAX_SCAN_CHARS = 200_000
SEARCH_THRESHOLD = 0.5  # a search box shows near misses; /match uses the calibrated one

# ------------------------------------------------------------------------ collections


def _is_official(code: str) -> bool:
    return not code.startswith("custom_")


COLLECTIONS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "default": ("Every loaded list", lambda code: True),
    "sanctions": ("Every official list (no custom watchlists)", _is_official),
    "us": ("United States (OFAC)", lambda code: code.startswith("us_")),
    "un": ("United Nations Security Council", lambda code: code.startswith("un_")),
    "gb": ("United Kingdom (FCDO, HM Treasury)", lambda code: code.startswith("gb_")),
    "eu": ("European Union", lambda code: code.startswith("eu_")),
    "ca": ("Canada", lambda code: code.startswith("ca_")),
    "au": ("Australia", lambda code: code.startswith("au_")),
    "custom": ("Custom watchlists", lambda code: code.startswith("custom_")),
}

DatasetPath = Annotated[
    str,
    PathParam(
        description="`default` (every list), a dataset code (`us_ofac_sdn`) or a "
        f"collection ({', '.join(c for c in COLLECTIONS if c != 'default')})",
    ),
]

# FtM properties of a yente query example, by the role they play in screening.
NAME_PROPS = ("name", "alias", "weakAlias", "previousName")
PART_PROPS = ("firstName", "secondName", "middleName", "fatherName", "lastName")
DATE_PROPS = ("birthDate",)
COUNTRY_PROPS = (
    "nationality",
    "citizenship",
    "country",
    "jurisdiction",
    "mainCountry",
    "birthCountry",
    "flag",
)
ID_PROPS = (
    "idNumber",
    "passportNumber",
    "registrationNumber",
    "taxNumber",
    "vatCode",
    "innCode",
    "ogrnCode",
    "okpoCode",
    "leiCode",
    "swiftBic",
    "imoNumber",
    "mmsi",
    "socialSecurityNumber",
    "serialNumber",
)
SCHEMA_ALIASES = {"Thing": None, "PublicBody": "Organization"}

log = logging.getLogger("sanctio.api")

# ------------------------------------------------------------------- response models
# Declared for the OpenAPI schema; handlers build plain dicts (serialised with orjson).


class ErrorResponse(BaseModel):
    detail: str = Field(..., examples=["Too many queries in one batch (limit: 100)"])


class ValidationErrorResponse(BaseModel):
    """A request that does not fit the schema: the first problem, then all of them."""

    detail: str = Field(..., examples=["query.limit: Input should be less than or equal to 500"])
    errors: list[dict[str, Any]]


class EntityExample(BaseModel):
    """yente's query example: a schema and FtM properties (a string or a list each)."""

    id: str | None = Field(None, examples=["my-entity-id"])
    schema_: str = Field(..., alias="schema", examples=["Person"])
    properties: dict[str, str | list[Any]] = Field(
        ..., examples=[{"name": ["Kim Kun"], "birthDate": ["1954"], "nationality": ["kh"]}]
    )
    model_config = ConfigDict(populate_by_name=True)


class EntityMatchQuery(BaseModel):
    """yente's ``/match`` body. ``weights`` and ``config`` are accepted and ignored:
    sanctio has one calibrated scorer."""

    weights: dict[str, float] = Field(default_factory=dict)
    config: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    queries: dict[str, EntityExample]


class TotalSpec(BaseModel):
    value: int
    relation: str = "eq"


class FeatureResult(BaseModel):
    detail: str | None
    score: float
    query: str | None = None
    candidate: str | None = None


class SanctioExtras(BaseModel):
    """What sanctio adds to yente's shapes; yente clients ignore it."""

    model_config = ConfigDict(extra="allow")
    entity_id: str
    source_id: str
    version_id: int | None = None


class EntityResponse(BaseModel):
    id: str
    caption: str
    schema_: str = Field(..., alias="schema")
    properties: dict[str, list[Any]]
    datasets: list[str] = []
    referents: list[str] = []
    target: bool = True
    first_seen: str | None = None
    last_seen: str | None = None
    last_change: str | None = None
    sanctio: SanctioExtras


class ScoredEntityResponse(EntityResponse):
    score: float
    match: bool
    features: dict[str, float]
    explanations: dict[str, FeatureResult]


class EntityMatches(BaseModel):
    status: int = 200
    results: list[ScoredEntityResponse]
    total: TotalSpec
    query: EntityExample


class EntityMatchResponse(BaseModel):
    responses: dict[str, EntityMatches]
    limit: int


class SearchFacetItem(BaseModel):
    name: str
    label: str
    count: int


class SearchFacet(BaseModel):
    label: str
    values: list[SearchFacetItem]


class SearchResult(EntityResponse):
    score: float


class SearchResponse(BaseModel):
    limit: int
    offset: int
    total: TotalSpec
    results: list[SearchResult]
    facets: dict[str, SearchFacet]


class DatasetModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    title: str
    summary: str | None = None
    url: str | None = None
    load: bool
    entities_url: str | None = None
    version: str
    index_version: str | None = None
    index_current: bool = False
    children: list[str]


class DataCatalogModel(BaseModel):
    datasets: list[DatasetModel]
    current: list[str]
    outdated: list[str]
    index_stale: bool


class StatusResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: str


class ScanRequest(BaseModel):
    text: str = Field(..., max_length=MAX_SCAN_CHARS, examples=["Kun Kim's company ..."])


class Mention(BaseModel):
    model_config = ConfigDict(extra="allow")
    start: int
    end: int
    text: str
    entity_id: str
    dataset: str
    source_id: str
    name: str
    score: float
    explanation: dict[str, Any]


class ScanResponse(BaseModel):
    mentions: list[Mention]


class ReconcileType(BaseModel):
    id: str
    name: str


class ReconcileCandidate(BaseModel):
    id: str
    name: str
    type: list[ReconcileType]
    score: float
    match: bool
    description: str | None = None


class ReconcileResult(BaseModel):
    result: list[ReconcileCandidate]


# ------------------------------------------------------------------------------ errors


class ApiError(Exception):
    """A request sanctio refuses, with the status and message the client gets."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _error(status: int, detail: str, **extra: Any) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return _json({"detail": detail, **extra}, status, headers)


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid query"},
    401: {"model": ErrorResponse, "description": "API key missing or invalid"},
    404: {"model": ErrorResponse, "description": "Unknown dataset or entity"},
    413: {"model": ErrorResponse, "description": "Request body too large"},
    422: {"model": ValidationErrorResponse, "description": "Request does not fit the schema"},
    503: {"model": ErrorResponse, "description": "No lists loaded yet"},
}


# ------------------------------------------------------------------------------- state


@dataclass
class Settings:
    """How an app instance behaves; ``sanctio serve`` fills it from its options."""

    store_path: Path | None = None
    # None: keys are required as soon as one unrevoked key exists in the store.
    require_keys: bool | None = None
    # How often (seconds) to check whether `sanctio update` made new versions active.
    reload_seconds: float = 10.0
    max_body_bytes: int = MAX_BODY_BYTES
    max_queries: int = MAX_QUERIES
    log_requests: bool = True


class _Metrics:
    """Prometheus metrics of one app. Under ``PROMETHEUS_MULTIPROC_DIR`` (set by
    ``sanctio serve --workers N``) every worker writes its own files and ``/metrics``
    sums them, whichever worker answers."""

    def __init__(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created: noise
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry(auto_describe=True)
        reg = None if self.multiprocess else self.registry
        self.requests = Counter(
            "sanctio_http_requests",
            "HTTP requests answered, by route template and status.",
            ["method", "route", "status"],
            registry=reg,
        )
        self.latency = Histogram(
            "sanctio_http_request_duration_seconds",
            "Time from request to response, by route template.",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=reg,
        )
        self.queries = Counter(
            "sanctio_screening_queries",
            "Queries screened (a /match request may carry many), by endpoint.",
            ["endpoint"],
            registry=reg,
        )
        self.audit = Counter("sanctio_audit_entries", "Audit log entries appended.", registry=reg)
        self.list_version = Gauge(
            "sanctio_list_version",
            "Version id of each list the screener answers from.",
            ["dataset"],
            registry=reg,
            multiprocess_mode="max",
        )
        self.index_entities = Gauge(
            "sanctio_index_entities",
            "Listings in the loaded screening index.",
            registry=reg,
            multiprocess_mode="max",
        )
        self.index_loaded = Gauge(
            "sanctio_index_loaded_timestamp_seconds",
            "When the screening index was (re)loaded.",
            registry=reg,
            multiprocess_mode="max",
        )

    def render(self) -> bytes:
        if self.multiprocess:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return bytes(generate_latest(registry))
        return bytes(generate_latest(self.registry))


class AppState:
    """The store, the screener over its active versions, and caches, for one process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.metrics = _Metrics()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._screener: Screener | None = None
        self._checked = 0.0
        self._versions: dict[int, Any] = {}  # version id -> DatasetVersion
        self._docs: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
        self.loaded_at: float | None = None

    def store(self) -> Store:
        """This thread's connection (SQLite connections are not shared across threads)."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.settings.store_path)
        return store

    def screener(self) -> Screener:
        """The screener over the store's active versions, reloaded when they change."""
        screener = self._screener
        now = time.monotonic()
        if screener is None or now - self._checked >= self.settings.reload_seconds:
            self._checked = now
            active = {v.dataset: v.id for v in self.store().active_versions()}
            if screener is None or active != screener.versions:
                screener = self._load()
        return screener

    def _load(self) -> Screener:
        with self._lock:
            store = self.store()
            current = self._screener
            active = {v.dataset: v.id for v in store.active_versions()}
            if current is not None and current.versions == active:
                return current  # another thread reloaded while this one waited
            screener = Screener.open(store)
            warm_up(screener)
            self._versions = {v.id: v for v in store.versions()}
            self._docs.clear()
            self._screener = screener
            self.loaded_at = time.time()
            m = self.metrics
            m.list_version.clear()
            for dataset, vid in screener.versions.items():
                m.list_version.labels(dataset).set(vid)
            m.index_entities.set(len(screener.index.entities))
            m.index_loaded.set(self.loaded_at)
            log.info(
                "index loaded",
                extra={"event": "index", "versions": screener.versions},
            )
            return screener

    def version(self, version_id: int) -> Any:
        found = self._versions.get(version_id)
        if found is None:
            found = self.store().version(version_id)
            if found is not None:
                self._versions[version_id] = found
        return found

    def entity_doc(self, entity_id: str, version_id: int) -> dict[str, Any] | None:
        """The entity as of a version in yente's ``EntityResponse`` shape (cached: a
        version never changes)."""
        key = (entity_id, version_id)
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
            return doc
        store = self.store()
        entity = store.get(entity_id, version_id)
        if entity is None:
            return None
        doc = self._render_entity(entity, version_id, store.history(entity_id))
        self._docs[key] = doc
        if len(self._docs) > 20_000:
            self._docs.popitem(last=False)
        return doc

    def _render_entity(self, entity: Entity, version_id: int, history: list[Any]) -> dict[str, Any]:
        from sanctio.ftm import to_ftm

        target = next(to_ftm(entity))
        first_seen = last_change = None
        if history:
            first_seen = self._fetched(history[0].valid_from)
        for record in history:
            if record.valid_from <= version_id and (
                record.valid_to is None or record.valid_to > version_id
            ):
                last_change = self._fetched(record.valid_from)
        return {
            "id": entity.id,
            "caption": entity.caption,
            "schema": entity.schema,
            "properties": target["properties"],
            "datasets": [entity.dataset],
            "referents": [],
            "target": True,
            "first_seen": first_seen,
            "last_seen": self._fetched(version_id),
            "last_change": last_change,
            "sanctio": {
                "entity_id": entity.id,
                "source_id": entity.source_id,
                "version_id": version_id,
                "programs": entity.programs,
                "listed_on": entity.listed_on,
            },
        }

    def _fetched(self, version_id: int) -> str | None:
        version = self.version(version_id)
        return version.fetched_at.isoformat() if version else None


# Names in the scripts the normaliser handles through lazily loaded tables (CJK readings,
# Hangul, Arabic, Cyrillic...): screened once at load so no client pays for the loading
# (up to a second for the first Chinese name) and readiness means ready.
_WARM_UP = (
    "Kim Jong Un",
    "Владимир Путин",
    "محمد الحكيم",
    "金正恩",
    "菲普多電子有限公司",
    "김정은",
    "キム・ジョンウン",
    "Ελληνική Τράπεζα",
    "Hun Sen",
    "ООО Ромашка",
)


def warm_up(screener: Screener) -> None:
    if not screener.versions:
        return
    for name in _WARM_UP:
        for schema in (None, "Person", "Organization"):
            with suppress(QueryError):
                screener.screen(name, schema=schema, limit=1)


# ------------------------------------------------------------------------- middleware

_PUBLIC = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc", "/static")


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class _BodyTooLarge(Exception):
    pass


def _header(scope: MutableMapping[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _is_loopback(host: str | None) -> bool:
    if not host:
        return True  # in-process clients (tests) have no peer address
    if host in ("localhost", "testclient"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Gateway:
    """One pure-ASGI layer for what every request needs: request id, body size limit,
    API key check (and who is asking), metrics, and one JSON log line."""

    def __init__(self, app: Callable[..., Awaitable[None]], state: AppState):
        self.app = app
        self.state = state

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = self.state
        limit = state.settings.max_body_bytes
        request_id = _header(scope, b"x-request-id") or ""
        if not _REQUEST_ID.fullmatch(request_id):
            request_id = uuid.uuid4().hex[:16]
        info = scope.setdefault("state", {})
        info["request_id"] = request_id
        client = scope.get("client")
        client_host = client[0] if client else None
        status = 500
        started_response = False

        too_large = _error(413, f"request body is larger than {limit:,} bytes")
        overflow = False  # the body outgrew the limit while the app read it

        async def send_wrapper(message: MutableMapping[str, Any]) -> None:
            nonlocal status, started_response
            if overflow:
                return  # the 413 went out already; drop the app's view of the failed read
            if message["type"] == "http.response.start":
                status = int(message["status"])
                started_response = True
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        received = 0

        async def receive_wrapper() -> MutableMapping[str, Any]:
            nonlocal received, overflow
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not overflow:
                    if not started_response:
                        # Answer now; whatever the app makes of the error below is dropped.
                        await too_large(scope, receive, send_wrapper)
                    overflow = True
                    raise _BodyTooLarge()
            return message

        try:
            length = _header(scope, b"content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                await too_large(scope, receive, send_wrapper)
                return
            refusal = self._authenticate(scope, info, client_host)
            if refusal is not None:
                await refusal(scope, receive, send_wrapper)
                return
            await self.app(scope, receive_wrapper, send_wrapper)
        except _BodyTooLarge:
            pass
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            metrics = state.metrics
            metrics.requests.labels(method, template, str(status)).inc()
            metrics.latency.labels(method, template).observe(elapsed)
            if state.settings.log_requests:
                fields: dict[str, Any] = {
                    "event": "request",
                    "request_id": request_id,
                    "method": method,
                    "path": scope.get("path"),
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": client_host,
                    "who": info.get("who"),
                }
                for key in ("queries", "audit_id", "dataset"):
                    if key in info:
                        fields[key] = info[key]
                log.log(logging.ERROR if status >= 500 else logging.INFO, "request", extra=fields)

    def _authenticate(
        self, scope: MutableMapping[str, Any], info: dict[str, Any], client_host: str | None
    ) -> Response | None:
        """Set ``who``; a refusal response when a key is needed and missing or invalid."""
        path: str = scope.get("path", "")
        key = None
        auth = _header(scope, b"authorization")
        if auth and auth[:7].lower() == "bearer ":
            key = auth[7:].strip()
        key = key or _header(scope, b"x-api-key")
        if key is None and b"api_key=" in scope.get("query_string", b""):
            values = parse_qs(scope["query_string"].decode("latin-1")).get("api_key")
            key = values[0] if values else None
        public = path in _PUBLIC or path.startswith("/static/")
        anonymous = local_who() if _is_loopback(client_host) else f"anonymous:{client_host}"
        if public and not key:
            info["who"] = anonymous
            return None
        store = self.state.store()
        if key:
            found = store.api_key_for_hash(_hash_key(key))
            if found is None:
                return None if public else _error(401, "invalid or revoked API key")
            info["who"] = f"key:{found.id}"
            info["key_label"] = found.label
            return None
        required = self.state.settings.require_keys
        if required is None:
            required = store.has_active_api_keys()
        if required and not public:
            return _error(
                401,
                "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            )
        info["who"] = anonymous
        return None


class _JsonLogFormatter(logging.Formatter):
    """One JSON object per line, with the record's ``extra`` fields at the top level."""

    _skip = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created)
            .astimezone()
            .isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in self._skip:
                data[key] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(data, default=str).decode()


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the ``sanctio`` loggers, unless the host app configured
    them already."""
    root = logging.getLogger("sanctio")
    if any(getattr(h, "_sanctio_json", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonLogFormatter())
    handler._sanctio_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


# ------------------------------------------------------------------- request parsing


def resolve_datasets(
    dataset: str,
    loaded: dict[str, int],
    include: list[str] | None = None,
    exclude: list[str] | None = None,
) -> list[str]:
    """A path dataset (code or collection) narrowed by include/exclude, as codes."""

    def expand(name: str, what: str) -> set[str]:
        if name in COLLECTIONS:
            return {code for code in loaded if COLLECTIONS[name][1](code)}
        if name in loaded:
            return {name}
        known = ", ".join([*COLLECTIONS, *sorted(loaded)])
        raise ApiError(404 if what == "dataset" else 400, f"unknown {what} {name!r}; use {known}")

    chosen = expand(dataset, "dataset")
    if include:
        wanted: set[str] = set()
        for name in include:
            wanted |= expand(name, "include_dataset")
        chosen &= wanted
    for name in exclude or ():
        chosen -= expand(name, "exclude_dataset")
    return sorted(chosen)


def _values(value: Any, prop: str, key: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise ApiError(400, f"query {key!r}: values of {prop!r} must be strings")
        text = str(item).strip()
        if text:
            out.append(text)
    return out


def _schema(name: str | None, key: str) -> str | None:
    if name is None or name in SCHEMATA:
        return name
    if name in SCHEMA_ALIASES:
        return SCHEMA_ALIASES[name]
    raise ApiError(
        400, f"query {key!r}: schema {name!r} cannot be screened; use one of {', '.join(SCHEMATA)}"
    )


def spec_from_properties(
    key: str, schema: str | None, properties: dict[str, list[str]]
) -> QuerySpec:
    """A yente example's FtM properties as what sanctio screens."""
    names: list[str] = []
    for prop in NAME_PROPS:
        names.extend(properties.get(prop, []))
    parts = [properties[p][0] for p in PART_PROPS if properties.get(p)]
    if parts:
        names.append(" ".join(parts))
    names = list(dict.fromkeys(names))
    if not names:
        raise ApiError(400, f"query {key!r} has no name (properties name, alias, firstName...)")
    if len(names) > MAX_NAMES:
        raise ApiError(400, f"query {key!r} has {len(names)} names; the limit is {MAX_NAMES}")
    for name in names:
        if len(name) > MAX_NAME_LENGTH:
            raise ApiError(
                400,
                f"query {key!r}: a name is {len(name):,} characters long; "
                f"the limit is {MAX_NAME_LENGTH}",
            )
    dates = [d for p in DATE_PROPS for d in properties.get(p, [])]
    countries = [c for p in COUNTRY_PROPS for c in properties.get(p, [])]
    ids = list(dict.fromkeys(i for p in ID_PROPS for i in properties.get(p, [])))
    for label, values in (("birth dates", dates), ("countries", countries), ("ids", ids)):
        if len(values) > MAX_VALUES:
            raise ApiError(
                400, f"query {key!r} has {len(values)} {label}; the limit is {MAX_VALUES}"
            )
    if len(names) * max(1, len(dates)) > 2 * MAX_NAMES:
        raise ApiError(400, f"query {key!r}: too many names × birth dates to try")
    return QuerySpec(
        tuple(names),
        _schema(schema, key),
        tuple(dict.fromkeys(dates)),
        tuple(dict.fromkeys(countries)),
        tuple(ids),
    )


def _explanations(match: Match) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    """sanctio's explanation as yente's ``explanations`` (feature → detail and score)."""
    features: dict[str, float] = {}
    out: dict[str, dict[str, Any]] = {}
    for key, value in match.explanation.items():
        if not isinstance(value, dict):
            continue
        if key == "name":
            aligned = ", ".join(
                f"{a.get('query')}~{a.get('list')}" for a in value.get("aligned", [])
            )
            extra = []
            if value.get("query_only"):
                extra.append(f"only in query: {' '.join(map(str, value['query_only']))}")
            if value.get("list_only"):
                extra.append(f"only on list: {' '.join(map(str, value['list_only']))}")
            detail = f"{value.get('name_kind', 'name')} name {value.get('list_name')!r}"
            detail += f" (parts {aligned})" if aligned else ""
            detail += "; " + "; ".join(extra) if extra else ""
            score = float(value.get("score", match.score))
            out[key] = {
                "detail": detail,
                "score": score,
                "query": None,
                "candidate": value.get("list_name"),
            }
        else:
            effect = value.get("effect", value.get("score"))
            score = float(effect) if isinstance(effect, int | float) else 0.0
            detail = str(value.get("detail", ""))
            if isinstance(effect, str):
                detail = f"{detail} ({effect})" if detail else effect
            query = value.get("query")
            out[key] = {
                "detail": detail or None,
                "score": score,
                "query": None if query is None else str(query),
                "candidate": None,
            }
        features[key] = out[key]["score"]
    return features, out


def _parse_queries_json(raw: str | None) -> dict[str, Any]:
    if raw is None:
        raise ApiError(400, "no queries given (form field or parameter 'queries')")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"queries is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "queries must be a JSON object of query id → query")
    return data


# --------------------------------------------------------------------------------- app


def create_app(
    store_path: Path | None = None,
    *,
    require_keys: bool | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """The sanctio HTTP app over a store (default: ``$SANCTIO_HOME/sanctio.db``).

    ``require_keys``: True demands an API key on every screening and data endpoint;
    False never does; None (default) demands one once any unrevoked key exists.
    """
    settings = settings or Settings(store_path=store_path, require_keys=require_keys)
    state = AppState(settings)
    if settings.log_requests:
        configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        try:
            state.screener()  # load the index before the first request
        except Exception:  # an unreadable store: /readyz says so, requests get 503
            log.exception("index not loaded at start-up", extra={"event": "startup"})
        yield

    app = FastAPI(
        title="sanctio",
        version=__version__,
        summary="Sanctions screening: yente-compatible matching against the official lists.",
        lifespan=lifespan,
    )
    app.state.sanctio = state
    app.add_middleware(_Gateway, state=state)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _error(exc.status, exc.detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = jsonable_encoder(exc.errors(), exclude={"input", "ctx", "url"})
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, f"{where}: {first.get('msg', 'invalid request')}", errors=errors)

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> Response:
        log.error(
            "unhandled error",
            exc_info=exc,
            extra={"event": "error", "path": request.url.path},
        )
        return _error(500, "internal error; the server log has the details")

    def screener() -> Screener:
        try:
            current = state.screener()
        except Exception as exc:
            raise ApiError(503, f"the lists cannot be loaded: {exc}") from exc
        if not current.versions:
            raise ApiError(503, "no lists loaded yet: run `sanctio update`")
        return current

    def audit(
        request: Request,
        channel: str,
        query: dict[str, Any],
        versions: dict[str, int],
        results: Any,
    ) -> None:
        entry = state.store().append_audit(request.state.who, channel, query, versions, results)
        request.state.audit_id = entry.id
        state.metrics.audit.inc()

    def scored(match: Match, threshold: float, versions: dict[str, int]) -> dict[str, Any]:
        doc = state.entity_doc(match.entity_id, versions[match.dataset])
        if doc is None:  # cannot happen while the store keeps every version
            raise ApiError(500, f"entity {match.entity_id} missing from the store")
        features, explanations = _explanations(match)
        return {
            **doc,
            "score": round(match.score, 4),
            "match": match.score >= threshold,
            "features": features,
            "explanations": explanations,
            "sanctio": {
                **doc["sanctio"],
                "matched_name": match.name,
                "explanation": match.explanation,
            },
        }

    # ---------------------------------------------------------------------- matching

    @app.post(
        "/match/{dataset}",
        summary="Match entities (yente-compatible)",
        tags=["Matching"],
        response_model=None,
        responses={200: {"model": EntityMatchResponse}, **ERRORS},
    )
    async def match(
        request: Request,
        body: EntityMatchQuery,
        dataset: DatasetPath,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Results per query")] = 5,
        threshold: Annotated[
            float, Query(ge=0.0, le=1.0, description="Score from which a result is a match")
        ] = DEFAULT_THRESHOLD,
        cutoff: Annotated[
            float | None,
            Query(ge=0.0, le=1.0, description="Lowest score returned (default: threshold)"),
        ] = None,
        algorithm: Annotated[
            str | None, Query(description="Accepted for yente clients; sanctio has one scorer")
        ] = None,
        include_dataset: Annotated[list[str] | None, Query()] = None,
        exclude_dataset: Annotated[list[str] | None, Query()] = None,
        exclude_schema: Annotated[list[str] | None, Query()] = None,
        exclude_entity_ids: Annotated[list[str] | None, Query()] = None,
        topics: Annotated[list[str] | None, Query()] = None,
    ) -> Response:
        """Screen a batch of query entities, each given as yente takes them:
        `{"queries": {"q1": {"schema": "Person", "properties": {"name": ["Kim Kun"],
        "birthDate": ["1954"], "nationality": ["kh"], "idNumber": ["N0000259216"]}}}}`.

        Names come from `name`, `alias`, `weakAlias`, `previousName` (and `firstName`
        ... `lastName` joined); birth dates from `birthDate`; countries from
        `nationality`, `citizenship`, `country`, `jurisdiction`; identifiers from
        `idNumber`, `passportNumber`, `registrationNumber`, `taxNumber`, `imoNumber` and
        the like. Each listing keeps its best score over the names and dates given.
        Results scoring at least `cutoff` are returned; `match` is true from `threshold`.
        """
        current = screener()
        if len(body.queries) > state.settings.max_queries:
            raise ApiError(
                400, f"Too many queries in one batch (limit: {state.settings.max_queries})"
            )
        if not body.queries:
            raise ApiError(400, "No queries provided.")
        datasets = resolve_datasets(dataset, current.versions, include_dataset, exclude_dataset)
        specs: dict[str, QuerySpec] = {}
        examples: dict[str, dict[str, Any]] = {}
        for key, example in body.queries.items():
            props = {p: _values(v, p, key) for p, v in example.properties.items()}
            props = {p: v for p, v in props.items() if v}
            specs[key] = spec_from_properties(key, example.schema_, props)
            examples[key] = {"id": example.id, "schema": example.schema_, "properties": props}
        query = request_dict(
            "match",
            specs,
            datasets=datasets,
            limit=limit,
            threshold=threshold,
            cutoff=cutoff,
            exclude_entity_ids=exclude_entity_ids or (),
            exclude_schema=exclude_schema or (),
            topics=topics or (),
            endpoint=f"/match/{dataset}",
        )
        outcomes = _run(current, query)
        versions = current.versions
        audit(request, "api", query, versions, compact(outcomes, threshold))
        request.state.queries = len(specs)
        request.state.dataset = dataset
        state.metrics.queries.labels("match").inc(len(specs))
        responses = {
            key: {
                "status": 200,
                "results": [scored(m, threshold, versions) for m in outcome.matches],
                "total": {"value": outcome.total, "relation": "eq"},
                "query": examples[key],
            }
            for key, outcome in outcomes.items()
        }
        return _json(
            {"responses": responses, "limit": limit},
            headers={"x-batch-size": str(len(responses))},
        )

    def _run(current: Screener, query: dict[str, Any]) -> dict[str, Outcome]:
        try:
            return run(current, query)
        except QueryError as exc:
            raise ApiError(400, str(exc)) from None

    @app.get(
        "/search/{dataset}",
        summary="Search listings by name",
        tags=["Matching"],
        response_model=None,
        responses={200: {"model": SearchResponse}, **ERRORS},
    )
    async def search(
        request: Request,
        dataset: DatasetPath,
        q: Annotated[str, Query(min_length=1, max_length=MAX_NAME_LENGTH, description="A name")],
        schema: Annotated[str | None, Query(description="Person, Organization, ...")] = None,
        countries: Annotated[list[str] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
        offset: Annotated[int, Query(ge=0, le=MAX_LIMIT)] = 0,
        threshold: Annotated[float, Query(ge=0.0, le=1.0)] = SEARCH_THRESHOLD,
        include_dataset: Annotated[list[str] | None, Query()] = None,
        exclude_dataset: Annotated[list[str] | None, Query()] = None,
    ) -> Response:
        """Listings whose names resemble `q`, best first, from a lower score (0.5) than
        matching uses: a search box should show near misses."""
        current = screener()
        datasets = resolve_datasets(dataset, current.versions, include_dataset, exclude_dataset)
        spec = QuerySpec((q,), _schema(schema, "q"), (), tuple(countries or ()), ())
        query = request_dict(
            "search",
            {"q": spec},
            datasets=datasets,
            limit=limit + offset,
            threshold=threshold,
            endpoint=f"/search/{dataset}",
            offset=offset,
        )
        outcome = _run(current, query)["q"]
        versions = current.versions
        audit(request, "api", query, versions, compact({"q": outcome}, threshold))
        request.state.queries = 1
        request.state.dataset = dataset
        state.metrics.queries.labels("search").inc()
        page = outcome.matches[offset:]
        results = []
        for m in page:
            doc = scored(m, threshold, versions)
            for key in ("match", "features", "explanations"):
                doc.pop(key)
            results.append(doc)
        facets = {
            "datasets": _facet("Lists", [dataset for dataset, _ in outcome.found]),
            "schema": _facet("Types", [schema for _, schema in outcome.found]),
        }
        return _json(
            {
                "limit": limit,
                "offset": offset,
                "total": {"value": outcome.total, "relation": "eq"},
                "results": results,
                "facets": facets,
            }
        )

    # ---------------------------------------------------------------------- entities

    @app.get(
        "/entities/{entity_id}",
        summary="One listing, with every version of it",
        tags=["Data"],
        response_model=None,
        responses={200: {"model": EntityResponse}, **ERRORS},
    )
    async def entity(
        entity_id: Annotated[str, PathParam(description="e.g. us_ofac_sdn:28036")],
        version: Annotated[
            int | None, Query(ge=1, description="As of this version id (default: active)")
        ] = None,
    ) -> Response:
        """The listing in yente's entity shape (FtM `properties`), plus under `sanctio`:
        the model's own record, every distinct state it had with the versions it spans,
        and the listings that link to it. A delisted entity answers with its last state
        and `sanctio.active = false`."""
        store = state.store()
        history = store.history(entity_id)
        if not history:
            raise ApiError(404, f"no entity {entity_id!r} in any loaded version")
        dataset = entity_id.split(":", 1)[0]
        chosen = version
        if chosen is None:
            active = store.active_version(dataset)
            chosen = active.id if active else None
        current = store.get(entity_id, chosen) if chosen is not None else None
        active_now = current is not None and version is None
        if current is None:
            if version is not None:
                raise ApiError(404, f"{entity_id} is not in version {version}")
            chosen = history[-1].valid_from
            current = history[-1].entity
        assert chosen is not None
        doc = state._render_entity(current, chosen, history)

        def label(vid: int | None) -> str | None:
            found = state.version(vid) if vid is not None else None
            return found.version if found else None

        doc["sanctio"] = {
            **doc["sanctio"],
            "active": active_now,
            "entity": current.to_dict(),
            "versions": [
                {
                    "valid_from": r.valid_from,
                    "valid_to": r.valid_to,
                    "valid_from_label": label(r.valid_from),
                    "valid_to_label": label(r.valid_to),
                    "first_seen": state._fetched(r.valid_from),
                    "entity": r.entity.to_dict(),
                }
                for r in history
            ],
            "referred_by": [{"id": e.id, "caption": e.caption} for e in store.referrers(entity_id)],
        }
        return _json(doc)

    @app.get(
        "/catalog",
        summary="Loaded lists, their versions and collections",
        tags=["Data"],
        response_model=None,
        responses={200: {"model": DataCatalogModel}},
    )
    async def catalog() -> Response:
        from sanctio.sources import SOURCES

        titles = {code: t for s in SOURCES.values() for code, t in s.titles.items()}
        store = state.store()
        current = state.screener()
        served = current.versions
        active = store.active_versions()
        by_dataset: dict[str, list[Any]] = {}
        for v in store.versions():
            by_dataset.setdefault(v.dataset, []).append(v)
        datasets: list[dict[str, Any]] = []
        for v in active:
            datasets.append(
                {
                    "name": v.dataset,
                    "title": titles.get(v.dataset, v.dataset),
                    "summary": None,
                    "url": None,
                    "load": True,
                    "entities_url": None,
                    "version": v.version,
                    "index_version": str(served[v.dataset]) if v.dataset in served else None,
                    "index_current": served.get(v.dataset) == v.id,
                    "children": [],
                    "version_id": v.id,
                    "published": v.published,
                    "fetched_at": v.fetched_at.isoformat(),
                    "entity_count": v.entity_count,
                    "name_count": v.name_count,
                    "versions": [
                        {
                            "id": old.id,
                            "version": old.version,
                            "published": old.published,
                            "fetched_at": old.fetched_at.isoformat(),
                            "status": old.status,
                            "entity_count": old.entity_count,
                            "message": old.message,
                        }
                        for old in by_dataset.get(v.dataset, [])
                    ],
                }
            )
        codes = [v.dataset for v in active]
        current_codes = {d["name"] for d in datasets if d["index_current"]}
        for name, (title, member) in COLLECTIONS.items():
            children = [c for c in codes if member(c)]
            if not children:
                continue
            datasets.append(
                {
                    "name": name,
                    "title": title,
                    "summary": None,
                    "url": None,
                    "load": False,
                    "entities_url": None,
                    "version": "-".join(str(served.get(c, 0)) for c in children),
                    "index_version": None,
                    "index_current": current_codes.issuperset(children),
                    "children": children,
                }
            )
        outdated = [v.dataset for v in active if served.get(v.dataset) != v.id]
        return _json(
            {
                "datasets": datasets,
                "current": [c for c in codes if c not in outdated],
                "outdated": outdated,
                "index_stale": bool(outdated),
            }
        )

    # -------------------------------------------------------------------------- scan

    @app.post(
        "/scan",
        summary="Find listed persons and companies mentioned in a text",
        tags=["Matching"],
        response_model=None,
        responses={200: {"model": ScanResponse}, 501: {"model": ErrorResponse}, **ERRORS},
    )
    async def scan(request: Request, body: ScanRequest) -> Response:
        """Mentions in text order: span (`start`, `end`, character offsets), surface
        `text`, the listing, its matched `name`, `score` and `explanation`."""
        try:
            from sanctio.scan import scan_text  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise ApiError(501, "text scanning is not available in this build") from None
        current = screener()
        mentions = [m.to_dict() for m in scan_text(current, body.text)]
        query = {"kind": "scan", "text": body.text, "sanctio_version": __version__}
        results = {"mentions": [compact_mention(m) for m in mentions]}
        audit(request, "scan", query, current.versions, results)
        request.state.queries = 1
        state.metrics.queries.labels("scan").inc()
        return _json({"mentions": mentions})

    # --------------------------------------------------------------------- reconcile

    async def reconcile_answer(request: Request, dataset: str, raw: str | None) -> Response:
        current = screener()
        datasets = resolve_datasets(dataset, current.versions)
        base = str(request.base_url).rstrip("/")
        if raw is None:
            title = COLLECTIONS[dataset][0] if dataset in COLLECTIONS else dataset
            return _json(
                {
                    "versions": ["0.2"],
                    "name": f"sanctio: {title}",
                    "identifierSpace": f"{base}/entities/",
                    "schemaSpace": "https://followthemoney.tech/explorer/schemata/",
                    "defaultTypes": [{"id": s, "name": s} for s in SCHEMATA],
                    "view": {"url": f"{base}/entities/{{{{id}}}}"},
                }
            )
        data = _parse_queries_json(raw)
        if len(data) > state.settings.max_queries:
            raise ApiError(
                400, f"Too many queries in one batch (limit: {state.settings.max_queries})"
            )
        specs: dict[str, QuerySpec] = {}
        limits: dict[str, int] = {}
        for key, item in data.items():
            if not isinstance(item, dict) or not isinstance(item.get("query"), str):
                raise ApiError(400, f"query {key!r}: needs a 'query' string")
            kind = item.get("type")
            if isinstance(kind, list):
                kind = kind[0] if kind else None
            schema = kind if kind in SCHEMATA else SCHEMA_ALIASES.get(str(kind))
            props: dict[str, list[str]] = {"name": _values(item["query"], "query", key)}
            for prop in item.get("properties") or []:
                if not isinstance(prop, dict) or not isinstance(prop.get("pid"), str):
                    raise ApiError(400, f"query {key!r}: properties are {{'pid', 'v'}} objects")
                value = prop.get("v")
                if isinstance(value, dict):
                    value = value.get("id") or value.get("name")
                props.setdefault(prop["pid"], []).extend(_values(value, prop["pid"], key))
            specs[key] = spec_from_properties(key, schema, props)
            raw_limit = item.get("limit", 5)
            limits[key] = max(1, min(MAX_LIMIT, raw_limit)) if isinstance(raw_limit, int) else 5
        limit = max(limits.values(), default=5)
        query = request_dict(
            "reconcile",
            specs,
            datasets=datasets,
            limit=limit,
            threshold=DEFAULT_THRESHOLD,
            endpoint=f"/reconcile/{dataset}",
        )
        outcomes = _run(current, query)
        audit(request, "api", query, current.versions, compact(outcomes, DEFAULT_THRESHOLD))
        request.state.queries = len(specs)
        request.state.dataset = dataset
        state.metrics.queries.labels("reconcile").inc(len(specs))
        answer = {
            key: {
                "result": [
                    {
                        "id": m.entity_id,
                        "name": m.caption,
                        "type": [{"id": m.schema, "name": m.schema}],
                        "score": round(m.score * 100, 1),
                        "match": m.score >= DEFAULT_THRESHOLD,
                        "description": f"{m.dataset}; matched {m.name!r}",
                    }
                    for m in outcome.matches[: limits[key]]
                ]
            }
            for key, outcome in outcomes.items()
        }
        return _json(answer)

    reconcile_doc = (
        "OpenRefine reconciliation (API v0.2). Without `queries`: the service manifest. "
        'With `queries` (a JSON object `{"q0": {"query": "Kim Kun", "type": '
        '"Person", "limit": 3, "properties": [{"pid": "birthDate", "v": '
        '"1954"}]}}`, as a parameter or a form field): candidates per query, scores '
        "0–100, `match` from the default threshold."
    )

    @app.get(
        "/reconcile/{dataset}",
        summary="Reconciliation manifest or queries",
        tags=["Reconciliation"],
        description=reconcile_doc,
        response_model=None,
        responses={200: {"model": dict[str, ReconcileResult] | dict[str, Any]}, **ERRORS},
    )
    async def reconcile_get(
        request: Request,
        dataset: DatasetPath,
        queries: Annotated[str | None, Query(max_length=MAX_BODY_BYTES)] = None,
    ) -> Response:
        return await reconcile_answer(request, dataset, queries)

    @app.post(
        "/reconcile/{dataset}",
        summary="Reconciliation queries",
        tags=["Reconciliation"],
        description=reconcile_doc,
        response_model=None,
        responses={200: {"model": dict[str, ReconcileResult]}, **ERRORS},
        openapi_extra={
            "requestBody": {
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {"queries": {"type": "string"}},
                            "required": ["queries"],
                        }
                    }
                },
                "required": True,
            }
        },
    )
    async def reconcile_post(request: Request, dataset: DatasetPath) -> Response:
        body = await request.body()
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw: str | None
        if kind == "application/json":
            raw = body.decode("utf-8", "replace")
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError:
                parsed = None
            if isinstance(parsed, dict) and isinstance(parsed.get("queries"), str | dict):
                inner = parsed["queries"]
                raw = inner if isinstance(inner, str) else orjson.dumps(inner).decode()
        elif kind == "multipart/form-data":
            form = await request.form()
            value = form.get("queries")
            raw = value if isinstance(value, str) else None
        else:
            fields = parse_qs(body.decode("utf-8", "replace"))
            raw = fields["queries"][0] if fields.get("queries") else None
        if raw is None:
            raise ApiError(400, "no queries given (form field 'queries')")
        return await reconcile_answer(request, dataset, raw)

    # ----------------------------------------------------------------------- service

    @app.get(
        "/healthz",
        summary="The process is up",
        tags=["System"],
        response_model=None,
        responses={200: {"model": StatusResponse}},
    )
    async def healthz() -> Response:
        return _json({"status": "ok"})

    @app.get(
        "/readyz",
        summary="Lists are loaded and the index is current",
        tags=["System"],
        response_model=None,
        responses={200: {"model": StatusResponse}, 503: {"model": StatusResponse}},
    )
    async def readyz() -> Response:
        try:
            current = state.screener()
        except Exception as exc:
            return _json({"status": "error", "detail": str(exc)}, 503)
        if not current.versions:
            return _json({"status": "empty", "detail": "no lists loaded yet"}, 503)
        return _json(
            {
                "status": "ok",
                "versions": current.versions,
                "entities": len(current.index.entities),
                "loaded_at": state.loaded_at,
            }
        )

    @app.get(
        "/metrics",
        summary="Prometheus metrics",
        tags=["System"],
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}}},
    )
    async def metrics() -> Response:
        return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    _register_web(app, state)
    return app


def _facet(label: str, values: list[str]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "label": label,
        "values": [{"name": k, "label": k, "count": n} for k, n in ordered],
    }


def _register_web(app: FastAPI, state: AppState) -> None:
    """The analyst pages (:mod:`sanctio.web`), when that package is present."""
    try:
        from sanctio import web  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return
    register = getattr(web, "register_web", None)
    if register is not None:
        register(app, state.screener, state.store)


# ---------------------------------------------------------------------------- serving

ENV_STORE = "SANCTIO_API_STORE"
ENV_REQUIRE_KEYS = "SANCTIO_API_REQUIRE_KEYS"


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers (``--factory sanctio.api:app_from_env``): settings come
    from ``SANCTIO_API_STORE`` and ``SANCTIO_API_REQUIRE_KEYS`` (1/0/unset)."""
    store = os.environ.get(ENV_STORE)
    flag = os.environ.get(ENV_REQUIRE_KEYS, "")
    require = {"1": True, "0": False}.get(flag)
    return create_app(Path(store) if store else None, require_keys=require)


def is_loopback_host(host: str) -> bool:
    return host == "localhost" or _is_loopback(host)


def run_server(host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Run uvicorn on ``app_from_env`` (settings in the environment, for every worker)."""
    import socket

    import uvicorn
    import uvicorn.config

    # With workers > 1 uvicorn binds the listening socket itself, without TCP_NODELAY (and
    # with a protocol number asyncio does not recognise, so it does not set it either):
    # every response then waits ~40 ms for the client's delayed ACK (Nagle). Accepted
    # sockets inherit the option on Linux, so set it on the listening one.
    original = uvicorn.config.Config.bind_socket

    def bind_socket(self: uvicorn.config.Config) -> socket.socket:
        sock = original(self)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    uvicorn.config.Config.bind_socket = bind_socket  # type: ignore[method-assign]
    try:
        uvicorn.run(
            "sanctio.api:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,  # sanctio writes its own JSON request log
            log_level=log_level,
            proxy_headers=False,
        )
    finally:
        uvicorn.config.Config.bind_socket = original  # type: ignore[method-assign]
