"""Real-browser checks: headless Chromium opens every built page (served on localhost).

Each page must load without console errors, every image must have decoded (naturalWidth > 0), every
citation must point at an entry that exists in the bibliography page, and every download link must
resolve. A screenshot of each page is saved under _build/screenshots/ (the top SHOT_MAX_PX of the page: a
full-page shot of the figure audit, tens of thousands of pixels tall, took over 30 s on CI's 2 cores). Where Chromium is missing, the
test is skipped with a message saying so (make test prints skip reasons).
"""
from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

from helpers import paths

from test_book import HTML, _toc_files

pytestmark = pytest.mark.book
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server():
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("BROWSER TEST SKIPPED: Debian's chromium is not installed (make browser installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


SHOT_MAX_PX = 12_000

CHECK_JS = """
() => {
  const imgs = [...document.images].map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}));
  const cites = [...document.querySelectorAll('a[href*="bibliography.html#"]')].map(a => a.getAttribute('href'));
  const downloads = [...document.querySelectorAll('a.download, a[href*="_downloads/"], a[href$=".csv"], a[href$=".json"], a[href$=".pdf"]')]
      .map(a => a.href).filter(h => h.startsWith(location.origin));
  return {imgs, cites, downloads};
}
"""


@pytest.mark.parametrize("page", _toc_files())
def test_page_in_browser(browser, server, page):
    shots = paths.BUILD / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = ctx.new_page()
    errors = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    response = tab.goto(f"{server}/{page}.html", wait_until="load")
    assert response is not None and response.ok, f"{page}: HTTP {response.status if response else 'none'}"
    tab.wait_for_load_state("networkidle")
    found = tab.evaluate(CHECK_JS)
    height = tab.evaluate("() => document.documentElement.scrollHeight")
    tab.screenshot(path=str(shots / f"{page.replace('/', '__')}.png"), full_page=True, timeout=120_000,
                   clip={"x": 0, "y": 0, "width": 1280, "height": min(height, SHOT_MAX_PX)})
    bib_ids = None
    if found["cites"]:
        bib = ctx.new_page()
        bib.goto(f"{server}/chapters/bibliography.html")
        bib_ids = set(bib.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)"))
        bib.close()
    failures = []
    failures += [f"console error: {e}" for e in errors]
    failures += [f"image did not load: {i['src']}" for i in found["imgs"] if not i["ok"]]
    failures += [f"citation without entry: {c}" for c in found["cites"] if c.split("#", 1)[1] not in bib_ids]
    for url in sorted(set(found["downloads"])):
        r = ctx.request.get(url)
        if not r.ok:
            failures.append(f"download link broken ({r.status}): {url}")
    ctx.close()
    assert not failures, f"{page}:\n" + "\n".join(failures)
