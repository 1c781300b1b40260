"""What the browser tests share: Debian's Chromium driven by Playwright, a live server, axe-core.

Each browser test module builds one world (an app, its database and a live server) and one
browser for all its tests: starting them per test would cost more than the tests themselves.
Nothing downloads a browser: without Debian's chromium (or Playwright) the tests skip, and
.ci/run installs chromium.
"""

from __future__ import annotations

import json
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.conftest import ON_POSTGRESQL, PASSWORD, app_settings, empty_postgresql_tables

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# axe-core from npm (`npm pack axe-core`), for the tests only; its licence is beside it.
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
LANGUAGES = ("en", "fr", "pt", "pl")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


@contextmanager
def served(tmp_path, **settings):
    """A new app and database, served on a free port in a thread: (app, base URL)."""
    app = create_app(app_settings(tmp_path) | settings)
    if not ON_POSTGRESQL:  # PostgreSQL's schema is built once, by the migrations
        with app.app_context():
            db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        with app.app_context():
            db.engine.dispose()
        if ON_POSTGRESQL:
            empty_postgresql_tables()


@contextmanager
def chromium():
    """One headless Chromium (Debian's), closed at the end."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                "--font-render-hinting=none",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, language: str = "en", viewport=DESKTOP):
    """A page in a context of its own (its own cookies), the browser asking for `language`."""
    context = browser.new_context(
        viewport=viewport, extra_http_headers={"Accept-Language": language}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def sign_in(page, base: str, brand_slug: str, email: str) -> None:
    """Through the real sign-in form, as a person would; it lands on the brand's dashboard,
    then the client list, where the journeys start, is opened."""
    page.goto(f"{base}/{brand_slug}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/{brand_slug}/")
    page.goto(f"{base}/{brand_slug}/clients")


def open_editor(page, name: str) -> None:
    """Open a record field's inline editor and wait until htmx has taken its form over: htmx
    focuses the autofocus input only after processing the new form, so typing before that
    could submit it natively instead."""
    page.click(f"#field-{name} .edit-link")
    page.wait_for_function(f"() => document.activeElement.id === 'input-{name}'")


def horizontal_overflow(page) -> str:
    """ "" when the page is no wider than the window, else by how much and what sticks out."""
    return page.evaluate(
        """() => {
            const over = document.documentElement.scrollWidth - window.innerWidth;
            if (over <= 0) return "";
            const out = [...document.body.querySelectorAll("*")]
                .filter(e => e.checkVisibility() && e.getBoundingClientRect().right > innerWidth)
                .slice(0, 4)
                .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
            return `${over} px too wide (${out.join(", ")})`;
        }"""
    )


def serious_axe_violations(page) -> list[str]:
    """axe-core's critical and serious violations on the page, one line each.

    Evaluated through the DevTools protocol, which the portal's Content-Security-Policy (no
    inline script) does not govern; nothing is added to the page's own markup.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;0")
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter(v => v.impact === "critical" || v.impact === "serious")
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return [json.dumps(v, ensure_ascii=False) for v in found]
