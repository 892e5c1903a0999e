"""Compare: type drafts, see live which one the model expects to win, and why."""

import streamlit as st

from core.newsroom.compare import checked_drafts, ranking, scorable
from core.newsroom.explain import highlight_html
from core.newsroom.testbook import save_ranked_drafts
from ui import markdown, resources, routing

routing.through_app(__file__)

settings = resources.settings()
model = resources.model()

st.title("Compare drafts")
st.caption(
    "Type two or more draft headlines. Each shows its rank, its probability of winning the A/B test "
    "against the others, and which words push it up (green) or down (red)."
)
# Drafts survive a visit to another page (persist_state), so an editor can come back to them.
count = st.number_input(
    "Number of drafts",
    min_value=settings.min_drafts,
    max_value=settings.max_drafts,
    value=3,
    step=1,
    key="draft_count",
    persist_state="session",
)
raws = [
    st.text_input(f"Draft {i + 1}", key=f"draft_{i}", live="400ms", persist_state="session")
    for i in range(int(count))
]
excerpt = st.text_area("Story excerpt (optional)", key="excerpt", height=80, persist_state="session")

drafts = checked_drafts(raws, settings.max_headline_chars)
if not any(d.raw.strip() for d in drafts):
    st.info("Type at least two drafts to compare them.")
    st.stop()
for draft in drafts:
    if draft.problem:
        st.warning(f"Draft {draft.number}: {draft.problem} — left out of the comparison.")
    if draft.markup:
        st.caption(
            f"Draft {draft.number} contains markup ({markdown.escape_markdown(', '.join(draft.markup))}): shown as text; "
            "the model scores it without the tags."
        )
ready = scorable(drafts)
if len(ready) < 2:
    st.info("Type at least two different drafts to compare them.")
    st.stop()
if model.scorer is None:
    resources.show_model_error(model)
    st.stop()

ranked = ranking(model.scorer, ready, excerpt)
best = ranked.loc[ranked["rank"].idxmin()]
st.subheader(f"Predicted winner: draft {best['draft']} ({best['win_probability']:.0%})")
highlights = {}
for draft, row in zip(ready, ranked.itertuples()):
    with st.container(border=True):
        st.markdown(
            f"**Draft {draft.number}** · rank **{row.rank}** of {len(ranked)} · "
            f"win probability **{row.win_probability:.0%}** · score {row.score:+.3f}"
        )
        highlights[draft.number] = st.empty()
        highlights[draft.number].html(highlight_html(draft.raw, {}))
for draft in ready:  # explanations after the scores: LIME takes a moment per new draft
    highlights[draft.number].html(highlight_html(draft.raw, resources.explanation(draft.raw, model, excerpt)))

with st.form("save_test"):
    st.markdown(f"**Save these {len(ranked)} drafts as a test** with the model's predictions")
    editor = st.text_input("Your name", key="editor", persist_state="session")
    if st.form_submit_button("Save as test"):
        with resources.session() as session:
            test = save_ranked_drafts(session, ranked, model.version, excerpt, editor.strip() or None)
        st.session_state[resources.LAST_SAVED_TEST] = test.id
        st.success(
            f"Saved as test #{test.id}. Record its outcome on the Record outcome page once it has run."
        )
