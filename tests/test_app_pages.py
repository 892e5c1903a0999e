"""Each page of the app through Streamlit's AppTest, against the tiny model and a tmp database."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.basics.settings import load_settings
from core.basics.text import MAX_NAME_CHARS
from core.basics.words import roughly
from core.model.manifest import write_manifest
from core.model.scorer import HeadlineScorer
from core.newsroom.recording import record
from db import experiments, model_versions
from db.engine import get_sessionmaker
from db.schema import Outcome, Test
from tests.app_env import TINY_VERSION, app_environment, copy_database, template_database, tiny_model
from tests.app_tables import blank_when_missing, shown_columns, tooltips, unescaped

APP = str(Path(__file__).resolve().parents[1] / "app.py")
COMPARE, RECORD = "pages/compare.py", "pages/record_outcome.py"
HISTORY, MODELS, HELP = "pages/history.py", "pages/models.py", "pages/help.py"
DRAFTS = ["You won't believe what this cat did", "Cat does a thing", "Scientists explain why cats purr"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return tiny_model(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return template_database(tmp_path_factory.mktemp("template") / "lab.db")


@pytest.fixture
def Session(model_dir, template, tmp_path, monkeypatch):
    """The test's own database (a copy of the template); the app is pointed at it."""
    database = copy_database(template, tmp_path / "lab.db")
    for name, value in app_environment(model_dir, database).items():
        monkeypatch.setenv(name, value)
    return get_sessionmaker(load_settings())


def open_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def type_drafts(at: AppTest, drafts: list[str]) -> AppTest:
    for i, draft in enumerate(drafts):
        at.text_input(key=f"draft_{i}").set_value(draft)
    return at.run()  # the run ends once every highlight is drawn (highlight_wait_s)


def draft_rows(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**Draft")]


def highlights(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html") if "headline-lab-lime" in h.proto.body]


def number_of(Session, test_id: int) -> int:
    """The number editors see for a test (its id also counts the archive's tests)."""
    with Session.begin() as session:
        return session.get(Test, test_id).number


def counts(Session) -> tuple[int, int, int]:
    """(tests, editor tests, outcomes) in the database."""
    with Session.begin() as session:
        return (
            session.scalar(select(func.count()).select_from(Test)),
            session.scalar(select(func.count()).select_from(Test).where(Test.source == "editor")),
            session.scalar(select(func.count()).select_from(Outcome)),
        )


# --- Compare ------------------------------------------------------------------------------


def test_the_sidebar_keeps_the_database_and_version_to_the_models_page(Session):
    at = open_app()
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert sidebar == "Model: ready"
    at.switch_page(MODELS).run()
    details = " ".join(c.value for c in at.caption)
    assert (
        f"Database: `{load_settings().sqlalchemy_url}`" in details
        and f"raw version `{TINY_VERSION}`" in details
    )


def test_typing_drafts_shows_each_score_rank_win_probability_and_highlight(Session, model_dir):
    at = type_drafts(open_app(), DRAFTS)

    rows = draft_rows(at)
    assert len(rows) == 3
    numbers = [int(re.search(r"\*\*Draft (\d+)\*\*", row).group(1)) for row in rows]
    shown = [int(re.search(r"chance it wins \*\*(\d+)%", row).group(1)) for row in rows]
    ranks = [int(re.search(r"rank \*\*(\d+)\*\* of 3", row).group(1)) for row in rows]
    expected = HeadlineScorer.from_pretrained(model_dir).win_shares(DRAFTS)
    assert numbers == [int(i) + 1 for i in np.argsort(-expected, kind="stable")]  # in rank order
    assert shown == [round(100 * expected[n - 1]) for n in numbers]
    assert ranks == [1, 2, 3]
    leader = int(np.argmax(expected)) + 1
    assert any(
        re.search(rf"[Dd]rafts? {leader}\b", m.value) for m in [*at.success, *at.info]
    )  # the answer first
    bodies = highlights(at)
    assert len(bodies) == 3
    assert all('<span title="' in body for body in bodies)  # LIME weights arrived
    by_draft = dict(zip(numbers, bodies))
    assert ">believe<" in by_draft[1] and ">purr<" in by_draft[3]


def test_a_one_word_edit_is_highlighted_by_the_end_of_its_own_run_below_the_save_form(Session):
    at = type_drafts(open_app(), DRAFTS)
    edited = DRAFTS[1].replace("thing", "dance")
    at.text_input(key="draft_1").set_value(edited).run()
    assert not at.exception, [e.value for e in at.exception]
    assert '<span title="' in next(b for b in highlights(at) if ">dance<" in b)
    assert "All 3 drafts explained. Hover a word to see how much it moves the draft's chance." in [
        c.value for c in at.caption
    ]
    assert at.text_input(key="editor") is not None  # the save form is drawn before the wait


def test_a_run_that_cannot_wait_shows_the_scores_and_says_the_words_are_still_coming(Session, monkeypatch):
    monkeypatch.setenv("HEADLINE_LAB_HIGHLIGHT_WAIT_S", "0")
    at = type_drafts(open_app(), DRAFTS)
    at.text_input(key="draft_1").set_value(DRAFTS[1].replace("thing", "tango")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(draft_rows(at)) == 3
    assert '<span title="' not in next(b for b in highlights(at) if "tango" in b)
    assert "Explaining the words is taking longer than usual; change a draft to look again." in [
        c.value for c in at.caption
    ]


def test_nothing_typed_asks_for_drafts(Session):
    at = open_app()
    assert [i.value for i in at.info] == ["Type at least two drafts to compare them."]
    assert not draft_rows(at) and not at.error


def test_empty_and_duplicate_drafts_get_a_message_not_an_error(Session):
    at = type_drafts(open_app(), ["Cats are great", "", "cats are GREAT!"])

    assert [w.value for w in at.warning] == [
        "Draft 2: empty headline — left out of the comparison.",
        "Draft 3: same as draft 1 — left out of the comparison.",
    ]
    assert [i.value for i in at.info] == ["Type at least two different drafts to compare them."]
    assert not draft_rows(at) and not at.error and not at.exception

    at.text_input(key="draft_1").set_value("Dogs are better").run()
    assert len(draft_rows(at)) == 2
    assert [w.value for w in at.warning] == ["Draft 3: same as draft 1 — left out of the comparison."]


def test_unused_boxes_after_the_last_draft_get_no_warning(Session):
    at = type_drafts(open_app(), ["Cats are great", "Dogs are better", ""])
    assert not at.warning and len(draft_rows(at)) == 2


def test_markup_is_shown_as_text_and_too_long_drafts_are_refused(Session):
    at = type_drafts(open_app(), ["<script>alert('x')</script> Cats", "Dogs", "x" * 301])

    bodies = highlights(at)
    assert len(bodies) == 2 and len(draft_rows(at)) == 2
    assert not any("<script" in body.lower() for body in bodies)
    # with the highlight spans removed, what is left is exactly the escaped draft
    texts = {re.sub(r"</?span[^>]*>", "", body) for body in bodies}
    assert html.escape("<script>alert('x')</script> Cats") in texts
    assert (  # markdown-escaped: the tags show as typed, never as markup
        r"Draft 1: its markup (\<script\>, \</script\>) is shown as typed but dropped; it is scored and saved "
        r"as plain text: “alert\('x'\) Cats”." in [c.value for c in at.caption]
    )
    assert [w.value for w in at.warning] == [
        "Draft 3: headline too long (301 characters, at most 300) — left out of the comparison."
    ]


def test_inline_formatting_is_said_to_be_saved_as_plain_text(Session):
    at = open_app()
    at.number_input(key="draft_count").set_value(4).run()
    at = type_drafts(
        at, ["<b>Mayor</b> resigns after vote", "Fish &amp; chips", "Plain   spaced", "A&nbsp;B &#8211; C"]
    )

    notes = [c.value for c in at.caption if c.value.startswith("Draft ")]
    assert notes == [  # each change named, markdown-escaped
        r"Draft 1: its formatting (\<b\>, \</b\>) is dropped; it is scored and saved as plain text: "
        "“Mayor resigns after vote”.",
        r"Draft 2: “\&amp;” is read as “\&”; it is scored and saved as plain text: “Fish \& chips”.",
        r"Draft 4: “\&nbsp;” is read as a space; “\&\#8211;” is read as “–”; it is scored and saved as plain "
        "text: “A B – C”.",
    ]  # extra spaces alone change nothing an editor would notice: no note for draft 3


def test_the_leading_headline_is_named_as_typed_markup_and_all(Session):
    typed = ["<script>alert('x')</script> Cats", "<img src=x onerror=alert(2)>  Dogs"]
    at = type_drafts(open_app(), typed)

    [lead] = [h.proto.body for h in at.get("html") if "headline-lab-leader" in h.proto.body]
    number = int(re.search(r"\(draft (\d)\)", lead).group(1))
    shown = html.escape(" ".join(typed[number - 1].split()))  # spaces collapsed, escaped, nothing else
    assert lead.endswith(f"Leading headline (draft {number}): <b>{shown}</b></div>")
    assert f'title="{shown}"' in lead  # all of it on hover when the line is cut short
    assert "<script" not in lead and "<img" not in lead


def test_planning_the_test_sizes_each_draft_against_the_leader(Session):
    at = type_drafts(open_app(), DRAFTS)
    at.toggle(key="plan_estimate").set_value(True).run()

    assert not at.exception, [e.value for e in at.exception]
    [usual] = [n for n in at.number_input if n.label == "Usual click rate (%)"]
    assert 0.01 <= usual.value <= 50  # the archive's median: no outcomes recorded yet
    plan = next(d.value for d in at.dataframe if "impressions per headline" in d.value.columns)
    assert len(plan) == 2  # the first two drafts are picked by default
    assert np.isnan(plan["impressions per headline"].iloc[0])  # the leader's own row: blank
    assert plan["impressions per headline"].iloc[1] > 0
    [run_for] = [m.value for m in at.markdown if m.value.startswith("**Run the test for about ")]
    assert f"{roughly(plan['impressions per headline'].max()):,} impressions per headline**" in run_for

    usual.set_value(0.01).run()  # a rare click: the predicted rates still read as numbers, not "0.0%"
    [plan] = [d for d in at.dataframe if "impressions per headline" in d.value.columns]
    assert plan.value["predicted click rate"].max() < 0.1
    shown_as = json.loads(plan.proto.columns)["predicted click rate"]["type_config"]["format"]
    assert re.fullmatch(r"%\.[34]f%%", shown_as)  # enough decimals for the smallest rate to read


def test_planning_uses_the_archives_there_are_and_says_so_when_there_are_none(Session, tmp_path, monkeypatch):
    from ui import planning_view

    planning_view._calibration.clear()  # measured again, from what this install has
    at = type_drafts(open_app(), DRAFTS)
    monkeypatch.setenv("HEADLINE_LAB_SHARED_DATA", str(tmp_path / "nowhere"))  # no Ars file: Upworthy only
    at.toggle(key="plan_estimate").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    plan = next(d.value for d in at.dataframe if "impressions per headline" in d.value.columns)
    assert plan["impressions per headline"].iloc[1] > 0

    none = {"Upworthy": tmp_path / "u.parquet", "Ars Technica": tmp_path / "a.csv"}
    monkeypatch.setattr(planning_view, "missing_archives", lambda settings: none)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    [note] = [i.value for i in at.info if i.value.startswith("The plan cannot be estimated here")]
    assert "HEADLINE_LAB_SHARED_DATA" in note and str(tmp_path / "a.csv") in note
    assert not any("impressions per headline" in d.value.columns for d in at.dataframe)
    assert at.button(key="FormSubmitter:save_test-Save as test")  # the rest of the page is there
    assert not any("Explaining the words" in c.value for c in at.caption)  # every highlight drawn


def test_drafts_survive_a_visit_to_another_page(Session):
    at = type_drafts(open_app(), DRAFTS)
    at.switch_page(HISTORY).run()
    at.switch_page(COMPARE).run()

    assert [at.text_input(key=f"draft_{i}").value for i in range(3)] == DRAFTS
    assert len(draft_rows(at)) == 3


def test_saving_a_test_stores_the_drafts_with_the_models_predictions(Session, model_dir):
    at = type_drafts(open_app(), DRAFTS)
    at.text_area(key="excerpt").set_value("A story about cats")
    at.text_input(key="editor").set_value("ana")
    at.button[0].click().run()

    # The newsroom's first test is #1, though the archive's thousands of tests came first.
    assert at.success[0].value.startswith("Saved as test #1. ")
    with Session.begin() as session:
        (test,) = experiments.list_tests(session)
    assert at.session_state["last_saved_test"] == test.id and (test.number, test.id > 4000) == (1, True)
    assert [arm.headline for arm in test.arms] == DRAFTS
    assert (test.created_by, test.excerpt) == ("ana", "A story about cats")
    scorer = HeadlineScorer.from_pretrained(model_dir)
    assert {p.model_version for p in test.predictions} == {TINY_VERSION}
    np.testing.assert_allclose([p.win_probability for p in test.predictions], scorer.win_shares(DRAFTS))
    np.testing.assert_allclose([p.score for p in test.predictions], scorer.score(DRAFTS))


def test_saving_the_same_drafts_again_says_so_and_stores_nothing_new(Session):
    at = type_drafts(open_app(), DRAFTS)
    at.button[0].click().run()
    assert at.success[0].value.startswith("Saved as test #")
    at.button[0].click().run()  # at once: a double click says so too, not "Saved as test #1" twice

    assert not at.success and not at.exception
    [message] = [i.value for i in at.info if "test #" in i.value]
    (number,) = re.findall(r"test #(\d+)", message)
    assert message.startswith(f"These drafts were already saved as test #{number} in the last few minutes")
    assert "nothing new was saved" in message
    with Session.begin() as session:
        assert [t.number for t in experiments.list_tests(session)] == [int(number)]


# --- Record outcome -----------------------------------------------------------------------


def fill_counts(at: AppTest, entries: list[tuple[str, str]], form: str) -> AppTest:
    for i, (impressions, clicks) in enumerate(entries):
        at.text_input(key=f"{form}_impressions_{i}").set_value(impressions)
        at.text_input(key=f"{form}_clicks_{i}").set_value(clicks)
    return at


def test_a_new_tests_headlines_survive_a_visit_to_another_page(Session):
    at = open_app(RECORD)
    at.text_area(key="new_headlines").set_value("Cats win\nDogs win").run()
    at.switch_page(HELP).run()
    at.switch_page(RECORD).run()
    assert at.text_area(key="new_headlines").value == "Cats win\nDogs win"
    assert [t.value for t in at.text if t.value[0].isdigit()] == ["1. Cats win", "2. Dogs win"]


def test_a_test_saved_on_compare_gets_its_outcome_recorded(Session):
    at = type_drafts(open_app(), DRAFTS[:2])
    at.button[0].click().run()
    test_id = at.session_state["last_saved_test"]

    at.switch_page(RECORD).run()
    assert at.selectbox[0].value == test_id  # the test just saved is preselected
    form = f"outcome_{test_id}"
    fill_counts(at, [("1,000", "120"), ("1000", "60")], form)
    at.text_input(key=f"{form}_by").set_value("bo")
    at.button(key=f"FormSubmitter:{form}-Record outcome").click().run()

    assert not at.error and at.success[0].value == f"Outcome of test #{number_of(Session, test_id)} recorded."
    assert [t.value for t in at.toast] == [at.success[0].value]  # in view however long the form
    assert any(m.value.startswith("**Winner: You won") for m in at.markdown)
    assert any(  # the p-value in words first: 120 vs 60 clicks of 1,000 is no fluke
        c.value.startswith(
            "Best against runner-up: if the headlines were equally good, a gap this large would "
            "turn up by chance less than 1 time in 1,000. p-value < 0.001: a winner is named below 0.05."
        )
        for c in at.caption
    )
    (arms,) = [d for d in at.dataframe if "likely range" in d.value.columns]
    # Issue #14: short headings, each explained one hover away; nothing to say is no column, never "None".
    assert shown_columns(arms) == [
        "headline",
        "impressions",
        "clicks",
        "click rate",
        "likely range",
        "model's chance",
    ]
    assert all(tooltips(arms).values()) and blank_when_missing(arms)
    assert arms.value["click rate"].tolist() == [12.0, 6.0]  # shown as "12.0%"
    with Session.begin() as session:
        test = experiments.get_test(session, test_id)
    assert [(a.impressions, a.clicks) for a in test.arms] == [(1000, 120), (1000, 60)]
    outcome = test.latest_outcome
    assert outcome.recorded_by == "bo" and outcome.significant and outcome.p_value < 0.001
    assert outcome.winner_arm_id == test.arms[0].id and outcome.model_version == TINY_VERSION
    predicted = max(test.predictions, key=lambda p: p.win_probability)
    assert outcome.predicted_arm_id == predicted.arm_id
    assert outcome.model_correct == (predicted.arm_id == test.arms[0].id)


def test_the_editors_name_is_asked_once_per_visit(Session):
    at = type_drafts(open_app(), DRAFTS[:2])
    at.text_input(key="editor").set_value("ana")
    at.button[0].click().run()
    test_id = at.session_state["last_saved_test"]

    at.switch_page(RECORD).run()
    form = f"outcome_{test_id}"
    assert at.text_input(key=f"{form}_by").value == "ana"  # the name given on Compare
    fill_counts(at, [("1000", "120"), ("1000", "60")], form)
    at.text_input(key=f"{form}_by").set_value("bo")  # someone else records it
    at.button(key=f"FormSubmitter:{form}-Record outcome").click().run()
    assert not at.exception and at.success
    assert at.text_input(key=f"{form}_v1_by").value == "bo"  # the correction form starts from it
    with Session.begin() as session:
        assert experiments.get_test(session, test_id).latest_outcome.recorded_by == "bo"
    at.switch_page(COMPARE).run()
    assert at.text_input(key="editor").value == "bo"


def test_the_chosen_test_stays_chosen_after_its_outcome_is_recorded(Session):
    with Session.begin() as session:
        experiments.create_test(session, ["Older A", "Older B"])
        newer = experiments.create_test(session, ["Newer A", "Newer B"])
    at = open_app(RECORD)
    assert at.selectbox[0].value == newer.id  # the newest test still waiting for its outcome
    fill_counts(at, [("100", "10"), ("100", "12")], f"outcome_{newer.id}")
    at.button(key=f"FormSubmitter:outcome_{newer.id}-Record outcome").click().run()

    assert at.success[0].value == f"Outcome of test #{newer.number} recorded." and newer.number == 2
    assert at.selectbox[0].value == newer.id  # not moved on to the older test
    at.run()
    assert at.selectbox[0].value == newer.id


def test_invalid_counts_are_refused_field_by_field_and_nothing_is_written(Session):
    with Session.begin() as session:
        test = experiments.create_test(session, ["A", "B", "C"])
    before = counts(Session)
    at = open_app(RECORD)
    form = f"outcome_{test.id}"
    fill_counts(at, [("100", "150"), ("lots", "-2"), ("9000000000000000000", "0")], form)
    at.button(key=f"FormSubmitter:{form}-Record outcome").click().run()

    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("Nothing was recorded.")
    for expected in (
        "headline 1: clicks (150) above impressions (100)",
        "headline 2: impressions is not a number ('lots')",
        "headline 2: clicks must not be negative (-2)",
        "headline 3: impressions is too large (9000000000000000000)",
    ):
        assert expected in message
    assert not at.success and counts(Session) == before


def test_a_gap_no_test_could_resolve_is_said_in_words_not_a_traceback(Session):
    with Session.begin() as session:
        test = experiments.create_test(session, ["A", "B"])
    at = open_app(RECORD)
    form = f"outcome_{test.id}"
    fill_counts(at, [("900,000,000,000", "450,000,000,001"), ("900,000,000,000", "450,000,000,000")], form)
    at.button(key=f"FormSubmitter:{form}-Record outcome").click().run()

    assert not at.exception, [e.value for e in at.exception]
    assert at.success and any("in practice these headlines are equally good" in c.value for c in at.caption)

    with Session.begin() as session:  # a third, plainly worse headline: only the best two are alike
        test = experiments.create_test(session, ["A", "B", "C"])
    at = open_app(RECORD)
    form = f"outcome_{test.id}"
    big = [("900,000,000,000", "450,000,000,001"), ("900,000,000,000", "450,000,000,000"), ("1000", "1")]
    fill_counts(at, big, form)
    at.button(key=f"FormSubmitter:{form}-Record outcome").click().run()
    assert any("in practice the two best headlines are equally good" in c.value for c in at.caption)


def test_a_new_test_from_scratch_is_saved_with_predictions_and_its_outcome(Session):
    at = open_app(RECORD)
    at.selectbox[0].select_index(0).run()  # "New test"
    at.text_area(key="new_headlines").set_value("First headline\n\nSecond headline\n").run()
    fill_counts(at, [("500", "10"), ("500", "40")], "outcome_new")
    at.button(key="FormSubmitter:outcome_new-Record outcome").click().run()

    assert not at.error and at.success
    with Session.begin() as session:
        (test,) = experiments.list_tests(session)
    assert [(a.headline, a.impressions, a.clicks) for a in test.arms] == [
        ("First headline", 500, 10),
        ("Second headline", 500, 40),
    ]
    assert {p.model_version for p in test.predictions} == {TINY_VERSION}
    assert all(p.at_recording for p in test.predictions)  # scored after it ran: flagged
    assert test.latest_outcome.prediction_at_recording is True
    assert test.latest_outcome.winner_arm_id == test.arms[1].id
    [model_line] = [unescaped(m.value) for m in at.markdown if unescaped(m.value).startswith("Model: ")]
    assert "not a forecast" not in model_line and model_line.endswith("win probability)")  # the call, short
    assert any(
        c.value.startswith("The model scored these headlines only now, after the test ran: not a forecast")
        for c in at.caption
    )


def test_a_new_test_with_a_repeated_headline_names_it_as_the_form_does(Session):
    at = open_app(RECORD)
    at.selectbox[0].select_index(0).run()  # "New test"
    at.text_area(key="new_headlines").set_value("Cats purr\nDogs bark\ncats purr!\n").run()
    assert [w.value for w in at.warning] == ["Headline 3: same as headline 1"]


def test_a_bad_outcomes_csv_lists_every_bad_row_and_writes_nothing(Session):
    before = counts(Session)
    csv = (
        b"test_id,headline,impressions,clicks\n"
        b"t1,Good one,100,5\n"
        b"t1,Too many clicks,100,500\n"
        b"t2,Fine,100,5\n"
        b"t2,Not a number,many,5\n"
        b"t2,Zero,0,0\n"
    )
    at = open_app(RECORD)
    at.file_uploader[0].upload("results.csv", csv, "text/csv")
    at.run()

    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("Nothing was recorded: 3 problems in results.csv")
    assert (
        "- row 3, column clicks: clicks (500) above impressions (100)\n"
        "- row 5, column impressions: impressions is not a number ('many')\n"
        "- row 6, column impressions: impressions must be above 0"
    ) in message
    assert not [b for b in at.button if b.label.startswith("Record ")]
    assert counts(Session) == before

    at.file_uploader[0].set_value(("other.csv", b"test_id,headline,clicks\nt,A,1\n", "text/csv"))
    at.run()
    assert at.error[0].value.startswith("Nothing was recorded from other.csv. Outcomes CSV is missing")
    assert "missing required column: impressions" in at.error[0].value
    assert counts(Session) == before


def test_an_outcomes_csv_records_on_the_matching_saved_test_and_as_new_tests(Session):
    with Session.begin() as session:
        saved = experiments.create_test(
            session, ["Cats win", "Dogs win"], None, "ana", "v1", [1.0, 0.0], [0.7, 0.3]
        )
    _, editor_before, outcomes_before = counts(Session)
    csv = (
        b"test_id,headline,impressions,clicks,image_id,date,excerpt\n"
        b"cms-1,Dogs win,1000,50,,,\n"
        b"cms-1,Cats win,1000,100,,,\n"
        b"cms-2,Brand new A,300,3,img-1,2026-11-02,The story in brief\n"
        b"cms-2,Brand new B,300,4,img-2,2026-11-02,\n"
    )
    at = open_app(RECORD)
    at.file_uploader[0].upload("results.csv", csv, "text/csv")
    at.run()
    preview = at.dataframe[0].value
    assert preview["recorded on"].tolist() == [f"test #{saved.number}", "a new test"]
    (record_button,) = [b for b in at.button if b.label == "Record 2 outcomes"]
    record_button.click().run()

    assert at.success[0].value == "Recorded 2 outcomes from results.csv."
    _, editor_after, outcomes_after = counts(Session)
    assert (editor_after, outcomes_after) == (editor_before + 1, outcomes_before + 2)
    with Session.begin() as session:
        matched = experiments.get_test(session, saved.id)
        (new,) = [t for t in experiments.list_tests(session) if t.id != saved.id]
    assert [(a.headline, a.impressions, a.clicks) for a in matched.arms] == [
        ("Cats win", 1000, 100),
        ("Dogs win", 1000, 50),
    ]
    assert matched.latest_outcome.model_correct is True and matched.latest_outcome.model_version == "v1"
    assert matched.latest_outcome.prediction_at_recording is False  # saved on Compare first
    assert [a.headline for a in new.arms] == ["Brand new A", "Brand new B"]
    assert [(a.image_id, str(a.date)) for a in new.arms] == [("img-1", "2026-11-02"), ("img-2", "2026-11-02")]
    assert new.excerpt == "The story in brief"
    assert not new.latest_outcome.significant
    assert new.latest_outcome.prediction_at_recording is True


# --- History and Models -------------------------------------------------------------------


def seed_outcomes(Session) -> None:
    for version, probabilities, result in (
        ("v1", [0.7, 0.3], [(1000, 100), (1000, 50)]),  # significant hit
        ("v2", [0.2, 0.8], [(100, 10), (100, 11)]),  # undecided; top pick had the best rate
    ):
        with Session.begin() as session:
            test = experiments.create_test(session, ["A", "B"], None, "ana", version, [0, 0], probabilities)
            record(session, test, result, "bo")


def table_with(at: AppTest, column: str):
    """The one table on the page that has this column."""
    (table,) = [d.value for d in at.dataframe if column in d.value.columns]
    return table


def test_history_shows_outcomes_accuracy_calibration_and_an_export(Session):
    seed_outcomes(Session)
    at = open_app(HISTORY)

    accuracy = {m.label: m.value for m in at.metric}
    assert accuracy == {"Accuracy on significant outcomes": "100%", "Accuracy on all outcomes": "100%"}
    table = at.dataframe[0].value
    assert table["model"].tolist() == ["v2", "v1"]  # newest first
    assert table["model right?"].tolist() == ["no clear winner yet", "right"]
    assert table["winner"].tolist() == ["no clear winner", "A"] and table["model's pick"].tolist() == [
        "B",
        "A",
    ]
    assert table["headlines"].tolist() == ["A | B", "A | B"] and "None" not in table.to_string()
    assert at.download_button[0].label == "Export CSV (2 tests shown)"
    assert all(blank_when_missing(d) for d in at.dataframe)  # no "None" in any table on the page
    over_time = table_with(at, "tests (all)")
    assert over_time["tests (all)"].tolist() == [1, 2] and over_time["tests (significant)"].tolist() == [1, 1]
    assert any(
        c.value.startswith("After the latest outcome: 1 significant test, 2 tests in all.")
        for c in at.caption
    )
    assert table_with(at, "arms")["arms"].sum() == 2  # calibration: the significant test's two arms
    by_version = table_with(at, "significant tests").set_index("version")
    assert by_version.loc["v1", "accuracy (significant)"] == 100  # percent points, shown "100%"

    at.toggle(key="calibration_all").set_value(True).run()
    assert table_with(at, "arms")["arms"].sum() == 4

    at.selectbox(key="history_version").set_value("v2").run()
    assert at.dataframe[0].value["model"].tolist() == ["v2"]
    assert "Set in the sidebar: tests forecast by v2." in [c.value for c in at.caption]
    assert {m.label: m.value for m in at.metric}["Accuracy on significant outcomes"] == "–"


def test_history_names_model_versions_as_the_models_page_does(Session):
    with Session.begin() as session:  # registered twice, as a retrain on 12 newsroom tests would be
        for version, editor_tests in (("v-old", 0), (TINY_VERSION, 12)):
            model_versions.add_model_version(
                session, version, "models/x", "minilm", {"editor_tests": editor_tests}, None, {}, {}
            )
        test = experiments.create_test(
            session, ["Island wins", "Island loses"], None, None, TINY_VERSION, [0, 0], [0.6, 0.4]
        )
        record(session, test, [(1000, 100), (1000, 50)], None)
    at = open_app(HISTORY)

    by_version = next(d.value for d in at.dataframe if "significant tests" in d.value.columns)
    [name] = by_version["version"].tolist()
    assert name.startswith("Version 2 · ") and name.endswith(" · archive + 12 newsroom tests")
    assert at.selectbox(key="history_version").options == ["All versions", name]
    at.selectbox(key="history_version").set_value(TINY_VERSION).run()
    assert f"Set in the sidebar: tests forecast by {name}." in [c.value for c in at.caption]


def test_history_leaves_predictions_made_at_recording_out_unless_asked(Session):
    seed_outcomes(Session)
    with Session.begin() as session:  # typed in on Record outcome: the model scored it afterwards (a miss)
        test = experiments.create_test(
            session, ["C", "D"], None, "ana", "v2", [0, 0], [0.3, 0.7], predicted_at_recording=True
        )
        record(session, test, [(1000, 100), (1000, 50)], "bo")
    at = open_app(HISTORY)

    assert {m.label: m.value for m in at.metric}["Accuracy on significant outcomes"] == "100%"
    assert "Right in 1 of 1 test counted here (of 3 listed)" in [c.value for c in at.caption]
    [summary] = [m.value for m in at.markdown if "tests with an outcome" in m.value]
    assert summary.endswith(
        "The model picked that winner in 1 of 1 (100%). The other one had no forecast saved before the "
        "test ran (uploaded, or typed in on Record outcome), so it is not counted."
    )
    assert at.dataframe[0].value["predicted at recording"].tolist() == [True, False, False]
    assert table_with(at, "tests (all)")["tests (all)"].tolist() == [1, 2]  # the late one adds no row
    # Its own headlines still show the chances the model gave, said to be no forecast.
    [picker] = [b for b in at.selectbox if b.key.startswith("history_detail")]
    picker.set_value(test.number).run()
    assert table_with(at, "win_probability")["win_probability"].tolist() == [30, 70]  # in percent points
    assert any(c.value.startswith("The model scored these headlines only as the outcome") for c in at.caption)
    at.toggle(key="count_late_predictions").set_value(True).run()
    assert {m.label: m.value for m in at.metric}["Accuracy on significant outcomes"] == "50%"
    assert table_with(at, "tests (all)")["tests (all)"].tolist() == [1, 2, 3]

    # The browser keeps a switched-on toggle in the address, so a reload (a new session) asks for it.
    reloaded = AppTest.from_file(APP, default_timeout=60)
    reloaded.query_params["count_late_predictions"] = "true"
    reloaded.run().switch_page(HISTORY).run()
    assert reloaded.toggle(key="count_late_predictions").value
    assert {m.label: m.value for m in reloaded.metric}["Accuracy on significant outcomes"] == "50%"


def test_history_without_a_single_forecast_says_so_instead_of_a_chart(Session):
    with Session.begin() as session:  # only tests typed in on Record outcome: none is a forecast
        test = experiments.create_test(
            session, ["C", "D"], None, "ana", "v2", [0, 0], [0.3, 0.7], predicted_at_recording=True
        )
        record(session, test, [(1000, 100), (1000, 50)], "bo")
    at = open_app(HISTORY)

    assert not at.exception and not at.error
    assert any(i.value.startswith("No forecasts with outcomes yet") for i in at.info)
    assert not [d for d in at.dataframe if "tests (all)" in d.value.columns]
    assert at.dataframe[0].value["p-value"].tolist() == ["< 0.001"]  # 100 vs 50 clicks of 1,000
    assert any(
        i.value.startswith("No headline the model forecast is in a test with a clear") for i in at.info
    )


def test_history_lists_tests_for_editors_with_search_detail_and_a_per_headline_export(Session):
    seed_outcomes(Session)
    with Session.begin() as session:
        test = experiments.create_test(
            session, ["Island wins", "Island loses"], None, None, "v1", [0, 0], [0.4, 0.6]
        )
        record(session, test, [(1000, 100), (1000, 50)], None)
    at = open_app(HISTORY)
    assert "3 tests with an outcome; 2 had a clear winner. The model picked that winner in 1 of 2 (50%)." in [
        m.value for m in at.markdown
    ]
    table = at.dataframe[0].value
    assert (
        table.iloc[0]["headlines"] == "Island wins | Island loses"
        and table.iloc[0]["model right?"] == "wrong"
    )
    assert table.iloc[0]["saved by"] == "" and not re.search(r"\+00:00|None", table.to_string())
    # Issue #14: what an editor looks for first, in a table that fits a 1280 px window; the
    # number, p-value, names and model version behind an expander; every column explained.
    main, details = at.dataframe[0], at.dataframe[1]
    assert shown_columns(main) == ["date", "headlines", "winner", "model's pick", "model right?"]
    assert shown_columns(details)[0] == "test" and {"p-value", "model", "saved by"} <= set(
        shown_columns(details)
    )
    for shown in (main, details):
        assert all(tooltips(shown).values()) and blank_when_missing(shown)
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", table.iloc[0]["date"])  # a local day, no time

    at.text_input(key="history_search").set_value("island").run()
    assert at.dataframe[0].value["test"].tolist() == [test.number]
    assert "1 of 3 tests shown." in [c.value for c in at.caption]
    assert at.download_button[0].label == "Export CSV (1 test shown)"  # the file holds what is shown
    at.text_input(key="history_search").set_value("").run()
    at.multiselect(key="history_calls").set_value(["right"]).run()
    assert at.dataframe[0].value["model right?"].tolist() == ["right"]

    detail = table_with(at, "win_probability")
    assert detail["headline"].tolist() == ["Island wins", "Island loses"]
    assert detail["impressions"].tolist() == [1000, 1000] and detail["clicks"].tolist() == [100, 50]


def test_the_history_export_has_impressions_clicks_and_rate_per_headline(Session):
    import io

    import pandas as pd

    from core.newsroom.history import arm_outcomes, export_csv, judged_outcomes
    from core.newsroom.testbook import recorded_arms, recorded_outcomes

    seed_outcomes(Session)
    with Session.begin() as session:
        outcomes = recorded_outcomes(session)
        arms = arm_outcomes(recorded_arms(session))
    frame = pd.read_csv(io.BytesIO(export_csv(judged_outcomes(outcomes, arms), arms)))
    assert len(frame) == 4
    assert {"headline", "impressions", "clicks", "click_rate", "model_chance"} <= set(frame.columns)
    first = frame[frame["model_version"] == "v1"]
    assert first["impressions"].tolist() == [1000, 1000] and first["click_rate"].tolist() == [0.1, 0.05]


def test_history_on_day_one_shows_the_models_archive_record_apart(Session, model_dir, tmp_path, monkeypatch):
    import shutil

    with_metrics = tmp_path / "model"
    shutil.copytree(model_dir, with_metrics)
    manifest = json.loads((with_metrics / "manifest.json").read_text())
    manifest["validation_metrics"] = {
        "upworthy": {
            "accuracy": 0.634,
            "accuracy_significant": 0.753,
            "pairs": 2854,
            "significant_pairs": 823,
        }
    }
    write_manifest(with_metrics, manifest)  # sealed again, as training would have written it
    monkeypatch.setenv("HEADLINE_LAB_MODEL_DIR", str(with_metrics))
    at = open_app(HISTORY)
    text = " ".join(m.value for m in at.markdown)
    assert "The archive (not your newsroom)" in text
    assert (
        "On 2,854 headline pairs from Upworthy archive tests it had never seen, it picked the winner 63% of "
        "the time (75% of 823 when the result was clear)." in text
    )
    assert "No outcomes recorded yet in your newsroom" in at.info[0].value


def test_history_without_outcomes_says_so(Session):
    at = open_app(HISTORY)
    assert "No outcomes recorded yet" in at.info[0].value and not at.dataframe


def test_every_page_opens_without_an_exception(Session):
    at = open_app()
    for page, title in (
        (RECORD, "Record an outcome"),
        (HISTORY, "History"),
        (MODELS, "Models"),
        (HELP, "Help"),
    ):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.title[0].value == title


def test_a_model_that_cannot_load_is_a_clear_error_and_the_rest_still_works(Session, tmp_path, monkeypatch):
    monkeypatch.setenv("HEADLINE_LAB_MODEL_DIR", str(tmp_path / "no-model"))
    at = open_app()
    assert any("model not loaded" in c.value for c in at.sidebar.caption)
    type_drafts(at, DRAFTS[:2])

    assert len(at.error) == 1 and "The model could not be loaded" in at.error[0].value
    assert "does not exist" in at.error[0].value and not draft_rows(at)

    seed_outcomes(Session)
    at.switch_page(HISTORY).run()
    assert not at.exception and len(at.dataframe[0].value) == 2
    at.switch_page(RECORD).run()
    assert not at.exception and at.selectbox[0].value is None


# --- The editor's desk: duplicates, corrections, undo, deletion, uploads that ask ---------


def test_saving_the_same_drafts_twice_returns_the_first_test(Session):
    import pandas as pd

    from core.newsroom.testbook import save_ranked_drafts

    ranked = pd.DataFrame({"headline": ["A", "B"], "score": [1.0, 0.0], "win_probability": [0.7, 0.3]})
    with Session.begin() as session:
        saves = [
            save_ranked_drafts(session, ranked, "v1", None, "ana"),
            save_ranked_drafts(session, ranked, "v1", None, "ana"),  # at once: a double click
            save_ranked_drafts(session, ranked, "v2", None, "ana"),
            save_ranked_drafts(session, ranked, "v1", "A story", "ana"),
        ]
        ids = [test.id for test, _ in saves]
    assert ids[1] == ids[0] and len(set(ids)) == 3
    assert [saved_now for _, saved_now in saves] == [True, False, True, True]
    _, editor, _ = counts(Session)
    assert editor == 3


def recorded_test(Session, result=((1000, 100), (1000, 50))) -> int:
    with Session.begin() as session:
        test = experiments.create_test(
            session, ["Cats win", "Dogs win"], None, "ana", "v1", [1, 0], [0.7, 0.3]
        )
        record(session, test, list(result), "bo")
        return test.id


def test_correcting_an_outcome_starts_from_the_current_numbers_and_keeps_the_old_ones(Session):
    test_id = recorded_test(Session)
    at = open_app(RECORD)
    at.selectbox[0].set_value(test_id).run()
    form = f"outcome_{test_id}_v1"
    assert [at.text_input(key=f"{form}_impressions_{i}").value for i in range(2)] == ["1000", "1000"]
    assert [at.text_input(key=f"{form}_clicks_{i}").value for i in range(2)] == ["100", "50"]
    at.text_input(key=f"{form}_clicks_1").set_value("150")
    at.text_input(key=f"{form}_by").set_value("cy")
    at.button(key=f"FormSubmitter:{form}-Correct outcome").click().run()

    assert at.success[0].value == f"Outcome of test #{number_of(Session, test_id)} corrected."
    assert any(m.value.startswith("**Winner: Dogs win") for m in at.markdown)
    at.run()
    assert at.selectbox[0].value == test_id and "outcome recorded" in at.selectbox[0].format_func(test_id)
    history = table_with(at, "before (impressions / clicks)")
    assert history["before (impressions / clicks)"].tolist() == ["nothing", "1,000 / 100 · 1,000 / 50"]
    assert history["after"].tolist()[-1] == "1,000 / 100 · 1,000 / 150"
    assert history["by"].tolist() == ["bo", "cy"]
    [undo_note] = [c.value for c in at.caption if c.value.startswith("Undoing takes back")]
    assert " by cy: the numbers go back to 1,000 / 100 · 1,000 / 50. " in undo_note  # what it will undo

    assert at.text_input(key=f"undo_by_{test_id}").value == "cy"  # drawn before the correction gave it

    at.button(key=f"undo_{test_id}").click().run()
    assert at.success[0].value == f"The last change to test #{number_of(Session, test_id)} was undone."
    with Session.begin() as session:
        test = experiments.get_test(session, test_id)
        assert [(a.impressions, a.clicks) for a in test.arms] == [(1000, 100), (1000, 50)]
        assert len(test.outcomes) == 1 and len(test.outcome_log) == 2 and test.outcome_log[1].undone_at
    assert table_with(at, "undone")["undone"].tolist()[0] == ""
    assert table_with(at, "undone")["undone"].tolist()[1].endswith("by cy")


def test_a_recorded_test_picked_again_shows_its_result_before_the_correction_form(Session):
    test_id = recorded_test(Session)
    at = open_app(RECORD)
    at.selectbox[0].set_value(test_id).run()
    assert [e.label for e in at.expander if e.label.startswith("Its result")] == [
        "Its result as recorded: a clear winner"
    ]
    shown = [m.value for m in at.markdown]
    assert "**Winner: Cats win**" in shown
    assert any(unescaped(m).startswith("Model: the model predicted it") for m in shown)
    assert not at.exception


def test_the_undo_box_shows_who_made_the_last_change_after_each_correction(Session):
    test_id = recorded_test(Session)
    at = open_app(RECORD)
    at.selectbox[0].set_value(test_id).run()
    at.text_input(key=f"undo_by_{test_id}").set_value("al").run()  # typed there first, then a correction
    for version, (clicks, name) in enumerate([("150", "cy"), ("160", "di")], start=1):
        form = f"outcome_{test_id}_v{version}"
        at.text_input(key=f"{form}_clicks_1").set_value(clicks)
        at.text_input(key=f"{form}_by").set_value(name)
        at.button(key=f"FormSubmitter:{form}-Correct outcome").click().run()
        at.run()
        assert at.text_input(key=f"undo_by_{test_id}").value == name, version
        assert at.text_input(key=f"delete_by_{test_id}").value == name
    at.button(key=f"undo_{test_id}").click().run()
    assert table_with(at, "undone")["undone"].tolist()[-1].endswith("by di")


def test_undoing_the_only_recording_puts_the_test_back_to_waiting(Session):
    test_id = recorded_test(Session)
    at = open_app(RECORD)
    at.selectbox[0].set_value(test_id).run()
    assert any("the test goes back to waiting for its outcome" in c.value for c in at.caption)
    at.button(key=f"undo_{test_id}").click().run()
    assert "waiting for its outcome" in at.selectbox[0].format_func(test_id)
    with Session.begin() as session:
        test = experiments.get_test(session, test_id)
        assert [(a.impressions, a.clicks) for a in test.arms] == [(None, None), (None, None)]
    assert at.text_input(key=f"outcome_{test_id}_v2_impressions_0").value == ""


def test_a_test_is_deleted_only_after_confirming_and_the_deletion_is_kept(Session):
    test_id = recorded_test(Session)
    at = open_app(RECORD)
    at.selectbox[0].set_value(test_id).run()
    assert at.button(key=f"delete_{test_id}").disabled
    at.checkbox(key=f"delete_sure_{test_id}").check().run()
    assert at.button(key=f"delete_{test_id}").disabled  # confirmed, but whose deletion? a name is required
    at.text_input(key=f"delete_by_{test_id}").set_value("ana").run()
    at.button(key=f"delete_{test_id}").click().run()

    assert at.success[0].value == f"Test #{number_of(Session, test_id)} was deleted."
    assert test_id not in at.selectbox[0].options and not at.exception
    with Session.begin() as session:
        test = experiments.get_test(session, test_id)
        assert test.deleted_by == "ana" and test.deleted_at is not None
        assert test_id not in [t.id for t in experiments.list_tests(session)]
    at.switch_page(HISTORY).run()
    assert "No outcomes recorded yet" in at.info[0].value or test_id not in set(
        at.dataframe[0].value.iloc[:, 0]
    )


OUTCOMES_CSV = b"test_id,headline,impressions,clicks\ncms-1,Cats win,1000,100\ncms-1,Dogs win,1000,50\n"


def test_an_upload_names_each_headline_recorded_as_plain_text(Session):
    csv = b"test_id,headline,impressions,clicks\nt1,<script>x()</script> Owls,100,10\nt1,Owls &amp; bats,100,12\n"
    at = open_app(RECORD)
    at.file_uploader[0].upload("results.csv", csv, "text/csv")
    at.run()

    (note,) = [unescaped(i.value) for i in at.info if "plain text" in i.value]
    assert note.startswith("2 headlines are recorded as plain text, as the model reads them:")
    assert (
        "- row 2, column headline: its markup (<script>, </script>) is dropped; recorded as “x() Owls”"
        in note
    )
    assert "- row 3, column headline: “&amp;” is read as “&”; recorded as “Owls & bats”" in note
    assert not at.exception


def test_an_upload_shows_each_verdict_and_asks_before_replacing(Session):
    test_id = recorded_test(Session, result=((500, 10), (500, 12)))
    at = open_app(RECORD)
    at.file_uploader[0].upload("results.csv", OUTCOMES_CSV, "text/csv")
    at.run()
    plan = at.dataframe[0].value
    assert plan["what happens"].tolist() == ["replaces"]
    assert all(tooltips(at.dataframe[0]).values())  # every column of the plan explained
    assert plan["now (impressions / clicks)"].tolist() == ["500 / 10 · 500 / 12"]
    assert "1 test already has a different outcome" in at.warning[0].value
    (button,) = [b for b in at.button if b.label == "Record 1 outcome"]
    assert button.disabled
    at.checkbox(key="upload_replace").check().run()
    [b for b in at.button if b.label == "Record 1 outcome"][0].click().run()

    assert at.success[0].value == "Recorded 1 outcome from results.csv."
    shown = [m.value for m in at.markdown]
    assert f"**Test #{number_of(Session, test_id)}**" in shown and any(
        m.startswith("**Winner: Cats win") for m in shown
    )
    assert any(unescaped(m).startswith("Model: the model predicted it") for m in shown)

    # Done: the plan, the warning and the button are gone, the file picker is empty.
    assert not [d for d in at.dataframe if "what happens" in d.value.columns] and not at.warning
    assert not [b for b in at.button if b.label.startswith("Record ")]
    assert at.file_uploader[0].value is None
    at.run()  # the verdicts were shown once
    assert not at.success
    at.file_uploader[0].upload("results.csv", OUTCOMES_CSV, "text/csv")
    at.run()  # the same file again: nothing to replace
    assert at.dataframe[0].value["what happens"].tolist() == ["unchanged"]
    assert any("Nothing to record" in i.value for i in at.info)
    assert not [b for b in at.button if b.label.startswith("Record ")]


def name_boxes(at: AppTest) -> list:
    return [t for t in at.text_input if t.label in ("Your name", "Your name (required)", "Recorded by")]


def test_every_name_box_stops_at_the_length_the_database_keeps(Session):
    at = type_drafts(open_app(COMPARE), DRAFTS)
    test_id = recorded_test(Session)
    seen = [len(name_boxes(at))]
    at.switch_page(RECORD).run()
    at.selectbox[0].set_value(test_id).run()
    seen.append(len(name_boxes(at)))
    at.file_uploader[0].upload("results.csv", TWO_TESTS_CSV, "text/csv")
    at.run()
    seen.append(len(name_boxes(at)) - seen[-1])  # the upload's "Recorded by"
    at.switch_page(MODELS).run()
    seen.append(len(name_boxes(at)))
    assert all(seen), seen  # each page has its name boxes
    for page in (COMPARE, RECORD, MODELS):
        at.switch_page(page).run()
        assert all(box.max_chars == MAX_NAME_CHARS for box in name_boxes(at))


TWO_TESTS_CSV = OUTCOMES_CSV + b"cms-2,Owls win,800,40\ncms-2,Bats win,800,20\n"


def test_a_file_recorded_before_is_refused_before_its_button_not_after(Session):
    at = open_app(RECORD)
    at.file_uploader[0].upload("results.csv", TWO_TESTS_CSV, "text/csv")
    at.run()
    [b for b in at.button if b.label == "Record 2 outcomes"][0].click().run()
    with Session.begin() as session:
        (owls,) = [t for t in experiments.list_tests(session) if "Owls win" in [a.headline for a in t.arms]]
        experiments.delete_test(session, owls.id, "ana")

    at.file_uploader[0].upload("results.csv", TWO_TESTS_CSV, "text/csv")
    at.run()  # the deleted test is new to the plan, but these bytes were recorded
    assert sorted(at.dataframe[0].value["what happens"]) == ["new test", "unchanged"]
    (said,) = [i.value for i in at.info if "recorded on" in i.value]
    assert "results.csv was recorded on" in said and "upload a file with only its rows" in said
    assert "Test “cms-2” of the file differs from what is recorded here now" in said
    assert not [b for b in at.button if b.label.startswith("Record ")]

    at.file_uploader[0].upload(
        "owls.csv", b"test_id,headline,impressions,clicks\n" + TWO_TESTS_CSV.split(b"\n", 3)[3], "text/csv"
    )
    at.run()  # its rows only: a new file, recorded
    [b for b in at.button if b.label == "Record 1 outcome"][0].click().run()
    assert at.success[0].value == "Recorded 1 outcome from owls.csv." and not at.exception
    with Session.begin() as session:
        live = [t for t in experiments.list_tests(session) if "Owls win" in [a.headline for a in t.arms]]
        assert len(live) == 1 and live[0].id != owls.id


def test_help_explains_every_number_with_an_example_and_numbers_have_tooltips(Session):
    at = open_app(HELP)
    text = " ".join(m.value for m in at.markdown)
    for term in (
        "Win probability",
        "Rank",
        "Word highlights",
        "Click rate",
        "95% interval",
        "p-value",
        "Significant",
        "Bonferroni",
        "Impressions needed",
        "Calibration",
        "Accuracy on significant outcomes",
        "Log loss",
        "McNemar",
    ):
        assert f"**{term}" in text, term
    assert text.count("*Example:*") >= 12
    at.text_input(key="help_search").set_value("bonferroni").run()
    assert len([m for m in at.markdown if "*Example:*" in m.value]) == 1
    for typed, term in (("P value", "**p-value**"), ("pvalue", "**p-value**"), ("CTR", "**Click rate")):
        at.text_input(key="help_search").set_value(typed).run()  # as editors type them
        assert any(m.value.startswith(term) for m in at.markdown), typed
    at.text_input(key="help_search").set_value("rollback").run()
    assert any("roll back" in m.value for m in at.markdown)
    at.text_input(key="help_search").set_value("zzz").run()
    assert not [m for m in at.markdown if "*Example:*" in m.value]
    assert [i.value for i in at.info] == ["No term mentions “zzz”. Clear the box to see every term."]

    test_id = recorded_test(Session)
    at.switch_page(RECORD).run()
    at.selectbox[0].set_value(test_id).run()
    # said once above the boxes (a "?" on each box took a Tab stop of its own)
    assert any("**impressions**, how many readers" in c.value and "**clicks**" in c.value for c in at.caption)
    seed_outcomes(Session)
    at.switch_page(HISTORY).run()
    assert all(m.help for m in at.metric)


def test_a_big_upload_shows_the_first_verdicts_and_counts_the_rest(Session):
    rows = "".join(
        f"cms-{t},Story {t} told plainly,1000,{10 + t}\ncms-{t},Story {t} told boldly,1000,50\n"
        for t in range(23)
    )
    at = open_app(RECORD)
    at.file_uploader[0].upload(
        "big.csv", ("test_id,headline,impressions,clicks\n" + rows).encode(), "text/csv"
    )
    at.run()
    [b for b in at.button if b.label == "Record 23 outcomes"][0].click().run()

    assert at.success[0].value == "Recorded 23 outcomes from big.csv."
    verdicts = [m.value for m in at.markdown if m.value.startswith("**Test #")]
    assert verdicts == [f"**Test #{n}**" for n in range(1, 21)]
    assert "The other 3 tests are recorded too: History lists every one." in [c.value for c in at.caption]
