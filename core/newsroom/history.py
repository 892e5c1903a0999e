"""How right the model has been on editors' tests: accuracy over time and calibration.

Inputs come from the database: ``db.outcomes.outcomes_frame`` (one row per test, its latest
outcome) and ``db.outcomes.recorded_arms_frame`` (one row per headline of those tests) for the
per-arm numbers. Accuracy is counted two ways: on significant outcomes (the model's top
pick is the significant winner) and on all outcomes (its top pick has the best observed
click rate, however noisy).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from core.basics.stats import p_value_text
from core.basics.tables import csv_bytes
from core.basics.words import noun_for, plural
from core.data.datasets import archive_name

ARM_COLUMNS = [
    "test_id",
    "test_number",  # the number editors see (db.schema.Test.number)
    "arm_id",
    "headline",
    "impressions",
    "clicks",
    "rate",
    "model_version",
    "win_probability",  # the model's, when the test was saved; NaN without a prediction
    "at_recording",  # that prediction was made as the outcome was recorded (not a forecast)
    "significant",
    "winner",  # the significant winner
    "best",  # the best observed click rate in its test (the first arm on a tie)
]


def arm_outcomes(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per arm of each test with a recorded outcome (:data:`ARM_COLUMNS`), from
    ``db.outcomes.recorded_arms_frame``'s rows (a test with an arm without counts is left out)."""
    uncounted = rows["impressions"].isna().groupby(rows["test_id"], sort=False).transform("any")
    rows = rows[~uncounted.astype(bool)]
    rate = rows["clicks"].astype("float64") / rows["impressions"].astype("float64")
    # The first arm with the highest rate in its test (idxmax keeps the first of a tie).
    best = rate.index.isin(rate.groupby(rows["test_id"], sort=False).idxmax()) if len(rows) else []
    return pd.DataFrame(
        {
            "test_id": rows["test_id"],
            "test_number": rows["test_number"],
            "arm_id": rows["arm_id"],
            "headline": rows["headline"],
            "impressions": rows["impressions"].astype("int64"),
            "clicks": rows["clicks"].astype("int64"),
            "rate": rate,
            "model_version": rows["model_version"].astype("str"),  # missing: NaN, as pandas reads text
            "win_probability": rows["win_probability"].astype("float64"),
            "at_recording": rows["at_recording"].fillna(False).astype(bool),
            "significant": rows["significant"].astype(bool),
            "winner": (rows["arm_id"] == rows["winner_arm_id"]).to_numpy(),
            "best": best,
        },
        columns=ARM_COLUMNS,
    ).reset_index(drop=True)


def judged_outcomes(outcomes: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """``outcomes_frame`` rows plus ``best_arm_id`` and ``hit_best`` (the model's top pick had
    the best observed rate; empty without a prediction). Tests not in ``arms`` are dropped."""
    best = arms.loc[arms["best"], ["test_id", "arm_id"]].rename(columns={"arm_id": "best_arm_id"})
    judged = outcomes.merge(best, on="test_id", how="inner")
    hit = judged["predicted_arm_id"] == judged["best_arm_id"]
    judged["hit_best"] = hit.astype("boolean").where(judged["predicted_arm_id"].notna())
    return judged


def forecasts_only(judged: pd.DataFrame, arms: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave out of accuracy and calibration the predictions made only as an outcome was
    recorded (a test not saved on Compare first): the model scored those headlines after
    the test ran, so they are not forecasts. The tests stay listed, unjudged."""
    after = judged["prediction_at_recording"].fillna(False).astype(bool)
    judged = judged.copy()
    judged.loc[after, ["model_correct", "hit_best"]] = pd.NA
    arms = arms.assign(win_probability=arms["win_probability"].where(~arms["at_recording"].astype(bool)))
    return judged, arms


def accuracy_summary(judged: pd.DataFrame) -> pd.DataFrame:
    """Tests, hits and accuracy on significant outcomes and on all outcomes."""
    rows = {
        "significant outcomes": judged["model_correct"].dropna(),
        "all outcomes": judged["hit_best"].dropna(),
    }
    return pd.DataFrame(
        {
            "tests": [len(s) for s in rows.values()],
            "hits": [int(s.sum()) for s in rows.values()],
            "accuracy": [float(s.mean()) if len(s) else np.nan for s in rows.values()],
        },
        index=list(rows),
    )


def accuracy_by_version(judged: pd.DataFrame) -> pd.DataFrame:
    """Per model version that made forecasts: tests, and accuracy on significant and on all
    outcomes (NaN where none): what each retrain or update changed for this newsroom."""
    forecast = judged[judged["model_version"].notna() & judged["hit_best"].notna()]
    rows = []
    for version, group in forecast.groupby("model_version", sort=False):
        significant = group["model_correct"].dropna()
        rows.append(
            {
                "version": version,
                "tests": len(group),
                "significant tests": len(significant),
                "accuracy (significant)": float(significant.mean()) if len(significant) else np.nan,
                "accuracy (all)": float(group["hit_best"].astype(float).mean()),
            }
        )
    columns = ["version", "tests", "significant tests", "accuracy (significant)", "accuracy (all)"]
    return pd.DataFrame(rows, columns=columns)


def accuracy_over_time(judged: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """Cumulative accuracy after each recorded outcome that counts (the model forecast the
    test), and what the model expected it to be, indexed by when the outcome was recorded.
    Empty when no outcome counts yet.

    Columns, on significant outcomes and on all (NaN until the first test of its kind):
    accuracy; expected, the mean win probability the model gave its picks in the same tests;
    and the test count. The model's probabilities are fitted to observed winners, so on all
    outcomes a calibrated model's accuracy tracks "expected" and falls below it when the
    model is over-confident. Significant outcomes are the clearer tests: there a calibrated
    model's accuracy sits above it.
    """
    ordered = judged[judged["hit_best"].notna() | judged["model_correct"].notna()]
    ordered = ordered.sort_values(["recorded_at", "outcome_id"])  # an uncounted one adds no row
    confidence = ordered["predicted_arm_id"].map(arms.set_index("arm_id")["win_probability"])
    confidence = confidence.astype(float).to_numpy()  # (tests,) the pick's win probability
    frame = pd.DataFrame(index=pd.DatetimeIndex(ordered["recorded_at"], name="recorded_at"))
    for label, column in (("significant", "model_correct"), ("all", "hit_best")):
        judged_mask = ordered[column].notna().to_numpy()
        hits = ordered[column].fillna(False).astype(bool).to_numpy() & judged_mask
        n = np.cumsum(judged_mask)
        known = judged_mask & ~np.isnan(confidence)
        expected = np.cumsum(np.where(known, confidence, 0.0))
        n_known = np.cumsum(known)
        with np.errstate(invalid="ignore", divide="ignore"):
            frame[f"accuracy ({label})"] = np.where(n > 0, np.cumsum(hits) / np.maximum(n, 1), np.nan)
            frame[f"expected ({label})"] = np.where(n_known > 0, expected / np.maximum(n_known, 1), np.nan)
        frame[f"tests ({label})"] = n
    return frame


def calibration(arms: pd.DataFrame, bins: int = 5, significant_only: bool = True) -> pd.DataFrame:
    """Predicted win probability in equal-width bins against the observed win rate.

    Each arm with a prediction counts once: it "won" if it was the significant winner
    (``significant_only``: arms of tests with a significant winner only) or, over all
    outcomes, if it had the best observed rate. Only bins holding arms are returned.
    """
    data = arms[arms["win_probability"].notna()]
    if significant_only:
        data = data[data["significant"].astype(bool)]
    won = (data["winner"] if significant_only else data["best"]).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    labels = [f"{low:.0%}–{high:.0%}" for low, high in zip(edges[:-1], edges[1:])]  # as the page speaks
    binned = pd.cut(data["win_probability"].astype(float), edges, labels=labels, include_lowest=True)
    table = (
        pd.DataFrame({"bin": binned, "predicted": data["win_probability"].astype(float), "won": won})
        .groupby("bin", observed=True)
        .agg(predicted=("predicted", "mean"), observed=("won", "mean"), arms=("won", "size"))
    )
    table.index = table.index.astype(str)
    table.index.name = "predicted win probability"
    return table


# The export's columns: each judged column and its heading in the file, named for what it means
# to someone reading the file in a spreadsheet (times in UTC, as stored).
EXPORT_HEADINGS = {
    "test_number": "test_number",  # as editors see it: #1, #2, …
    "test_id": "database_test_id",
    "created_at": "saved_at_utc",
    "created_by": "saved_by",
    "recorded_at": "recorded_at_utc",
    "recorded_by": "recorded_by",
    "n_arms": "number_of_headlines",
    "model_version": "model_version",
    "predicted_headline": "model_pick",
    "winner_headline": "significant_winner",
    "p_value": "p_value",
    "significant": "significant",
    "model_correct": "model_picked_the_winner",
    "hit_best": "model_pick_had_the_best_rate",
    "predicted_win_probability": "model_chance_for_the_winner",
    "prediction_at_recording": "scored_after_the_test_ran",
}
EXPORT_COLUMNS = list(EXPORT_HEADINGS)
EXPORT_ARM_HEADINGS = {
    "headline": "headline",
    "impressions": "impressions",
    "clicks": "clicks",
    "rate": "click_rate",
    "win_probability": "model_chance",
    "winner": "is_the_significant_winner",
    "best": "has_the_best_rate",
}


def export_csv(
    judged: pd.DataFrame, arms: pd.DataFrame | None = None, numbers: Iterable[int] | None = None
) -> bytes:
    """The history table as UTF-8 CSV bytes; with ``arms``, one row per headline with its
    impressions, clicks and click rate (:func:`export_frame`); with ``numbers``, only those
    tests (the ones History shows after a search)."""
    if numbers is not None:
        judged = judged[judged["test_number"].isin(list(numbers))]
    frame = judged[EXPORT_COLUMNS] if arms is None else export_frame(judged, arms)
    frame = frame.rename(columns={**EXPORT_HEADINGS, **EXPORT_ARM_HEADINGS})
    for column in ("saved_at_utc", "recorded_at_utc"):  # to the second, as a spreadsheet reads it
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d %H:%M:%S")
    return csv_bytes(frame)  # a headline such as "=HYPERLINK(...)" stays text, never a formula


# --- for editors: one readable row per test, per-headline export, the archive's record -------


def archive_record(validation_metrics: dict | None) -> list[str]:
    """Plain sentences of a model's backtest on the archives' validation tests (its manifest's
    ``validation_metrics``), one per archive; [] when the manifest has none."""
    lines = []
    for name, m in (validation_metrics or {}).items():
        if not m or m.get("pairs") is None or m.get("accuracy") is None:
            continue
        line = (
            f"On {int(m['pairs']):,} headline pairs from {archive_name(name)} archive tests it had "
            f"never seen, it picked the winner {m['accuracy']:.0%} of the time"
        )
        if m.get("accuracy_significant") is not None and m.get("significant_pairs"):
            line += f" ({m['accuracy_significant']:.0%} of {int(m['significant_pairs']):,} when the result was clear)"
        lines.append(line + ".")
    return lines


def pick_head_to_head(arms: pd.DataFrame) -> pd.Series:
    """Per test id, the chance the model gave its pick against its runner-up head to head: of the
    two largest win probabilities p1 and p2 (first-place shares of one Plackett-Luce model),
    p1 / (p1 + p2), the figure Compare calls "too close to call" under ``too_close_below``.
    Tests without two predicted headlines are left out."""
    given = arms.loc[arms["win_probability"].notna(), ["test_id", "win_probability"]]
    ranked = given.sort_values("win_probability", ascending=False, kind="stable")
    ranked = ranked.assign(place=ranked.groupby("test_id").cumcount())
    top = ranked[ranked["place"] < 2].pivot(index="test_id", columns="place", values="win_probability")
    if top.shape[1] < 2:
        return pd.Series(dtype=float)
    total = top[0] + top[1]
    return (top[0] / total.where(total > 0)).dropna()


def summary_line(
    judged: pd.DataFrame, head_to_head: pd.Series | None = None, too_close_below: float = 0.0
) -> str:
    """One sentence: how many tests, how many had a clear winner, how often the model called it,
    and how many of those calls were leans Compare had called too close to call (``head_to_head``:
    :func:`pick_head_to_head`): counted as picks, said so, since Compare told editors to test both."""
    tests = len(judged)
    clear = judged["model_correct"].dropna()
    significant = int(judged["significant"].sum())
    line = f"{plural(tests, 'test')} with an outcome; {significant:,} had a clear winner."
    if len(clear):
        line += (
            f" The model picked that winner in {int(clear.sum()):,} of {len(clear):,} ({clear.mean():.0%})"
        )
        leans = 0
        if head_to_head is not None and len(head_to_head):
            judged_ids = judged.loc[clear.index, "test_id"]
            leans = int((judged_ids.map(head_to_head) < too_close_below).sum())
        if leans:
            line += (
                f", counting {plural(leans, 'pick')} it had called too close to call: "
                f"{noun_for(leans, 'a lean', 'leans')}, not {noun_for(leans, 'a confident call', 'confident calls')}"
            )
        line += "."
    else:
        line += " None with a clear winner was forecast by the model yet, so its live accuracy is still open."
    unforecast = significant - len(clear)
    if len(clear) and unforecast > 0:  # the sentence's two counts differ: say why
        line += (
            f" The other {noun_for(unforecast, 'one', f'{unforecast:,}')} had no forecast saved "
            "before the test ran (uploaded, or typed in on Record outcome), so "
            f"{noun_for(unforecast, 'it is', 'they are')} not counted."
        )
    return line


def model_call(judged: pd.DataFrame) -> pd.Series:
    """Per test, in words: "right", "wrong", "no clear winner yet", "not a forecast" (scored only
    as it was recorded) or "no prediction saved" (saved without a model's prediction): two labels
    that read apart, as "not a forecast" and "no forecast" did not."""

    unjudged = judged["model_correct"].isna()
    calls = np.select(
        [
            judged["predicted_arm_id"].isna(),
            unjudged & ~judged["significant"].astype(bool),
            unjudged,
            judged["model_correct"].fillna(False).astype(bool),
        ],
        ["no prediction saved", "no clear winner yet", "not a forecast", "right"],
        default="wrong",
    )
    return pd.Series(calls, index=judged.index, dtype=object)


def editor_table(judged: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """One row per test for editors, newest recording first: when it was recorded, the
    headlines, the winner, the model's pick and whether it was right; then the detail (test
    id, statistics, names, model version). Text is empty, never "None"; the model's
    P(winner) is NaN without a winner or a prediction (the page shows it blank)."""
    headlines = arms.groupby("test_id")["headline"].apply(lambda h: " | ".join(h))
    ordered = judged.sort_values(["recorded_at", "outcome_id"], ascending=False)
    table = pd.DataFrame(
        {
            "recorded": ordered["recorded_at"].to_numpy(),
            "headlines": ordered["test_id"].map(headlines).fillna("").to_numpy(),
            "winner": ordered["winner_headline"].fillna("no clear winner").to_numpy(),
            "model's pick": ordered["predicted_headline"].fillna("").to_numpy(),
            "model right?": model_call(ordered).to_numpy() if len(ordered) else [],
            "test": ordered["test_number"].to_numpy(),
            "model's P(winner)": ordered["predicted_win_probability"].to_numpy(),
            "p-value": ordered["p_value"].map(p_value_text).to_numpy(),
            "saved by": ordered["created_by"].fillna("").to_numpy(),
            "recorded by": ordered["recorded_by"].fillna("").to_numpy(),
            "model": ordered["model_version"].fillna("").to_numpy(),
            "predicted at recording": ordered["prediction_at_recording"]
            .fillna(False)
            .astype(bool)
            .to_numpy(),
        }
    )
    return table


def search(table: pd.DataFrame, text: str = "", calls: list[str] | None = None) -> pd.DataFrame:
    """Rows whose headlines or names contain ``text`` (any case) and whose model call is one of
    ``calls`` (all when None)."""
    keep = pd.Series(True, index=table.index)
    text = text.strip().lower()
    if text:
        haystack = table["headlines"].astype(str)
        for names in ("saved by", "recorded by"):
            haystack = haystack + " " + table[names].astype(str)
        keep &= haystack.str.lower().str.contains(text, regex=False) | (
            table["test"].astype(str) == text.lstrip("#")
        )
    if calls is not None:
        keep &= table["model right?"].isin(calls)
    return table[keep]


def export_frame(judged: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """One row per headline of each test: the test's history columns, then the headline's
    impressions, clicks, click rate and the model's win probability."""
    per_arm = arms[["test_id", *EXPORT_ARM_HEADINGS]]
    return judged[EXPORT_COLUMNS].merge(per_arm, on="test_id", how="left")
