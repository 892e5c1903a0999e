import threading
import time

import pandas as pd
import pytest
from sqlalchemy import func, select

from core.basics.arms import ARM_COLUMNS, LoadReport
from core.basics.settings import load_settings
from core.data.outcomes_csv import load_outcomes
from db import experiments, imports, model_versions, outcomes
from db.engine import get_sessionmaker
from db.migrate import upgrade
from db.schema import Arm, Import, ModelVersion, Outcome, Prediction, Test
from tests.databases import fresh_database_url

OUTCOMES_CSV = b"""test_id,headline,impressions,clicks,date,excerpt,image_id
t1,First A,100,10,2024-01-02,Story one,img1
t1,First B,120,20,2024-01-02,,
t2,Second A,50,5,,Story two,
t2,Second B,60,9,,,
"""
# The database keeps what a loader skipped (archive files are read leniently; outcomes files are
# refused whole, so these skips are the archive-style report the import row must store).
SKIPPED = {"unparseable number": [6], "zero impressions": [7]}


@pytest.fixture
def Session(tmp_path):
    settings = load_settings(database_url=fresh_database_url(tmp_path, "lab.db"))
    upgrade(settings)
    return get_sessionmaker(settings)


def count(Session, model) -> int:
    with Session.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def import_outcomes(Session, data=OUTCOMES_CSV, sha256="sha-1", filename="outcomes.csv"):
    loaded = load_outcomes(data)
    report = LoadReport(loaded.report.rows_read + 2, {k: list(v) for k, v in SKIPPED.items()})
    with Session.begin() as session:
        return imports.import_arms(session, loaded.arms, "outcomes", filename, sha256, report)


def editor_test(Session, headlines=("Cats win", "Dogs win"), **kwargs) -> Test:
    with Session.begin() as session:
        return experiments.create_test(session, list(headlines), **kwargs)


# --- imports -------------------------------------------------------------------------


def test_import_arms_adds_tests_arms_and_the_import_record(Session):
    result = import_outcomes(Session)

    assert (result.tests_added, result.arms_added, result.already_imported) == (2, 4, False)
    assert (count(Session, Test), count(Session, Arm)) == (2, 4)
    with Session.begin() as session:
        record = session.scalar(select(Import))
        assert (record.rows_read, record.rows_skipped, record.sha256) == (6, 2, "sha-1")
        assert record.skipped == {
            "unparseable number": {"count": 1, "rows": [6]},
            "zero impressions": {"count": 1, "rows": [7]},
        }
        test = experiments.get_test(session, "outcomes:t1")
        assert test.import_id == record.id and test.source == "outcomes"
        assert [(a.position, a.headline, a.impressions, a.clicks) for a in test.arms] == [
            (0, "First A", 100, 10),
            (1, "First B", 120, 20),
        ]


def test_importing_the_same_file_twice_adds_nothing(Session):
    first = import_outcomes(Session)
    second = import_outcomes(Session)

    assert second == imports.ImportResult(0, 0, already_imported=True, import_id=first.import_id)
    assert (count(Session, Import), count(Session, Test), count(Session, Arm)) == (1, 2, 4)


def test_the_same_tests_from_another_file_are_not_added_again(Session):
    import_outcomes(Session)
    more = OUTCOMES_CSV + b"t4,Fourth A,10,1,,,\nt4,Fourth B,10,2,,,\n"

    result = import_outcomes(Session, more, sha256="sha-2", filename="more.csv")

    assert (result.tests_added, result.arms_added, result.tests_existing) == (1, 2, 2)
    assert (count(Session, Import), count(Session, Test), count(Session, Arm)) == (2, 3, 6)


@pytest.mark.parametrize("insert_chunk", [imports.INSERT_CHUNK, 3])
def test_arms_frame_round_trips_the_tidy_table(Session, insert_chunk, monkeypatch):
    monkeypatch.setattr(imports, "INSERT_CHUNK", insert_chunk)  # arms go in chunks, tests whole
    loaded = load_outcomes(OUTCOMES_CSV).arms
    import_outcomes(Session)

    with Session.begin() as session:
        frame = imports.arms_frame(session)

    assert list(frame.columns) == ARM_COLUMNS
    pd.testing.assert_frame_equal(frame, loaded)


def test_arms_frame_has_editor_arms_once_their_outcome_is_recorded(Session):
    import_outcomes(Session)
    test = editor_test(Session, excerpt="The story")
    with Session.begin() as session:
        assert imports.arms_frame(session, sources=["editor"]).empty
        outcomes.record_outcome(session, test.id, {test.arms[0].id: (40, 4), test.arms[1].id: (40, 8)})

    with Session.begin() as session:
        editor = imports.arms_frame(session, sources="editor")
        everything = imports.arms_frame(session)
    assert editor[["test_id", "headline", "excerpt", "impressions", "clicks", "source"]].values.tolist() == [
        [test.external_id, "Cats win", "The story", 40, 4, "editor"],
        [test.external_id, "Dogs win", "The story", 40, 8, "editor"],
    ]
    assert len(everything) == 6
    # Saved on the Compare page, the test has no date per arm: it is dated the day it was saved.
    saved_on = pd.Timestamp(test.created_at).tz_localize(None).normalize()
    assert (editor["date"] == saved_on).all()


# --- editor tests ----------------------------------------------------------------------


def test_create_test_writes_arms_and_predictions(Session):
    test = editor_test(
        Session,
        headlines=("  Cats win ", "Dogs win", "Birds win"),
        excerpt="The story",
        created_by="ana",
        model_version="v1",
        scores=[0.2, 1.5, -0.3],
        win_probabilities=[0.2, 0.7, 0.1],
    )

    # Usable after its transaction ended (pages render it then).
    assert test.external_id.startswith("editor:") and test.latest_outcome is None
    assert [a.headline for a in test.arms] == ["Cats win", "Dogs win", "Birds win"]
    with Session.begin() as session:
        stored = experiments.get_test(session, test.id)
        predictions = session.scalars(select(Prediction).order_by(Prediction.id)).all()
        assert (stored.source, stored.excerpt, stored.created_by) == ("editor", "The story", "ana")
        assert [(p.arm_id, p.model_version, p.score, p.win_probability) for p in predictions] == [
            (stored.arms[0].id, "v1", 0.2, 0.2),
            (stored.arms[1].id, "v1", 1.5, 0.7),
            (stored.arms[2].id, "v1", -0.3, 0.1),
        ]
        assert all(a.impressions is None and a.clicks is None for a in stored.arms)


def test_create_test_without_a_model_stores_no_predictions(Session):
    editor_test(Session)
    assert (count(Session, Test), count(Session, Arm), count(Session, Prediction)) == (1, 2, 0)


@pytest.mark.parametrize(
    ("headlines", "extra", "message"),
    [
        (["Cats win", "  "], {}, "headline.* 2 are empty"),
        (["Cats win"], {}, "at least two headlines"),
        (
            ["A", "B"],
            {"model_version": "v1", "scores": [1.0], "win_probabilities": [0.5, 0.5]},
            "2 headlines",
        ),
        (["A", "B"], {"model_version": "v1"}, "together"),
        (["A", "B"], {"model_version": "v1", "scores": [1, 2], "win_probabilities": [0.5, 1.5]}, "between 0"),
        (["A", "B"], {"image_ids": ["img-1"]}, "2 headlines but 1 image ids"),
    ],
)
def test_create_test_refuses_bad_input_and_writes_nothing(Session, headlines, extra, message):
    with pytest.raises(ValueError, match=message):
        editor_test(Session, headlines, **extra)
    assert (count(Session, Test), count(Session, Arm), count(Session, Prediction)) == (0, 0, 0)


def test_editor_tests_are_numbered_among_themselves_and_a_number_never_changes(Session):
    import_outcomes(Session)  # two archive tests take the first ids
    first, second = editor_test(Session), editor_test(Session, ("Owls win", "Bats win"))
    assert (first.number, second.number) == (1, 2) and first.id > 2  # read after the session closed
    with Session.begin() as session:
        experiments.delete_test(session, first.id, "ana")
    import_outcomes(Session, OUTCOMES_CSV.replace(b"t1", b"t9"), sha256="sha-2")  # more archive tests
    third = editor_test(Session, ("Elk win", "Yak win"))
    with Session.begin() as session:
        numbers = {t.id: t.number for t in session.scalars(select(Test).where(Test.source == "editor"))}
        archive = session.scalars(select(Test).where(Test.source == "outcomes")).all()
    # The deleted first test keeps its place: the second stays #2, the next is #3.
    assert numbers == {first.id: 1, second.id: 2, third.id: 3} and third.number == 3
    assert len(archive) == 3


def test_list_tests_newest_first_with_filters(Session):
    import_outcomes(Session)
    older, newer = editor_test(Session), editor_test(Session)
    with Session.begin() as session:
        arms = {a.id: (10, 1) for a in older.arms}
        outcomes.record_outcome(session, older.id, arms)

    with Session.begin() as session:
        assert [t.id for t in experiments.list_tests(session)] == [newer.id, older.id]
        assert [t.id for t in experiments.list_tests(session, has_outcome=True)] == [older.id]
        assert [t.id for t in experiments.list_tests(session, has_outcome=False)] == [newer.id]
        assert len(experiments.list_tests(session, sources=None)) == 4
        assert [t.id for t in experiments.list_tests(session, limit=1, offset=1)] == [older.id]
        assert experiments.get_test(session, newer.external_id).id == newer.id
        assert experiments.get_test(session, 12345) is None


def test_the_list_of_tests_is_one_row_per_headline_of_each_listed_test(Session):
    import_outcomes(Session)  # archive tests: never listed
    older = editor_test(Session, ("Owls A", "Owls B", "Owls C"), created_by="ana")
    undone, gone, newer = editor_test(Session), editor_test(Session), editor_test(Session, ("New A", "New B"))
    with Session.begin() as session:
        outcomes.record_outcome(session, older.id, {a.id: (10, 1) for a in older.arms})
        outcomes.record_outcome(session, undone.id, {a.id: (10, 1) for a in undone.arms})
        outcomes.undo_last_outcome(session, undone.id, "bo")
        experiments.delete_test(session, gone.id, "bo")

    with Session.begin() as session:
        rows = experiments.editor_test_headlines(session)
    assert [(r[0], r[4], r[5]) for r in rows] == [  # newest first, headlines in order
        (newer.id, False, "New A"),
        (newer.id, False, "New B"),
        (undone.id, False, "Cats win"),  # its only recording was undone
        (undone.id, False, "Dogs win"),
        (older.id, True, "Owls A"),
        (older.id, True, "Owls B"),
        (older.id, True, "Owls C"),
    ]
    assert rows[-1][1:4] == (older.number, older.created_at, "ana")


def test_tests_by_id_loads_each_asked_for_test_whole_in_chunks(Session, monkeypatch):
    tests = [editor_test(Session) for _ in range(5)]
    monkeypatch.setattr(experiments, "IDS_PER_QUERY", 2)  # three queries
    asked = [tests[4].id, tests[0].id, tests[2].id, tests[0].id, 12345]
    with Session.begin() as session:
        found = experiments.tests_by_id(session, asked)
    assert sorted(found) == sorted({tests[0].id, tests[2].id, tests[4].id})  # an unknown id is left out
    assert all([a.headline for a in found[t.id].arms] == ["Cats win", "Dogs win"] for t in tests[::2])
    with Session.begin() as session:
        assert experiments.tests_by_id(session, []) == {}


# --- outcomes --------------------------------------------------------------------------


def predicted_test(Session) -> Test:
    return editor_test(Session, model_version="v1", scores=[0.1, 0.9], win_probabilities=[0.3, 0.7])


def test_record_outcome_sets_the_arms_and_adds_a_row_per_recording(Session):
    test = predicted_test(Session)
    a, b = (arm.id for arm in test.arms)
    with Session.begin() as session:
        outcomes.record_outcome(
            session, test.id, {a: (100, 5), b: (100, 20)}, "ana", 0.001, True, b, b, "v1", 0.7, True
        )
    with Session.begin() as session:
        second = outcomes.record_outcome(
            session, test.id, {a: (200, 30), b: (200, 20)}, "bo", 0.2, False, None, b, "v1", 0.7, None
        )

    assert second.id is not None and second.recorded_at.tzinfo is not None
    with Session.begin() as session:
        stored = experiments.get_test(session, test.id)
        assert [(arm.impressions, arm.clicks) for arm in stored.arms] == [(200, 30), (200, 20)]
        assert [o.recorded_by for o in stored.outcomes] == ["ana", "bo"]
        assert stored.latest_outcome.id == second.id
        assert stored.latest_outcome.winner_arm_id is None


def test_outcomes_frame_has_the_latest_outcome_of_each_editor_test(Session):
    import_outcomes(Session)  # archive tests never appear here
    first, second, pending = predicted_test(Session), predicted_test(Session), predicted_test(Session)
    with Session.begin() as session:
        for test, winner, correct in ((first, 0, False), (second, 1, True)):
            arms = [arm.id for arm in test.arms]
            outcomes.record_outcome(session, test.id, dict.fromkeys(arms, (10, 1)), "ana", 0.5, False)
            counts = {arms[0]: (100, 30 - 20 * winner), arms[1]: (100, 10 + 20 * winner)}
            outcomes.record_outcome(
                session, test.id, counts, "bo", 0.01, True, arms[winner], arms[1], "v1", 0.7, correct
            )
    with Session.begin() as session:
        outcomes.record_outcome(
            session, pending.id, {a.id: (10, 1) for a in pending.arms}, "cy", 0.9, False, None, None, "v0"
        )

    with Session.begin() as session:
        frame = outcomes.outcomes_frame(session)
        only_v1 = outcomes.outcomes_frame(session, model_version="v1")
        nothing = outcomes.outcomes_frame(session, model_version="v9")

    assert list(frame.columns) == outcomes.OUTCOME_COLUMNS
    assert frame["test_id"].tolist() == [first.id, second.id, pending.id]
    assert frame["test_number"].tolist() == [1, 2, 3]  # the archive's tests have ids, not numbers
    assert frame["recorded_by"].tolist() == ["bo", "bo", "cy"]
    assert frame["winner_headline"].tolist()[:2] == ["Cats win", "Dogs win"]
    assert pd.isna(frame["winner_headline"].iloc[2])
    assert frame["predicted_headline"].tolist()[:2] == ["Dogs win", "Dogs win"]
    assert frame["model_correct"].tolist()[:2] == [False, True] and pd.isna(frame["model_correct"].iloc[2])
    assert frame["n_arms"].tolist() == [2, 2, 2]
    assert str(frame["recorded_at"].dt.tz) == "UTC"
    assert only_v1["test_id"].tolist() == [first.id, second.id]
    assert nothing.empty and list(nothing.columns) == outcomes.OUTCOME_COLUMNS


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (lambda a, b: {a: (100, 101), b: (100, 1)}, "clicks \\(101\\) above impressions \\(100\\)"),
        (lambda a, b: {a: (0, 0), b: (100, 1)}, "impressions must be above 0"),
        (lambda a, b: {a: (100, -1), b: (100, 1)}, "clicks must not be negative"),
        (lambda a, b: {a: (100.5, 1), b: (100, 1)}, "whole number"),
        (lambda a, b: {a: (100, 1)}, "no impressions and clicks for arm"),
        (lambda a, b: {a: (100, 1), b: (100, 1), 9999: (100, 1)}, "not arms of test"),
    ],
)
def test_an_invalid_outcome_raises_and_writes_nothing(Session, counts, message):
    test = predicted_test(Session)
    a, b = (arm.id for arm in test.arms)

    with pytest.raises(ValueError, match=message), Session.begin() as session:
        outcomes.record_outcome(session, test.id, counts(a, b), "ana", 0.5, False)

    assert count(Session, Outcome) == 0
    with Session.begin() as session:
        assert [(arm.impressions, arm.clicks) for arm in experiments.get_test(session, test.id).arms] == [
            (None, None),
            (None, None),
        ]


def test_an_outcome_naming_another_tests_arm_as_winner_is_refused(Session):
    test, other = predicted_test(Session), predicted_test(Session)
    counts = {arm.id: (100, 1) for arm in test.arms}

    with pytest.raises(ValueError, match="winner arm"), Session.begin() as session:
        outcomes.record_outcome(session, test.id, counts, "ana", 0.01, True, winner_arm_id=other.arms[0].id)
    with pytest.raises(ValueError, match="no test with id"), Session.begin() as session:
        outcomes.record_outcome(session, 9999, counts)
    assert count(Session, Outcome) == 0


def overlapping_writes(Session, first, second) -> list[Exception]:
    """``first(session)`` in a thread, its transaction held open 0.5 s after it wrote (so it keeps
    SQLite's write lock); meanwhile ``second(session)``, which must wait for that lock rather than
    fail with "database is locked". Returns what either raised."""
    first_holds_lock = threading.Event()
    errors = []

    def write(work, hold_lock):
        try:
            with Session.begin() as session:
                work(session)
                if hold_lock:
                    first_holds_lock.set()
                    time.sleep(0.5)
        except Exception as exc:  # reported by the caller: its assertion shows what went wrong
            errors.append(exc)
            first_holds_lock.set()

    writer = threading.Thread(target=write, args=(first, True))
    writer.start()
    first_holds_lock.wait(5)
    write(second, hold_lock=False)
    writer.join()
    return errors


def test_two_editors_recording_outcomes_at_once_both_land(Session):
    first, second = predicted_test(Session), predicted_test(Session)

    def record(test):
        return lambda session: outcomes.record_outcome(
            session, test.id, {arm.id: (50, 5) for arm in test.arms}, "ed"
        )

    assert overlapping_writes(Session, record(first), record(second)) == []
    with Session.begin() as session:
        landed = session.scalars(select(Outcome.test_id).order_by(Outcome.test_id)).all()
    assert landed == [first.id, second.id]


def test_two_editors_saving_at_once_get_different_numbers(Session):
    numbers = []

    def save(headlines):
        # The first is numbered, not committed, while the second saves: it must wait, then count it.
        return lambda session: numbers.append(experiments.create_test(session, headlines).number)

    errors = overlapping_writes(Session, save(["Cats win", "Dogs win"]), save(["Owls win", "Bats win"]))
    assert errors == [] and numbers == [1, 2]


# --- model registry --------------------------------------------------------------------


def register(session, version):
    return model_versions.add_model_version(
        session,
        version,
        f"models/{version}",
        "all-MiniLM-L6-v2",
        {"archive": 10},
        "abc",
        {"lr": 1},
        {"acc": 0.6},
    )


def statuses(Session) -> dict[str, str]:
    with Session.begin() as session:
        return {m.version: m.status for m in model_versions.list_model_versions(session)}


def test_activate_model_version_keeps_exactly_one_active(Session):
    with Session.begin() as session:
        for version in ("v1", "v2", "v3"):
            register(session, version)
        assert model_versions.active_model_version(session) is None

    with Session.begin() as session:
        model_versions.activate_model_version(session, "v1", "ana")
    assert statuses(Session) == {"v1": "active", "v2": "candidate", "v3": "candidate"}
    with Session.begin() as session:
        model_versions.activate_model_version(session, "v2", "ana", note="better on held-out tests")
    assert statuses(Session) == {"v1": "retired", "v2": "active", "v3": "candidate"}
    with Session.begin() as session:
        model_versions.activate_model_version(session, "v1", "bo", action="rollback", note="v2 misbehaves")
    assert statuses(Session) == {"v1": "active", "v2": "retired", "v3": "candidate"}

    with Session.begin() as session:
        active = model_versions.active_model_version(session)
        assert active.version == "v1" and active.promoted_at is not None
        events = [(e.version, e.action, e.by) for e in model_versions.model_events(session)]
        assert events == [
            ("v1", "rollback", "bo"),
            ("v2", "promote", "ana"),
            ("v1", "promote", "ana"),
            ("v3", "register", None),
            ("v2", "register", None),
            ("v1", "register", None),
        ]
        assert [e.action for e in model_versions.model_events(session, version="v2")] == [
            "promote",
            "register",
        ]
        assert model_versions.get_model_version(session, "v3").metrics == {"acc": 0.6}
        assert [m.version for m in model_versions.list_model_versions(session, status="retired")] == ["v2"]


def test_a_failed_activation_changes_nothing(Session):
    with Session.begin() as session:
        register(session, "v1")
        model_versions.activate_model_version(session, "v1")

    with pytest.raises(ValueError, match="no model version 'v9'"), Session.begin() as session:
        model_versions.activate_model_version(session, "v9")
    with pytest.raises(ValueError, match="action must be one of"), Session.begin() as session:
        register(session, "v2")
        model_versions.activate_model_version(session, "v2", action="register")
    with pytest.raises(ValueError, match="already registered"), Session.begin() as session:
        register(session, "v1")

    assert statuses(Session) == {"v1": "active"}
    assert count(Session, ModelVersion) == 1


def test_a_name_too_long_for_its_column_is_refused_before_anything_is_written(Session):
    long_name = "n" * 101  # PostgreSQL refuses it in a String(100) column; SQLite would keep it
    with pytest.raises(ValueError, match="101 characters long; at most 100 fit"), Session.begin() as session:
        experiments.create_test(session, ["Cats win", "Dogs win"], created_by=long_name)
    assert count(Session, Test) == 0
    with Session.begin() as session:
        test = experiments.create_test(session, ["Cats win", "Dogs win"], created_by="ana")
        test_id = test.id
    with pytest.raises(ValueError, match="at most 100"), Session.begin() as session:
        experiments.delete_test(session, test_id, long_name)
    with Session.begin() as session:
        assert experiments.get_test(session, test_id).deleted_at is None
        with pytest.raises(ValueError, match="at most 100"):
            Outcome(test_id=test_id, significant=False, recorded_by=long_name)
