"""The CI workflows parse, run the README's commands, pin action versions; the link checker's report."""
from __future__ import annotations

import http.server
import json
import re
import threading

import pytest
import yaml

from helpers import linkcheck, paths

WORKFLOWS = paths.ROOT / ".github" / "workflows"


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def _steps(flow: dict) -> list[dict]:
    return [s for job in flow["jobs"].values() for s in job.get("steps", [])]


def _triggers(flow: dict) -> dict:
    return flow.get("on", flow.get(True))  # YAML 1.1 reads the key `on` as True


@pytest.mark.parametrize("name", ["book.yml", "linkcheck.yml"])
def test_workflow_parses_and_pins_action_major_versions(name):
    flow = _workflow(name)
    assert flow["jobs"], name
    for step in _steps(flow):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), step["uses"]


def test_book_workflow_runs_the_readme_commands_and_publishes_main():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^(make \w+)\s+#", readme, flags=re.M)
    assert commands[:2] == ["make book", "make test"]
    flow = _workflow("book.yml")
    assert set(_triggers(flow)) >= {"push", "pull_request"}
    assert _triggers(flow)["push"]["branches"] == ["main"]
    runs = [s.get("run", "").strip() for s in _steps(flow)]
    assert runs.index("make book") < runs.index("make test")
    uses = {s["uses"].split("@")[0]: s for s in _steps(flow) if "uses" in s}
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "_build/html"
    assert "actions/deploy-pages" in uses
    caches = [s["with"] for s in _steps(flow) if s.get("uses", "").startswith("actions/cache@")]
    assert {c["path"] for c in caches} == {".venv", "_build/site/chapters"}
    for c in caches:
        assert "hashFiles(" in c["key"]


def test_linkcheck_workflow_is_weekly_and_never_fails_on_a_dead_link():
    flow = _workflow("linkcheck.yml")
    assert "schedule" in _triggers(flow) and "workflow_dispatch" in _triggers(flow)
    check = next(s for s in _steps(flow) if "helpers.linkcheck" in s.get("run", ""))
    assert check.get("continue-on-error") is True
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") for s in _steps(flow))


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200 if self.path == "/live" else 404)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_linkcheck_reports_the_dead_link_with_its_archived_copy(local_server, tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text("".join(
        f"@misc{{{k}, title = {{T}}, publisher = {{P}}, date = {{2024-01-01}}, url = {{{local_server}/{k}}},"
        f" urldate = {{2026-11-25}}}}\n" for k in ("live", "dead")), encoding="utf-8")
    assert linkcheck.main(["--bib", str(bib), "--out", str(tmp_path / "out"), "--delay", "0.1", "--timeout", "5"]) == 0
    text = (tmp_path / "out" / "report.md").read_text()
    assert "2 addresses checked: 1 live, 1 dead." in text
    assert (f"| dead | {local_server}/dead | 404 Not Found | "
            f"https://web.archive.org/web/20261125/{local_server}/dead |") in text
    assert f"{local_server}/live" not in text
    rows = {r["key"]: r for r in json.loads((tmp_path / "out" / "report.json").read_text())}
    assert (rows["live"]["status"], rows["live"]["code"]) == ("live", 200)
    assert (rows["dead"]["status"], rows["dead"]["code"]) == ("dead", 404)


def test_linkcheck_reports_a_host_that_does_not_answer(local_server):
    port = int(local_server.rsplit(":", 1)[1])
    results = linkcheck.check({"gone": (f"http://127.0.0.1:{port + 1 if port < 65535 else 1}/x", "2026-11-25")},
                              delay=0, timeout=2)
    assert results[0].status == "dead" and results[0].code is None and results[0].detail
