"""The Models page's views: the versions, the engineers' details, a candidate against the active
model (the answer first, then the figures), and the registry log. Every number has its plain
words one hover away."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.basics.stats import p_value_text
from core.basics.words import noun_for
from core.data.datasets import archive_name
from core.lifecycle.summary import editor_summary, engineer_summary
from ui import when
from ui.percent import WHOLE_PERCENT, in_percent_points

ACCURACY_HELP = "Share of {pairs} where it picked the headline with more clicks (50% is a coin toss)."
LOG_LOSS_HELP = (
    "How far its win probabilities were from what happened on {pairs}; lower is better (0.693 = a coin toss)."
)
COMPARISON_COLUMNS = {
    "pairs": st.column_config.NumberColumn(
        "held-out pairs",
        format="localized",
        help="Pairs of headlines from past tests that neither model trained on; both models call each pair.",
    ),
    "significant_pairs": st.column_config.NumberColumn(
        "clear results",
        format="localized",
        help="Of those, pairs whose click rates differ significantly (p < 0.05): the ones with a clear winner.",
    ),
    "accuracy": st.column_config.NumberColumn(
        "right, all pairs",
        format=WHOLE_PERCENT,
        help="Share of all pairs where it picked the headline with more clicks.",
    ),
    "accuracy_significant": st.column_config.NumberColumn(
        "right, clear results",
        format=WHOLE_PERCENT,
        help="Share of the clear results where it picked the winner: the figure that matters most.",
    ),
    "log_loss": st.column_config.NumberColumn(
        "log loss", format="%.4f", help=LOG_LOSS_HELP.format(pairs="these held-out pairs")
    ),
}


def versions_table(rows, named: Callable[[str], str]) -> None:
    """Every registered version as an editor needs it: name, state, accuracy, what it learned from."""
    table = pd.DataFrame([editor_summary(r, named(r.version)) for r in rows])
    accuracies = [c for c in table.columns if c.endswith(" accuracy")]
    st.dataframe(
        in_percent_points(table, *accuracies),  # whole percents, as Compare and History show them
        hide_index=True,
        placeholder="",
        column_config={
            "version": st.column_config.TextColumn(
                width=250,  # with the other widths, 780 of the 784 px a 1280 px window gives the page
                help="The version's number and the day it was trained; “archive only”: it has "
                "not learned from your newsroom's outcomes.",
            ),
            "status": st.column_config.TextColumn(
                width=150,
                help="serving now: it scores the drafts on Compare · candidate (not serving): trained, waiting "
                "to be compared and promoted · retired: served before; you can roll back to it.",
            ),
            **{
                c: st.column_config.NumberColumn(
                    format=WHOLE_PERCENT,
                    help=ACCURACY_HELP.format(pairs=f"held-out {c.removesuffix(' accuracy')} headline pairs"),
                )
                for c in accuracies
            },
            "newsroom tests": st.column_config.NumberColumn(
                width=110, format="localized", help="Your recorded outcomes it was trained on."
            ),
        },
    )


ENGINEER_HELP = {
    "version": "The name the rest of the app uses.",
    "raw version id": "The id in the registry, the CLI and the model's manifest; its weights, tokenizer "
    "and manifest are in the folder of that name under models/.",
    "trained (UTC)": "When it was trained (its manifest says); the registry log below says when it came here.",
    "archive tests": "Past A/B tests from the Upworthy and Ars Technica archives it learned from.",
    "git commit": "The code it was trained with; “+dirty”: with changes not committed.",
    "base model": "The pretrained encoder it was fine-tuned from.",
    "seeds": "Random seeds of its training (several: a soup of models averaged).",
}


def engineers_table(rows, named: Callable[[str], str]) -> None:
    """Code, base model, seeds, raw ids and log losses per version."""
    engineers = pd.DataFrame([engineer_summary(r, named(r.version)) for r in rows])
    st.dataframe(
        engineers,
        hide_index=True,
        placeholder="",
        column_config={
            **{c: st.column_config.TextColumn(help=h) for c, h in ENGINEER_HELP.items()},
            "archive tests": st.column_config.NumberColumn(
                format="localized", help=ENGINEER_HELP["archive tests"]
            ),
            **{
                c: st.column_config.NumberColumn(
                    format="%.3f",
                    help=LOG_LOSS_HELP.format(
                        pairs=f"held-out {archive_name(c.removesuffix(' log loss'))} pairs"
                    ),
                )
                for c in engineers.columns
                if c.endswith(" log loss")
            },
        },
    )


@st.cache_resource(show_spinner=False)
def _kept_comparisons() -> dict:
    # In this server process, for every session: a reload, or another editor, sees the last
    # comparison of these two models on these outcomes without a minute of scoring again.
    return {}


def kept_comparison(key: tuple):
    """The comparison made for ``key`` (database, candidate, active model, outcomes' fingerprint), if any."""
    return _kept_comparisons().get(key)


def keep_comparison(key: tuple, comparison) -> None:
    _kept_comparisons()[key] = comparison


def comparison_answer(comparison, candidate: str, active: str) -> None:
    """Whether the candidate may be promoted, in one line, before any figure."""
    t = comparison.test
    if comparison.allowed:
        pairs = int(comparison.metrics["pairs"].iloc[0])
        split = (
            f"where the two disagree, the candidate alone was right on {t.challenger_only:,} pairs and the "
            f"active model alone on {t.champion_only:,}"
            if t.challenger_only + t.champion_only
            else "the two call every pair alike"
        )
        st.success(
            f"{candidate} may be promoted: on {pairs:,} held-out pairs it is not worse than {active} ({split})."
        )
    else:
        failed = comparison.shortfalls  # what it falls short in, not a blanket "worse"
        st.error(
            f"Promotion refused: on the held-out tests, {'; and '.join(failed)}. "
            f"{noun_for(len(failed), 'The check it failed is', 'The checks it failed are')} marked “failed” below."
        )


def set_name(held_out: str) -> str:
    """A comparison's held-out set as an editor reads it: an archive by its name, or the newsroom's."""
    return "your newsroom's outcomes" if held_out == "editor" else f"{archive_name(held_out)} archive"


def comparison_figures(comparison, candidate: str, active: str) -> None:
    """Both models' figures on the same held-out pairs, per set, the McNemar test and the rule's checks."""
    metrics = comparison.metrics.set_axis(["active model", "candidate"])  # named in the answer above
    st.caption(
        "Both models scored now, on the same pairs, as this machine serves them. The versions table above "
        "gives each model's figures from when it was trained, which can differ by a point: fast paths "
        "round differently on different CPUs, and the archive sample may differ."
    )
    st.dataframe(
        in_percent_points(metrics, "accuracy", "accuracy_significant"),
        column_config={
            "_index": st.column_config.TextColumn(
                "model", help=f"Active model: {active}. Candidate: {candidate}."
            ),
            **COMPARISON_COLUMNS,
        },
    )
    by_set = comparison.by_set.rename(index=set_name)
    by_set = by_set.rename(
        columns={"champion accuracy": "active model right", "challenger accuracy": "candidate right"}
    )
    st.dataframe(
        in_percent_points(by_set, "active model right", "candidate right"),
        column_config={
            "_index": st.column_config.TextColumn("held-out set", help="Where the pairs come from."),
            "pairs": st.column_config.NumberColumn(format="localized", help="Pairs from this set."),
            "active model right": st.column_config.NumberColumn(
                format=WHOLE_PERCENT, help="Share of this set's pairs the active model called right."
            ),
            "candidate right": st.column_config.NumberColumn(
                format=WHOLE_PERCENT, help="Share of this set's pairs the candidate called right."
            ),
        },
    )
    t = comparison.test
    st.markdown(
        f"McNemar test (exact; see Help): only the active model right on **{t.champion_only}** pairs, only the "
        f"candidate on **{t.challenger_only}**; p = **{p_value_text(t.p_value)}**",
        help="Only the pairs where the two models disagree tell them apart. p is how often a split this "
        "uneven would turn up by chance if both were equally good; below 0.05, one is clearly better.",
    )
    st.caption("The promotion rule, check by check (fixed in the settings before any comparison):")
    for check in comparison.checks:
        # Words, not ✅/❌: they read the same in every browser font.
        st.markdown(
            f"{':green[**passed**]' if check.passed else ':red[**failed**]'} · {check.rule}: {check.detail}"
        )
    for warning in comparison.warnings:
        st.warning(warning)


# The log's actions as an editor says them: "override" alone did not say the version was made active.
ACTION_WORDS = {
    "register": "registered",
    "promote": "promoted",
    "override": "promoted anyway",
    "rollback": "rolled back to",
}


def registry_log(events, named: Callable[[str], str]) -> None:
    """Who registered, promoted, overrode or rolled back which version, when and why."""
    st.dataframe(
        [
            {
                "at": when.local(e.at),
                "version": named(e.version),
                "action": ACTION_WORDS.get(e.action, e.action),
                "by": e.by or "",
                "note": e.note or "",
            }
            for e in events
        ],
        hide_index=True,
        placeholder="",
        # Widths that add up to less than the 784 px the page has at 1280 px: no sideways scrolling.
        column_config={
            "at": st.column_config.TextColumn(width=140, help="When it happened, in your time zone."),
            "version": st.column_config.TextColumn(width=170, help="The model version it concerned."),
            "action": st.column_config.TextColumn(
                width=120,
                help="registered: trained and stored · promoted: made active after passing the comparison · "
                "promoted anyway: made active without passing it, with a reason · rolled back to: an earlier "
                "version made active again",
            ),
            "by": st.column_config.TextColumn(width=90, help="Who did it, as they gave their name."),
            "note": st.column_config.TextColumn(width=240, help="What they wrote about why."),
        },
    )
