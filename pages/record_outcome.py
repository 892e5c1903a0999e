"""Record outcome: the real A/B result of a saved test (or a new one), typed or uploaded."""

import streamlit as st

from core.data.loaders import DataFormatError, RowsRefused, load_outcomes
from core.newsroom.compare import checked_drafts, scorable
from core.newsroom.entry import count_problems, parse_counts
from core.newsroom.recording import record
from core.newsroom.testbook import editor_tests, new_recorded_test, test_by_id
from core.newsroom.upload import plan_upload, record_upload
from ui import outcome_view, resources, routing

routing.through_app(__file__)

settings = resources.settings()
model = resources.model()


def label(test) -> str:
    if test is None:
        return "New test (not saved on Compare)"
    by = f" by {test.created_by}" if test.created_by else ""
    state = "outcome recorded" if test.outcomes else "waiting for its outcome"
    first = test.arms[0].headline[:60]
    return f"#{test.id} · {test.created_at:%Y-%m-%d}{by} · “{first}” +{len(test.arms) - 1} · {state}"


def new_test(session, headlines, created_by, excerpt=None, image_ids=None, dates=None):
    return new_recorded_test(
        session, headlines, created_by, model.scorer, model.version, excerpt, image_ids, dates
    )


def typed_headlines() -> list[str]:
    lines = st.text_area("Headlines of the test, one per line", key="new_headlines").splitlines()
    drafts = checked_drafts([line for line in lines if line.strip()], settings.max_headline_chars)
    for draft in drafts:
        if draft.problem:
            st.warning(f"Headline {draft.number}: {draft.problem}")
    return [d.text for d in drafts] if scorable(drafts) == drafts else []


def enter_numbers(tests) -> None:
    by_id = {t.id: t for t in tests}
    waiting = [t.id for t in tests if not t.outcomes]
    preferred = st.session_state.get(resources.LAST_SAVED_TEST) or (waiting[0] if waiting else None)
    options = [None, *by_id]
    chosen = st.selectbox(
        "Test",
        options,
        key="record_test",  # keyed: the choice stays put when the default moves after a recording
        index=options.index(preferred) if preferred in by_id else 0,
        format_func=lambda test_id: label(by_id.get(test_id)),
    )
    if chosen is None:
        st.caption(
            "The model scores a new test's headlines now, after it ran: History shows that call "
            "but leaves it out of live accuracy unless asked."
        )
        headlines = typed_headlines()
    else:
        headlines = [arm.headline for arm in by_id[chosen].arms]
        if by_id[chosen].outcomes:
            st.caption("This test already has an outcome; recording again replaces it.")
    if len(headlines) < 2:
        st.info("Type two or more different headlines, one per line.")
        return

    form = f"outcome_{chosen or 'new'}"
    with st.form(form):
        entries = []
        for i, headline in enumerate(headlines):
            text, impressions, clicks = st.columns([4, 1, 1], vertical_alignment="bottom")
            text.text(f"{i + 1}. {headline}")
            entries.append(
                (
                    impressions.text_input("Impressions", key=f"{form}_impressions_{i}"),
                    clicks.text_input("Clicks", key=f"{form}_clicks_{i}"),
                )
            )
        recorded_by = st.text_input("Recorded by", key=f"{form}_by").strip() or None
        submitted = st.form_submit_button("Record outcome", type="primary")
    if not submitted:
        return
    problems = count_problems(entries)
    if problems:
        st.error(
            "Nothing was recorded. Fix these and submit again:\n" + "\n".join(f"- {p}" for p in problems)
        )
        return
    with resources.session() as session:
        test = test_by_id(session, chosen) if chosen else new_test(session, headlines, recorded_by)
        summary = record(session, test, parse_counts(entries), recorded_by, settings.alpha)
    st.success(f"Outcome of test #{test.id} recorded.")
    outcome_view.show_outcome(summary)


def upload_csv(tests) -> None:
    st.caption(
        "Columns: test_id, headline, impressions, clicks (optional: image_id, date, excerpt). "
        "A test whose headlines match a saved test is recorded on it; any other becomes a new test, "
        "which the model scores now (after it ran: left out of live accuracy unless asked). "
        "If any row is bad, nothing is recorded."
    )
    file = st.file_uploader("Outcomes CSV", type=["csv"])
    if file is None:
        return
    try:  # the same strict check as `python -m core import`: any problem refuses the whole file
        loaded = load_outcomes(file.getvalue(), source_name="csv")
    except RowsRefused as exc:
        st.error(
            f"Nothing was recorded: {len(exc.problems)} problem(s) in {file.name}. Fix them and upload again:\n"
            + "\n".join(f"- {p}" for p in exc.problems)
        )
        return
    except DataFormatError as exc:
        st.error(f"Nothing was recorded: {exc}")
        return
    # Saved tests still waiting for an outcome are matched first.
    saved = {t.id: [a.headline for a in t.arms] for t in sorted(tests, key=lambda t: bool(t.outcomes))}
    planned, problems = plan_upload(loaded.arms, saved)
    if problems:
        st.error(
            f"Nothing was recorded: {len(problems)} problem(s) in {file.name}:\n"
            + "\n".join(f"- {p}" for p in problems)
        )
        return
    st.dataframe(
        [
            {
                "CSV test": t.csv_test_id,
                "rows": ", ".join(map(str, t.rows)),
                "headlines": len(t.headlines),
                "recorded on": f"test #{t.saved_test_id}" if t.saved_test_id else "a new test",
            }
            for t in planned
        ],
        hide_index=True,
    )
    recorded_by = st.text_input("Recorded by", key="upload_by").strip() or None
    if st.button(f"Record {len(planned)} outcome(s)", type="primary"):

        def store(session, t):
            saved_test = test_by_id(session, t.saved_test_id) if t.saved_test_id else None
            test = saved_test or new_test(session, t.headlines, recorded_by, t.excerpt, t.image_ids, t.dates)
            record(session, test, t.counts, recorded_by, settings.alpha)

        # One transaction: every test lands, or none; the same file's contents are recorded once.
        if record_upload(resources.session, file.getvalue(), file.name, planned, store):
            st.success(f"Recorded {len(planned)} outcome(s) from {file.name}.")
        else:
            st.info(f"{file.name} was recorded before (same contents): nothing added.")


st.title("Record an outcome")
with resources.session() as session:
    editor_tests = editor_tests(session)
typed, uploaded = st.tabs(["Enter numbers", "Upload outcomes CSV"])
with typed:
    enter_numbers(editor_tests)
with uploaded:
    upload_csv(editor_tests)
