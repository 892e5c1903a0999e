import re
from html import escape

import numpy as np

from core.newsroom.explain import deduplicated, highlight_html, weight_in_words, word_weights


def keyword_model(texts):
    """P(wins) high when 'amazing' is present, low when 'boring' is."""
    p = np.array([0.5 + 0.4 * ("amazing" in t) - 0.4 * ("boring" in t) for t in texts])
    return np.stack([1 - p, p], axis=1)


def test_lime_weights_point_the_right_way():
    w = word_weights("An amazing yet boring story about cats", keyword_model, num_samples=300)
    assert w["amazing"] > 0.2 and w["boring"] < -0.2
    assert abs(w["cats"]) < 0.05


def test_lime_is_reproducible_with_fixed_seed():
    a = word_weights("An amazing yet boring story", keyword_model, num_samples=200, random_state=3)
    b = word_weights("An amazing yet boring story", keyword_model, num_samples=200, random_state=3)
    assert a == b


def test_perturbed_strings_are_scored_once():
    calls = []

    def counting(texts):
        calls.append(len(texts))
        return keyword_model(texts)

    out = deduplicated(counting)(["a b", "a", "a b", "b", "a"])
    assert calls == [3]
    np.testing.assert_allclose(out, keyword_model(["a b", "a", "a b", "b", "a"]))


def test_html_escapes_script_and_colours_words():
    headline = "<script>alert('x')</script> amazing boring"
    html = highlight_html(headline, {"amazing": 0.3, "boring": -0.3, "script": 0.01})
    assert "<script" not in html
    # with our own spans removed, what is left is exactly the escaped headline
    text_only = re.sub(r"</?span[^>]*>", "", html)
    assert text_only == escape(headline)
    assert "rgba(34,160,70,0.75)" in html  # strongest positive word fully green
    assert "rgba(215,48,39,0.75)" in html  # strongest negative word fully red


def test_html_without_weights_is_escaped_text():
    assert (
        highlight_html("<b>x</b> & y", {})
        == '<span class="headline-lab-lime">&lt;b&gt;x&lt;/b&gt; &amp; y</span>'
    )


def test_markup_letters_get_no_weight_and_no_colour():
    """<b>Mayor</b>: LIME explains what the model reads, so the tag's "b" is no word of it."""
    seen = []

    def recording(texts):
        seen.extend(texts)
        return keyword_model(texts)

    w = word_weights("<b>Amazing</b> mayor &amp; a boring plan b", recording, num_samples=100)
    assert set(w) == {"Amazing", "mayor", "a", "boring", "plan", "b"}
    assert not any("<" in t or "amp" in t for t in seen)  # no perturbed string kept the markup
    html = highlight_html("<b>Amazing</b> plan b &amp; more", {"b": 0.5, "amp": 0.5, "Amazing": 0.2})
    assert html.count("<span title=") == 2  # "Amazing" and the word "b", not the tags or entity
    assert (
        '<span title="raises its chance against a typical headline by 50.0 points" '
        'style="background:rgba(34,160,70,0.75);border-radius:3px;padding:0 2px">b</span>' in html
    )
    assert re.sub(r"</?span[^>]*>", "", html) == escape("<b>Amazing</b> plan b &amp; more")


def test_empty_headline_has_no_weights():
    assert word_weights("   ", keyword_model) == {}


def test_a_word_weight_reads_as_points_of_win_chance():
    assert weight_in_words(0.162) == "raises its chance against a typical headline by 16.2 points"
    assert weight_in_words(-0.015) == "lowers its chance against a typical headline by 1.5 points"
    assert weight_in_words(0.0001) == "barely changes its chance against a typical headline"


def test_a_contraction_or_possessive_is_one_word_for_lime_and_the_highlight():
    weights = word_weights("You won't believe NASA's amazing find", keyword_model, num_samples=100)
    assert set(weights) == {"You", "won't", "believe", "NASA's", "amazing", "find"}  # no lone "t" or "s"
    html = highlight_html("You won't believe it", {"won't": 0.2})
    assert html.count("<span title=") == 1 and ">won&#x27;t</span>" in html
    quoted = word_weights("'Rock' and roll", keyword_model, num_samples=50)
    assert set(quoted) == {"Rock", "and", "roll"}  # quotes around a word are not part of it
