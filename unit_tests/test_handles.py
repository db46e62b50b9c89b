"""Handles are the one gate between user input and a URL path segment (CONNECTOR_CONTRACT: config.handles)."""

from __future__ import annotations

import re
import string
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from source_socialfetch_tiktok.handles import InvalidHandle, normalise_handle, normalise_handles

ACCEPTED_SHAPE = re.compile(r"^[a-z0-9._]{1,64}$")


@pytest.mark.parametrize(
    "raw",
    [
        "name",
        "Name",
        "@Name",
        "  @name  ",
        "https://www.tiktok.com/@name",
        "https://www.tiktok.com/@Name/",
        "http://tiktok.com/@name",
        "www.tiktok.com/@name/",
        "tiktok.com/@name",
        "m.tiktok.com/@name",
        "HTTPS://WWW.TIKTOK.COM/@NAME",
    ],
)
def test_given_a_documented_spelling_when_normalised_then_it_is_the_lower_case_name(raw: str) -> None:
    assert normalise_handle(raw) == "name"


def test_given_dots_and_underscores_inside_when_normalised_then_they_are_kept() -> None:
    assert normalise_handle("@Khaby.Lame_01") == "khaby.lame_01"


def test_given_a_64_character_handle_when_normalised_then_it_is_accepted() -> None:
    assert normalise_handle("a" * 64) == "a" * 64


def test_given_duplicates_in_several_spellings_when_normalised_then_the_first_seen_order_is_kept() -> None:
    handles, problems = normalise_handles(["b", "@A", "https://www.tiktok.com/@b", "a", "C", "@c"])

    assert handles == ["b", "a", "c"]
    assert problems == []


@pytest.mark.parametrize(
    "raw",
    [
        "a/b",
        "../x",
        "x?y",
        "#tag",
        "%2F",
        "a b",
        "café",
        "..",
        "name.",
        "@",
        "@@name",
        "a\\b",
        "https://example.com/@x",
        "https://www.tiktok.com/@x/video/1",
        "https://www.tiktok.com/x",
        "https://www.tiktok.com/",
        "ftp://www.tiktok.com/@x",
    ],
)
def test_given_a_value_that_is_no_handle_when_normalised_then_the_error_names_the_value(raw: str) -> None:
    with pytest.raises(InvalidHandle) as error:
        normalise_handle(raw)

    assert repr(raw.strip()) in str(error.value)


def test_given_65_characters_when_normalised_then_the_error_gives_the_limit_of_64() -> None:
    with pytest.raises(InvalidHandle) as error:
        normalise_handle("a" * 65)

    assert "64" in str(error.value)
    assert "a" * 65 in str(error.value)


@pytest.mark.parametrize("raw", [None, 42, 4.2, ["nasa"], {"handle": "nasa"}, True])
def test_given_a_non_string_when_normalised_then_it_is_rejected_naming_it(raw: object) -> None:
    with pytest.raises(InvalidHandle) as error:
        normalise_handle(raw)

    assert repr(raw) in str(error.value)


@pytest.mark.parametrize("raw", ["", "   "])
def test_given_an_empty_value_when_normalised_then_it_is_rejected(raw: str) -> None:
    with pytest.raises(InvalidHandle, match="empty"):
        normalise_handle(raw)


def test_given_bad_values_among_good_ones_when_normalised_then_each_problem_names_its_index() -> None:
    handles, problems = normalise_handles(["nasa", "a/b", "ok", 7])

    assert handles == ["nasa", "ok"]
    assert len(problems) == 2
    assert problems[0].startswith("handles[1]: ") and "'a/b'" in problems[0]
    assert problems[1].startswith("handles[3]: ") and "7" in problems[1]


def test_given_a_non_ascii_letter_whose_lower_case_is_ascii_when_normalised_then_it_is_rejected() -> None:
    with pytest.raises(InvalidHandle):
        normalise_handle("\u212ahaby")  # "Khaby" typed with a Kelvin sign: not the profile "khaby"


# -- properties --------------------------------------------------------------------------------------

HANDLE_CHARS = string.ascii_letters + string.digits + "._"
_spellings = st.tuples(
    st.sampled_from(["", "@", "https://www.tiktok.com/@", "www.tiktok.com/@", "m.tiktok.com/@", "tiktok.com/@"]),
    st.text(alphabet=HANDLE_CHARS + "/?#%\\ :@-é\u212a", min_size=0, max_size=70),
    st.sampled_from(["", "/", "?lang=en", "/video/1"]),
).map("".join)


@given(st.one_of(_spellings, st.text(max_size=80)))
def test_any_accepted_handle_has_the_handle_shape_and_cannot_change_a_url_path(raw: str) -> None:
    try:
        handle = normalise_handle(raw)
    except InvalidHandle:
        return
    assert ACCEPTED_SHAPE.match(handle)
    assert not handle.endswith(".")
    assert quote(handle, safe="") == handle


_inner = st.text(alphabet=string.ascii_lowercase + string.digits + "_", min_size=1, max_size=10)
_forbidden = st.one_of(st.sampled_from(list("/?#%\\ ")), st.characters(min_codepoint=128, exclude_categories=["Cs"]))


@given(_inner, _forbidden, _inner)
def test_any_text_with_a_forbidden_character_outside_a_url_is_rejected(before: str, bad: str, after: str) -> None:
    # The Kelvin sign, the one character whose lower case is ASCII, has its own test above.
    assume(not bad.lower().isascii())
    with pytest.raises(InvalidHandle):
        normalise_handle(before + bad + after)
