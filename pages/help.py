"""Help: what every number on screen means, with an example each."""

import streamlit as st

from ui import routing

routing.through_app(__file__)

GLOSSARY = [
    (
        "Win probability",
        "The model's chance that this draft gets the most clicks of all the drafts compared (“chance it wins” on "
        "Compare, “model's chance” on Record outcome).",
        "Three drafts at 50%, 30% and 20%: the first is the model's pick, but it loses one time in two.",
    ),
    ("Rank", "The draft's place when the model sorts them by score; 1 is its pick.", "“rank 2 of 3”."),
    (
        "Too close to call",
        "Compare's answer when the leading draft beats the runner-up head to head less than 55% of the time: "
        "within the model's noise, so test both.",
        "Leader against runner-up 53%: “Too close to call”.",
    ),
    (
        "Head to head",
        "The chance that one draft gets more clicks than another in a test of just those two (Compare's "
        "“Head to head” grid). Unlike the chance it wins, it ignores the other drafts.",
        "Draft 1 against draft 3: 64%.",
    ),
    (
        "Word highlights (green and red)",
        "Which words move a draft's chance of beating a typical headline (one that scores as the average "
        "headline the model learned from does), found by scoring the draft many times with words left out "
        "(LIME). Green pushes it up, red down; the stronger the colour, the bigger the push. "
        "Hover a word for its size in percentage points. A guide to why, not a rule: the same word can push "
        "differently in another headline.",
        "“raises its chance against a typical headline by 4.0 points” on “surprising”: without it, the draft "
        "would beat a typical headline about 4 points less often.",
    ),
    (
        "Click rate (CTR)",
        "Clicks divided by impressions: the share of readers shown the headline who clicked it (click-through "
        "rate).",
        "120 clicks from 1,000 impressions is a 12% click rate.",
    ),
    (
        "Impressions",
        "How many readers were shown a headline during the test (from your CMS or A/B tool).",
        "10,234 impressions.",
    ),
    (
        "95% interval (likely range)",
        "The range the true click rate is very likely in, given how many readers saw it. More impressions make it "
        "narrower.",
        "12% (10.1%–14.2%): with 1,000 impressions the true rate could be anywhere in that range.",
    ),
    (
        "p-value",
        "How likely a gap at least this big between the best headline and the runner-up would be if they were "
        "really equally good. Small means the gap is unlikely to be luck.",
        "p = 0.003: a gap this big would happen by chance about 3 times in 1,000.",
    ),
    (
        "Significant (a clear result)",
        "The p-value is below 0.05, so the app names a winner. Otherwise it says “no significant winner yet”.",
        "p = 0.02 is significant; p = 0.2 is not.",
    ),
    (
        "Bonferroni correction",
        "With more than two headlines the best one had several chances to look good by luck, so its p-value is "
        "multiplied by the number of comparisons (headlines − 1).",
        "Four headlines: a raw p of 0.02 becomes 0.06, not significant.",
    ),
    (
        "Impressions needed (more needed)",
        "Roughly how many more impressions each headline would need for the gap seen so far to become "
        "significant, if the click rates stayed as they are.",
        "“12,000 more impressions per headline”: keep the test running that long, or accept that it is a tie.",
    ),
    (
        "Model right?",
        "Whether the model's pick was the significant winner. Tests without a clear winner cannot judge it.",
        "right / wrong / no clear winner yet / not a forecast (scored only after the test ran) / no prediction saved "
        "(the test was saved while no model could be loaded).",
    ),
    (
        "Accuracy on significant outcomes",
        "Of the tests with a significant (clear) winner, the share where the model's pick was that winner. 50% is a coin "
        "toss between two headlines.",
        "Right on 15 of 20 clear tests: 75%.",
    ),
    (
        "Accuracy on all outcomes",
        "Of all tests, the share where the model's pick had the best observed click rate, even if the gap may be "
        "luck. Noisier than accuracy on significant outcomes.",
        "Best rate picked in 60 of 100 tests: 60%.",
    ),
    (
        "Calibration",
        "Whether the win probabilities mean what they say: of the headlines given about 70%, about 70% should win.",
        "Given 70%, won 50% of the time: the model is over-confident.",
    ),
    (
        "Plan the test: usual click rate, predicted click rate, lift",
        "On Compare, “Plan the test” sizes an A/B test before it runs. The usual click rate is what a typical "
        "headline gets (your newsroom's median, or the archive's until you record outcomes); each draft's "
        "predicted click rate follows from how far the model scores it above or below a typical headline; the "
        "lift is how much more often the leading draft would be clicked than each other draft; impressions per "
        "headline is how many readers each must be shown for that lift to show as a clear result.",
        "Usual 2.0%; the leader predicted at 2.4%, another draft at 2.0%: a lift of 20%, which needs about "
        "21,000 impressions per headline.",
    ),
    (
        "Log loss",
        "A score for the win probabilities themselves: it punishes confident mistakes most. Lower is better; "
        "0.693 is what always saying 50% would get.",
        "0.64 is better than a coin toss; 0.70 is worse.",
    ),
    (
        "Candidate, promote, roll back",
        "A retrain makes a candidate: a new model version that serves no one yet. Promoting it makes it the "
        "model every editor's Compare page uses, once it is shown not worse than the active one on held-out "
        "pairs; rolling back makes an earlier version active again.",
        "Version 3 is promoted; a week later the newsroom rolls back to Version 2.",
    ),
    (
        "Held-out pairs",
        "Headline pairs from tests a model did not train on, kept aside to measure it fairly: archive tests "
        "from its validation split, and your newsroom's recorded outcomes.",
        "“on 4,621 held-out pairs”.",
    ),
    (
        "McNemar test",
        "Compares two models on the same held-out headline pairs, counting only the pairs where exactly one of "
        "them was right. Its p-value says whether the difference could be luck.",
        "Old model alone right on 40 pairs, new one alone on 70, p = 0.005: the new one is really better.",
    ),
    (
        "Archive",
        "Past A/B tests from Upworthy and Ars Technica that the model learned from. Its record on archive tests "
        "it never saw is shown apart from your newsroom's own outcomes.",
        "“On 2,854 headline pairs from Upworthy archive tests it had never seen, it picked the winner 63% of the "
        "time.”",
    ),
]

st.title("Help")
st.markdown(
    "**Compare** drafts to see which one the model expects to win; **Save as test**; run the A/B test in your "
    "CMS; **Record outcome** with its impressions and clicks; **History** shows how right the model has been; "
    "**Models** retrains it on your outcomes."
)
st.subheader("Glossary")
search = st.text_input("Find a term", key="help_search").strip()


def plain(text: str) -> str:
    """Lower case, without spaces or hyphens: "P value", "pvalue" find "p-value"; "rollback" finds
    "roll back"."""
    return "".join(text.lower().replace("-", " ").split())


found = [entry for entry in GLOSSARY if plain(search) in plain(f"{entry[0]} {entry[1]}")]
if not found:
    st.info(f"No term mentions “{search}”. Clear the box to see every term.")
for term, meaning, example in found:
    st.markdown(f"**{term}**: {meaning}  \n*Example:* {example}")
