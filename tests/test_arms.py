import pytest

from core.basics.arms import MAX_COUNT, whole_number


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("1000", 1000),
        ("1,000", 1000),  # the thousands separator the app itself shows
        ("12 345", 12345),  # a space, or French typesetting's no-break spaces
        ("12\u202f345", 12345),
        ("1_000", 1000),
        ("1.000.000", 1_000_000),  # two dots: only thousands can be meant
        ("500.0", 500),  # a spreadsheet's float
        (" +300 ", 300),
        (1e3, 1000),
    ],
)
def test_whole_numbers_with_thousands_separators_are_read(typed, number):
    assert whole_number(typed) == (number, None)


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        # German "twelve thousand", English "twelve": never guessed (it was read as 12).
        ("12.000", "is ambiguous (12.000): is it 12,000 or 12? Type it without the dot"),
        ("1,5", "must be a whole number (1,5): a comma may only separate thousands, as in 1,000"),
        ("10,00", "must be a whole number (10,00): a comma may only separate thousands"),  # was 1000
        ("1,0000", "a comma may only separate thousands"),
        ("1 000,000", "a comma may only separate thousands"),  # two kinds of separator
        ("1e12", "must be written out in full (1e12), not with an exponent"),
        ("1_0", "is not a number ('1_0')"),
        ("0.5", "must be a whole number (0.5)"),
    ],
)
def test_separators_that_cannot_be_read_for_sure_are_refused_with_the_reason(typed, why):
    number, problem = whole_number(typed)
    assert number == 0 and why in problem


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("999,999,999,999", True),  # just below a trillion
        ("1,000,000,000,000", False),
        (str(9 * 10**18), False),  # fits 64 bits, but its verdict did not: the page showed a traceback
        (10**12, False),
    ],
)
def test_counts_stop_below_a_trillion(typed, accepted):
    number, problem = whole_number(typed)
    if accepted:
        assert problem is None and number == MAX_COUNT - 1
    else:
        assert number == 0 and problem.startswith("is too large (") and "fewer than a trillion" in problem
