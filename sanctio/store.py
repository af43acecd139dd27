"""The embedded store: the only module that speaks SQL.

Every dataset update becomes a row in ``versions``; entity bodies are stored once per
distinct content (``bodies``, keyed by sha256 of their canonical JSON) and ``history``
says which body an entity had from which version to which. That makes three things cheap:

* an update is a diff: unchanged entities cost nothing, changed ones close a history row
  and open another, vanished ones are closed;
* any older version stays readable ("what did OFAC say about X in May 2024?");
* a refused update (parse error, suspicious shrinkage) never touches ``history``, so the
  previous version simply stays active.

Version ids are global and increasing, so "as of version v of dataset d" is
``valid_from <= v < valid_to`` over that dataset's rows.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from sanctio.model import DatasetVersion, Entity, SourceFile

SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset TEXT NOT NULL,
    label TEXT NOT NULL,
    published TEXT,
    fetched_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'superseded', 'refused')),
    entity_count INTEGER NOT NULL DEFAULT 0,
    name_count INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0,
    files TEXT NOT NULL DEFAULT '[]',
    warnings TEXT NOT NULL DEFAULT '{}',
    message TEXT
);
CREATE INDEX IF NOT EXISTS versions_dataset ON versions (dataset, status);
CREATE TABLE IF NOT EXISTS bodies (hash TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    entity_id TEXT NOT NULL,
    dataset TEXT NOT NULL,
    hash TEXT NOT NULL REFERENCES bodies (hash),
    valid_from INTEGER NOT NULL REFERENCES versions (id),
    valid_to INTEGER REFERENCES versions (id),
    PRIMARY KEY (entity_id, valid_from)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS history_current ON history (dataset, valid_to);
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    revoked TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    channel TEXT NOT NULL,
    query TEXT NOT NULL,
    versions TEXT NOT NULL,
    results TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class StoreError(Exception):
    """The store cannot do what was asked; the message says why in user terms."""


class UpdateRefused(StoreError):
    """A new version was rejected and the previous one stays active."""


@dataclass(frozen=True)
class EntityDiff:
    """What changed between two versions of one dataset."""

    added: list[str]
    changed: list[str]
    removed: list[str]


@dataclass(frozen=True)
class EntityRecord:
    """An entity as one version saw it, with the span of versions it was valid in."""

    entity: Entity
    valid_from: int
    valid_to: int | None


def default_home() -> Path:
    """``$SANCTIO_HOME``, else the platform's user data dir (``~/.local/share/sanctio``)."""
    env = os.environ.get("SANCTIO_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("sanctio", appauthor=False)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _row_to_version(row: sqlite3.Row) -> DatasetVersion:
    return DatasetVersion(
        id=row["id"],
        dataset=row["dataset"],
        version=row["label"],
        published=row["published"],
        fetched_at=datetime.fromisoformat(row["fetched_at"]),
        status=row["status"],
        entity_count=row["entity_count"],
        name_count=row["name_count"],
        files=[SourceFile(**f) for f in orjson.loads(row["files"])],
        warnings=orjson.loads(row["warnings"]),
        message=row["message"],
    )


class Store:
    """A SQLite file holding every version of every dataset."""

    def __init__(self, path: Path | str | None = None):
        if path is None:
            home = default_home()
            home.mkdir(parents=True, exist_ok=True)
            path = home / "sanctio.db"
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_DDL)
        self._check_schema()
        self._links: dict[tuple[str, int], dict[str, list[str]]] = {}

    def _check_schema(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        elif int(row["value"]) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer sanctio (schema {row['value']});"
                " upgrade sanctio"
            )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ versions

    def active_version(self, dataset: str) -> DatasetVersion | None:
        row = self.db.execute(
            "SELECT * FROM versions WHERE dataset=? AND status='active'", (dataset,)
        ).fetchone()
        return _row_to_version(row) if row else None

    def active_versions(self) -> list[DatasetVersion]:
        rows = self.db.execute(
            "SELECT * FROM versions WHERE status='active' ORDER BY dataset"
        ).fetchall()
        return [_row_to_version(r) for r in rows]

    def versions(self, dataset: str | None = None) -> list[DatasetVersion]:
        """All versions, refused attempts included, oldest first."""
        if dataset is None:
            rows = self.db.execute("SELECT * FROM versions ORDER BY id").fetchall()
        else:
            rows = self.db.execute(
                "SELECT * FROM versions WHERE dataset=? ORDER BY id", (dataset,)
            ).fetchall()
        return [_row_to_version(r) for r in rows]

    def version(self, version_id: int) -> DatasetVersion | None:
        row = self.db.execute("SELECT * FROM versions WHERE id=?", (version_id,)).fetchone()
        return _row_to_version(row) if row else None

    def record_refusal(
        self,
        dataset: str,
        label: str,
        message: str,
        files: Sequence[SourceFile] = (),
        published: str | None = None,
        warnings: dict[str, int] | None = None,
    ) -> int:
        """Keep a trace of a rejected update: "why is yesterday's list still active?"."""
        cur = self.db.execute(
            "INSERT INTO versions (dataset, label, published, fetched_at, status, files, warnings,"
            " message) VALUES (?, ?, ?, ?, 'refused', ?, ?, ?)",
            (
                dataset,
                label,
                published,
                _now().isoformat(),
                orjson.dumps([_file_dict(f) for f in files]).decode(),
                orjson.dumps(warnings or {}).decode(),
                message,
            ),
        )
        return int(cur.lastrowid or 0)

    def add_version(
        self,
        dataset: str,
        entities: Iterable[Entity],
        *,
        label: str,
        published: str | None = None,
        files: Sequence[SourceFile] = (),
        warnings: dict[str, int] | None = None,
        min_ratio: float = 0.5,
        fetched_at: datetime | None = None,
    ) -> DatasetVersion:
        """Make ``entities`` the active version of ``dataset``, atomically.

        Refuses (recording why, raising :class:`UpdateRefused`) when the new version holds
        fewer than ``min_ratio`` times the entities of the active one: a list does not lose
        half its designations overnight, a truncated download does. Deciding whether files
        were already loaded is the caller's business (:mod:`sanctio.ingest`).
        """
        entities = list(entities)
        previous = self.active_version(dataset)
        warnings = dict(warnings or {})
        by_id: dict[str, tuple[str, bytes, int]] = {}
        for entity in entities:
            if entity.dataset != dataset:
                raise StoreError(f"entity {entity.id} does not belong to dataset {dataset}")
            if entity.id in by_id:
                raise StoreError(f"{dataset}: entity id {entity.id} appears twice in one version")
            body = entity.to_json()
            by_id[entity.id] = (hashlib.sha256(body).hexdigest(), body, len(entity.names))
        if not by_id:
            self.record_refusal(dataset, label, "no entities parsed", files, published, warnings)
            raise UpdateRefused(f"{dataset}: the new files hold no entities; previous version kept")
        if previous is not None and len(by_id) < min_ratio * previous.entity_count:
            message = (
                f"new version holds {len(by_id):,} entities, fewer than {min_ratio:.0%} of the "
                f"active version's {previous.entity_count:,}; refusing (truncated or partial "
                f"file?). Use a lower --min-ratio to accept it."
            )
            self.record_refusal(dataset, label, message, files, published, warnings)
            raise UpdateRefused(f"{dataset}: {message}")

        name_count = sum(n for _, _, n in by_id.values())
        fetched = (fetched_at or _now()).isoformat()
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            cur = db.execute(
                "INSERT INTO versions (dataset, label, published, fetched_at, status, entity_count,"
                " name_count, files, warnings) VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?)",
                (
                    dataset,
                    label,
                    published,
                    fetched,
                    len(by_id),
                    name_count,
                    orjson.dumps([_file_dict(f) for f in files]).decode(),
                    orjson.dumps(warnings).decode(),
                ),
            )
            vid = int(cur.lastrowid or 0)
            current = dict(
                db.execute(
                    "SELECT entity_id, hash FROM history WHERE dataset=? AND valid_to IS NULL",
                    (dataset,),
                ).fetchall()
            )
            added = [eid for eid in by_id if eid not in current]
            changed = [
                eid for eid, (h, _, _) in by_id.items() if eid in current and current[eid] != h
            ]
            removed = [eid for eid in current if eid not in by_id]
            db.executemany(
                "INSERT OR IGNORE INTO bodies (hash, data) VALUES (?, ?)",
                ((by_id[eid][0], by_id[eid][1]) for eid in (*added, *changed)),
            )
            db.executemany(
                "UPDATE history SET valid_to=? WHERE entity_id=? AND valid_to IS NULL",
                ((vid, eid) for eid in (*changed, *removed)),
            )
            db.executemany(
                "INSERT INTO history (entity_id, dataset, hash, valid_from) VALUES (?, ?, ?, ?)",
                ((eid, dataset, by_id[eid][0], vid) for eid in (*added, *changed)),
            )
            db.execute(
                "UPDATE versions SET status='superseded' WHERE dataset=? AND status='active'"
                " AND id<>?",
                (dataset, vid),
            )
            db.execute(
                "UPDATE versions SET added=?, changed=?, removed=? WHERE id=?",
                (len(added), len(changed), len(removed), vid),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        version = self.version(vid)
        assert version is not None
        return version

    def version_stats(self, version_id: int) -> tuple[int, int, int]:
        """(added, changed, removed) entity counts of a version relative to its predecessor."""
        row = self.db.execute(
            "SELECT added, changed, removed FROM versions WHERE id=?", (version_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no version {version_id}")
        return int(row[0]), int(row[1]), int(row[2])

    # ------------------------------------------------------------------ entities

    def _resolve_version(self, dataset: str, version_id: int | None) -> int | None:
        if version_id is not None:
            return version_id
        active = self.active_version(dataset)
        return active.id if active else None

    def entities(self, dataset: str, version_id: int | None = None) -> Iterator[Entity]:
        """Every entity of ``dataset`` as of a version (default: the active one)."""
        vid = self._resolve_version(dataset, version_id)
        if vid is None:
            return
        rows = self.db.execute(
            "SELECT b.data FROM history h JOIN bodies b ON b.hash = h.hash"
            " WHERE h.dataset=? AND h.valid_from<=? AND (h.valid_to IS NULL OR h.valid_to>?)"
            " ORDER BY h.entity_id",
            (dataset, vid, vid),
        )
        for (data,) in rows:
            yield Entity.from_json(data)

    def all_entities(self) -> Iterator[Entity]:
        """Every entity of every active version."""
        for version in self.active_versions():
            yield from self.entities(version.dataset, version.id)

    def count_entities(self, dataset: str, version_id: int | None = None) -> int:
        vid = self._resolve_version(dataset, version_id)
        if vid is None:
            return 0
        row = self.db.execute(
            "SELECT COUNT(*) FROM history WHERE dataset=? AND valid_from<=?"
            " AND (valid_to IS NULL OR valid_to>?)",
            (dataset, vid, vid),
        ).fetchone()
        return int(row[0])

    def get(self, entity_id: str, version_id: int | None = None) -> Entity | None:
        """The entity as of a version (default: active); None if it was not listed then."""
        dataset = entity_id.split(":", 1)[0]
        vid = self._resolve_version(dataset, version_id)
        if vid is None:
            return None
        row = self.db.execute(
            "SELECT b.data FROM history h JOIN bodies b ON b.hash = h.hash WHERE h.entity_id=?"
            " AND h.valid_from<=? AND (h.valid_to IS NULL OR h.valid_to>?)",
            (entity_id, vid, vid),
        ).fetchone()
        return Entity.from_json(row[0]) if row else None

    def history(self, entity_id: str) -> list[EntityRecord]:
        """Every distinct state of an entity, oldest first, with the versions it spans."""
        rows = self.db.execute(
            "SELECT b.data, h.valid_from, h.valid_to FROM history h JOIN bodies b"
            " ON b.hash = h.hash WHERE h.entity_id=? ORDER BY h.valid_from",
            (entity_id,),
        ).fetchall()
        return [EntityRecord(Entity.from_json(r[0]), r[1], r[2]) for r in rows]

    def referrers(self, entity_id: str) -> list[Entity]:
        """Active entities whose relations point at ``entity_id`` ("Linked To: KIM, Kun").

        Bodies are canonical JSON, so a substring test finds the entities with resolved
        links without decoding the others.
        """
        dataset = entity_id.split(":", 1)[0]
        active = self.active_version(dataset)
        if active is None:
            return []
        key = (dataset, active.id)
        links = self._links.get(key)
        if links is None:
            # One scan of the dataset's linking entities per version, then look-ups: a
            # server answers many entity pages from the same version.
            links = {}
            needle = b'"target_id":"'
            rows = self.db.execute(
                "SELECT h.entity_id, b.data FROM history h JOIN bodies b ON b.hash = h.hash"
                " WHERE h.dataset=? AND h.valid_to IS NULL AND instr(b.data, ?) > 0",
                (dataset, needle),
            ).fetchall()
            for source_id, data in rows:
                for rel in Entity.from_json(data).relations:
                    if rel.target_id:
                        links.setdefault(rel.target_id, []).append(source_id)
            self._links[key] = links
        return [e for e in (self.get(i) for i in sorted(set(links.get(entity_id, [])))) if e]

    def diff(self, dataset: str, old_version: int, new_version: int) -> EntityDiff:
        """Entities added, changed and removed between two versions of a dataset."""
        old = self._snapshot(dataset, old_version)
        new = self._snapshot(dataset, new_version)
        return EntityDiff(
            added=sorted(k for k in new if k not in old),
            changed=sorted(k for k in new if k in old and old[k] != new[k]),
            removed=sorted(k for k in old if k not in new),
        )

    def _snapshot(self, dataset: str, vid: int) -> dict[str, str]:
        rows = self.db.execute(
            "SELECT entity_id, hash FROM history WHERE dataset=? AND valid_from<=?"
            " AND (valid_to IS NULL OR valid_to>?)",
            (dataset, vid, vid),
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    # ------------------------------------------------------------------ API keys

    def add_api_key(self, label: str, key_hash: str) -> ApiKey:
        """Record a key by its hash only: the key itself is shown once and never stored."""
        cur = self.db.execute(
            "INSERT INTO api_keys (label, hash, created) VALUES (?, ?, ?)",
            (label, key_hash, _now().isoformat()),
        )
        key = self.api_key(int(cur.lastrowid or 0))
        assert key is not None
        return key

    def api_key(self, key_id: int) -> ApiKey | None:
        row = self.db.execute("SELECT * FROM api_keys WHERE id=?", (key_id,)).fetchone()
        return _row_to_key(row) if row else None

    def api_keys(self) -> list[ApiKey]:
        """Every key ever issued, revoked ones included (the audit log names them)."""
        rows = self.db.execute("SELECT * FROM api_keys ORDER BY id").fetchall()
        return [_row_to_key(r) for r in rows]

    def api_key_for_hash(self, key_hash: str) -> ApiKey | None:
        """The unrevoked key with this hash, if any."""
        row = self.db.execute(
            "SELECT * FROM api_keys WHERE hash=? AND revoked IS NULL", (key_hash,)
        ).fetchone()
        return _row_to_key(row) if row else None

    def has_active_api_keys(self) -> bool:
        row = self.db.execute("SELECT 1 FROM api_keys WHERE revoked IS NULL LIMIT 1").fetchone()
        return row is not None

    def revoke_api_key(self, key_id: int) -> ApiKey | None:
        """Revoke a key (kept, marked with the time); None when there is no such key."""
        self.db.execute(
            "UPDATE api_keys SET revoked=? WHERE id=? AND revoked IS NULL",
            (_now().isoformat(), key_id),
        )
        return self.api_key(key_id)

    # ------------------------------------------------------------------ audit log

    def append_audit(
        self,
        who: str,
        channel: str,
        query: dict[str, Any],
        versions: dict[str, Any],
        results: Any,
        *,
        at: datetime | None = None,
    ) -> AuditEntry:
        """Append one screening record. Rows are chained by hash, and triggers refuse any
        UPDATE or DELETE, so the log can only grow and a later edit of the file shows."""
        if channel not in AUDIT_CHANNELS:
            raise StoreError(f"unknown audit channel {channel!r}; use one of {AUDIT_CHANNELS}")
        stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")
        texts = [_canonical(query), _canonical(versions), _canonical(results)]
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            digest = _audit_hash(row[0] if row else "", stamp, who, channel, *texts)
            cur = db.execute(
                "INSERT INTO audit (at, who, channel, query, versions, results, hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (stamp, who, channel, *texts, digest),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return AuditEntry(
            int(cur.lastrowid or 0), stamp, who, channel, query, versions, results, digest
        )

    def audit_entry(self, entry_id: int) -> AuditEntry | None:
        row = self.db.execute("SELECT * FROM audit WHERE id=?", (entry_id,)).fetchone()
        return _row_to_audit(row) if row else None

    def audit_entries(
        self,
        since: str | None = None,
        until: str | None = None,
        channel: str | None = None,
        who: str | None = None,
    ) -> Iterator[AuditEntry]:
        """Entries oldest first. ``since``/``until`` are ISO dates or times (UTC), ``since``
        inclusive and ``until`` exclusive, compared as text: ``2026-01-01`` means midnight."""
        clauses, params = [], []
        for clause, value in (
            ("at >= ?", since),
            ("at < ?", until),
            ("channel = ?", channel),
            ("who = ?", who),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        for row in self.db.execute(f"SELECT * FROM audit{where} ORDER BY id", params):
            yield _row_to_audit(row)

    def verify_audit(self) -> tuple[int, int | None]:
        """Recompute the hash chain: (rows checked, id of the first row that does not fit)."""
        previous, count = "", 0
        for row in self.db.execute("SELECT * FROM audit ORDER BY id"):
            count += 1
            texts = (row["query"], row["versions"], row["results"])
            expected = _audit_hash(previous, row["at"], row["who"], row["channel"], *texts)
            if expected != row["hash"]:
                return count, int(row["id"])
            previous = row["hash"]
        return count, None


def _file_dict(f: SourceFile) -> dict[str, object]:
    return {"role": f.role, "path": f.path, "sha256": f.sha256, "size": f.size}


# --------------------------------------------------------------- API keys and audit log

AUDIT_CHANNELS = ("api", "cli", "batch", "scan", "web")


@dataclass(frozen=True)
class ApiKey:
    """An issued API key, known by its id, label and sha256 (never by its text)."""

    id: int
    label: str
    hash: str
    created: str
    revoked: str | None

    @property
    def active(self) -> bool:
        return self.revoked is None


@dataclass(frozen=True)
class AuditEntry:
    """One screening request: who asked, when, what, against which versions, the answer."""

    id: int
    at: str
    who: str
    channel: str
    query: dict[str, Any]
    versions: dict[str, Any]
    results: Any
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "who": self.who,
            "channel": self.channel,
            "query": self.query,
            "versions": self.versions,
            "results": self.results,
            "hash": self.hash,
        }


def _row_to_key(row: sqlite3.Row) -> ApiKey:
    return ApiKey(row["id"], row["label"], row["hash"], row["created"], row["revoked"])


def _row_to_audit(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        int(row["id"]),
        row["at"],
        row["who"],
        row["channel"],
        orjson.loads(row["query"]),
        orjson.loads(row["versions"]),
        orjson.loads(row["results"]),
        row["hash"],
    )


def _canonical(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _audit_hash(previous: str, *fields: str) -> str:
    digest = hashlib.sha256(previous.encode())
    for value in fields:
        digest.update(b"\x1f" + value.encode())
    return digest.hexdigest()
