"""Record outcome: the real A/B result of a saved test (or a new one), typed or uploaded; a
recorded one corrected (numbers pre-filled, every change kept, the last one undoable) or deleted."""

import streamlit as st

from core.basics.words import noun_for, plural
from core.data.loaders import DataFormatError
from core.data.outcomes_csv import RowsRefused, load_outcomes
from core.newsroom.compare import checked_drafts, scorable
from core.newsroom.entry import count_problems, parse_counts
from core.newsroom.recording import describe_counts, outcome_summary, planned_change, record
from core.newsroom.testbook import (
    current_counts,
    delete_test,
    new_recorded_test,
    outcome_changes,
    test_by_id,
    test_entries,
    tests_by_id,
    undo_last_outcome,
)
from core.newsroom.upload import plan_upload, record_upload, recorded_before
from ui import learning, outcome_view, pickers, resources, routing, serving, upload_view, when

routing.through_app(__file__)
serving.sidebar(serving.model())

settings = resources.settings()
model = serving.model()
FLASH = "record_flash"  # a message that survives the rerun after an undo or a deletion
VERDICT = "record_verdict"  # (test id, message, verdict) of the outcome just recorded
UPLOADED = "record_uploaded"  # (message, [(test number, verdict)]) of the file just recorded
SHOWN_VERDICTS = 20  # verdicts drawn after an upload; a 5,000-test file would draw for minutes
UPLOADS = "record_uploads"  # files recorded this session: a new file picker after each


def label(entry) -> str:
    if entry is None:
        return "New test (not saved on Compare)"
    by = f" by {entry.created_by}" if entry.created_by else ""
    state = "outcome recorded" if entry.has_outcome else "waiting for its outcome"
    first = entry.headlines[0][:60]
    return (
        f"#{entry.number} · {when.local_day(entry.created_at)}{by} · “{first}” "
        f"+{len(entry.headlines) - 1} · {state}"
    )


def new_test(session, headlines, created_by, excerpt=None, image_ids=None, dates=None):
    return new_recorded_test(
        session, headlines, created_by, model.scorer, model.version, excerpt, image_ids, dates
    )


def typed_headlines() -> list[str]:
    lines = st.text_area(
        "Headlines of the test, one per line", key="new_headlines", persist_state="session"
    ).splitlines()
    drafts = checked_drafts([line for line in lines if line.strip()], settings.max_headline_chars, "headline")
    for draft in drafts:
        if draft.problem:
            st.warning(f"Headline {draft.number}: {draft.problem}")
    return [d.text for d in drafts] if scorable(drafts) == drafts else []


def known_name() -> str:
    """The name this editor gave last, on Compare ("Your name") or with an earlier recording."""
    return st.session_state.get(resources.EDITOR_NAME) or ""


def name_box(label: str, key: str) -> str:
    """A name box that shows the name this editor gave last, also when the box was drawn before
    that name was given, or held another: the undo box below a correction shows the name that
    correction was recorded with (an undo logged under the previous editor's name otherwise)."""
    given, shown_for = known_name(), f"{key}_follows"
    if given and st.session_state.get(shown_for) != given:
        st.session_state[key] = given  # a new name given since this box last took one
        st.session_state[shown_for] = given
    return resources.name_box(label, key=key)


def remember_name(name: str | None) -> None:
    if name:
        st.session_state[resources.EDITOR_NAME] = name


def done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def enter_numbers(entries) -> None:
    by_id = {e.id: e for e in entries}
    waiting = [e.id for e in entries if not e.has_outcome]
    chosen = pickers.pick_id(
        "Test",
        [None, *by_id],
        lambda test_id: label(by_id.get(test_id)),
        key="record_test",
        default=waiting[0] if waiting else None,
        follow=st.session_state.get(resources.LAST_SAVED_TEST),
        help="Tests saved on Compare, newest first, and whether their outcome is in. "
        "Pick “New test” for a test not saved on Compare.",
    )
    if chosen in by_id:  # only the chosen test is loaded whole: its recordings, for corrections
        with resources.session() as session:
            test = test_by_id(session, chosen)
    else:
        test = None
    if test is None:
        st.caption(
            "The model scores a new test's headlines now, after it ran: History shows that call "
            "but leaves it out of live accuracy unless asked."
        )
        headlines = typed_headlines()
    else:
        headlines = [arm.headline for arm in test.arms]
    if len(headlines) < 2:
        st.info("Type two or more different headlines, one per line.")
        return
    current = current_counts(test) if test is not None else None
    shown = st.session_state.get(VERDICT)
    if current and not (shown is not None and shown[0] == chosen):  # the verdict just given is shown below
        summary = outcome_summary(test, current, settings.alpha)
        heading = "no clear winner yet" if summary.winner is None else "a clear winner"
        with st.expander(f"Its result as recorded: {heading}"):
            outcome_view.show_outcome(summary, settings.too_close_below)
    if current:
        st.caption(
            "This test already has an outcome: the numbers below are the current ones. Change any and "
            "submit to correct it; the old numbers are kept in the change history."
        )

    # A new form after each recording, so its fields start from the numbers that count now.
    changes = len(test.outcome_log) + sum(o.undone_at is not None for o in test.outcome_log) if test else 0
    form = f"outcome_{chosen or 'new'}" + (f"_v{changes}" if changes else "")
    with st.form(form):
        # Said once here, not as a "?" beside every box: those took a Tab stop each, and numbers
        # typed box, Tab, box went into the wrong boxes.
        st.caption(
            "For each headline, from your CMS or A/B tool: **impressions**, how many readers were shown "
            "it, and **clicks**, how many of them clicked it. Tab moves from box to box."
        )
        entries = []
        for i, headline in enumerate(headlines):
            text, impressions, clicks = st.columns([4, 1, 1], vertical_alignment="bottom")
            text.text(f"{i + 1}. {headline}")
            old = current[i] if current else ("", "")
            entries.append(
                (
                    impressions.text_input(
                        "Impressions",
                        value=str(old[0]),
                        key=f"{form}_impressions_{i}",
                    ),
                    clicks.text_input(
                        "Clicks",
                        value=str(old[1]),
                        key=f"{form}_clicks_{i}",
                    ),
                )
            )
        recorded_by = name_box("Recorded by", f"{form}_by").strip() or None
        submitted = st.form_submit_button("Correct outcome" if current else "Record outcome", type="primary")
    if submitted:
        problems = count_problems(entries)
        if problems:
            st.error(
                "Nothing was recorded. Fix these and submit again:\n" + "\n".join(f"- {p}" for p in problems)
            )
        elif current and parse_counts(entries) == current:
            st.info("These are the numbers already recorded: nothing changed.")
        else:
            with resources.session() as session:
                saved = test_by_id(session, chosen) if chosen else new_test(session, headlines, recorded_by)
                summary = record(session, saved, parse_counts(entries), recorded_by, settings.alpha)
                test_id, number = saved.id, saved.number
            st.session_state["record_test"] = test_id
            message = f"Outcome of test #{number} {'corrected' if current else 'recorded'}."
            # Shown after a rerun, so the picker above already says "outcome recorded".
            st.session_state[VERDICT] = (test_id, message, summary)
            remember_name(recorded_by)
            learning.learn_from_outcomes(recorded_by)
            st.rerun()
    shown = st.session_state.pop(VERDICT, None)
    if shown is not None and shown[0] == chosen:
        # Also in the corner of the window: below a ten-headline form the line is out of view.
        st.toast(shown[1], icon=":material/check_circle:")
        st.success(shown[1])
        outcome_view.show_outcome(shown[2], settings.too_close_below)
    if test is not None:
        changes_and_deletion(test)


def changes_and_deletion(test) -> None:
    changes = outcome_changes(test)
    if changes:
        with st.expander(f"Change history ({plural(len(changes), 'recording')})"):
            outcome_view.change_history(changes)
            if test.outcomes:
                last = next(c for c in reversed(changes) if c.undone_at is None)
                back_to = (
                    f"the numbers go back to {describe_counts(last.old)}"
                    if last.old
                    else "the test goes back to waiting for its outcome"
                )
                st.caption(
                    f"Undoing takes back the recording of {when.local(last.at)}"
                    f"{f' by {last.by}' if last.by else ''}: {back_to}. It stays in the list above, marked undone."
                )
                by = name_box("Your name", f"undo_by_{test.id}")
                if st.button("Undo the last change", key=f"undo_{test.id}"):
                    with resources.session() as session:
                        undo_last_outcome(session, test.id, by.strip() or None)
                    remember_name(by.strip() or None)
                    done(f"The last change to test #{test.number} was undone.")
    with st.expander("Delete this test"):
        st.caption(
            "A deleted test leaves the lists, History and retraining, and this page cannot bring it back. "
            "It is kept in the database with who deleted it and when."
        )
        by = name_box("Your name (required)", f"delete_by_{test.id}")
        sure = st.checkbox(f"Yes, delete test #{test.number}", key=f"delete_sure_{test.id}")
        # The page promises who deleted it: no name, no deletion.
        if st.button("Delete test", key=f"delete_{test.id}", disabled=not (sure and by.strip())):
            with resources.session() as session:
                delete_test(session, test.id, by.strip() or None)
            remember_name(by.strip() or None)
            st.session_state.pop("record_test", None)
            done(f"Test #{test.number} was deleted.")


def upload_csv(entries) -> None:
    st.caption(
        "Columns: test_id, headline, impressions, clicks (optional: image_id, date, excerpt). "
        "A test whose headlines match a saved test is recorded on it; any other becomes a new test, "
        "which the model scores now (after it ran: left out of live accuracy unless asked). "
        "If any row is bad, nothing is recorded."
    )
    just_recorded = st.session_state.pop(UPLOADED, None)
    if just_recorded is not None:  # shown once, above an empty file picker
        message, results = just_recorded
        st.success(message)
        for number, summary in results[:SHOWN_VERDICTS]:
            with st.container(border=True):
                st.markdown(f"**Test #{number}**")
                outcome_view.show_outcome(summary, settings.too_close_below)
        if len(results) > SHOWN_VERDICTS:
            st.caption(
                f"The other {len(results) - SHOWN_VERDICTS:,} tests are recorded too: History lists every one."
            )
    file = st.file_uploader(
        "Outcomes CSV", type=["csv"], key=f"outcomes_csv_{st.session_state.get(UPLOADS, 0)}"
    )
    if file is None:
        return
    try:  # the same strict check as `python -m core import`: any problem refuses the whole file
        loaded = load_outcomes(file.getvalue(), source_name="csv")
    except RowsRefused as exc:
        st.error(
            f"Nothing was recorded: {plural(len(exc.problems), 'problem')} in {file.name}. "
            f"Fix {noun_for(len(exc.problems), 'it', 'them')} and upload again:\n"
            + "\n".join(f"- {p}" for p in exc.problems)
        )
        return
    except DataFormatError as exc:  # the file as a whole: named, as the rows' problems name it
        st.error(f"Nothing was recorded from {file.name}. {str(exc).rstrip('.')}.")
        return
    # Saved tests still waiting for an outcome are matched first.
    saved = {e.id: list(e.headlines) for e in sorted(entries, key=lambda e: e.has_outcome)}
    planned, problems = plan_upload(loaded.arms, saved, loaded.rows)
    if problems:
        st.error(
            f"Nothing was recorded: {plural(len(problems), 'problem')} in {file.name}:\n"
            + "\n".join(f"- {p}" for p in problems)
        )
        return
    with resources.session() as session:  # the file's saved tests only, loaded whole
        by_id = tests_by_id(session, (t.saved_test_id for t in planned if t.saved_test_id))
    changes = [planned_change(by_id.get(t.saved_test_id), t.counts) for t in planned]
    upload_view.plan_table(planned, changes, by_id)
    upload_view.changed_headlines(loaded.report)
    todo = [(t, c) for t, c in zip(planned, changes) if c.action != "unchanged"]
    same = len(planned) - len(todo)
    if same:
        st.caption(f"Left unchanged, already recorded with exactly these numbers: {plural(same, 'test')}.")
    if not todo:
        st.info("Nothing to record: every test in this file already has these numbers.")
        return
    with resources.session() as session:
        earlier = recorded_before(session, file.getvalue())
    if earlier is not None:  # said before the button, not after its click
        names = ", ".join(f"“{t.csv_test_id}”" for t, _ in todo)
        st.info(
            f"{file.name} was recorded on {when.local(earlier)} with these same contents, and a file is "
            f"recorded once, so nothing will be added from it. {noun_for(len(todo), 'Test', 'Tests')} "
            f"{names} of the file {noun_for(len(todo), 'differs', 'differ')} from what is recorded here now "
            f"(deleted, undone or corrected since): to record {noun_for(len(todo), 'it', 'them')} again, "
            "upload a file with only "
            f"{noun_for(len(todo), 'its', 'their')} rows."
        )
        return
    replacing = sum(c.action == "replaces" for _, c in todo)
    recorded_by = name_box("Recorded by", "upload_by").strip() or None
    confirmed = True
    if replacing:
        st.warning(
            f"{plural(replacing, 'test')} already {noun_for(replacing, 'has', 'have')} a different outcome: "
            f"recording replaces {noun_for(replacing, 'it', 'them')} (the old numbers stay in "
            f"{noun_for(replacing, 'its', 'each test’s')} change history)."
        )
        confirmed = st.checkbox(f"Replace {plural(replacing, 'existing outcome')}", key="upload_replace")
    if st.button(f"Record {plural(len(todo), 'outcome')}", type="primary", disabled=not confirmed):
        results = []

        def store(session, t):
            saved_test = test_by_id(session, t.saved_test_id) if t.saved_test_id else None
            test = saved_test or new_test(session, t.headlines, recorded_by, t.excerpt, t.image_ids, t.dates)
            results.append((test.number, record(session, test, t.counts, recorded_by, settings.alpha)))

        # One transaction: every test lands, or none; the same file's contents are recorded once.
        with st.spinner(f"Recording {plural(len(todo), 'outcome')}…"):
            landed = record_upload(resources.session, file.getvalue(), file.name, [t for t, _ in todo], store)
        if not landed:
            st.info(f"{file.name} was recorded before (same contents): nothing added.")
            return
        # The file's plan, warning and button would still show what was just done: a rerun
        # with a fresh file picker shows the verdicts instead.
        st.session_state[UPLOADED] = (f"Recorded {plural(len(todo), 'outcome')} from {file.name}.", results)
        st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1
        remember_name(recorded_by)
        learning.learn_from_outcomes(recorded_by)
        st.rerun()


st.title("Record an outcome")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))
learning.learning_note()
with resources.session() as session:
    entries = test_entries(session)
typed, uploaded = st.tabs(["Enter numbers", "Upload outcomes CSV"])
with typed:
    enter_numbers(entries)
with uploaded:
    upload_csv(entries)
