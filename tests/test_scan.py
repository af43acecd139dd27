"""Free-text scanning: planted mentions in self-written articles and payment messages,
the rules that keep chance hits out, offsets into the original text, and `sanctio scan`."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sanctio.cli import app
from sanctio.ingest import discover, update
from sanctio.model import Entity, Name, NameKind
from sanctio.scan import SCAN_THRESHOLD, Mention, detect_format, scan_text, warm_up
from sanctio.screener import DEFAULT_THRESHOLD, Screener
from sanctio.store import Store
from tests.conftest import FIXTURES

SCAN = FIXTURES / "scan"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (SCAN / "expected.json").read_text(encoding="utf-8")
)["files"]
ON_TEST_LISTS = [name for name, e in EXPECTED.items() if e["lists"] == "fixtures"]
ON_REAL_LISTS = [name for name, e in EXPECTED.items() if e["lists"] == "real"]
CONTRACT = ["start", "end", "text", "entity_id", "dataset", "source_id", "name", "score"]


def read(name: str) -> str:
    """A fixture as the CLI reads it: line breaks (CRLF in the MT103) left as they are."""
    with open(SCAN / name, encoding="utf-8", newline="") as fh:
        return fh.read()


def spans(mentions: list[Mention]) -> list[str]:
    return [" ".join(m.text.split()) for m in mentions]


@pytest.fixture(scope="module")
def test_lists(tmp_path_factory: pytest.TempPathFactory) -> Screener:
    """A store loaded from tests/fixtures/lists, as `sanctio update --from` would."""
    store = Store(tmp_path_factory.mktemp("scan") / "sanctio.db")
    update(store, discover(FIXTURES / "lists").filesets)
    return Screener.open(store)


def entity(source_id: str, schema: str, *names: str) -> Entity:
    e = Entity(dataset="custom_scan", source_id=source_id, schema=schema)
    for i, n in enumerate(names):
        e.add_name(Name(n, NameKind.PRIMARY if i == 0 else NameKind.ALIAS))
    return e


@pytest.fixture(scope="module")
def watchlist() -> Screener:
    """An in-memory list with the shapes the rules are about."""
    return Screener(
        [
            entity("kim", "Person", "KIM, Kun", "KIM, Koen"),
            entity("zawahiri", "Person", "AL-ZAWAHIRI, Ayman"),
            entity("laden", "Person", "BIN LADEN, Osama"),
            entity("hing", "Person", "HING, Bunheang"),
            entity("sen", "Person", "SEN, Rathana"),
            entity("ali", "Person", "ALI, Mohammed"),
            entity("dupont", "Person", "DUPONT-AIGNAN, Jean-Claude"),
            entity("rosneft", "Organization", "ROSNEFT"),
            entity("rtrading", "Organization", "ROSNEFT TRADING S.A."),
            entity("wagner", "Organization", "WAGNER GROUP"),
            entity("golden", "Organization", "GOLDEN GROUP TRADING SARL"),
            entity("novak", "Company", "NOVAK OOO"),
            entity("irgc", "Organization", "ISLAMIC REVOLUTIONARY GUARD CORPS", "IRGC"),
            entity("bnc", "Organization", "BANCO NACIONAL DE CUBA", "BNC"),
            entity("victory", "Vessel", "VICTORY"),
        ]
    )


def ids(mentions: list[Mention]) -> set[tuple[str, str]]:
    return {(" ".join(m.text.split()), m.source_id) for m in mentions}


# ------------------------------------------------------------------ planted fixtures


def test_expected_offsets_point_at_their_text() -> None:
    for name, expected in EXPECTED.items():
        text = read(name)
        for row in expected["mentions"] + expected["near_misses"]:
            assert text[row["start"] : row["end"]] == row["text"], (name, row)


@pytest.mark.parametrize("name", ON_TEST_LISTS)
def test_planted_mentions_exactly(test_lists: Screener, name: str) -> None:
    """Every planted mention with every listing it names, nothing else, in text order."""
    text = read(name)
    expected = EXPECTED[name]
    mentions = scan_text(test_lists, text)
    want = {
        (row["start"], row["end"], entity_id)
        for row in expected["mentions"]
        if not row.get("expected_miss")
        for entity_id in row["entity_ids"]
    }
    assert {(m.start, m.end, m.entity_id) for m in mentions} == want
    for m in mentions:
        assert text[m.start : m.end] == m.text
        assert m.score >= SCAN_THRESHOLD
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    for near in expected["near_misses"]:
        assert not [m for m in mentions if m.start < near["end"] and near["start"] < m.end]


def _score(mentions: list[Mention], expected: dict[str, Any]) -> tuple[int, int, int, int]:
    planted = expected["mentions"]
    found: dict[tuple[int, int], set[str]] = {}
    for m in mentions:
        found.setdefault((m.start, m.end), set()).add(m.entity_id)

    def right(span: tuple[int, int], entity_ids: set[str]) -> bool:
        return any(
            span[0] < p["end"] and p["start"] < span[1] and entity_ids & set(p["entity_ids"])
            for p in planted
        )

    right_spans = sum(1 for sp, e in found.items() if right(sp, e))
    recalled = sum(
        1 for p in planted if any(right(sp, e) and sp[0] < p["end"] for sp, e in found.items()
                                  if p["start"] < sp[1])
    )  # fmt: skip
    right_pairs = sum(1 for sp, e in found.items() for i in e if right(sp, {i}))
    return right_spans, len(found), recalled, right_pairs


@pytest.mark.parametrize("name", ON_REAL_LISTS)
def test_precision_recall_on_the_real_lists(name: str, real_lists: Screener) -> None:
    """Measured: 100% span precision and recall, 100% of reported listings right (see
    bench/scan.py); asserted with a little room for list updates."""
    text = read(name)
    expected = EXPECTED[name]
    mentions = scan_text(real_lists, text)
    right_spans, n_spans, recalled, right_pairs = _score(mentions, expected)
    assert right_spans / n_spans >= 0.95
    assert recalled / len(expected["mentions"]) >= 0.95
    assert right_pairs / len(mentions) >= 0.95
    for near in expected["near_misses"]:
        hit = [m.text for m in mentions if m.start < near["end"] and near["start"] < m.end]
        assert not hit, (near, hit)


@pytest.fixture(scope="module")
def real_lists(shared_lists: Path, tmp_path_factory: pytest.TempPathFactory) -> Screener:
    store = Store(tmp_path_factory.mktemp("scan-real") / "sanctio.db")
    update(store, discover(shared_lists).filesets)
    return Screener.open(store)


# --------------------------------------------------------------------------- rules


def test_names_in_prose(watchlist: Screener) -> None:
    text = (
        "General Kun Kim's wife and Kim Koen met Ayman al-Zawahiri, Osama bin\n"
        "Laden and Hing Bun Heang. Mr. Sen and Rathana Sen also came."
    )
    assert ids(scan_text(watchlist, text)) == {
        ("Kun Kim", "kim"),  # a rank before, a possessive after
        ("Kim Koen", "kim"),
        ("Ayman al-Zawahiri", "zawahiri"),
        ("Osama bin Laden", "laden"),  # split across a line break
        ("Hing Bun Heang", "hing"),  # glued on the list
        ("Rathana Sen", "sen"),  # but not "Mr. Sen"
    }


def test_a_hyphen_at_a_line_break_joins_the_word(watchlist: Screener) -> None:
    text = "A letter from Jean-Claude Dupont-\nAignan arrived."
    [m] = scan_text(watchlist, text)
    assert m.text == "Jean-Claude Dupont-\nAignan" and m.source_id == "dupont"
    assert m.explanation["scan"]["query"] == "Jean-Claude Dupont-Aignan"


@pytest.mark.parametrize(
    "text",
    [
        "Kim declined to comment.",
        "Mr. Kim and Mr. Sen were not there.",
        "The Group said so.",
        "Bank of America and Golden Trading Group were not involved.",
        "Mohammed said it; Mohammed Ali agreed.",  # an "ALI, Mohammed" is listed
        "The Victory sailed on Monday.",  # a vessel named with an English word
        "Mr. Novak and Tomasz Novak are people, not the company.",
        "Gazprom, Lukoil and BNC are not on this list, or too short.",
        "Wagner alone is not the Wagner Group's whole name... but this is.",
    ],
)
def test_no_chance_hits(watchlist: Screener, text: str) -> None:
    found = ids(scan_text(watchlist, text))
    if "Wagner Group" in text:
        assert found == {("Wagner Group", "wagner")}
    else:
        assert found == set()


def test_one_word_company_names(watchlist: Screener) -> None:
    text = (
        "Rosneft and the IRGC deal with Rosneft Trading and the Islamic Revolutionary Guard Corps."
    )
    assert ids(scan_text(watchlist, text)) == {
        ("Rosneft", "rosneft"),
        ("IRGC", "irgc"),
        ("Rosneft Trading", "rtrading"),  # the longer listing wins the overlap
        ("Islamic Revolutionary Guard Corps", "irgc"),
    }


def test_threshold_and_datasets(watchlist: Screener) -> None:
    text = "Kun Kim"
    assert scan_text(watchlist, text, datasets=["us_ofac_sdn"]) == []
    assert len(scan_text(watchlist, text, datasets=["custom_scan"])) == 1
    assert scan_text(watchlist, "Kun Kimm", threshold=0.99) == []
    assert len(scan_text(watchlist, "Kun Kimm", threshold=DEFAULT_THRESHOLD)) == 1


def test_mention_contract(watchlist: Screener) -> None:
    [m] = scan_text(watchlist, "Kun Kim")
    d = m.to_dict()
    assert list(d) == [*CONTRACT, "explanation"]
    assert d["entity_id"] == "custom_scan:kim" and d["dataset"] == "custom_scan"
    assert d["explanation"]["name"]["list_name"] == "KIM, Kun"
    assert d["explanation"]["scan"]["rule"] == "evidence"


# ------------------------------------------------------------------ payment messages


def test_detect_format() -> None:
    assert detect_format(read("mt103.txt")) == "mt103"
    assert detect_format(read("pacs008.xml")) == "pacs008"
    assert detect_format(read("cambodia_land.txt")) == "text"
    assert detect_format(":20:REF\n:32A:240101EUR1,00\n:59:KUN KIM\n") == "mt103"


def test_mt103_fields(watchlist: Screener) -> None:
    text = (
        ":20:X1\n:32A:240101EUR1,00\n:50F:/12345\n1/KIM KOEN\n2/STREET 1\n3/KH/PHNOM PENH\n"
        ":59:/DE0012\nROSNEFT\nMOSCOW\n:70:PAYMENT FOR OSAMA BIN LADEN\n:71A:OUR\n"
    )
    found = scan_text(watchlist, text)
    assert ids(found) == {
        ("KIM KOEN", "kim"),
        ("ROSNEFT", "rosneft"),
        ("OSAMA BIN LADEN", "laden"),
    }
    contexts = {m.text: m.explanation["scan"]["context"] for m in found}
    assert contexts == {"KIM KOEN": ":50F:", "ROSNEFT": ":59:", "OSAMA BIN LADEN": ":70:"}


def test_mt103_account_line_is_not_a_name(watchlist: Screener) -> None:
    text = ":20:X\n:32A:240101EUR1,00\n:59:/KUN KIM\nACME LTD\n"
    assert scan_text(watchlist, text) == []


def test_pacs008_offsets_through_character_references(watchlist: Screener) -> None:
    text = (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf>'
        "<CdtTrfTxInf><Dbtr><Nm>K&#73;M &amp; KOEN</Nm></Dbtr>"
        "<Cdtr><Nm>Rosneft</Nm></Cdtr><RmtInf><Ustrd>for Kun Kim</Ustrd></RmtInf>"
        "</CdtTrfTxInf></FIToFICstmrCdtTrf></Document>"
    )
    found = scan_text(watchlist, text)
    assert {(m.text, m.source_id, m.explanation["scan"]["context"]) for m in found} == {
        ("K&#73;M &amp; KOEN", "kim", "Dbtr/Nm"),
        ("Rosneft", "rosneft", "Cdtr/Nm"),
        ("Kun Kim", "kim", "RmtInf/Ustrd"),
    }
    for m in found:
        assert text[m.start : m.end] == m.text


# ------------------------------------------------------------------------ robustness


# Fragments that exercise the tokeniser, the formats and the offsets.
PIECES = [
    "Kun Kim", "Kim Kun's", "KIM,\nKOEN", "al-Zawahiri", "Ayman", "Rosneft", "bin", "Mr.",
    " ", "\n", "\r\n", "-\n", "'s", "&amp;", "&#x", "&#1114112;", "<Nm>", "</Nm>", ":59:",
    ":50F:", "1/", "/", ":70:", "\n:20:X\n:32A:1\n", "pacs.008", "<FIToFICstmrCdtTrf>",
    "\u200b", "\u0301", "İ", "ß", "ﬁ", "\ufeff", "金正恩", "Ро́снефть", "\u2028", "\u2029",
    "L.L.C.", "Dupont-", "IRGC", "\x00", "x" * 70,
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(PIECES),
        ),
        max_size=25,
    ).map("".join)
)
def test_never_crashes_and_offsets_index_the_original(watchlist: Screener, text: str) -> None:
    mentions = scan_text(watchlist, text)
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
        assert m.text.strip()
    starts = [(m.start, m.end) for m in mentions]
    assert starts == sorted(starts)
    spans_ = sorted(set(starts))
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans_))  # no overlaps


def test_warm_up_and_empty_text(watchlist: Screener) -> None:
    warm_up(watchlist)
    assert scan_text(watchlist, "") == []
    assert scan_text(watchlist, "   \n\n") == []


# ------------------------------------------------------------------------------- CLI

runner = CliRunner()


@pytest.fixture
def fixture_home(sanctio_home: Path) -> Path:
    with Store(sanctio_home / "sanctio.db") as store:
        update(store, discover(FIXTURES / "lists").filesets)
    return sanctio_home


def test_cli_scan_json(fixture_home: Path) -> None:
    result = runner.invoke(app, ["scan", str(SCAN / "mt103.txt"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["mentions"]
    text = read("mt103.txt")
    got = {(m["start"], m["end"], m["entity_id"]) for m in out["mentions"]}
    want = {
        (r["start"], r["end"], i)
        for r in EXPECTED["mt103.txt"]["mentions"]
        for i in r["entity_ids"]
    }
    assert got == want
    for m in out["mentions"]:
        assert list(m) == [*CONTRACT, "explanation"]
        assert text[m["start"] : m["end"]] == m["text"]


def test_cli_scan_stdin_table(fixture_home: Path) -> None:
    result = runner.invoke(
        app,
        ["scan", "-", "-d", "us_ofac_sdn"],
        input="Kun Kim met King Chandy.",
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "us_ofac_sdn:28036" in result.stdout and "us_ofac_sdn:28037" in result.stdout
    assert "gb_hmt_sanctions" not in result.stdout
    for column in ("span", "text", "entity id", "score"):
        assert column in result.stdout
    assert "0–7" in result.stdout


def test_cli_scan_errors(fixture_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Müller".encode("latin-1"))
    result = runner.invoke(app, ["scan", str(bad)])
    assert result.exit_code == 2 and "not UTF-8" in result.output
    result = runner.invoke(app, ["scan", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2 and "cannot read" in result.output
    result = runner.invoke(app, ["scan", str(SCAN / "mt103.txt"), "-d", "nope"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["scan", "-"], input="Nobody of note.")
    assert result.exit_code == 0 and "no listed names" in result.stdout
