"""sanctio: screen names against the official sanctions lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sanctio.screener import Match, Query, Screener

__all__ = ["Match", "Query", "Screener", "__version__"]


def __getattr__(name: str) -> Any:
    """``from sanctio import Screener`` without importing the engine for every CLI command."""
    if name in ("Screener", "Query", "Match"):
        from sanctio import screener

        return getattr(screener, name)
    raise AttributeError(name)
