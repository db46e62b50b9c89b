"""What a video is about, parsed from its page once so analysts need no parser of their own:
`hashtags`, `mentions` and `music` (the contract's "fields parsed for analysis").

- `hashtags`: the titles of `details.challenges` when that is a non-empty list with at least one
  usable title, else the caption's `#` tags; lower-case, without `#`, in order, without duplicates.
- `mentions`: the caption's `@` handles (letters, digits, `_`, `.`; a trailing `.` is punctuation),
  lower-case, without duplicates; None when the caption is None.
- `music`: `{id, title, authorName, original}` from `details.music`, each typed or None; None
  without it.

A letter may carry combining marks (Devanagari vowel signs, a decomposed é): they belong to the
tag, although Python's `\\w` does not match them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Optional

FIELDS = ("hashtags", "mentions", "music")  # added to each `videos` record beside the API's fields
_HASHTAG = re.compile(r"#(\w+)")
_MENTION = re.compile(r"@([\w.]+)")
_MENTION_NO_TRAILING_DOT = re.compile(r"@([\w.]*\w)")  # the same handles, trailing dots left out
_WORD_OR_DOT = re.compile(r"[\w.]+")
_WORD = re.compile(r"\w+")


def _extended(text: str, end: int, more: re.Pattern[str]) -> int:
    """Where a tag that the regex stopped at `end` really ends: past combining marks and the
    word characters after them."""
    size = len(text)
    while end < size and unicodedata.category(text[end])[0] == "M":
        end += 1
        match = more.match(text, end)
        if match is not None:
            end = match.end()
    return end


def _found(text: str, pattern: re.Pattern[str], more: re.Pattern[str]) -> List[str]:
    """The pattern's first group at every match, past combining marks; an ASCII text (most
    captions) has none, so the C regex does all the work."""
    if text.isascii():
        return pattern.findall(text)
    return [text[match.start(1):_extended(text, match.end(), more)] for match in pattern.finditer(text)]


def caption_hashtags(caption: Optional[str]) -> List[str]:
    """The caption's `#` tags, lower-case, in order of first appearance, without duplicates."""
    if not caption or "#" not in caption:
        return []
    if caption.isascii():  # lower-casing ASCII keeps every position: one call for the whole caption
        return list(dict.fromkeys(_HASHTAG.findall(caption.lower())))
    return list(dict.fromkeys([tag.lower() for tag in _found(caption, _HASHTAG, _WORD)]))


def mentions(caption: Optional[str]) -> Optional[List[str]]:
    """The handles the caption mentions (None when there is no caption)."""
    if caption is None:
        return None
    if type(caption) is not str or "@" not in caption:
        return []
    if caption.isascii():
        return list(dict.fromkeys(_MENTION_NO_TRAILING_DOT.findall(caption.lower())))
    handles = [handle.rstrip(".").lower() for handle in _found(caption, _MENTION, _WORD_OR_DOT)]
    return [handle for handle in dict.fromkeys(handles) if handle]


# A challenge title as sent -> as recorded. Titles repeat across videos (#fyp), so each is
# normalised once; the memo is cleared, not grown, past a bound (dict access is atomic in threads).
_TITLES: Dict[str, str] = {}
_TITLES_KEPT = 100_000


def challenge_titles(details: Optional[Dict[str, Any]]) -> List[str]:
    """The titles of `details.challenges`, lower-case, without a leading `#` or duplicates."""
    challenges = details.get("challenges") if details is not None else None
    if type(challenges) is not list:
        return []
    titles: List[str] = []
    for challenge in challenges:
        title = challenge.get("title") if type(challenge) is dict else None
        if type(title) is str:
            normal = _TITLES.get(title)
            if normal is None:
                if len(_TITLES) >= _TITLES_KEPT:
                    _TITLES.clear()
                normal = _TITLES[title] = title.strip().lstrip("#").lower()
            if normal and normal not in titles:
                titles.append(normal)
    return titles


def hashtags(caption: Optional[str], details: Optional[Dict[str, Any]]) -> List[str]:
    """Challenge titles when there are any, else the caption's tags."""
    return challenge_titles(details) or caption_hashtags(caption if type(caption) is str else None)


def music(details: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """`details.music` as four typed members; an id the API sends as a number becomes its string."""
    found = details.get("music") if details is not None else None
    if type(found) is not dict:
        return None
    music_id, title, author, original = found.get("id"), found.get("title"), found.get("authorName"), found.get("original")
    if type(music_id) is not str:
        music_id = str(music_id) if type(music_id) is int else None
    return {
        "id": music_id,
        "title": title if type(title) is str else None,
        "authorName": author if type(author) is str else None,
        "original": original if type(original) is bool else None,
    }


def topics(caption: Any, details: Any) -> Dict[str, Any]:
    """The three parsed fields of one video, from its (already repaired) caption and details."""
    record: Dict[str, Any] = {}
    add_topics(record, caption, details)
    return record


def add_topics(record: Dict[str, Any], caption: Any, details: Any) -> None:
    """Set the three parsed fields on `record` (per record: no dict in between)."""
    details = details if type(details) is dict else None
    record["hashtags"] = hashtags(caption, details)
    record["mentions"] = mentions(caption)
    record["music"] = music(details)
