"""sanctio: screen names against the official sanctions lists."""

__version__ = "0.1.0"
