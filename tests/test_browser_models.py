"""The model lifecycle an editor goes through, in a real browser (issue #14).

Outcomes are recorded (through the same core functions Compare and Record outcome call), a
retrain is started on the Models page and runs to the end, the candidate is compared with the
active model and promoted, Compare then scores with it, and a rollback brings the old version
back. A miniature lab (tests/model_lab.py: planted archives, a tiny BERT) keeps it to seconds.

The first version is the tiny random model made over-confident (its head scaled up): the
retrain's calibration shrinks its scores, so the candidate is plainly not worse (same picks,
far lower log loss) and its win probabilities on Compare plainly differ from the old ones.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import torch
from playwright.sync_api import Page, expect

from core.basics.settings import Settings
from core.data.importer import ensure_base_corpus
from core.lifecycle import jobs, registry
from core.lifecycle.summary import version_names
from core.model.scorer import HeadlineScorer
from core.newsroom.compare import checked_drafts, ranking
from core.newsroom.recording import record
from core.newsroom.testbook import save_ranked_drafts
from db.engine import get_sessionmaker
from tests.browser import (
    TIMEOUT_MS,
    chromium,
    go_to,
    no_error_shown,
    screenshot,
    screenshot_folder,
    streamlit_server,
)
from tests.model_lab import make_lab, publish
from tests.tiny_model import make_tiny_base

DRAFTS = ["amazing news about cats", "memo news about cats", "stunning agenda for everyone"]
# Six tests as editors saw them: the headline with a "good" word won each clearly.
OUTCOMES = [
    ([f"memo news about {topic}", f"amazing news about {topic}"], [(2000, 120), (2000, 240)])
    for topic in ("rain", "trains", "taxes", "parks", "schools", "bridges")
]
RETRAIN_TIMEOUT_MS = 120_000


def overconfident_tiny_model(folder: Path) -> HeadlineScorer:
    scorer = HeadlineScorer.from_base(make_tiny_base(folder), precision="fp32")
    with torch.no_grad():
        scorer.network_.head.weight.mul_(300.0)
    return scorer


@pytest.fixture
def lab(tmp_path) -> Settings:
    """A lab whose active version 1 forecast six tests that have their outcomes recorded; a
    retrain there replays the lab's whole (tiny) archive for one epoch."""
    settings = make_lab(tmp_path / "lab", retrain_max_train_pairs=0, retrain_epochs=1.0)
    publish(settings, overconfident_tiny_model(tmp_path / "base"), "v1", activate=True)
    ensure_base_corpus(settings)  # as the app does at its first start
    scorer = registry.load_model(settings, registry.get_version(settings, "v1"))
    with get_sessionmaker(settings).begin() as session:
        for headlines, counts in OUTCOMES:
            test, _ = save_ranked_drafts(
                session, ranking(scorer.score, checked_drafts(headlines)), "v1", None, "ana"
            )
            record(session, test, counts, "bo", settings.alpha)
    return settings


def draft_lines(settings: Settings, version: str) -> list[re.Pattern]:
    """What Compare says of each draft when this version serves (loaded as the app loads it)."""
    scorer = registry.load_model(settings, registry.get_version(settings, version))
    ranked = ranking(scorer.score, checked_drafts(DRAFTS))
    return [
        re.compile(rf"^Draft {row.draft} · rank {row.rank} of 3 · chance it wins {row.win_probability:.0%}")
        for row in ranked.itertuples()
    ]


def compare_shows(page: Page, lines: list[re.Pattern]) -> None:
    go_to(page, "Compare")
    for i, draft in enumerate(DRAFTS):
        page.get_by_role("textbox", name=f"Draft {i + 1}", exact=True).fill(draft)
    for line in lines:
        expect(page.get_by_text(line)).to_be_visible()
    no_error_shown(page)


def serving(page: Page, name: str) -> None:
    expect(page.get_by_text(f"Serving {name}", exact=True)).to_be_visible()


def test_retrain_compare_promote_score_and_roll_back_in_a_browser(lab, tmp_path):
    expect.set_options(timeout=TIMEOUT_MS)
    env = {**os.environ, **jobs.settings_env(lab), "HEADLINE_LAB_LIME_SAMPLES": "50"}
    with streamlit_server(env, tmp_path / "streamlit.log") as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        expect(page.get_by_role("heading", name="Compare drafts")).to_be_visible()
        old_lines = draft_lines(lab, "v1")
        compare_shows(page, old_lines)

        go_to(page, "Models")
        v1 = version_names(registry.versions(lab))["v1"]
        serving(page, v1)
        page.get_by_label("Your name", exact=True).fill("ana")
        expect(
            page.get_by_text(
                re.compile(
                    r"^Fine-tunes the active model on the archives' training split plus 6 recorded tests"
                )
            )
        ).to_be_visible()
        page.get_by_role("button", name="Start retraining…").click()
        expect(page.get_by_text("keeps this machine busy. Start it?")).to_be_visible()
        page.get_by_role("button", name="Yes, start retraining").click()
        done = page.get_by_text(
            re.compile(r"^The last retrain \(.*\) made Version 2 · .*, a candidate: compare it below\.$")
        )
        expect(done).to_be_visible(timeout=RETRAIN_TIMEOUT_MS)
        no_error_shown(page)

        (candidate,) = [r.version for r in registry.versions(lab) if r.status == "candidate"]
        v2 = version_names(registry.versions(lab))[candidate]
        assert v2.startswith("Version 2 · ") and v2.endswith(" · archive + 6 newsroom tests")
        page.get_by_role("button", name=f"Compare {v2} with {v1}").click()
        expect(page.get_by_text(re.compile(r"^McNemar test"))).to_be_visible()
        expect(page.get_by_text(re.compile(r"^passed · log loss at most"))).to_be_visible()
        expect(page.get_by_text("Promotion refused")).to_have_count(0)
        expect(page.get_by_text(f"{v2} may be promoted")).to_be_visible()  # the answer, in words
        no_error_shown(page)
        screenshot(page, screenshot_folder(tmp_path) / "models.png")
        page.get_by_role("button", name=f"Promote {v2}").click()
        expect(page.get_by_text(f"{v2} is now active.")).to_be_visible()
        serving(page, v2)
        assert registry.active_version(lab).version == candidate

        new_lines = draft_lines(lab, candidate)
        assert [p.pattern for p in new_lines] != [p.pattern for p in old_lines], "the versions score alike"
        compare_shows(page, new_lines)  # the drafts are scored by the promoted version

        go_to(page, "Models")
        expect(page.get_by_label("Your name", exact=True)).to_have_value("ana")  # given once per visit
        page.get_by_text(f"Yes, serve {v1} to every editor from now on").click()
        page.get_by_role("button", name=f"Roll back to {v1}").click()
        expect(page.get_by_text(f"Rolled back: {v1} is active again.")).to_be_visible()
        serving(page, v1)
        no_error_shown(page)
        assert registry.active_version(lab).version == "v1"

        compare_shows(page, old_lines)  # the old version's numbers, exactly
        page.close()
