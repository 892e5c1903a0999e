"""core.basics.stats against scipy, Monte Carlo and closed forms worked out independently."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sps

from core.basics.stats import (
    impressions_needed,
    p_value_text,
    prob_a_beats_b,
    two_proportion_p_value,
    wilson_interval,
)

Z95 = 1.959963984540054  # standard normal 97.5% quantile
Z80 = 0.8416212335729143  # standard normal 80% quantile


def _random_tables(rng: np.random.Generator, n: int) -> np.ndarray:
    """n rows of (clicks_a, imps_a, clicks_b, imps_b), from tiny to Upworthy-sized tests."""
    imps = rng.integers(5, 20_000, size=(n, 2))
    rates = rng.uniform(0.001, 0.5, size=(n, 2))
    clicks = rng.binomial(imps, rates)
    return np.column_stack([clicks[:, 0], imps[:, 0], clicks[:, 1], imps[:, 1]])


# --- two_proportion_p_value ---------------------------------------------------------------------


def test_p_value_matches_chi_square_without_correction():
    """The pooled two-proportion z-test is the uncorrected chi-square test of the 2x2 table."""
    tables = _random_tables(np.random.default_rng(0), 400)
    tables = tables[(tables[:, 0] + tables[:, 2] > 0)]  # scipy needs no zero expected cells
    ours = two_proportion_p_value(*tables.T)
    assert ours.shape == (len(tables),)
    for (ca, na, cb, nb), p in zip(tables, ours):
        table = [[ca, na - ca], [cb, nb - cb]]
        if min(ca + cb, na + nb - ca - cb) == 0:
            continue
        expected = sps.chi2_contingency(table, correction=False).pvalue
        assert p == pytest.approx(expected, rel=1e-7, abs=1e-300), table


def test_p_value_known_cases():
    # Identical rates: nothing to see.
    assert two_proportion_p_value(50, 1000, 50, 1000) == pytest.approx(1.0)
    # No clicks anywhere, or clicks everywhere: no evidence either way, not NaN.
    assert two_proportion_p_value(0, 100, 0, 200) == pytest.approx(1.0)
    assert two_proportion_p_value(100, 100, 200, 200) == pytest.approx(1.0)
    # Symmetric in the two arms.
    assert two_proportion_p_value(30, 1000, 50, 1100) == pytest.approx(
        two_proportion_p_value(50, 1100, 30, 1000)
    )
    # 120/1000 vs 60/1000: z = 0.06 / sqrt(0.09 * 0.91 * 0.002) = 4.7298, p = 2.25e-6.
    z = 0.06 / math.sqrt(0.09 * 0.91 * 0.002)
    assert two_proportion_p_value(120, 1000, 60, 1000) == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)


def test_p_value_broadcasts():
    p = two_proportion_p_value(np.array([[10], [20]]), 1000, np.array([10, 15, 30]), 1000)
    assert p.shape == (2, 3)
    assert p[0, 0] == pytest.approx(1.0)
    for i, ca in enumerate([10, 20]):
        for j, cb in enumerate([10, 15, 30]):
            assert p[i, j] == pytest.approx(float(two_proportion_p_value(ca, 1000, cb, 1000)), rel=1e-12)


# --- prob_a_beats_b -----------------------------------------------------------------------------


def _monte_carlo(rng, ca, na, cb, nb, prior=1.0, draws=200_000) -> float:
    a = rng.beta(prior + ca, prior + na - ca, draws)
    b = rng.beta(prior + cb, prior + nb - cb, draws)
    return float((a > b).mean())


@pytest.mark.parametrize(
    ("imps_low", "imps_high", "rate_low", "rate_high"),
    [
        (1000, 6000, 0.003, 0.03),  # Upworthy: thousands of impressions, tens of clicks
        (300, 3000, 0.01, 0.3),  # Ars
        (5, 300, 0.01, 0.5),  # small tests, a handful of clicks
    ],
    ids=["upworthy-like", "ars-like", "small"],
)
def test_prob_a_beats_b_matches_monte_carlo(imps_low, imps_high, rate_low, rate_high):
    rng = np.random.default_rng(imps_low)
    for _ in range(12):
        na, nb = rng.integers(imps_low, imps_high, size=2)
        rate = rng.uniform(rate_low, rate_high)
        ca, cb = rng.binomial([na, nb], [rate, min(1.0, rate * rng.uniform(0.7, 1.4))])
        expected = _monte_carlo(rng, ca, na, cb, nb)  # standard error <= 0.0011
        assert float(prob_a_beats_b(ca, na, cb, nb)) == pytest.approx(expected, abs=0.006), (ca, na, cb, nb)


@pytest.mark.parametrize(
    "table",
    [
        (20, 895, 102, 4244),  # few clicks on one side
        (50, 432, 833, 7131),  # very unequal sizes
        (3, 40, 400, 20_000),
        (1, 4516, 2, 4419),
        (0, 10, 0, 10),
        (7, 7, 95, 100),
        (150, 3052, 110, 3092),
    ],
)
def test_prob_a_beats_b_matches_numerical_integration(table):
    """P(A > B) = integral of pdf_A(x) * cdf_B(x), integrated by scipy."""
    ca, na, cb, nb = table
    a = sps.beta(1 + ca, 1 + na - ca)
    b = sps.beta(1 + cb, 1 + nb - cb)
    lo, hi = a.ppf(1e-13), a.isf(1e-13)
    expected = integrate.quad(
        lambda x: a.pdf(x) * b.cdf(x), lo, hi, points=[a.mean()], limit=400, epsabs=1e-12
    )[0]
    assert float(prob_a_beats_b(*table)) == pytest.approx(expected, abs=1e-4)


def test_prob_a_beats_b_uses_the_prior():
    rng = np.random.default_rng(2)
    for prior in (0.5, 5.0, 50.0):
        args = (40, 900, 55, 1000)
        expected = _monte_carlo(rng, *args, prior=prior)
        assert float(prob_a_beats_b(*args, prior=prior)) == pytest.approx(expected, abs=0.01), prior
    # A stronger prior pulls both rates together: less certainty.
    assert prob_a_beats_b(60, 1000, 40, 1000, prior=500) < prob_a_beats_b(60, 1000, 40, 1000, prior=1)


def test_prob_a_beats_b_symmetry_and_order():
    tables = _random_tables(np.random.default_rng(3), 2000)
    forward = prob_a_beats_b(*tables.T)
    backward = prob_a_beats_b(tables[:, 2], tables[:, 3], tables[:, 0], tables[:, 1])
    np.testing.assert_allclose(forward + backward, 1.0, atol=1e-12)
    assert ((forward >= 0) & (forward <= 1)).all()
    assert prob_a_beats_b(50, 1000, 50, 1000) == pytest.approx(0.5)
    # More clicks for a, same impressions: more likely a is better.
    p = prob_a_beats_b(np.arange(30, 80, 5), 1000, 50, 1000)
    assert (np.diff(p) > 0).all()
    assert p[0] < 0.5 < p[-1]
    # Higher observed rate on both sides -> agrees with the z-test's direction.
    higher = tables[:, 0] / tables[:, 1] > tables[:, 2] / tables[:, 3]
    decisive = two_proportion_p_value(*tables.T) < 0.01
    assert ((forward > 0.5) == higher)[decisive].all()


# --- wilson_interval ----------------------------------------------------------------------------


def _wilson_reference(c: float, n: float, z: float) -> tuple[float, float]:
    """Wilson (1927) written as (2np + z² ± z·sqrt(z² + 4np(1-p))) / (2(n + z²))."""
    p = c / n
    root = z * math.sqrt(z * z + 4 * n * p * (1 - p))
    return (2 * n * p + z * z - root) / (2 * (n + z * z)), (2 * n * p + z * z + root) / (2 * (n + z * z))


def test_wilson_reference_values():
    # 10 clicks of 100 at 95%: the textbook value (0.0552, 0.1744).
    low, high = wilson_interval(10, 100)
    assert (round(float(low), 4), round(float(high), 4)) == (0.0552, 0.1744)
    for c, n, level, z in [
        (10, 100, 0.95, Z95),
        (1, 3000, 0.95, Z95),
        (250, 1000, 0.95, Z95),
        (37, 512, 0.8, 1.2815515655446004),
    ]:
        low, high = wilson_interval(c, n, level=level)
        ref_low, ref_high = _wilson_reference(c, n, z)
        assert float(low) == pytest.approx(ref_low, rel=1e-9)
        assert float(high) == pytest.approx(ref_high, rel=1e-9)


def test_wilson_contains_the_rate_and_stays_in_bounds():
    rng = np.random.default_rng(4)
    n = rng.integers(1, 10_000, 5000)
    c = rng.binomial(n, rng.uniform(0, 1, 5000))
    low, high = wilson_interval(c, n)
    rate = c / n
    assert (low <= rate + 1e-12).all() and (rate <= high + 1e-12).all()
    assert (low >= -1e-12).all() and (high <= 1 + 1e-12).all()
    wider_low, wider_high = wilson_interval(c, n, level=0.99)
    assert (wider_low <= low + 1e-12).all() and (wider_high >= high - 1e-12).all()
    # No clicks: the lower bound is 0, the upper z²/(n+z²).
    low0, high0 = wilson_interval(0, 100)
    assert float(low0) == pytest.approx(0.0, abs=1e-12)
    assert float(high0) == pytest.approx(Z95**2 / (100 + Z95**2), rel=1e-9)
    # More impressions at the same rate: narrower.
    widths = [float(np.subtract(*wilson_interval(n // 20, n)[::-1])) for n in (100, 1000, 10_000)]
    assert widths[0] > widths[1] > widths[2]


def test_wilson_coverage_is_near_nominal():
    """About 95% of intervals from binomial draws contain the true rate."""
    rng = np.random.default_rng(5)
    true_rate, n = 0.04, 2000
    clicks = rng.binomial(n, true_rate, 20_000)
    low, high = wilson_interval(clicks, n)
    coverage = ((low <= true_rate) & (true_rate <= high)).mean()
    assert 0.935 < coverage < 0.965


# --- impressions_needed -------------------------------------------------------------------------


def test_impressions_needed_reference_value():
    # (z_0.975 + z_0.8)² (p1 q1 + p2 q2) / (p1 - p2)², for 5% vs 6%.
    expected = math.ceil((Z95 + Z80) ** 2 * (0.05 * 0.95 + 0.06 * 0.94) / 0.01**2)
    assert impressions_needed(0.05, 0.06) == expected == 8155  # 7.848879 * 0.1039 / 1e-4 = 8154.98
    assert impressions_needed(0.06, 0.05) == expected


def test_impressions_needed_is_monotone_in_effect_size():
    base = 0.05
    effects = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]
    up = [impressions_needed(base, base + e) for e in effects]
    down = [impressions_needed(base + 0.1, base + 0.1 - e) for e in effects]
    assert all(x > y for x, y in zip(up, up[1:])), up
    assert all(x > y for x, y in zip(down, down[1:])), down
    assert impressions_needed(0.05, 0.05) == math.inf
    # Stricter alpha or more power need more impressions.
    assert impressions_needed(0.05, 0.06, alpha=0.01) > impressions_needed(0.05, 0.06)
    assert impressions_needed(0.05, 0.06, power=0.9) > impressions_needed(0.05, 0.06)


def test_impressions_needed_gives_the_promised_power():
    """Simulated A/B tests of that size reject at alpha 0.05 about 80% of the time."""
    rng = np.random.default_rng(6)
    rate_a, rate_b = 0.05, 0.065
    n = int(impressions_needed(rate_a, rate_b))
    sims = 6000
    p = two_proportion_p_value(rng.binomial(n, rate_a, sims), n, rng.binomial(n, rate_b, sims), n)
    assert 0.77 < (p < 0.05).mean() < 0.83
    p_half = two_proportion_p_value(
        rng.binomial(n // 2, rate_a, sims), n // 2, rng.binomial(n // 2, rate_b, sims), n // 2
    )
    assert (p_half < 0.05).mean() < 0.6


def test_first_place_probabilities_are_a_softmax_that_sums_to_one():
    from core.basics.stats import first_place_probabilities

    p = first_place_probabilities(np.array([0.0, np.log(3.0), 1000.0]))
    assert p.sum() == pytest.approx(1.0) and p.argmax() == 2  # no overflow on large scores
    q = first_place_probabilities(np.array([0.0, np.log(3.0)]))
    np.testing.assert_allclose(q, [0.25, 0.75])


def test_p_values_print_in_plain_decimals_never_in_scientific_notation():
    assert p_value_text(3.9e-13) == "< 0.001"
    assert p_value_text(0.000999) == "< 0.001"
    assert p_value_text(0.001) == "0.001"
    assert p_value_text(0.0321) == "0.032"
    assert p_value_text(0.05) == "0.05"
    assert p_value_text(1.0) == "1"
