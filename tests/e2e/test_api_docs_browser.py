"""/api-docs in a real Chromium against a live server: offline, rendered, and "Try it" works."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"  # Debian's package (`make browser`); never `playwright install`
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
RENDER_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright; missing Chromium fails loudly, never skips."""
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: run `make browser` (Debian chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Watch:
    """Everything a page did that the test forbids: off-machine requests, errors."""

    def __init__(self, page: Page) -> None:
        self.external: list[str] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        page.route("**/*", self._route)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None,
        )

    def _route(self, route: Route, request: Request) -> None:
        """Let loopback, data: and blob: through; abort and record anything else."""
        url = request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOOPBACK:
            route.continue_()
        else:
            self.external.append(url)
            route.abort()


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """One operation object of the served document."""
    operation: dict[str, Any] = document["paths"][path][method]
    return operation


def test_reference_renders_offline_and_test_request_reaches_server(
    live_server: LiveServer, browser: Browser
) -> None:
    """The page renders the operations with no outside request, and Send hits our /api/v1/me."""
    document = httpx.get(f"{live_server.base_url}/api/openapi.json", timeout=10).json()
    first_path, first_item = next(iter(document["paths"].items()))
    first_method = next(m for m in ("get", "post", "patch", "delete") if m in first_item)
    first_summary = _operation(document, first_method, first_path)["summary"]
    me = _operation(document, "get", "/me")

    page = browser.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.base_url}/api-docs")
    page.get_by_text(first_summary, exact=True).first.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.title() == "Hoursmith API reference"

    # Scalar renders a tag's operations once its sidebar group is opened and one is picked.
    page.get_by_role("button", name=f"Open Group - {me['tags'][0]}", exact=True).click()
    page.get_by_text(me["summary"], exact=True).first.click()
    test_request = page.get_by_role("button", name="Test Request (get /me)", exact=True)
    test_request.wait_for(timeout=RENDER_TIMEOUT_MS)
    test_request.click()
    # Its accessible name is "Send get request to <url>".
    send = page.get_by_role("button", name="Send get request").locator("visible=true").first
    with page.expect_response(
        lambda response: urlsplit(response.url).path == "/api/v1/me", timeout=RENDER_TIMEOUT_MS
    ) as answer:
        send.click()
    response = answer.value
    assert response.status == 200
    assert response.request.headers["authorization"] == f"Bearer {live_server.tokens['owner']}"
    assert response.json()["data"]["role"] == "OWNER"
    page.close()

    assert watch.external == []
    assert watch.page_errors == []
    assert watch.console_errors == []
