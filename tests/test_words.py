import pytest

from core.basics.words import article_for, noun_for, plural, roughly


def test_one_is_singular_and_every_other_count_plural():
    assert plural(1, "test") == "1 test"
    assert [plural(n, "significant test") for n in (0, 2)] == ["0 significant tests", "2 significant tests"]
    assert plural(1234, "impression") == "1,234 impressions"


def test_irregular_plurals_are_given():
    assert plural(2, "match", "matches") == "2 matches"
    assert noun_for(1, "column") == "column" and noun_for(3, "column") == "columns"
    assert noun_for(-1, "row") == "rows"


def test_an_estimate_is_rounded_to_two_significant_digits():
    assert [roughly(n) for n in (201_501, 93_220, 1_049, 950, 87, 5, 0)] == [
        200_000,
        93_000,
        1_000,
        950,
        87,
        5,
        0,
    ]
    assert roughly(149_999, 3) == 150_000


@pytest.mark.parametrize(
    ("number", "article"),
    [
        ("81%", "an"),
        ("8%", "an"),
        ("11%", "an"),
        ("18%", "an"),
        ("80%", "an"),
        ("60%", "a"),
        ("1%", "a"),
        ("100%", "a"),
    ],
)
def test_the_article_is_the_one_the_number_is_read_with(number, article):
    assert article_for(number) == article
