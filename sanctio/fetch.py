"""Download the official files of each dataset from its publisher.

Every download lands in ``$SANCTIO_HOME/downloads/<dataset>/<UTC timestamp>/`` and is
kept: the raw file behind each version is evidence, and re-parsing it later must be
possible. A failed download (offline, HTTP error, timeout after retries) fails that
dataset only; its previous version stays active.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import httpx

from sanctio.ingest import FileSet
from sanctio.sources import SOURCES

USER_AGENT = "sanctio (+https://github.com/sanctio/sanctio) sanctions screening"


class FetchError(Exception):
    """A dataset could not be downloaded; the message says what to check."""


@dataclass(frozen=True)
class Download:
    dataset: str
    source: str
    role: str
    url: str


def official_downloads(datasets: list[str] | None = None) -> list[Download]:
    """The official URLs, one entry per file, for the chosen datasets (default: all).

    When a dataset is published in several formats, the first source registered for it
    that has download URLs wins (OFAC: the CSV set, which carries the remarks).
    """
    chosen: dict[str, list[Download]] = {}
    for source in SOURCES.values():
        for dataset, urls in source.downloads.items():
            if dataset in chosen or (datasets and dataset not in datasets):
                continue
            chosen[dataset] = [Download(dataset, source.name, r, u) for r, u in urls.items()]
    return [d for dataset in sorted(chosen) for d in chosen[dataset]]


def fetch(
    downloads: list[Download],
    root: Path,
    *,
    timeout: float = 60.0,
    retries: int = 3,
    client: httpx.Client | None = None,
) -> tuple[list[FileSet], dict[str, str]]:
    """Download files; return the complete file sets and, per failed dataset, why."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    own_client = client is None
    http = client or httpx.Client(
        timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
    )
    files: dict[tuple[str, str], dict[str, Path]] = {}
    errors: dict[str, str] = {}
    try:
        for dl in downloads:
            if dl.dataset in errors:
                continue
            name = Path(urlparse(dl.url).path).name or f"{dl.role}.dat"
            if name == "content":  # EU's token URL
                name = f"{dl.dataset}.xml"
            target = root / dl.dataset / stamp / name
            try:
                _download(http, dl.url, target, retries)
            except FetchError as exc:
                errors[dl.dataset] = str(exc)
                continue
            files.setdefault((dl.source, dl.dataset), {})[dl.role] = target
    finally:
        if own_client:
            http.close()
    filesets = []
    for (source_name, dataset), by_role in files.items():
        if dataset in errors:
            continue
        source = SOURCES[source_name]
        if source.primary not in by_role:
            errors[dataset] = f"primary file ({source.primary}) was not downloaded"
            continue
        filesets.append(FileSet(source, dataset, by_role))
    return filesets, errors


def _download(http: httpx.Client, url: str, target: Path, retries: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    last_error = ""
    for attempt in range(1, retries + 1):
        try:
            with http.stream("GET", url) as response:
                if response.status_code >= 400:
                    last_error = f"HTTP {response.status_code}"
                    if response.status_code < 500:
                        break  # 404 or 403 will not heal by retrying
                else:
                    expected = response.headers.get("content-length")
                    size = 0
                    with partial.open("wb") as fh:
                        for chunk in response.iter_bytes():
                            fh.write(chunk)
                            size += len(chunk)
                    plain = "content-encoding" not in response.headers
                    if expected is not None and plain and size != int(expected):
                        last_error = f"truncated download ({size} of {expected} bytes)"
                        continue
                    partial.replace(target)
                    return
        except httpx.ConnectError as exc:
            last_error = (
                f"cannot connect ({exc}); are you offline? Use --from DIR to load local files"
            )
        except httpx.TimeoutException:
            last_error = "timed out"
        except httpx.HTTPError as exc:
            last_error = str(exc)
        if attempt < retries:
            time.sleep(min(2**attempt, 10))
    partial.unlink(missing_ok=True)
    raise FetchError(f"{url}: {last_error}")
