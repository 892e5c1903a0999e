"""Compare: type drafts, see live which one the model expects to win, and why."""

import streamlit as st

from ui import draft_keeper, resources, routing

routing.through_app(__file__)

settings = resources.settings()
DRAFT = "draft_{i}"  # each draft box's session key; the keeper restores into the same keys

st.title("Compare drafts")
inputs, answer = st.columns([3, 2], gap="large")
with inputs:
    st.caption(
        "Type two or more draft headlines. The answer appears on the right as you type; below it, "
        "which words push each draft up (green) or down (red). Your drafts stay here while you visit "
        "other pages, and a reload keeps them."
    )
    # Drafts survive a visit to another page (persist_state) and a reload (the tab keeps them).
    draft_keeper.restore("draft_count", DRAFT, "excerpt", settings.min_drafts, settings.max_drafts)
    st.session_state.setdefault("draft_count", 3)  # not value=3: the keeper may set it first
    count = st.number_input(
        f"Number of drafts ({settings.min_drafts}–{settings.max_drafts})",  # the limits in view, not on hover
        min_value=settings.min_drafts,
        max_value=settings.max_drafts,
        step=1,
        key="draft_count",
        persist_state="session",
    )
    raws = [
        st.text_input(
            f"Draft {i + 1}",
            key=DRAFT.format(i=i),
            live=f"{settings.draft_debounce_ms}ms",
            persist_state="session",
        )
        for i in range(int(count))
    ]
    excerpt = st.text_area("Story excerpt (optional)", key="excerpt", height=80, persist_state="session")
    # Drafts hidden by lowering the count are kept too: the page keeps them for a higher count.
    hidden = [st.session_state.get(DRAFT.format(i=i)) or "" for i in range(int(count), settings.max_drafts)]
    draft_keeper.keep(count, raws + hidden, excerpt)
    # Imported after the boxes are drawn: on a first visit these imports take seconds (torch,
    # pandas, altair), and the boxes are on screen and can be typed in meanwhile.
    from core.newsroom.compare import (
        call,
        checked_drafts,
        head_to_head,
        ranking,
        scorable,
        track_record,
        track_record_in_short,
    )
    from core.newsroom.testbook import save_ranked_drafts
    from ui import compare_views, live, planning_view, serving
    from ui.percent import WHOLE_PERCENT, in_percent_points

    model = serving.model()
    serving.sidebar(model)
    if model.scorer is not None and model.scorer.context == "none":
        st.caption(
            "This model reads the headline only: the excerpt is saved with the test but does not "
            "change the prediction."
        )
    drafts = checked_drafts(raws, settings.max_headline_chars)
    # Empty boxes after the last draft typed are simply unused; an empty one before it is a gap.
    last_typed = max((d.number for d in drafts if d.raw.strip()), default=0)
    for draft in drafts:
        if draft.problem and draft.number <= last_typed:
            st.warning(f"Draft {draft.number}: {draft.problem} — left out of the comparison.")
        if draft.problem or not draft.saved_differently:
            continue
        st.caption(compare_views.saved_as_note(draft))

ready = scorable(drafts)
with answer:
    if not last_typed:
        st.info("Type at least two drafts to compare them.")
        st.stop()
    if len(ready) < 2:
        st.info("Type at least two different drafts to compare them.")
        st.stop()
    if model.scorer is None:
        serving.show_model_error(model)
        st.stop()

    ranked = ranking(serving.remembered_scores(model), ready, excerpt).sort_values(["rank", "draft"])
    verdict = call(ranked, settings.too_close_below)
    by_number = {d.number: d for d in ready}
    in_rank = [by_number[int(n)] for n in ranked["draft"]]
    st.subheader("Predicted winner" if not verdict.too_close else "Too close to call")
    (st.info if verdict.too_close else st.success)(verdict.sentence())
    compare_views.leading_headline(verdict.leader, by_number[verdict.leader].typed)
    st.dataframe(
        in_percent_points(
            ranked[["rank", "draft", "win_probability"]], "win_probability"
        ),  # headlines: beside
        hide_index=True,
        width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn("rank", help="1 = the draft the model expects to win."),
            "draft": st.column_config.NumberColumn(
                "draft", format="%d", help="The draft's number, as in the boxes on the left."
            ),
            "win_probability": st.column_config.ProgressColumn(
                "chance it wins",
                help="The model's chance that this draft gets the most clicks of all these drafts "
                "in an A/B test. They add up to 100% (rounded, the figures shown may add up to 99% or 101%); "
                "with many drafts each share is small.",
                format=WHOLE_PERCENT,
                min_value=0.0,
                max_value=100.0,
                color="blue",  # not the theme's red: red means "pushes the chance down" in the highlights
            ),
        },
    )
    record = track_record_in_short(model.scorer.manifest)
    if record:  # the answer in one line; every figure behind it on hover
        st.caption(f"How often is it right? {record}", help=track_record(model.scorer.manifest))

st.subheader("Why: the words that move each draft")
# Asked for once the answer is drawn (asked before it, LIME's thread competed with the drawing and
# the highlights came later); each is filled in at the end of this run.
keys = [live.explanation_key(d.raw, model, excerpt) for d in in_rank]
slots = live.HighlightSlots(live.explanation_queue(model), keys, [d.raw for d in in_rank])
slots.begin()
for rank, row in enumerate(ranked.itertuples()):
    with st.container(border=True):
        st.markdown(
            f"**Draft {row.draft}** · rank **{row.rank}** of {len(ranked)} · "
            f"chance it wins **{row.win_probability:.0%}**",  # as the table above says it
            help="Green words push this draft's chance up, red words push it down. Hover a word for how "
            "many percentage points it adds to or takes from the draft's chance of beating a typical "
            "headline (LIME: the draft scored with and without the word).",
        )
        slots.draw(rank)

with st.expander("Head to head: each pair of drafts"):
    st.caption("Each cell is the chance that the row's draft gets more clicks than the column's draft.")
    compare_views.head_to_head_heatmap(head_to_head(ranked))

with st.expander("Plan the test: how many impressions it needs"):
    planning_view.plan_section(model, ranked, settings)

with st.form("save_test"):
    st.markdown(f"**Save these {len(ranked)} drafts as a test** with the model's predictions")
    editor = resources.name_box("Your name", key=resources.EDITOR_NAME, persist_state="session")
    if st.form_submit_button("Save as test"):
        with resources.session() as session:
            test, saved_now = save_ranked_drafts(
                session, ranked.sort_values("draft"), model.version, excerpt, editor.strip() or None
            )
        st.session_state[resources.LAST_SAVED_TEST] = test.id
        then = "Record its outcome on the Record outcome page once it has run."
        if not saved_now:  # a second click, or the same drafts saved again
            st.info(
                f"These drafts were already saved as test #{test.number} in the last few minutes; nothing new was saved. {then}"
            )
        else:
            st.success(f"Saved as test #{test.number}. {then}")

# Last, so that the save form and everything else is on the page while the editor reads: the
# highlights still being explained appear above as each arrives (typing again ends the wait).
slots.fill(settings.highlight_wait_s)
