"""What the browser tests share: `streamlit run app.py` on a free port, Debian's Chromium through
Playwright, full-page screenshots, the app's menu, and checks of what an editor sees.

Chromium is required: install it with `apt-get install chromium`.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000
# A laptop editor's window: every table must fit it without scrolling sideways.
EDITOR_WINDOW = {"width": 1280, "height": 800}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port; yields its URL once healthy, always stops it."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    command += ["--server.fileWatcherType", "none"]  # the rest from .streamlit/config.toml
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not become healthy; its output:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def healthy(url: str) -> bool:
    """Whether the Streamlit server at url answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless; a missing one fails the test (it is part of the dev setup)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_folder(fallback: Path) -> Path:
    """Where the browser tests put their full-page pictures: $HEADLINE_LAB_SCREENSHOTS (relative to
    the repository, e.g. "docs" to refresh the README's) or else ``fallback``."""
    folder = os.environ.get("HEADLINE_LAB_SCREENSHOTS")
    path = (ROOT / folder) if folder else fallback
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page: Page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it."""
    charts_drawn = "Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]'))"
    shown = "chart => chart.offsetParent === null || chart.querySelector('canvas, svg')"  # not in a closed expander
    # A picture for the docs, not an assertion: a chart still drawing after 10 s is no failure.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"{charts_drawn}.every({shown})", timeout=10_000)
    page.wait_for_timeout(500)  # let tables and highlights settle
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": max(800, int(height) + 40)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def draft_box(page: Page, number: int):
    """Compare's text box for draft ``number`` (1-based). By role: the test planner's picker
    shows its chosen drafts as tags with the same accessible name."""
    return page.get_by_role("textbox", name=f"Draft {number}", exact=True)


def success_line(page: Page, text: str):
    """The page's green success line with this text (a toast may say the same in the corner)."""
    return page.get_by_test_id("stAlertContentSuccess").get_by_text(text)


def go_to(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebar").get_by_role("link", name=title, exact=True).click()


def table_with(page: Page, heading: str) -> dict:
    """Where the st.dataframe with this column heading is drawn, once it is: its top and the
    bottom of its first row in the window, its visible width and the width its columns need,
    and the headings of the columns drawn (the grid draws only those in view)."""
    expect(page.locator("[data-testid=stDataFrame] th", has_text=heading).first).to_be_attached()
    return page.evaluate(
        """heading => {
            const frame = Array.from(document.querySelectorAll('[data-testid=stDataFrame]'))
                .find(f => Array.from(f.querySelectorAll('th')).some(th => th.innerText === heading));
            const scroller = frame.querySelector('.dvn-scroller');
            const box = frame.getBoundingClientRect();
            return {
                top: box.top,
                first_row_bottom: box.top + Math.min(box.height, 2 * 36),
                width: scroller.clientWidth,
                needed: scroller.scrollWidth,
                headings: Array.from(frame.querySelectorAll('th')).map(th => th.innerText),
            };
        }""",
        heading,
    )


def fits_the_window(table: dict) -> bool:
    return table["needed"] <= table["width"]


def no_error_shown(page: Page) -> None:
    """No exception box, no traceback and no Python exception name anywhere on the page."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
    text = page.locator("body").inner_text()
    leaked = re.search(r"Traceback|\b[A-Z][A-Za-z]*(Error|Exception)\b", text)
    assert leaked is None, f"{leaked.group(0)!r} on the page:\n{text[-2000:]}"
