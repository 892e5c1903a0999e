import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.lifecycle import jobs, registry
from core.lifecycle.summary import version_names
from tests.app_tables import blank_when_missing, tooltips
from tests.model_lab import good_model, load, make_lab, publish, reversed_model
from ui import routing


@pytest.fixture
def page(tmp_path, monkeypatch):
    lab = make_lab(tmp_path / "lab")
    for name, value in jobs.settings_env(lab).items():
        monkeypatch.setenv(name, value)
    publish(lab, load(good_model()), "v1", activate=True)
    publish(lab, reversed_model(good_model()), "v2")
    at = AppTest.from_file("../pages/models.py", default_timeout=60)
    at.session_state[routing.ENTERED_THROUGH_APP] = True  # the page alone, as if inside app.py's frame
    return lab, at.run()


def names(lab) -> dict[str, str]:
    return version_names(registry.versions(lab))


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_a_worse_candidate_is_refused_then_promoted_with_a_reason_and_rolled_back(page):
    lab, at = page
    assert not at.exception
    v1, v2 = names(lab)["v1"], names(lab)["v2"]
    assert v1.startswith("Version 1 · ") and v1.endswith(" · archive only") and v2.startswith("Version 2 · ")
    assert list(at.dataframe[0].value["version"]) == [v2, v1]
    assert "git commit" not in at.dataframe[0].value.columns
    assert list(at.dataframe[1].value["raw version id"]) == ["v2", "v1"]  # behind the engineers' expander
    accuracies = [c for c in at.dataframe[0].value.columns if c.endswith(" accuracy")]
    assert accuracies and at.dataframe[0].value[accuracies].stack().between(1, 100).all()  # percent points
    for table in at.dataframe[:2]:  # every column has its plain words one hover away
        assert all(tooltips(table).values()), tooltips(table)
        assert blank_when_missing(table)
    helps = [tooltips(at.dataframe[0])[c] for c in accuracies]
    assert len(set(helps)) == len(helps)  # each archive's column says which archive it is

    at.text_input(key="editor").input("ana").run()
    button(at, f"Compare {v2} with {v1}").click().run()
    assert "Promotion refused" in at.error[0].value
    assert button(at, f"Promote {v2}").disabled  # not without the override and a reason

    at.checkbox[0].check().run()
    assert "To promote it anyway, fill in why." in [c.value for c in at.caption]  # said before the click
    button(at, f"Promote {v2}").click().run()  # clicked without why: refused, in words
    assert [w.value for w in at.warning] == ["Nothing was promoted: fill in why first."]
    assert registry.active_version(lab).version == "v1"
    at.text_input[1].input("trying the new style on purpose").run()
    button(at, f"Promote {v2}").click().run()
    assert registry.active_version(lab).version == "v2"
    assert registry.events(lab)[0].action == "override"

    assert button(at, f"Roll back to {v1}").disabled  # every editor's model changes: asked first
    at.text_input(key="editor").input("").run()
    at.checkbox(key="rollback_sure_v1").check().run()
    button(at, f"Roll back to {v1}").click().run()  # and someone answers for it
    assert "Fill in your name at the top of the page first" in at.warning[0].value
    assert registry.active_version(lab).version == "v2"
    assert any(e.label == "Registry log" for e in at.expander)  # the rest of the page is still there
    at.text_input(key="editor").input("ana").run()
    button(at, f"Roll back to {v1}").click().run()
    assert not at.exception
    assert f"{v1} is active again" in at.success[0].value
    assert registry.active_version(lab).version == "v1"
    assert at.checkbox(key="rollback_sure_v2").value is False  # the next rollback is asked afresh
    log = next(t.value for t in at.dataframe if "action" in t.value.columns)
    assert list(log["action"])[:2] == ["rolled back to", "promoted anyway"]  # plain words, newest first


def test_a_retrain_asks_first_and_says_how_long_it_takes(page, monkeypatch):
    from core.lifecycle import retrain

    started = []
    monkeypatch.setattr(retrain, "start_retrain", lambda settings, by=None: started.append(by))
    lab, at = page
    assert any(" on this machine." in c.value and "minute" in c.value for c in at.caption)
    button(at, "Start retraining…").click().run()  # the log keeps who retrained: a name first
    assert [w.value for w in at.warning] == [
        "Fill in your name at the top of the page first: the log keeps who retrained."
    ]
    at.text_input(key="editor").input("ana").run()
    button(at, "Start retraining…").click().run()
    assert "Start it?" in at.warning[0].value and not started
    button(at, "Not now").click().run()
    assert not started and not at.warning
    button(at, "Start retraining…").click().run()
    button(at, "Yes, start retraining").click().run()
    assert started == ["ana"]


def test_the_retrain_estimate_comes_from_the_recorded_training_speed():
    from core.lifecycle.summary import RETRAIN_OVERHEAD_S, duration_words, retrain_pairs, retrain_seconds

    manifest = {"training": {"pairs_per_second": 50.0, "seconds": 400}, "data_fingerprint": {"pairs": 20000}}
    assert retrain_pairs(manifest, 1000) == 21000
    assert retrain_pairs(manifest, 1000, 1.0, 3000) == 4000  # a warm-started retrain samples the archive
    assert retrain_seconds([manifest], 21000) == 420 + RETRAIN_OVERHEAD_S  # steps, then the rest of the wait
    assert duration_words(420) == "about 7 minutes" and duration_words(5000) == "about 1 hour 23 minutes"
    no_speed = {"training": {"seconds": 400}, "data_fingerprint": {"pairs": 20000}, "settings": {"epochs": 2}}
    assert retrain_seconds([no_speed], 100) == 1.0 + RETRAIN_OVERHEAD_S
    timed = {"training": {"pairs_per_second": 30.0, "seconds": 90, "job_seconds": 115}}  # a retrain's record
    assert retrain_seconds([timed], 3000) == 100 + 25
    assert retrain_seconds([{}], 100) is None and duration_words(None) == "unknown"


def test_a_running_retrain_shows_its_progress_in_the_retrain_section_above_promotion(page, monkeypatch):
    from core.lifecycle import retrain

    lab, at = page
    monkeypatch.setattr(retrain, "running_job", lambda settings: "job-1")
    status = {"state": "running", "stage": "training", "step": 3, "total": 10}
    monkeypatch.setattr(retrain, "retrain_status", lambda settings, job_id: status)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # Called last in the script, drawn in its place: between the retrain and promotion headings.
    shown = [
        node.value if node.type == "subheader" else node.type
        for node in at.main
        if node.type in ("subheader", "progress")
    ]
    retrain_at = shown.index("Retrain from editors' outcomes")
    assert shown[retrain_at + 1 : retrain_at + 3] == ["progress", "Compare and promote a candidate"]
    assert at.get("progress")[0].proto.text == "Training: step 3 of 10"
    assert "Cancel retraining" in [b.label for b in at.button]


def comparison_tables(at: AppTest):
    """The comparison's two tables: models side by side, then the held-out sets."""
    frames = [d.value for d in at.dataframe]
    models = next(
        f for f in frames if "right, clear results" in f.columns or "accuracy_significant" in f.columns
    )
    sets = next(f for f in frames if "candidate right" in f.columns)
    return models, sets


def test_a_refused_candidate_shows_the_answer_first_then_named_figures_in_percent(page):
    lab, at = page
    v1, v2 = names(lab)["v1"], names(lab)["v2"]
    button(at, f"Compare {v2} with {v1}").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("Promotion refused: on the held-out tests, ")
    assert "marked “failed” below" in at.error[0].value and "worse" not in at.error[0].value
    models, sets = comparison_tables(at)
    assert list(models.index) == ["active model", "candidate"]  # each named in the answer above it
    accuracy = models["accuracy"]  # shown in percent points, with plain headings on hover
    assert accuracy.between(0, 100).all() and accuracy.iloc[0] > 50 > accuracy.iloc[1]
    assert set(sets.index) <= {"Upworthy archive", "Ars Technica archive", "your newsroom's outcomes"}
    assert (sets["active model right"] > sets["candidate right"]).all()
    assert any(m.value.startswith(":red[**failed**]") for m in at.markdown)
    for table in at.dataframe[2:]:
        assert all(tooltips(table).values()), tooltips(table)


def test_a_candidate_that_is_not_worse_says_it_may_be_promoted_before_the_figures(tmp_path, monkeypatch):
    lab = make_lab(tmp_path / "lab")
    for name, value in jobs.settings_env(lab).items():
        monkeypatch.setenv(name, value)
    publish(lab, load(good_model()), "v1", activate=True)
    publish(lab, load(good_model()), "v2")  # the same predictions: not worse
    at = AppTest.from_file("../pages/models.py", default_timeout=60)
    at.session_state[routing.ENTERED_THROUGH_APP] = True
    at.run()
    v1, v2 = names(lab)["v1"], names(lab)["v2"]
    button(at, f"Compare {v2} with {v1}").click().run()
    assert not at.exception and not at.error
    answer = at.success[0].value
    assert answer.startswith(f"{v2} may be promoted") and f"not worse than {v1}" in answer
    assert answer.endswith("(the two call every pair alike).")  # the same predictions
    checks = [m.value for m in at.markdown if "**passed**]" in m.value or "**failed**]" in m.value]
    assert len(checks) == 4 and all(c.startswith(":green[**passed**]") for c in checks)
    assert not button(at, f"Promote {v2}").disabled


def test_without_the_archive_files_retraining_and_comparing_say_why_they_are_unavailable(
    tmp_path, monkeypatch
):
    lab = make_lab(tmp_path / "lab")
    publish(lab, load(good_model()), "v1", activate=True)
    publish(lab, reversed_model(good_model()), "v2")
    lab.ars_csv.unlink()  # the shared data folder moved, say
    for name, value in jobs.settings_env(lab).items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file("../pages/models.py", default_timeout=60)
    at.session_state[routing.ENTERED_THROUGH_APP] = True
    at.run()

    assert not at.exception
    [warning] = [w.value for w in at.warning if "archive files" in w.value]
    assert f"Ars Technica: {lab.ars_csv}" in warning and "HEADLINE_LAB_SHARED_DATA" in warning
    assert "Upworthy" not in warning  # only what is missing
    v1, v2 = names(lab)["v1"], names(lab)["v2"]
    for label in ("Start retraining…", f"Compare {v2} with {v1}"):
        assert button(at, label).disabled and "archive files" in button(at, label).help


def test_a_failed_retrain_says_what_went_wrong_in_plain_words_and_keeps_the_log_for_engineers(page):
    lab, at = page
    folder = jobs.job_dir(lab, "20261201-025431-retrain-abc123")
    folder.mkdir(parents=True)
    message = "DataFormatError: cannot read the file as CSV: [Errno 2] No such file or directory: '/x/h.csv'"
    jobs.write_status(
        folder,
        {"state": "failed", "stage": "failed", "started_at": "2026-12-01T02:54:31+00:00", "message": message},
    )
    (folder / "log.txt").write_text(
        "Traceback (most recent call last):\n  ...\nFileNotFoundError: /x/h.csv\n"
    )
    at.run()

    [error] = [e.value for e in at.error]
    assert re.match(
        r"The last retrain \(\d{1,2} [A-Z][a-z]{2} 2026, \d\d:\d\d\) failed: ", error
    )  # local time
    assert error.endswith(
        "failed: cannot read the file as CSV: no such file or directory: '/x/h.csv'. Nothing was registered."
    )
    assert "DataFormatError" not in error and "Errno" not in error and "+00:00" not in error
    assert any(e.label == "For engineers: the failed retrain's log" for e in at.expander)


def test_a_cancelled_retrain_is_said_once(page):
    lab, at = page
    folder = jobs.job_dir(lab, "20261201-061500-retrain-def456")
    folder.mkdir(parents=True)
    status = {"state": "cancelled", "stage": "cancelled", "started_at": "2026-12-01T06:15:00+00:00"}
    jobs.write_status(
        folder, {**status, "message": "cancelled; nothing was saved"}
    )  # as the worker writes it
    at.run()

    [said] = [i.value for i in at.info if i.value.startswith("The last retrain")]
    assert said.endswith(") was cancelled; nothing was saved.") and said.count("cancelled") == 1


def test_a_comparison_holds_for_a_reload_until_an_outcome_changes(page):
    from core.data.editor import pairs_fingerprint

    lab, at = page
    v1, v2 = names(lab)["v1"], names(lab)["v2"]
    button(at, f"Compare {v2} with {v1}").click().run()
    assert "Promotion refused" in at.error[0].value

    again = AppTest.from_file("../pages/models.py", default_timeout=60)  # a reload: a new session
    again.session_state[routing.ENTERED_THROUGH_APP] = True
    again.run()
    assert "Promotion refused" in again.error[0].value  # shown at once, not scored again
    assert any(m.value.startswith("McNemar test") for m in again.markdown)

    pairs = pd.DataFrame(
        {
            "test_id": ["editor:1"],
            "headline_a": ["A"],
            "headline_b": ["B"],
            "impressions_a": [1000],
            "clicks_a": [50],
            "impressions_b": [1000],
            "clicks_b": [60],
        }
    )
    corrected = pairs.assign(clicks_b=[90])
    assert pairs_fingerprint(pairs) == pairs_fingerprint(pairs.copy())
    assert pairs_fingerprint(corrected) != pairs_fingerprint(pairs)  # a corrected outcome: compare again
    assert pairs_fingerprint(pairs.iloc[:0]) != pairs_fingerprint(pairs)
