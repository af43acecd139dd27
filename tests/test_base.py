"""Shared reading helpers: dates, countries, and clear errors for broken files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanctio.sources.base import (
    ParseContext,
    ParseError,
    excel_serial_date,
    parse_date,
    read_bytes,
    read_text,
    to_country,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01 Jan 1954", "1954-01-01"),
        ("1 January 1954", "1954-01-01"),
        ("Jan 1954", "1954-01"),
        ("1954", "1954"),
        ("1954-03-02", "1954-03-02"),
        ("2025-03-28T10:00:00", "2025-03-28"),
        ("02/03/1954", "1954-03-02"),
        ("00/00/1954", "1954"),
        ("00/03/1954", "1954-03"),
        ("March 2, 1954", "1954-03-02"),
        ("31 Feb 1954", None),
        ("circa 1954", None),
        ("-0-", None),
        ("", None),
        ("yesterday", None),
    ],
)
def test_parse_date(text: str, expected: str | None) -> None:
    assert parse_date(text) == expected


def test_parse_date_month_first() -> None:
    assert parse_date("03/28/2025", order="mdy") == "2025-03-28"


@given(st.dates())
def test_parse_date_round_trips_iso_and_dmy(day: object) -> None:
    iso = day.isoformat()  # type: ignore[attr-defined]
    if not 1000 <= day.year <= 2200:  # type: ignore[attr-defined]
        assert parse_date(iso) is None
        return
    assert parse_date(iso) == iso
    assert parse_date(day.strftime("%d/%m/%Y")) == iso  # type: ignore[attr-defined]
    assert parse_date(day.strftime("%d %b %Y")) == iso  # type: ignore[attr-defined]


def test_excel_serial_date() -> None:
    assert excel_serial_date(45607) == "2024-11-11"
    assert excel_serial_date("") is None
    assert excel_serial_date("01/02/2003") == "2003-02-01"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Cambodia", "kh"),
        ("Korea, North", "kp"),
        ("the Russian Federation", "ru"),
        ("Iran (Islamic Republic of)", "ir"),
        ("Burma", "mm"),
        ("Crimea", "ua"),
        ("Atlantis", None),
        ("-0-", None),
    ],
)
def test_to_country(text: str, code: str | None) -> None:
    assert to_country(text) == code


def test_read_bytes_rejects_truncated_gzip_and_empty(tmp_path: Path) -> None:
    good = gzip.compress(b"a,b\n" * 1000)
    broken = tmp_path / "sdn.csv.gz"
    broken.write_bytes(good[: len(good) // 2])
    with pytest.raises(ParseError, match=r"sdn\.csv\.gz: corrupt or truncated gzip"):
        read_bytes(broken)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\r\n\x1a")
    with pytest.raises(ParseError, match="empty"):
        read_bytes(empty)
    with pytest.raises(ParseError, match="cannot read"):
        read_bytes(tmp_path / "missing.csv")


def test_read_text_names_the_line_of_a_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes("ok\nstill ok\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(ParseError, match=r"list\.csv, line 3: not valid utf-8"):
        read_text(path, ("utf-8",))
    assert read_text(path, ("utf-8", "cp1252")).endswith("José\n")


def test_context_counts_warnings_with_few_examples() -> None:
    ctx = ParseContext("x")
    for i in range(10):
        ctx.warn("bad date", str(i))
    assert ctx.warnings["bad date"] == 10
    assert ctx.examples["bad date"] == ["0", "1", "2"]
