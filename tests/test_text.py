"""core.basics.text: cleaning, normalising and validating headlines."""

from __future__ import annotations

import html
import re
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.basics.text import (
    MAX_NAME_CHARS,
    character_references,
    clean_headline,
    clean_headlines,
    formatting_tags,
    headline_changes,
    headline_problems,
    markup_tags,
    name_problem,
    normalise_headline,
    normalise_headlines,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<em>x</em>", "x"),
        ("A review of <em>The Expanse</em> season 5", "A review of The Expanse season 5"),
        # Inline formatting must not split words from the punctuation that follows them.
        ("A week in <em>Cyberpunk 2077</em>’s future", "A week in Cyberpunk 2077’s future"),
        ("<em>Lord of the Rings</em>, <em>Hobbit</em> sets", "Lord of the Rings, Hobbit sets"),
        ("comeback—<em>The Boys</em> returns", "comeback—The Boys returns"),
        ("H<sub>2</sub>O on <i>Mars</i>", "H2O on Mars"),
        # A line break separates words.
        ("First line<br>second line", "First line second line"),
        ("First line<br/>second<BR />third", "First line second third"),
        ("<script>alert(1)</script>", "alert(1)"),
        ("Hello <script>alert('x')</script> world", "Hello alert('x') world"),
        ('<img src="x" onerror="alert(1)">Cats', "Cats"),
        ("AT&amp;T buys DirecTV", "AT&T buys DirecTV"),
        ("Tom &amp; Jerry &#8217;s &quot;show&quot;", 'Tom & Jerry ’s "show"'),
        ("  spaced \t out\n headline  ", "spaced out headline"),
        ("", ""),
        (None, ""),
        (float("nan"), ""),
        (42, "42"),
    ],
)
def test_clean_headline(raw, expected):
    assert clean_headline(raw) == expected


@pytest.mark.parametrize(
    "raw", ["<em>x</em>", "<script>alert(1)</script>", "<b>bold</b> <span a='1'>s</span>"]
)
def test_clean_headline_leaves_no_markup(raw):
    cleaned = clean_headline(raw)
    assert "<" not in cleaned and ">" not in cleaned
    assert markup_tags(cleaned) == []


def test_clean_headline_on_every_real_ars_title(ars_raw):
    """Real titles carry <em>/<i>/<sub> and entities: no tag or entity survives, no text is lost."""
    titles = [t for t in list(ars_raw["title_a"]) + list(ars_raw["title_b"]) if t]
    with_markup = [t for t in titles if "<" in t]
    assert len(with_markup) > 1000  # the file really exercises this
    tag = re.compile(r"</?[a-zA-Z][^>]*>")
    for title in titles:
        cleaned = clean_headline(title)
        assert not tag.search(cleaned), title
        assert "&amp;" not in cleaned, title
        # Same visible characters: only tags and whitespace may change.
        visible = html.unescape(tag.sub("", title))
        assert re.sub(r"\s", "", cleaned) == re.sub(r"\s", "", visible), title
        assert cleaned == cleaned.strip() and "  " not in cleaned


def test_clean_headline_collapses_every_unicode_space_as_the_regex_did():
    r"""clean_headline splits on str.isspace (fast on a big import); it must match what
    re.sub(r"\s+", " ", text).strip() did, for every code point that is a space to either."""
    spaces = "".join(
        chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(r"\s", chr(c)) or chr(c).isspace()
    )
    assert len(spaces) > 20
    for space in spaces:
        raw = f"{space}Owls{space}{space}win &amp;{space}<em>lose</em>{space}"
        expected = re.sub(r"\s+", " ", html.unescape(re.sub(r"</?em>", "", raw))).strip()
        assert clean_headline(raw) == expected == "Owls win & lose", hex(ord(space))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(max_size=40) | st.sampled_from(["<em>x</em>", "a  b", " a", "a ", "&amp;", "\u3000"]))
)
def test_clean_headlines_is_clean_headline_of_each(raws):
    expected = [clean_headline(raw) for raw in raws]
    for dtype in ("str", object):
        assert clean_headlines(pd.Series(raws, dtype=dtype)).tolist() == expected


def test_clean_headlines_of_every_character():
    """Every code point that could be a space inside a word and at either end: each headline
    its column version leaves as it is must be one clean_headline leaves as it is."""
    assert not any(chr(c).isspace() for c in range(0x3001, sys.maxunicode + 1))  # _SPACES looks no further
    characters = [chr(c) for c in range(0x3100)]
    raws = pd.Series([f"Ab{c}Cd" for c in characters] + [f"{c}x" for c in characters], dtype="str")
    assert clean_headlines(raws).tolist() == [clean_headline(raw) for raw in raws]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(max_size=60)
        | st.lists(
            st.sampled_from(["<em>x</em>", "&amp;", "&#73;", "\u0130", "\u212a", "Σ", "ß", " ", "A"])
        ).map("".join),
        max_size=12,
    )
)
def test_normalise_headlines_is_normalise_headline_of_each(raws):
    expected = [normalise_headline(raw) for raw in raws]
    for dtype in ("str", object):
        assert normalise_headlines(pd.Series(raws, dtype=dtype)).tolist() == expected
    halves = [pd.Series(raws[:3], dtype="str"), pd.Series(raws[3:], dtype="str")]
    assert normalise_headlines(pd.concat(halves, ignore_index=True)).tolist() == expected  # chunked


def test_normalise_headlines_of_every_character():
    """Every code point inside a word (İ and the Kelvin sign lower to ASCII letters): ASCII ones
    alone, the rest 500 to a headline (a headline with one slow character goes the slow way)."""
    words = [f"Ab{chr(c)}Cd" for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    raws = pd.Series(words[:128] + [" ".join(words[i : i + 500]) for i in range(128, len(words), 500)])
    assert normalise_headlines(raws).tolist() == [normalise_headline(raw) for raw in raws]


def test_normalise_headline_merges_near_identical():
    base = normalise_headline("Dogs are great")
    assert base == "dogs are great"
    for variant in [
        "DOGS are GREAT!",
        "  dogs, are... great?  ",
        "<em>Dogs</em> are great",
        "Dogs  are\tgreat",
    ]:
        assert normalise_headline(variant) == base, variant
    assert normalise_headline("Dogs are great 2") != base
    assert normalise_headline("Cats are great") != base
    assert normalise_headline(None) == ""


def test_headlines_in_any_script_are_keyed_by_their_own_letters():
    # Every letter beyond ASCII used to be dropped: any two Russian headlines shared the key "".
    russian = normalise_headline("Ученые нашли осьминога в Арктике")
    assert russian == "ученые нашли осьминога в арктике"
    assert normalise_headline("УЧЕНЫЕ нашли осьминога в Арктике!") == russian
    assert normalise_headline("Осьминог в Арктике: что нашли ученые") != russian
    assert normalise_headline("العلماء يكتشفون") not in ("", russian)
    assert normalise_headline("Café crème") == normalise_headline("CAFE\u0301 CRE\u0300ME")  # composed or not
    assert normalise_headline("हिन्दी समाचार") == "हिन्दी समाचार"  # vowel signs stay with their letters
    # No letter or digit at all: the text itself, so two such headlines are not one.
    assert normalise_headline("🐙🐙") != normalise_headline("🦑🦑") and normalise_headline(" !!! ") == "!!!"


def test_markup_tags_flags_only_non_inline_markup():
    assert markup_tags("<em>x</em> and <i>y</i> <b>z</b><br/> <sup>2</sup>") == []
    assert markup_tags("<script>alert(1)</script>") == ["<script>", "</script>"]
    assert markup_tags('<img src="x" onerror="alert(1)">') == ['<img src="x" onerror="alert(1)">']
    assert markup_tags("<a href='http://x'>link</a>") == ["<a href='http://x'>", "</a>"]
    # Tag names are matched as whole words: <embed> is not <em>.
    assert markup_tags("<embed src=x>") == ["<embed src=x>"]
    assert markup_tags("") == []
    assert markup_tags(None) == []


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "<em></em>", "<script></script>", None, float("nan")])
def test_headline_problems_empty(raw):
    assert headline_problems(raw) == ["empty headline"]


def test_headline_problems_length():
    assert headline_problems("x" * 300) == []
    problems = headline_problems("x" * 301)
    assert len(problems) == 1 and "too long" in problems[0] and "301" in problems[0]
    # Length is measured on the cleaned text, not the markup.
    assert headline_problems("<em>" + "x" * 300 + "</em>") == []
    assert headline_problems("x" * 11, max_chars=10) != []
    assert headline_problems("x" * 10, max_chars=10) == []
    assert headline_problems("A perfectly ordinary headline") == []


def test_formatting_tags_are_the_inline_ones_clean_headline_drops():
    raw = "<b>Mayor</b> resigns <script>x</script> <EM>now</EM>"
    assert formatting_tags(raw) == ["<b>", "</b>", "<EM>", "</EM>"]
    assert markup_tags(raw) == ["<script>", "</script>"]
    assert formatting_tags("AT&T beats 3 < 4 > 2") == []


def test_character_references_are_named_with_what_they_become():
    assert character_references("Fish &amp; chips &#8211; &#x26; &copy 2024 &amp;") == {
        "&amp;": "&",
        "&#8211;": "–",
        "&#x26;": "&",
        "&copy": "©",
    }
    # an ampersand that starts no reference is left as it is, and so is not named
    assert character_references("AT&T and R&D &zzz;") == {}
    for raw in ("Fish &amp; chips", "A&nbsp;B &#8211; C", "AT&T"):
        decoded = raw
        for reference, character in character_references(raw).items():
            decoded = decoded.replace(reference, character)
        assert " ".join(decoded.split()) == clean_headline(raw)


def test_headline_changes_name_what_cleaning_changes():
    raw = "<script>x</script> <b>Fish</b> &amp; chips &nbsp;now"
    assert headline_changes(raw) == [
        "its markup (<script>, </script>) is dropped",
        "its formatting (<b>, </b>) is dropped",
        "“&amp;” is read as “&”",
        "“&nbsp;” is read as a space",
    ]
    assert headline_changes("AT&T beats  3 < 4 spacing") == []  # nothing a reader would see


def test_a_name_is_refused_beyond_what_the_database_keeps_or_with_a_control_character():
    assert name_problem(None) is None and name_problem("  ") is None  # required or not: the caller's call
    assert name_problem("Ana María O’Brien-Smith") is None
    assert name_problem("a" * MAX_NAME_CHARS) is None
    assert name_problem("a" * 612) == "the name is 612 characters long; at most 100 fit"
    assert "control character" in name_problem("ana\nbob")
