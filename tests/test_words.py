"""ui.words: counts in words."""

from ui.words import plural


def test_one_is_singular_and_every_other_count_plural():
    assert plural(1, "test") == "1 test"
    assert [plural(n, "significant test") for n in (0, 2)] == ["0 significant tests", "2 significant tests"]
    assert plural(1234, "impression") == "1,234 impressions"
