"""The emulator's facts about creators and videos: small mutable records, rendered to JSON only
when served, so a change between two syncs is one attribute assignment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional

# How a video's createdAt is spelled. ISO-8601 allows several spellings of one instant and the
# vendor's docs promise none in particular, so the emulator mixes them to make clients compare
# instants rather than strings.
STYLE_Z = 0  # 2026-10-30T12:34:56Z
STYLE_Z_MS = 1  # 2026-10-30T12:34:56.123Z
STYLE_OFFSET = 2  # 2026-10-30T12:34:56+00:00

FOUND = "found"
PRIVATE = "private"
NOT_FOUND = "not_found"


@dataclass
class Video:
    """One TikTok video. `instant_ms` is always set: it orders the video even when the API hides
    its createdAt (`created_style is None`)."""

    id: str
    instant_ms: int
    created_style: Optional[int]
    caption: Optional[str]
    duration_ms: Optional[int]
    has_urls: bool
    pinned: bool
    is_ad: bool
    views: int
    likes: int
    comments: int
    shares: int
    saves: int
    music_id: str
    music_title: str
    music_author: str
    music_original: bool
    music_seconds: int
    tags: list[str]  # the caption's #tags as typed (captions.Written)
    width: int
    height: int
    bitrate: int
    codec: str
    language: str
    region: str
    mentions: list[str] = field(default_factory=list)  # the caption's @handles as typed
    challenges: Optional[list[str]] = None  # details.challenges titles; None: no such key
    has_music: bool = True  # False: details has no `music`

    @property
    def order_key(self) -> tuple[int, int]:
        """Position in the `latest` order (newest first = largest key first)."""
        return (self.instant_ms, int(self.id))


@dataclass
class Creator:
    """One TikTok profile and its videos, keyed by id."""

    handle: str
    display_name: Optional[str]
    bio: Optional[str]
    has_avatar: bool
    verified: bool
    user_id: str
    sec_uid: str
    account_created_at: int
    bio_link: Optional[str]
    followers: int
    following: int
    base_likes: int
    seed: str
    status: str = FOUND
    theme: str = "general"  # caption style, kept for the videos `publish` adds
    unicode: bool = False
    videos: Dict[str, Video] = field(default_factory=dict)
    published: int = 0  # how many videos `publish` added, to derive the next one's seed
    version: int = 0  # bumped on every change, invalidates the cached orders
