from core.basics.stats import p_value_text
from core.newsroom.verdict import summarise
from ui.outcome_view import p_value_words


def test_with_three_headlines_the_p_value_says_it_is_already_corrected():
    s = summarise(["A", "B", "C"], [(10000, 300), (10000, 420), (10000, 350)])
    words = p_value_words(s)
    assert words.startswith(f"p-value {p_value_text(s.p_value)} (adjusted because")
    assert "compared with 2 others" in words and "Bonferroni correction" in words
    assert words.endswith("a winner is named below 0.05.")


def test_with_two_headlines_there_is_no_correction_to_mention():
    words = p_value_words(summarise(["A", "B"], [(1000, 120), (1000, 60)]))
    assert words == "p-value < 0.001: a winner is named below 0.05."


def test_count_columns_widen_for_twelve_digit_counts_and_keep_their_width_otherwise():
    import pandas as pd

    from ui.outcome_view import ARM_COLUMNS, MIN_HEADLINE_WIDTH, counts_fitted

    usual = pd.DataFrame({"impressions": [1000, 1200], "clicks": [100, 50]})
    huge = pd.DataFrame({"impressions": [999_999_999_999, 5], "clicks": [999_999_999_998, 1]})
    assert counts_fitted(ARM_COLUMNS, usual)["impressions"]["width"] == ARM_COLUMNS["impressions"]["width"]
    fitted = counts_fitted(ARM_COLUMNS, huge)
    for column in ("impressions", "clicks"):  # "999,999,999,999": 15 characters at about 8 px
        assert fitted[column]["width"] >= 15 * 8 > ARM_COLUMNS[column]["width"]
        assert fitted[column]["help"] == ARM_COLUMNS[column]["help"]
    # The headline gives way, down to its least width: the table grows only by what it could not give.
    widened = sum(fitted[c]["width"] - ARM_COLUMNS[c]["width"] for c in ("impressions", "clicks"))
    given = ARM_COLUMNS["headline"]["width"] - fitted["headline"]["width"]
    assert fitted["headline"]["width"] == max(MIN_HEADLINE_WIDTH, ARM_COLUMNS["headline"]["width"] - widened)
    total = sum(c["width"] for c in fitted.values())
    assert total == sum(c["width"] for c in ARM_COLUMNS.values()) + widened - given


def test_the_model_line_adds_the_winners_chance_without_a_second_pair_of_brackets():
    from ui.outcome_view import model_line

    counts = [(6000, 150), (6000, 240)]
    lean = summarise(["A", "B"], counts, predicted_probabilities=[0.46, 0.54])
    assert model_line(lean, 0.55) == (
        "Model: the model leaned towards it but had called the drafts too close to call (54% head to head); "
        "it gave the winner a 54% win probability"
    )
    clear = summarise(["A", "**B**"], counts, predicted_probabilities=[0.2, 0.8])
    assert (
        model_line(clear, 0.55) == "Model: the model predicted it (it gave the winner an 80% win probability)"
    )
    assert model_line(summarise(["A", "B"], counts), 0.55) == "Model: no model prediction was saved"
