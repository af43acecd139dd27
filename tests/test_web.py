"""The analyst pages (sanctio.web), rendered server-side through FastAPI's TestClient.

The store holds the fixture lists (OFAC SDN and two OFSI vintages) plus a hostile own
list whose names and programs carry markup, as an official list could.
"""

from __future__ import annotations

import html as html_lib
import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import sanctio.web as web
from sanctio.cli import app as cli
from sanctio.screener import Screener
from sanctio.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCRIPT_NAME = "<script>alert('pwned')</script> Trading Ltd"
HOSTILE_CSV = (
    "id,name,schema,aliases,programs,notes\n"
    f'EV/1,"{SCRIPT_NAME}",Company,"Evil & Sons <img src=x onerror=alert(2)>",'
    '"<b>BOLD</b>","say ""hi"" <iframe>"\n'
)
HAS_SCAN = importlib.util.find_spec("sanctio.scan") is not None


def build_store(directory: Path) -> Path:
    """A store with the fixture lists and the hostile list, and its screening index."""
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "sanctio.db"
    hostile = directory / "hostile.csv"
    hostile.write_text(HOSTILE_CSV, encoding="utf-8")
    runner = CliRunner()
    for args in (
        ["update", "--from", str(FIXTURES / "lists")],
        ["update", "--custom", f"hostile={hostile}"],
    ):
        result = runner.invoke(cli, [*args, "--store", str(db)])
        assert result.exit_code == 0, result.output
    return db


def make_app(db: Path) -> FastAPI:
    """A bare app carrying only the web pages, as the HTTP API would mount them."""
    store = Store(db)
    screener = Screener.open(store)
    app = FastAPI()
    web.register_web(app, lambda: screener, lambda: store)
    return app


@dataclass
class FakeMention:
    """Shaped like sanctio.scan's Mention: the pages only rely on ``to_dict()``."""

    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return self.data


def fake_scan(screener: Screener, text: str) -> list[FakeMention]:
    """Every "Kun Kim" / "Kim Kun" is the OFAC and the OFSI listing; the hostile name too.

    Stands in for sanctio.scan so the rendering is tested on its own terms.
    """
    out = []
    for m in re.finditer(r"Kun Kim|Kim Kun", text):
        for eid, score in (("us_ofac_sdn:28036", 0.97), ("gb_hmt_sanctions:90001", 0.95)):
            out.append(_mention(m.start(), m.end(), text, eid, "KIM, Kun", score))
    start = text.find(SCRIPT_NAME)
    if start >= 0:
        end = start + len(SCRIPT_NAME)
        out.append(_mention(start, end, text, "custom_hostile:EV/1", SCRIPT_NAME, 0.9))
    return sorted(out, key=lambda m: m.data["start"])


def _mention(start: int, end: int, text: str, eid: str, name: str, score: float) -> FakeMention:
    dataset, source_id = eid.split(":", 1)
    return FakeMention(
        {
            "start": start,
            "end": end,
            "text": text[start:end],
            "entity_id": eid,
            "dataset": dataset,
            "source_id": source_id,
            "name": name,
            "score": score,
            "explanation": {},
        }
    )


@pytest.fixture(scope="module")
def store_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("web") / "home")


@pytest.fixture(scope="module")
def client(store_db: Path) -> Iterator[TestClient]:
    with TestClient(make_app(store_db)) as c:
        yield c


class Page(HTMLParser):
    """Tags, attributes and text of a page, for assertions that do not depend on layout."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


# ------------------------------------------------------------------- search


def test_root_redirects_to_search(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/ui/"


def test_search_page_without_query(client: TestClient) -> None:
    response = client.get("/ui/")
    assert response.status_code == 200
    page = Page(response.text)
    form = page.find("form", role="search")[0]
    # Works without JavaScript (plain GET form) and with htmx (swap of #results).
    assert form["action"] == "/ui/" and form["method"] == "get"
    assert form["hx-get"] == "/ui/" and form["hx-target"] == "#results"
    assert page.find("input", name="q", type="search")
    assert page.find("script", src="/ui/static/htmx.min.js")
    # Footer names the list versions answers come from.
    assert "us_ofac_sdn 2024-05-03" in page.plain
    assert "gb_hmt_sanctions 2018-04-13" in page.plain
    # Dataset filter offers the loaded lists.
    values = {o.get("value") for o in page.find("option")}
    assert {"us_ofac_sdn", "gb_hmt_sanctions", "custom_hostile", "Person"} <= values


def test_search_full_page_shows_scores_and_explanations(client: TestClient) -> None:
    response = client.get("/ui/", params={"q": "Kim Kun"})
    assert response.status_code == 200
    page = Page(response.text)
    links = [a["href"] for a in page.find("a", **{"class": "entity-link"})]
    assert links[:2] == ["/ui/entities/gb_hmt_sanctions:90001", "/ui/entities/us_ofac_sdn:28036"]
    text = page.plain
    assert "KIM, Kun" in text and "1.00" in text and "primary" in text
    assert "kim = kim" in text and "kun = kun" in text  # aligned parts
    assert "Person" in text and "us_ofac_sdn" in text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_search_fragment_for_htmx(client: TestClient) -> None:
    response = client.get("/ui/", params={"q": "Kim Kun"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and "<form" not in response.text
    assert "/ui/entities/us_ofac_sdn:28036" in response.text
    # A history restore (cache miss after back/forward) needs the whole page again.
    restore = client.get(
        "/ui/",
        params={"q": "Kim Kun"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.text


def test_search_explains_evidence_and_near_misses(client: TestClient) -> None:
    response = client.get(
        "/ui/",
        params={"q": "Kim Koen Jr", "birth_date": "1955", "country": "KH", "threshold": "0.5"},
        headers={"HX-Request": "true"},
    )
    text = Page(response.text).plain
    assert "birth date" in text and "born a year apart" in text
    assert "−0.05" in text  # the effect, signed
    assert "shared country kh" in text and "+0.03" in text
    assert "alias" in text  # matched on the alias KIM, Koen


def test_search_filters_by_dataset_and_schema(client: TestClient) -> None:
    only_uk = client.get("/ui/", params={"q": "Kim Kun", "dataset": "gb_hmt_sanctions"})
    assert "gb_hmt_sanctions:90001" in only_uk.text
    assert "/ui/entities/us_ofac_sdn:28036" not in only_uk.text
    vessels = client.get("/ui/", params={"q": "Kim Kun", "schema": "Vessel"})
    assert "No listing scores above the threshold" in Page(vessels.text).plain


def test_search_errors_are_shown_not_raised(client: TestClient) -> None:
    for params in (
        {"q": "x" * 600},
        {"q": "Kim", "threshold": "lots"},
        {"q": "Kim", "schema": "?"},
    ):
        full = client.get("/ui/", params=params)
        assert full.status_code == 400
        assert Page(full.text).find("p", **{"class": "error", "role": "alert"}), params
        # htmx does not swap error statuses by default: the fragment answers 200.
        frag = client.get("/ui/", params=params, headers={"HX-Request": "true"})
        assert frag.status_code == 200 and 'class="error"' in frag.text


def test_no_match(client: TestClient) -> None:
    response = client.get("/ui/", params={"q": "Zzyzx Quortle"})
    assert response.status_code == 200
    assert "No listing scores above the threshold" in Page(response.text).plain


# ------------------------------------------------------------------- escaping


def test_listed_markup_is_escaped_everywhere(client: TestClient) -> None:
    search = client.get("/ui/", params={"q": "Trading Ltd alert pwned script", "threshold": "0.3"})
    entity = client.get("/ui/entities/custom_hostile:EV/1")
    assert entity.status_code == 200
    for response in (search, entity):
        assert "<script>alert" not in response.text
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in response.text
        # The only scripts on the page are htmx.
        assert [a.get("src") for a in Page(response.text).find("script")] == [
            "/ui/static/htmx.min.js"
        ]
    page = Page(entity.text)
    assert not page.find("img") and not page.find("iframe") and not page.find("b")
    assert SCRIPT_NAME in page.plain  # shown as text, exactly as listed
    assert "Evil & Sons <img src=x onerror=alert(2)>" in page.plain
    assert "<b>BOLD</b>" in page.plain


def test_scan_result_is_escaped(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "load_scanner", lambda: fake_scan)
    text = f"Shares in {SCRIPT_NAME} rose. <img src=x onerror=alert(3)>"
    response = client.post("/ui/scan", data={"text": text})
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    page = Page(response.text)
    assert not page.find("img")
    assert page.find("a", href="/ui/entities/custom_hostile:EV%2F1")


# ------------------------------------------------------------------- entity page


def test_entity_page(client: TestClient) -> None:
    response = client.get("/ui/entities/us_ofac_sdn:28036")
    assert response.status_code == 200
    page = Page(response.text)
    text = page.plain
    for expected in (
        "KIM, Kun",
        "KIM, Koen",
        "alias",
        "GLOMAG",
        "N0000259216",
        "D0002907",
        "1954-01-01",
        "Phnom Penh, Cambodia",
        "OFAC Specially Designated Nationals (SDN) List",
        "2024-05-03",
    ):
        assert expected in text, expected
    # Linked from: CHANDY, King says "Linked To: KIM, Kun".
    assert page.find("a", href="/ui/entities/us_ofac_sdn:28037")
    # The same person on the UK list (name and birth date screen as the same).
    assert page.find("a", href="/ui/entities/gb_hmt_sanctions:90001")
    assert page.find("a", href="/ui/entities/us_ofac_sdn:28036?version=3")


def test_entity_links_to(client: TestClient) -> None:
    page = Page(client.get("/ui/entities/us_ofac_sdn:28037").text)
    assert "linked to" in page.plain
    assert page.find("a", href="/ui/entities/us_ofac_sdn:28036")


def test_entity_versions(client: TestClient, store_db: Path) -> None:
    with Store(store_db) as store:
        versions = {v.version: v.id for v in store.versions("gb_hmt_sanctions")}
    old, new = versions["2014-04-02"], versions["2018-04-13"]
    response = client.get("/ui/entities/gb_hmt_sanctions:90001")
    text = Page(response.text).plain
    assert "2014-04-02" in text and "2018-04-13" in text and "still listed" in text
    assert f"?version={old}" in response.text and f"?version={new}" in response.text
    # Older state: the 2014 file had one name fewer.
    then = Page(client.get(f"/ui/entities/gb_hmt_sanctions:90001?version={old}").text)
    now = Page(response.text)
    assert "As listed in version 2014-04-02" in then.plain
    assert len(then.find("tr", **{"class": "name-row"})) < len(
        now.find("tr", **{"class": "name-row"})
    )


def test_entity_not_found(client: TestClient) -> None:
    response = client.get("/ui/entities/us_ofac_sdn:0")
    assert response.status_code == 404
    assert "No entity" in Page(response.text).plain


# ------------------------------------------------------------------- scan page


def test_scan_page_form(client: TestClient) -> None:
    page = Page(client.get("/ui/scan").text)
    form = page.find("form", **{"class": "scan"})[0]
    assert form["action"] == "/ui/scan" and form["method"] == "post"
    assert form["hx-post"] == "/ui/scan" and form["hx-target"] == "#scan-result"
    assert page.find("textarea", name="text")


def test_scan_highlights(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "load_scanner", lambda: fake_scan)
    text = "Officials met Kun Kim in Phnom Penh.\nLater, Kim Kun's aides left & said <nothing>."
    response = client.post("/ui/scan", data={"text": text})
    assert response.status_code == 200
    html = response.text
    marks = re.findall(r"<mark ([^>]*)><a href=\"([^\"]+)\">([^<]*)</a></mark>", html)
    assert [(href, surface) for _, href, surface in marks] == [
        ("/ui/entities/us_ofac_sdn:28036", "Kun Kim"),
        ("/ui/entities/us_ofac_sdn:28036", "Kim Kun"),
    ]
    # Both listings of the span in the tooltip, with scores.
    assert "us_ofac_sdn:28036 — score 0.97" in marks[0][0]
    assert "gb_hmt_sanctions:90001 — score 0.95" in marks[0][0]
    # The text around the mentions is kept exactly (escaped), line break included.
    scanned = re.search(r'<div class="scanned">(.*?)</div>', html, re.S)
    assert scanned is not None
    assert "&lt;nothing&gt;" in scanned.group(1)
    assert html_lib.unescape(re.sub(r"<[^>]+>", "", scanned.group(1))) == text
    assert "2 mentions of 2 listings" in Page(html).plain
    # htmx gets only the result fragment.
    frag = client.post("/ui/scan", data={"text": text}, headers={"HX-Request": "true"})
    assert "<form" not in frag.text and "<mark" in frag.text


def test_scan_input_errors(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "load_scanner", lambda: fake_scan)
    empty = client.post("/ui/scan", data={"text": "   "})
    assert empty.status_code == 400 and "paste a text" in empty.text
    huge = client.post("/ui/scan", data={"text": "a" * (web.MAX_SCAN_CHARS + 1)})
    assert huge.status_code == 400 and "limit" in huge.text
    multipart = client.post("/ui/scan", files={"text": ("a.txt", b"Kun Kim")})
    assert multipart.status_code == 400 and "urlencoded" in multipart.text


def test_scan_without_scan_module(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "load_scanner", lambda: None)
    page = client.get("/ui/scan")
    assert page.status_code == 200 and "Scanning is not available" in page.text
    posted = client.post("/ui/scan", data={"text": "Kun Kim"})
    assert posted.status_code == 200 and "Scanning is not available" in posted.text
    assert "<mark" not in posted.text


@pytest.mark.skipif(not HAS_SCAN, reason="sanctio.scan is not installed yet")
def test_scan_with_the_real_scanner(client: TestClient) -> None:
    text = "A court in Phnom Penh heard that Kun Kim had moved funds abroad."
    response = client.post("/ui/scan", data={"text": text})
    assert response.status_code == 200
    assert re.search(r'<mark [^>]*><a href="/ui/entities/[^"]+">Kun Kim</a></mark>', response.text)


# ------------------------------------------------------------------- pieces


def test_segments_group_and_resolve_overlaps() -> None:
    text = "abc def ghi"
    mentions = [
        {"start": 4, "end": 7, "entity_id": "x:1", "score": 0.8},
        {"start": 4, "end": 7, "entity_id": "x:2", "score": 0.9},
        {"start": 4, "end": 11, "entity_id": "x:3", "score": 0.7},
        {"start": 0, "end": 99, "entity_id": "x:4", "score": 1.0},  # out of range: ignored
    ]
    out = web.segments(text, mentions)
    assert "".join(s.text for s in out) == text
    assert [(s.text, [m["entity_id"] for m in s.mentions]) for s in out] == [
        ("abc ", []),
        ("def ghi", ["x:3"]),
    ]
    out = web.segments(text, mentions[:2])
    assert [m["entity_id"] for m in out[1].mentions] == ["x:2", "x:1"]


def test_entity_url_quotes_unusual_ids() -> None:
    assert web.entity_url("ca_dfatd_sema_sanctions:Russia|1|2 a/b") == (
        "/ui/entities/ca_dfatd_sema_sanctions:Russia%7C1%7C2%20a%2Fb"
    )
    assert web.entity_url("us_ofac_sdn:1", 3) == "/ui/entities/us_ofac_sdn:1?version=3"


def test_htmx_is_served_from_the_package(client: TestClient) -> None:
    response = client.get("/ui/static/htmx.min.js")
    assert response.status_code == 200 and b"htmx" in response.content[:200]
    css = client.get("/ui/static/sanctio.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert (Path(web.__file__).parent / "static" / "htmx.LICENSE").is_file()
