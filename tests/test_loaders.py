"""core.data.loaders and core.data.outcomes_csv: the three A/B formats on real rows and on malformed files."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data import outcomes_csv
from core.data.loaders import (
    ARM_COLUMNS,
    ARS_REQUIRED,
    UPWORTHY_REQUIRED,
    DataFormatError,
    LoadReport,
    load_ars,
    load_upworthy,
)
from core.data.outcomes_csv import OUTCOMES_REQUIRED, RowsRefused, load_outcomes
from tests import outcomes_reference

# Column order of the archive's original package CSV (upworthy-archive-exploratory-packages-03.12.2020.csv).
ORIGINAL_UPWORTHY_COLUMNS = [
    "",
    "created_at",
    "updated_at",
    "clickability_test_id",
    "excerpt",
    "headline",
    "lede",
    "slug",
    "eyecatcher_id",
    "impressions",
    "clicks",
    "significance",
    "first_place",
    "winner",
    "share_text",
    "square",
    "test_week",
]


def _objectid_time(object_ids: pd.Series) -> pd.Series:
    """Creation time embedded in a MongoDB ObjectId (its first 4 bytes, Unix seconds)."""
    return pd.to_datetime(object_ids.str[:8].map(lambda h: int(h, 16)), unit="s")


def _week_first_day(test_week: int) -> date:
    """First day of a YYYYWW week as strftime's %U numbers weeks, found by scanning the year."""
    year, week = divmod(test_week, 100)
    day = date(year, 1, 1)
    while int(day.strftime("%U")) != week:
        day += timedelta(days=1)
    return day


# --- Upworthy: the bundled parquet -------------------------------------------------------------


def test_upworthy_parquet_loads_every_row(upworthy_loaded, upworthy_raw):
    arms, report = upworthy_loaded.arms, upworthy_loaded.report
    assert len(upworthy_raw) == 19_414
    assert report.rows_read == 19_414
    assert report.n_skipped == 0 and report.skipped == {}
    assert len(arms) == 19_414
    assert list(arms.columns) == ARM_COLUMNS
    assert arms["impressions"].dtype == "int64" and arms["clicks"].dtype == "int64"
    assert pd.api.types.is_datetime64_any_dtype(arms["date"])
    assert (arms["source"] == "upworthy").all()


def test_upworthy_parquet_values_match_the_archive(upworthy_loaded, upworthy_raw):
    arms = upworthy_loaded.arms
    assert arms["test_id"].tolist() == ("upworthy:" + upworthy_raw["clickability_test_id"]).tolist()
    assert arms["test_id"].nunique() == upworthy_raw["clickability_test_id"].nunique() == 4216
    assert (arms["impressions"].to_numpy() == upworthy_raw["impressions"].to_numpy()).all()
    assert (arms["clicks"].to_numpy() == upworthy_raw["clicks"].to_numpy()).all()
    assert ((arms["clicks"] >= 0) & (arms["clicks"] <= arms["impressions"]) & (arms["impressions"] > 0)).all()
    # Missing optional fields stay missing (None), present ones are kept.
    assert upworthy_raw["excerpt"].isna().sum() == 1659
    no_excerpt = upworthy_raw["excerpt"].fillna("").str.strip() == ""  # 25 more are blank
    assert (arms["excerpt"].isna() == no_excerpt).all()
    assert (arms["excerpt"][~no_excerpt] == upworthy_raw["excerpt"][~no_excerpt].str.strip()).mean() > 0.99
    assert arms["image_id"].isna().sum() == upworthy_raw["eyecatcher_id"].isna().sum() == 22
    assert arms["image_id"].dropna().tolist() == upworthy_raw["eyecatcher_id"].dropna().tolist()
    assert arms["lede_id"].isna().sum() == upworthy_raw["lede"].isna().sum() == 11
    # lede_id identifies the lede text (outer whitespace aside): one id per distinct lede.
    ledes = pd.DataFrame({"lede": upworthy_raw["lede"].str.strip(), "lede_id": arms["lede_id"]}).dropna()
    assert ledes.groupby("lede")["lede_id"].nunique().max() == 1
    assert ledes["lede_id"].nunique() == ledes["lede"].nunique()


def test_upworthy_parquet_dates_come_from_test_week(upworthy_loaded, upworthy_raw):
    dates = upworthy_loaded.arms["date"]
    assert dates.notna().all(), "every test_week (201303..201500, weeks 00 included) is a valid week"
    # The date lies in the row's test_week (weeks numbered as strftime's %U: Sunday-start, 00..53).
    assert (dates.dt.strftime("%Y%U").astype(int).to_numpy() == upworthy_raw["test_week"].to_numpy()).all()
    # ...and is the week's first day: a Sunday, or 1 January for week 00.
    first_day = (dates.dt.day_of_week == 6) | ((dates.dt.month == 1) & (dates.dt.day == 1))
    assert first_day.all()
    # Spot checks worked out from a calendar: 2014-11-16 and 2013-01-20 were Sundays.
    by_week = dict(zip(upworthy_raw["test_week"], dates.dt.date))
    assert by_week[201446] == date(2014, 11, 16)
    assert by_week[201303] == date(2013, 1, 20)
    assert by_week[201400] == date(2014, 1, 1)
    assert by_week[201500] == date(2015, 1, 1)
    for week in (201325, 201352, 201401, 201426, 201452):
        assert by_week[week] == _week_first_day(week), week


def test_upworthy_every_week_number_maps_to_its_first_day(tmp_path):
    """Weeks 00..53 of several years (their first days found by scanning a calendar)."""
    weeks = sorted({int(d.strftime("%Y%U")) for d in pd.date_range("2012-01-01", "2017-12-31").date})
    assert 201200 not in weeks and 201700 not in weeks  # 2012 and 2017 began on a Sunday
    assert 201253 in weeks and 201753 in weeks and 201500 in weeks
    frame = pd.DataFrame(
        {
            "clickability_test_id": [f"t{w}" for w in weeks],
            "headline": "Same headline",
            "impressions": 100,
            "clicks": 1,
            "test_week": weeks,
        }
    )
    path = tmp_path / "weeks.parquet"
    frame.to_parquet(path)
    dates = load_upworthy(path).arms["date"].dt.date.tolist()
    assert dates == [_week_first_day(w) for w in weeks]


def test_upworthy_test_week_convention_agrees_with_test_creation_times(upworthy_loaded, upworthy_raw):
    """Independent evidence for the week numbering: the test id is a MongoDB ObjectId that
    embeds the test's creation time; nearly all tests were created in their test_week."""
    created = _objectid_time(upworthy_raw["clickability_test_id"]).dt.normalize()
    assert (created.dt.strftime("%Y%U").astype(int) == upworthy_raw["test_week"]).mean() > 0.95
    lag = (created - upworthy_loaded.arms["date"]).dt.days
    assert ((lag >= 0) & (lag <= 6)).mean() > 0.95


def test_upworthy_headlines_are_clean_text(upworthy_loaded):
    headlines = upworthy_loaded.arms["headline"]
    assert (headlines.str.len() > 0).all()
    assert not headlines.str.contains(r"</?[a-zA-Z][^>]*>", regex=True).any()
    assert (headlines == headlines.str.strip()).all()


# --- Upworthy: the archive's original CSV layout -----------------------------------------------


def _original_layout_sample(raw: pd.DataFrame) -> pd.DataFrame:
    """A few real parquet rows, re-laid out as the archive's original package CSV."""
    first_tests = raw["clickability_test_id"].drop_duplicates().iloc[:2]
    picks = [
        raw[raw["clickability_test_id"].isin(first_tests)],
        raw[raw["excerpt"].isna()].iloc[:2],
        raw[raw["eyecatcher_id"].isna()].iloc[:2],
        raw[raw["test_week"] == 201400].iloc[:1],
    ]
    rows = pd.concat(picks).reset_index(drop=True)
    created = _objectid_time(rows["clickability_test_id"]) + pd.Timedelta(milliseconds=612)
    original = pd.DataFrame(
        {
            "created_at": created.dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3],
            "updated_at": (created + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3],
            "clickability_test_id": rows["clickability_test_id"],
            "excerpt": rows["excerpt"],
            "headline": rows["headline"],
            "lede": rows["lede"],
            "slug": "a-slug-" + rows.index.astype(str),
            "eyecatcher_id": rows["eyecatcher_id"],
            "impressions": rows["impressions"],
            "clicks": rows["clicks"],
            "significance": rows["significance"],
            "first_place": rows["first_place"],
            "winner": rows["winner"],
            "share_text": "Share me",
            "square": None,
            "test_week": rows["test_week"],
        }
    )
    original.index = original.index + 1  # the archive's own row names
    return original, rows


def test_upworthy_original_csv_layout(tmp_path, upworthy_raw):
    original, rows = _original_layout_sample(upworthy_raw)
    original.loc[len(original), "created_at"] = ""  # last row: no created_at, falls back to test_week
    path = tmp_path / "upworthy-archive-exploratory-packages-03.12.2020.csv"
    original.to_csv(path, index=True)
    assert pd.read_csv(path, nrows=0).columns.tolist() == ["Unnamed: 0", *ORIGINAL_UPWORTHY_COLUMNS[1:]]

    loaded = load_upworthy(path)
    arms = loaded.arms
    assert loaded.report.rows_read == len(rows) and loaded.report.n_skipped == 0
    assert list(arms.columns) == ARM_COLUMNS
    assert arms["test_id"].tolist() == ("upworthy:" + rows["clickability_test_id"]).tolist()

    # created_at becomes the date (the day of creation, not the test week's first day).
    created_day = _objectid_time(rows["clickability_test_id"]).dt.normalize()
    assert (arms["date"].iloc[:-1] == created_day.iloc[:-1]).all()
    assert (arms["date"].iloc[:-1].dt.day_of_week != 6).any()  # so the test can tell the two apart
    assert arms["date"].iloc[-1] == pd.Timestamp(_week_first_day(int(rows["test_week"].iloc[-1])))

    # Every other field reads the same as the parquet copy of the same rows.
    parquet = tmp_path / "same_rows.parquet"
    rows.to_parquet(parquet)
    from_parquet = load_upworthy(parquet).arms
    same = ["test_id", "headline", "excerpt", "image_id", "lede_id", "impressions", "clicks", "source"]
    pd.testing.assert_frame_equal(arms[same], from_parquet[same])
    assert arms["excerpt"].isna().sum() >= 2 and arms["image_id"].isna().sum() >= 2


def test_upworthy_csv_skips_report_spreadsheet_rows(tmp_path, upworthy_raw):
    original, _ = _original_layout_sample(upworthy_raw)
    original = original.iloc[:6].copy()
    original.iloc[1, original.columns.get_loc("clicks")] = 10**6  # data row 2 -> spreadsheet row 3
    original.iloc[4, original.columns.get_loc("headline")] = "  "  # data row 5 -> spreadsheet row 6
    path = tmp_path / "packages.csv"
    original.to_csv(path, index=True)
    loaded = load_upworthy(path)
    assert loaded.report.skipped == {"clicks above impressions": [3], "empty headline": [6]}
    assert len(loaded.arms) == 4


# --- Ars Technica: the real file ----------------------------------------------------------------

_REASON_ORDER = ["empty headline", "unparseable number", "zero impressions", "clicks above impressions"]


def _ars_reasons(raw: pd.DataFrame) -> pd.Series:
    """Independent pandas classification of each Ars row: the first problem of arm a, else of arm b.

    Within an arm the checks run in the order of _REASON_ORDER.
    """

    def arm(side: str) -> pd.Series:
        title = raw[f"title_{side}"].str.strip()
        imps = pd.to_numeric(raw[f"title_{side}_impressions"].str.replace(",", ""), errors="coerce")
        clicks = pd.to_numeric(raw[f"title_{side}_clicks"].str.replace(",", ""), errors="coerce")
        bad_number = pd.Series(False, index=raw.index)
        for x in (imps, clicks):
            bad_number |= x.isna() | (x < 0) | (x % 1 != 0)
        conditions = [title == "", bad_number, imps == 0, clicks > imps]
        return pd.Series(np.select(conditions, _REASON_ORDER, default=""), index=raw.index)

    a, b = arm("a"), arm("b")
    return a.where(a != "", b)


def test_ars_real_file(ars_loaded, ars_raw):
    arms, report = ars_loaded.arms, ars_loaded.report
    assert len(ars_raw) == 8_911
    assert report.rows_read == 8_911
    reasons = _ars_reasons(ars_raw)
    expected = {
        reason: [int(i) + 2 for i in reasons.index[reasons == reason]]  # header = spreadsheet row 1
        for reason in _REASON_ORDER
        if (reasons == reason).any()
    }
    # The README's dirty rows are really there.
    assert len(expected["clicks above impressions"]) >= 1
    assert len(expected["zero impressions"]) >= 1
    assert report.skipped == expected
    empty_title_rows = [
        int(i) + 2 for i in ars_raw.index[(ars_raw["title_a"] == "") | (ars_raw["title_b"] == "")]
    ]
    assert empty_title_rows and set(empty_title_rows) <= {r for rows in report.skipped.values() for r in rows}

    kept = ars_raw[reasons == ""]
    assert report.n_skipped == len(ars_raw) - len(kept)
    assert list(arms.columns) == ARM_COLUMNS
    assert len(arms) == 2 * len(kept)
    assert arms["test_id"].tolist() == [f"ars:{i}" for i in kept["ID"] for _ in "ab"]
    assert (arms.groupby("test_id").size() == 2).all()
    expected_imps = np.column_stack([kept["title_a_impressions"], kept["title_b_impressions"]]).ravel()
    expected_clicks = np.column_stack([kept["title_a_clicks"], kept["title_b_clicks"]]).ravel()
    assert (arms["impressions"].to_numpy() == expected_imps.astype(int)).all()
    assert (arms["clicks"].to_numpy() == expected_clicks.astype(int)).all()
    assert (arms["source"] == "ars").all()
    assert arms[["excerpt", "image_id", "lede_id"]].isna().all().all()
    # Titles carry <em>; the loader gives plain text.
    assert kept["title_a"].str.contains("<em>").any()
    assert not arms["headline"].str.contains(r"</?[a-zA-Z][^>]*>", regex=True).any()
    # post_date (M/D/YYYY h:mm:ss AM/PM) becomes the day; the README says 2013-09 .. 2020-12.
    assert arms["date"].notna().all()
    assert arms["date"].min() >= pd.Timestamp("2013-09-01") and arms["date"].max() < pd.Timestamp(
        "2021-01-01"
    )
    first = kept.iloc[0]
    assert arms["date"].iloc[0] == pd.Timestamp(pd.to_datetime(first["post_date"]).date())


def test_ars_summary_lists_reasons(ars_loaded):
    lines = ars_loaded.report.summary()
    assert len(lines) == len(ars_loaded.report.skipped)
    zero = ars_loaded.report.skipped["zero impressions"]
    line = next(line for line in lines if line.startswith("zero impressions"))
    assert f"{len(zero)} rows" in line and str(zero[0]) in line


# --- Outcomes CSV -------------------------------------------------------------------------------

GOOD_OUTCOMES = (
    "test_id,headline,impressions,clicks\n"
    "t1,Dogs are great,1000,120\n"
    "t1,<em>Cats</em> are great,1000,60\n"
    't2,"Quoted, with a comma","1,200",5\n'
    "t2,Plain,1200,7\n"
)


def test_outcomes_good_csv(tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text(GOOD_OUTCOMES)
    loaded = load_outcomes(path)
    arms = loaded.arms
    assert loaded.report.rows_read == 4 and loaded.report.n_skipped == 0
    assert list(arms.columns) == ARM_COLUMNS
    assert arms["test_id"].tolist() == ["outcomes:t1", "outcomes:t1", "outcomes:t2", "outcomes:t2"]
    assert arms["headline"].tolist() == ["Dogs are great", "Cats are great", "Quoted, with a comma", "Plain"]
    assert arms["impressions"].tolist() == [1000, 1000, 1200, 1200]
    assert arms["clicks"].tolist() == [120, 60, 5, 7]
    assert arms[["excerpt", "image_id", "lede_id"]].isna().all().all()
    assert arms["date"].isna().all() and pd.api.types.is_datetime64_any_dtype(arms["date"])
    assert (arms["source"] == "outcomes").all()


@pytest.mark.parametrize(
    "as_source",
    [
        lambda path: path,
        lambda path: str(path),
        lambda path: path.read_bytes(),
        lambda path: io.BytesIO(path.read_bytes()),
    ],
    ids=["path", "str", "bytes", "bytesio"],
)
def test_outcomes_accepts_paths_bytes_and_uploads(tmp_path, as_source):
    path = tmp_path / "outcomes.csv"
    path.write_text(GOOD_OUTCOMES)
    arms = load_outcomes(as_source(path), source_name="mysite").arms
    assert arms["test_id"].tolist() == ["mysite:t1", "mysite:t1", "mysite:t2", "mysite:t2"]
    assert (arms["source"] == "mysite").all()


def test_outcomes_names_each_headline_stored_as_other_text():
    text = (
        "test_id,headline,impressions,clicks\n"
        "t1,<b>Dogs</b> win,100,5\n"
        "t1,Cats &amp; mice,100,6\n"
        "t1,Plain one,100,7\n"
        "t2,<script>alert(1)</script> Eels,100,5\n"
        "t2,AT&T wins,100,5\n"
    )
    loaded = load_outcomes(text.encode())
    assert loaded.arms["headline"].tolist()[:2] == ["Dogs win", "Cats & mice"]
    assert loaded.report.changed == [
        (2, "row 2, column headline: its formatting (<b>, </b>) is dropped; recorded as “Dogs win”"),
        (3, "row 3, column headline: “&amp;” is read as “&”; recorded as “Cats & mice”"),
        (
            5,
            "row 5, column headline: its markup (<script>, </script>) is dropped; recorded as “alert(1) Eels”",
        ),
    ]


def test_outcomes_optional_columns():
    text = (
        " excerpt , clicks,date,headline,impressions,test_id,image_id,unused\n"  # any order, padded
        "An excerpt,120,2024-03-05,Dogs are great,1000, t1 ,img-1,x\n"
        ",60,,Cats are great,1000,t1,,x\n"
        "Other,7,2024-03-06T10:30:00,Eels are great,500,t3,img-3,x\n"
        "Other,8,2024-03-06,Rays are great,500,t3,img-3,x\n"
    )
    loaded = load_outcomes(text.encode())
    arms = loaded.arms
    assert loaded.report.rows_read == 4
    assert list(arms.columns) == ARM_COLUMNS
    assert arms["test_id"].tolist() == ["outcomes:t1", "outcomes:t1", "outcomes:t3", "outcomes:t3"]
    assert arms["excerpt"].isna().tolist() == [False, True, False, False]
    assert arms["excerpt"].dropna().tolist() == ["An excerpt", "Other", "Other"]
    assert arms["image_id"].isna().tolist() == [False, True, False, False]
    assert arms["image_id"].dropna().tolist() == ["img-1", "img-3", "img-3"]
    assert arms["date"].iloc[0] == pd.Timestamp("2024-03-05")
    assert pd.isna(arms["date"].iloc[1])
    assert arms["date"].iloc[2] == pd.Timestamp("2024-03-06")  # the day of a timestamp
    assert arms["lede_id"].isna().all()


def test_outcomes_bad_date_or_test_id_refuses_the_file_naming_row_and_column():
    text = (
        "test_id,headline,impressions,clicks,date\n"
        "t2,Birds are great,500,5,2024-13-45\n"  # row 2: bad date
        "t2,Bats are great,500,5,2024-03-06\n"
        "  ,Fish are great,500,5,2024-03-06\n"  # row 4: no test id
    )
    with pytest.raises(RowsRefused) as refused:
        load_outcomes(text.encode())
    assert refused.value.problems == [
        "row 2, column date: not a date",
        "row 4, column test_id: empty test id",
    ]


def test_outcomes_numbers_tolerated():
    text = "test_id,headline,impressions,clicks\nt1,A,  1000 ,5.0\nt1,B,+1000,0\n"
    arms = load_outcomes(text.encode()).arms
    assert arms["impressions"].tolist() == [1000, 1000]
    assert arms["clicks"].tolist() == [5, 0]


# The checks run a column at a time; tests/outcomes_reference.py keeps them one row at a time, as
# first written. Both must say the same of any file: the same arms, or the same words.
GOOD_CELLS = {
    "test_id": ["{}", " {} ", "{}\u00a0", "{},x"],
    "headline": ["Owls win", "Bats win", "<b>Eels</b> win", "&amp; more", "y" * 300, "Café “wins”", 'A, "B"'],
    "impressions": [
        "1000",
        "100",
        "1,000",
        "1_000",
        "1 000",
        "1.000.000",
        " 700 ",
        "500.0",
        "+300",
        "00012",
        "\uff11\uff12",
    ],
    "clicks": ["0", "5", "12", "-0", "10"],
    "date": ["", "2024-03-05", " 2024-03-06T10:30:00 "],
    "excerpt": ["", " An excerpt "],
    "image_id": ["", "img-1"],
    "other": ["x"],
}
BAD_CELLS = {
    "test_id": ["", "  ", "t\x1b1"],
    "headline": [
        "owls WIN!",
        "",
        "   ",
        "<script></script>",
        "x" * 301,
        "Owls\x00",
        "Owls\x7f win",
        "Owls\u2028win",
    ],
    "impressions": [
        "0",
        "1.5",
        "-1",
        "inf",
        "nan",
        "",
        "abc",
        "1e30",
        "9" * 19,
        "12\n",
        "5\x07",
        "12.000",
        "1,5",
    ],
    "clicks": ["101", "1000", "9" * 18, "2.5", "-1", "-inf", "", "lots", "1e30", "1,0", "1e1", "10,00"],
    "date": ["2024-13-45", "garbage"],
    "excerpt": ["e\x01"],
    "image_id": ["img\x02"],
    "other": ["x"],
}
SHAPES = ["short", "long", "blank", "blank-cells"]


@st.composite
def outcome_files(draw) -> bytes:
    """Outcomes CSVs of tests with 1 to 4 arms: good cells with bad ones at a rate drawn per
    file (none to many), columns in any order, rows short or long of cells, blank lines."""
    header = ["test_id", "headline", "impressions", "clicks"] + draw(
        st.lists(st.sampled_from(["date", "excerpt", "image_id", "other"]), unique=True, max_size=3)
    )
    header = draw(st.permutations(header))
    bad_percent = draw(st.sampled_from([0, 0, 2, 10, 40]))
    rows = []
    for test in range(draw(st.integers(0, 5))):
        headlines = draw(st.permutations(GOOD_CELLS["headline"]))[: draw(st.integers(1, 4))]
        if draw(st.integers(0, 99)) < bad_percent:
            headlines.append(f" {headlines[0].upper()}!")  # the same headline twice, to a reader
        test_id = draw(st.sampled_from(GOOD_CELLS["test_id"])).format(f"t{test}")
        for headline in headlines:
            good = {name: draw(st.sampled_from(cells)) for name, cells in GOOD_CELLS.items()}
            good.update(test_id=test_id, headline=headline)
            row = [
                draw(st.sampled_from(BAD_CELLS[name]))
                if draw(st.integers(0, 99)) < bad_percent
                else good[name]
                for name in header
            ]
            shape = "whole" if draw(st.integers(0, 99)) >= bad_percent else draw(st.sampled_from(SHAPES))
            if shape == "short":
                row = row[: draw(st.integers(1, len(row) - 1))]
            elif shape == "long":
                row = [*row, draw(st.sampled_from(["", "extra", " "]))]
            elif shape == "blank":
                row = []
            elif shape == "blank-cells":
                row = [" "] * draw(st.integers(1, len(row) + 1))
            rows.append(row)
    rows = draw(st.permutations(rows)) if draw(st.booleans()) else rows  # a test's rows apart
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerows([header, *rows])
    return buffer.getvalue().encode()


def _outcome(load, data: bytes):
    """What a loader makes of a file: ("refused", type, message, problems) or ("arms", rows)."""
    try:
        loaded = load(data, source_name="csv")
    except DataFormatError as exc:
        return "refused", type(exc).__name__, str(exc), exc.problems
    arms = loaded.arms
    return (
        "arms",
        loaded.report.rows_read,
        list(arms.columns),
        arms.astype(object).where(arms.notna(), None).values.tolist(),
    )


@settings(max_examples=200, deadline=None)
@given(outcome_files(), st.sampled_from([1, 2, 5, outcomes_csv.ROWS_PER_BLOCK]))
def test_outcomes_column_checks_say_what_the_row_by_row_checks_said(data, rows_per_block):
    with mock.patch.object(outcomes_csv, "ROWS_PER_BLOCK", rows_per_block):  # tests across blocks too
        assert _outcome(load_outcomes, data) == _outcome(outcomes_reference.load_outcomes, data)


@pytest.mark.parametrize("rows_per_block", [outcomes_csv.ROWS_PER_BLOCK, 997])
def test_outcomes_problems_of_a_big_file_name_row_and_column_as_row_by_row(rows_per_block, monkeypatch):
    """Thousands of rows, a bad cell of every kind here and there: every problem, in row order,
    word for word as the one-row rule says (also where the column checks' fast paths end)."""
    rng = np.random.default_rng(3)
    bad = {
        40: ["2024-01-02", "101", "Owls win 40", "t20", "100"],  # clicks above impressions
        41: ["2024-01-02", "5", "   ", "t20", "100"],  # empty headline (same test)
        777: ["2024-01-02", "5", "Owls win 777", "  ", "100"],  # empty test id
        1500: ["2024-01-02", "5", "Owls win 1500", "t750", "0"],  # zero impressions
        2100: ["2024-01-02", "x", "Owls win 2100", "t1050", "1.5"],  # two count problems
        2101: ["2024-13-45", "5", "Owls win 2101", "t1050", "100"],  # bad date, in the same test
        3000: ["2024-01-02", "5", "Owls win 3000", "t1500", "100", "extra"],  # a cell too many
        3333: ["2024-01-02", "5", "Owls\x07 3333", "t1666", "100"],  # control character
        4001: ["2024-01-02", "5", "Owls win 4000", "t2000", "100"],  # row 4000's headline twice
    }
    rows = [["date", "clicks", "headline", "test_id", "impressions"]]
    for row in range(2, 5000):
        impressions = int(rng.integers(1, 10**6))
        shown = f"{impressions:,}" if row % 7 == 0 else str(impressions)  # off the plain path
        rows.append(
            bad.get(row, ["2024-01-02", str(impressions // 3), f"Owls win {row}", f"t{row // 2}", shown])
        )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    data = buffer.getvalue().encode()

    monkeypatch.setattr(outcomes_csv, "ROWS_PER_BLOCK", rows_per_block)
    with pytest.raises(RowsRefused) as refused:
        load_outcomes(data)

    assert refused.value.problems == _outcome(outcomes_reference.load_outcomes, data)[3]
    assert refused.value.problems == [
        "row 40, column clicks: clicks (101) above impressions (100)",
        "row 41, column headline: empty headline",
        "test t388, row 776: only one headline; a test needs two or more",  # row 777 has no test id
        "row 777, column test_id: empty test id",
        "row 1500, column impressions: impressions must be above 0",  # t750 is not judged
        "row 2100, column impressions: impressions must be a whole number (1.5)",
        "row 2100, column clicks: clicks is not a number ('x')",
        "row 2101, column date: not a date",
        "row 3000: 6 cells but the header names 5 columns",
        "row 3333, column headline: control character U+0007 at character 5",
        "test t2000, rows 4000, 4001, column headline: the same headline twice "
        "(“Owls win 4000” / “Owls win 4000”; case and punctuation are ignored)",
    ]


def test_load_report_summary_truncates():
    report = LoadReport(rows_read=40)
    for row in range(2, 16):
        report.skip("zero impressions", row)
    report.skip("empty headline", 20)
    assert report.n_skipped == 15
    assert report.summary(max_rows=3) == [
        "empty headline: 1 row (row 20)",
        "zero impressions: 14 rows (rows 2, 3, 4 and 11 more)",
    ]


def test_load_report_changes_summary_truncates():
    report = LoadReport(rows_read=5, changed=[(row, f"row {row}: changed") for row in range(2, 7)])
    assert report.changes_summary(max_rows=3) == [
        "row 2: changed",
        "row 3: changed",
        "row 4: changed",
        "and 2 more headlines",
    ]


# --- Malformed files, every loader ----------------------------------------------------------------

GOOD_ARM = ("A perfectly good headline", "1000", "50")


def _write(kind: str, arms: list[tuple[str, str, str]], tmp_path: Path) -> Path:
    """A file of the given format holding the arms (headline, impressions, clicks), as strings.

    For Ars, each arm is the 'a' side of one row whose 'b' side is good.
    """
    if kind == "ars":
        rows = [
            {
                "ID": str(1000 + i),
                "post_date": "3/14/2019 9:05:00 AM",
                "title_a": h,
                "title_b": f"Other title {i}",
                "title_a_impressions": imps,
                "title_b_impressions": "900",
                "title_a_clicks": clicks,
                "title_b_clicks": "40",
            }
            for i, (h, imps, clicks) in enumerate(arms)
        ]
    else:
        id_column = "test_id" if kind == "outcomes" else "clickability_test_id"
        rows = [
            {
                id_column: f"t{i // 2}",
                "headline": h,
                "impressions": imps,
                "clicks": clicks,
                "test_week": "201410",
            }
            for i, (h, imps, clicks) in enumerate(arms)
        ]
    frame = pd.DataFrame(rows, dtype=str)
    if kind == "upworthy-parquet":
        path = tmp_path / "arms.parquet"
        frame.to_parquet(path)
    else:
        path = tmp_path / "arms.csv"
        frame.to_csv(path, index=False)
    return path


LOADERS = {
    "outcomes": load_outcomes,
    "upworthy-csv": load_upworthy,
    "upworthy-parquet": load_upworthy,
    "ars": load_ars,
}
ARCHIVE_LOADERS = [kind for kind in LOADERS if kind != "outcomes"]
# Parquet has no header row: its rows are numbered from 1. CSV rows as a spreadsheet shows them.
FIRST_ROW = {"outcomes": 2, "upworthy-csv": 2, "upworthy-parquet": 1, "ars": 2}


def _ars_b_side_arm(kind, bad, tmp_path):
    """An Ars file whose bad values sit on side b of row 3 (data row index 1)."""
    path = _write(kind, [GOOD_ARM] * 3, tmp_path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[1, ["title_b", "title_b_impressions", "title_b_clicks"]] = bad
    frame.to_csv(path, index=False)
    return path


BAD_ARMS = [
    (("Headline", "12a", "5"), "unparseable number"),
    (("Headline", "", "5"), "unparseable number"),
    (("Headline", "-3", "5"), "unparseable number"),
    (("Headline", "1.5", "1"), "unparseable number"),
    (("Headline", "inf", "1"), "unparseable number"),
    (("Headline", "1e30", "1"), "unparseable number"),
    (("Headline", "100", "12a"), "unparseable number"),
    (("Headline", "100", ""), "unparseable number"),
    (("Headline", "100", "-3"), "unparseable number"),
    (("Headline", "100", "1.5"), "unparseable number"),
    (("Headline", "100", "nan"), "unparseable number"),
    (("Headline", "0", "0"), "zero impressions"),
    (("Headline", "100", "101"), "clicks above impressions"),
    (("", "100", "5"), "empty headline"),
    (("   ", "100", "5"), "empty headline"),
    (("<em></em>", "100", "5"), "empty headline"),
]


@pytest.mark.parametrize("kind", ARCHIVE_LOADERS)  # outcomes files are strict: test_malformed_files.py
@pytest.mark.parametrize(
    ("bad", "reason"), BAD_ARMS, ids=[f"{r}:{a[1]!r}/{a[2]!r}/{a[0]!r}" for a, r in BAD_ARMS]
)
def test_bad_arm_is_skipped_with_reason_and_row(kind, bad, reason, tmp_path):
    arms_in = [GOOD_ARM, GOOD_ARM, bad, GOOD_ARM]
    loaded = LOADERS[kind](_write(kind, arms_in, tmp_path))
    assert loaded.report.rows_read == 4
    assert loaded.report.skipped == {reason: [FIRST_ROW[kind] + 2]}
    arms_per_row = 2 if kind == "ars" else 1
    assert len(loaded.arms) == 3 * arms_per_row
    assert list(loaded.arms.columns) == ARM_COLUMNS
    assert set(loaded.arms["headline"]) <= {GOOD_ARM[0]} | {f"Other title {i}" for i in (0, 1, 3)}


@pytest.mark.parametrize(("bad", "reason"), BAD_ARMS[::3] + BAD_ARMS[-3:])
def test_ars_bad_b_side_skips_the_whole_test(bad, reason, tmp_path):
    loaded = load_ars(_ars_b_side_arm("ars", bad, tmp_path))
    assert loaded.report.skipped == {reason: [3]}
    assert loaded.arms["test_id"].tolist() == ["ars:1000", "ars:1000", "ars:1002", "ars:1002"]


@pytest.mark.parametrize("kind", LOADERS)
def test_html_in_headline_is_cleaned(kind, tmp_path):
    arms_in = [("<em>x</em> wins", "100", "5"), ("<script>alert(1)</script>", "100", "6")]
    arms = LOADERS[kind](_write(kind, arms_in, tmp_path)).arms
    headlines = arms["headline"].tolist()
    assert "x wins" in headlines and "alert(1)" in headlines
    assert not any("<" in h or ">" in h for h in headlines)


MISSING = {
    "outcomes": (OUTCOMES_REQUIRED, ["headline", "clicks"]),
    "upworthy-csv": (UPWORTHY_REQUIRED, ["clickability_test_id", "impressions"]),
    "upworthy-parquet": (UPWORTHY_REQUIRED, ["headline", "impressions", "clicks"]),
    "ars": (ARS_REQUIRED, ["title_b", "title_a_clicks", "ID"]),
}


@pytest.mark.parametrize("kind", LOADERS)
def test_missing_columns_are_all_named(kind, tmp_path):
    required, drop = MISSING[kind]
    path = _write(kind, [GOOD_ARM, GOOD_ARM], tmp_path)
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    frame = frame.drop(columns=drop)
    if path.suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    with pytest.raises(DataFormatError) as err:
        LOADERS[kind](path)
    named = str(err.value).split(" (found")[0].split(": ", 1)[1].split(", ")
    assert named == [c for c in required if c in drop], str(err.value)


def _garbage_files() -> dict[str, bytes]:
    rng = np.random.default_rng(7)
    return {
        "random-bytes": rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.integers(0, 256, 2000, dtype=np.uint8).tobytes(),
        "nul-bytes": b"\x00" * 1000,
        "empty": b"",
        "blank-lines": b"\n\n\r\n  \n",
        "utf16": "test_id,headline,impressions,clicks\nt1,Hi,10,1\n".encode("utf-16"),
    }


@pytest.mark.parametrize("kind", LOADERS)
@pytest.mark.parametrize("name", list(_garbage_files()))
def test_garbage_file_raises_data_format_error(kind, name, tmp_path):
    suffix = ".parquet" if kind == "upworthy-parquet" else ".csv"
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(_garbage_files()[name])
    with pytest.raises(DataFormatError):
        LOADERS[kind](path)


@pytest.mark.parametrize("name", list(_garbage_files()))
def test_garbage_upload_raises_data_format_error(name):
    data = _garbage_files()[name]
    with pytest.raises(DataFormatError):
        load_outcomes(data)
    with pytest.raises(DataFormatError):
        load_outcomes(io.BytesIO(data))


def test_corrupt_parquet_raises_data_format_error(tmp_path, upworthy_path):
    real = upworthy_path.read_bytes()
    corrupt = {
        "truncated": real[: len(real) // 2],
        "no-header": real[len(real) // 2 :],
        "magic-only": b"PAR1" + b"\x00" * 64 + b"PAR1",
        "csv-text": b"clickability_test_id,headline,impressions,clicks\nt1,A,10,1\n",
    }
    for name, data in corrupt.items():
        path = tmp_path / f"{name}.parquet"
        path.write_bytes(data)
        with pytest.raises(DataFormatError):
            load_upworthy(path)
