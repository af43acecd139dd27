"""The analyst pages in a real headless browser: Debian's chromium driven by Playwright.

A uvicorn server on a free loopback port serves the pages over the fixture lists; the
browser types a name, follows a result to its entity page, and scans a text. It also
checks that the page raises no console error (the Content-Security-Policy must not block
htmx) and that search and scan work with JavaScript switched off.

Never runs ``playwright install``: the browser is the distribution's, installed by
``.ci/run``. Skips, saying why, when chromium or the playwright package is missing.
"""

from __future__ import annotations

import importlib.util
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import sanctio.web as web
from tests.test_web import HAS_SCAN, build_store, fake_scan, make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if importlib.util.find_spec("playwright") is None:
    pytest.skip(
        "the playwright package is not installed (pip install -e '.[test]')",
        allow_module_level=True,
    )
if not CHROMIUM.exists():
    pytest.skip(
        f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
        allow_module_level=True,
    )

import uvicorn  # noqa: E402
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright  # noqa: E402

ARTICLE = (
    "PHNOM PENH — Investigators say Kun Kim, a former army chief, moved funds\n"
    "through a trading house. A spokesman for Kim's office declined to comment."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 and a free port, in a thread of this process.

    In-process so that, until sanctio.scan exists, the stand-in scanner patched below is
    the one the server uses.
    """
    app = make_app(build_store(tmp_path_factory.mktemp("browser") / "home"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(200):  # readiness, not timing: up to 10 s for the loop to start
        if srv.started:
            started.set()
            break
        started.wait(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(autouse=True)
def scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    if not HAS_SCAN:
        monkeypatch.setattr(web, "load_scanner", lambda: fake_scan)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _watch_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_search_entity_and_scan(server: str, browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors = _watch_errors(page)
    page.goto(f"{server}/ui/")
    expect(page.get_by_role("searchbox", name="Name to screen")).to_be_focused()
    # A marker on the window survives only if results arrive without a page load (htmx).
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("searchbox", name="Name to screen").press_sequentially("Kim Kun", delay=40)

    results = page.locator("#results li.result")
    expect(results.first).to_be_visible()
    expect(results).to_have_count(2)
    expect(results.first.locator(".score .value")).to_have_text("1.00")
    expect(results.first).to_contain_text("kun = kun")
    assert page.evaluate("window.__sameDocument") is True
    expect(page).to_have_url(re.compile(r"/ui/\?q=Kim(\+|%20)Kun"))  # shareable URL
    _shot(page, tmp_path / "search.png")

    page.locator("#results a.entity-link", has_text="KIM, Kun").last.click()
    expect(page).to_have_url(f"{server}/ui/entities/us_ofac_sdn:28036")
    expect(page.get_by_role("heading", level=1)).to_have_text("KIM, Kun")
    names = page.locator("table.names")
    expect(names).to_contain_text("KIM, Koen")
    expect(names).to_contain_text("alias")
    expect(page.locator("dd.programs")).to_contain_text("GLOMAG")
    expect(page.locator("table.identifiers")).to_contain_text("N0000259216")
    expect(page.locator("ul.links")).to_contain_text("CHANDY, King")
    _shot(page, tmp_path / "entity.png")

    page.get_by_role("link", name="Scan a text").click()
    expect(page).to_have_url(f"{server}/ui/scan")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Text to scan").fill(ARTICLE)
    page.get_by_role("button", name="Scan").click()
    mark = page.locator("#scan-result mark").first
    expect(mark).to_be_visible()
    expect(mark).to_have_text("Kun Kim")
    assert "score" in (mark.get_attribute("title") or "")
    assert (mark.locator("a").get_attribute("href") or "").startswith("/ui/entities/")
    assert page.evaluate("window.__sameDocument") is True
    # A lone "Kim" (the possessive "Kim's office") is not a mention.
    assert page.locator("#scan-result mark", has_text=re.compile(r"^Kim$")).count() == 0
    shot = _shot(page, tmp_path / "scan.png")
    assert shot.stat().st_size > 10_000

    assert errors == [], errors
    context.close()


def test_pages_work_without_javascript(server: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/ui/")
    page.get_by_role("searchbox", name="Name to screen").fill("Kun Kim")
    page.get_by_role("button", name="Screen").click()  # a plain GET form submission
    expect(page).to_have_url(re.compile(r"/ui/\?q=Kun\+Kim"))
    expect(page.locator("#results li.result").first).to_contain_text("KIM, Kun")

    page.goto(f"{server}/ui/scan")
    page.get_by_label("Text to scan").fill(ARTICLE)
    page.get_by_role("button", name="Scan").click()  # a plain POST
    expect(page.locator("#scan-result mark").first).to_have_text("Kun Kim")
    # The posted text stays in the box for another try.
    expect(page.get_by_label("Text to scan")).to_have_value(ARTICLE)
    context.close()


def _shot(page: Page, path: Path) -> Path:
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path
