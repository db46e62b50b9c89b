"""hashtags, mentions and music, read literally from the contract's "fields parsed for analysis"."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from source_socialfetch_tiktok.records import topics as video_topics
from source_socialfetch_tiktok.records.topics import caption_hashtags, hashtags, mentions, music, topics
from source_socialfetch_tiktok.records.videos import video_record


def details(titles: Optional[list] = None, **extra: Any) -> Dict[str, Any]:
    body: Dict[str, Any] = dict(extra)
    if titles is not None:
        body["challenges"] = [{"id": str(i), "title": t} for i, t in enumerate(titles)]
    return body


@pytest.mark.parametrize("caption, expected", [
    ("New video #FYP #fyp #ForYou", ["fyp", "foryou"]),
    ("Tokyo 🇯🇵 #japan, #東京! #美食。", ["japan", "東京", "美食"]),
    ("end of sentence #travel. Next #travel's", ["travel"]),
    ("#a#b ##c #_x1 #2026", ["a", "b", "c", "_x1", "2026"]),
    ("no tag here # and #! and C#", []),
    ("Devanagari #नमस्ते दुनिया", ["नमस्ते"]),
    ("decomposed #cafe\u0301 ok", ["cafe\u0301"]),
    ("Crème #Crème_Brûlée?", ["crème_brûlée"]),
    ("", []),
    (None, []),
])
def test_caption_hashtags_are_lower_case_unique_and_stop_at_punctuation(caption: Optional[str], expected: list) -> None:
    assert caption_hashtags(caption) == expected


def test_challenge_titles_win_over_the_caption_when_the_list_is_non_empty() -> None:
    assert hashtags("Day 1 #vlog", details(["Routine", "#FYP", "routine", " fyp "])) == ["routine", "fyp"]


@pytest.mark.parametrize("body", [details([]), details(), {"challenges": None}, {"challenges": "fyp"},
                                  {"challenges": [{"id": "1"}, "x", {"title": 5}, {"title": "  "}]}, None])
def test_without_usable_challenges_the_caption_tags_are_used(body: Optional[dict]) -> None:
    assert hashtags("Day 1 #Vlog #vlog #routine", body) == ["vlog", "routine"]


def test_neither_challenges_nor_caption_tags_give_an_empty_list() -> None:
    assert hashtags(None, details([])) == [] and hashtags("plain", None) == []


@pytest.mark.parametrize("caption, expected", [
    ("Reply to @Fan12 and @fan12, cc @nasa.fan.", ["fan12", "nasa.fan"]),
    ("duet @cook_with_kim!!! @a..b. @...", ["cook_with_kim", "a..b"]),
    ("with @Ünïcødé and @名前", ["ünïcødé", "名前"]),
    ("mail me: hello@example.com", ["example.com"]),  # the contract's words, literally
    ("no mention @ here", []),
    ("", []),
    (None, None),
])
def test_mentions_are_lower_case_unique_without_a_trailing_dot(caption: Optional[str], expected: Optional[list]) -> None:
    assert mentions(caption) == expected


def test_music_is_four_typed_members_and_null_without_it() -> None:
    full = {"id": "7001", "title": "Espresso", "authorName": "Sabrina Carpenter", "original": False, "durationSec": 30}
    assert music({"music": full}) == {"id": "7001", "title": "Espresso", "authorName": "Sabrina Carpenter",
                                      "original": False}
    assert music({"music": {"id": 5, "title": 3, "original": "yes"}}) == {
        "id": "5", "title": None, "authorName": None, "original": None}
    assert music({"music": None}) is None and music({"author": {}}) is None and music(None) is None
    assert music({"music": ["not", "an", "object"]}) is None


def test_a_trimmed_video_has_caption_tags_mentions_and_no_music() -> None:
    assert topics("hi @Kim #Fun #fun", None) == {"hashtags": ["fun"], "mentions": ["kim"], "music": None}


def test_the_record_carries_the_parsed_fields_beside_the_api_fields() -> None:
    video = {"id": "1", "caption": "With @Kim #Food", "details": {"challenges": [{"title": "FoodTok"}],
                                                                 "music": {"id": 9, "title": "x", "authorName": "y",
                                                                           "original": True}}}
    record, problems = video_record(video, "nasa")
    assert problems == [] and record is not None
    assert record["caption"] == "With @Kim #Food" and record["details"] == video["details"]
    assert (record["hashtags"], record["mentions"]) == (["foodtok"], ["kim"])
    assert record["music"] == {"id": "9", "title": "x", "authorName": "y", "original": True}


def test_a_caption_or_details_of_the_wrong_type_parse_as_absent() -> None:
    record, problems = video_record({"id": "1", "caption": 42, "details": "oops"}, "nasa")
    assert record is not None and len(problems) == 2
    assert (record["hashtags"], record["mentions"], record["music"]) == ([], None, None)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aZ9_.@# ,!'\n", max_size=40))
def test_an_ascii_caption_parses_as_the_general_path_parses_it(caption: str) -> None:
    """ASCII captions take a shorter path (lower-cased once, one regex); it must agree with the general one."""
    tags = [tag.lower() for tag in video_topics._found(caption, video_topics._HASHTAG, video_topics._WORD)]
    handles = [h.rstrip(".").lower() for h in video_topics._found(caption, video_topics._MENTION, video_topics._WORD_OR_DOT)]
    assert caption_hashtags(caption) == list(dict.fromkeys(tags))
    assert mentions(caption) == [h for h in dict.fromkeys(handles) if h]
