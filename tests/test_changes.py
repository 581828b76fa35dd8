"""`make changes`: ledger rows added, removed and revised since an edition tag, and what they change."""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess

import pytest

from conftest import edit_csv
from helpers import changes, paths
from helpers.verdicts import load_scorecard, scorecard


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin", "HOME": str(repo)})


@pytest.fixture
def repo(tmp_path):
    """A git repository holding a copy of data/, references.bib and CITATION.cff, committed and tagged v0.1.0."""
    root = tmp_path / "book"
    shutil.copytree(paths.DATA, root / "data")
    for name in ("references.bib", "CITATION.cff"):
        shutil.copy(paths.ROOT / name, root / name)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "first edition")
    _git(root, "tag", "-a", "v0.1.0", "-m", "first edition")
    return root


def _missed_outcome(root):
    """A scorecard target judged 'missed' (direction at_least), the outcome row it rests on, and the goal."""
    led = changes.load_at(root)
    card = scorecard(led, path=root / "data" / "scorecard.csv")
    row = card[(card["verdict"] == "missed") & (card["direction"] == "at_least")].iloc[0]
    return row["target_id"], row["outcome_id"], row["target"]


def test_one_revised_row_is_listed_with_its_figures_and_verdict(repo, tmp_path):
    target, outcome, goal = _missed_outcome(repo)
    obs = repo / "data" / "observations.csv"
    ids = [line.split(",", 1)[0] for line in obs.read_text().splitlines()]
    old = changes._rows(obs, "id")[1][outcome]
    new_value = f"{goal * 10:g}"
    edit_csv(obs, ids.index(outcome), "value", new_value)
    _git(repo, "commit", "-qam", "revise one row")
    build = tmp_path / "_build"
    (build / "audit").mkdir(parents=True)
    (build / "audit" / "chapter_a.json").write_text(json.dumps(
        {"chapter": "chapter_a", "used": {outcome: ["fig-one", "table-two"], "not-changed": ["x"]}}))
    (build / "audit" / "chapter_b.json").write_text(json.dumps({"chapter": "chapter_b", "used": {"other": ["y"]}}))

    text = changes.report("v0.1.0", repo, build)
    items = [line for line in text.splitlines() if line.startswith("- ")]
    assert items == [
        f"- revised `{outcome}`: value: {old['value']} -> {new_value} "
        f"(source was `{old['source']}`, now `{old['source']}`)",
        f"- chapter_a: `{outcome}` shown as `fig-one`, `table-two`",
        f"- `{target}`: missed -> met",
    ]
    assert text.count("No row added, removed or revised.") == 2


def test_added_and_removed_rows_and_sources(repo):
    obs = repo / "data" / "observations.csv"
    lines = obs.read_text().splitlines(keepends=True)
    linked = {i for ids in load_scorecard(changes.load_at(repo), repo / "data" / "scorecard.csv")["outcome_ids"]
              for i in ids} | set(changes._rows(repo / "data" / "scorecard.csv", "target_id")[1])
    n = next(k for k in range(1, len(lines)) if lines[k].split(",", 1)[0] not in linked)
    gone = lines[n].split(",", 1)[0]
    obs.write_text("".join(lines[:n] + lines[n + 1:] + [lines[n].replace(gone, "new-row-id", 1)]))
    text = changes.report("v0.1.0", repo, repo / "_build")
    assert f"- removed `{gone}`:" in text and "- added `new-row-id`:" in text
    assert "No audit records found" in text


def test_page_against_latest_tag_and_first_edition(repo, tmp_path):
    page = changes.page(repo, tmp_path)
    assert "Compared with edition `v0.1.0`" in page and page.count("No row added, removed or revised.") == 3
    _git(repo, "tag", "-a", "v0.2.0", "-m", "second")
    assert "Compared with edition `v0.2.0`" in changes.page(repo, tmp_path)
    fresh = tmp_path / "fresh"
    shutil.copytree(repo, fresh, ignore=shutil.ignore_patterns(".git"))
    assert changes.FIRST_EDITION in changes.page(fresh, tmp_path)
    assert changes.edition_tags(fresh) == []


def test_unknown_revision_is_a_clear_error(repo):
    with pytest.raises(changes.ChangesError, match="no-such-tag"):
        changes.report("no-such-tag", repo)


def test_citation_version_names_the_edition():
    assert changes.citation_version() == changes.citation_version(paths.ROOT) != ""


def test_verdicts_degrade_clearly_when_the_edition_breaks_todays_rules(repo):
    obs = repo / "data" / "observations.csv"
    rows = [line.split(",") for line in obs.read_text().splitlines()]
    assert "origin" in rows[0], "the ledger has no origin column to drop; pick another required column"
    i = rows[0].index("origin")
    with open(obs, newline="", encoding="utf-8") as fh:
        table = [r[:i] + r[i + 1:] for r in csv.reader(fh)]
    with open(obs, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(table)
    _git(repo, "commit", "-qam", "an edition without the origin column")
    _git(repo, "tag", "-a", "v0.0.9", "-m", "older schema")
    _git(repo, "checkout", "-q", "v0.1.0", "--", "data/observations.csv")
    text = changes.report("v0.0.9", repo, repo / "_build")
    assert "Column `origin` added" in text
    assert "No row added, removed or revised." in text.split("## data/events.csv")[0]
    assert re.search(r"The verdicts at v0\.0\.9 could not be computed \(.*observations\.csv:1:origin: ", text), text
