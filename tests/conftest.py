"""Shared test fixtures: where the real list files are, and a throwaway store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _shared_data() -> Path:
    env = os.environ.get("SANCTIO_TEST_DATA")
    if env:
        return Path(env)
    return REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or ``$SANCTIO_TEST_DATA``); skips the test when it is absent."""
    path = _shared_data()
    if not (path / "lists").is_dir():
        pytest.skip(f"real list data not found at {path} (set SANCTIO_TEST_DATA)")
    return path


@pytest.fixture(scope="session")
def shared_lists(shared_data: Path) -> Path:
    """The folder of real official list files."""
    return shared_data / "lists"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def sanctio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty SANCTIO_HOME so no test touches the user's real store."""
    home = tmp_path / "home"
    monkeypatch.setenv("SANCTIO_HOME", str(home))
    return home
