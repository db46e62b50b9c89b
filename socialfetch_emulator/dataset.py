"""Deterministic worlds of creators and videos. Everything derives from (seed, handle) and a fixed
anchor instant, never from the clock, so one seed gives byte-identical responses on any day, and
adding a handle does not change the others."""

from __future__ import annotations

import base64
import hashlib
import random
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Dict, Optional

from socialfetch_emulator import captions
from socialfetch_emulator.model import (
    FOUND,
    PRIVATE,
    STYLE_OFFSET,
    STYLE_Z,
    STYLE_Z_MS,
    Creator,
    Video,
)

ANCHOR = datetime(2026, 11, 1, tzinfo=timezone.utc)
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
VIRAL_VIEWS = 2**31  # some view counts must not fit a signed 32-bit integer

MUSIC = [
    ("original sound", None, True),
    ("Espresso", "Sabrina Carpenter", False),
    ("APT.", "ROSÉ & Bruno Mars", False),
    ("Lo-fi beat 3", "Chill Cow", False),
    ("Clair de Lune", "Claude Debussy", False),
    ("Monkeys Spinning Monkeys", "Kevin MacLeod", False),
]


@dataclass(frozen=True)
class CreatorSpec:
    """What a generated creator looks like; the counts are exact, the rest is drawn from the seed."""

    handle: str
    videos: int
    theme: str = "general"
    pinned: int = 0
    ads: int = 0
    null_caption: int = 0
    null_created: int = 0
    null_duration: int = 0
    null_urls: int = 0
    unicode: bool = False
    private: bool = False
    viral: int = 0
    min_gap_hours: float = 4.0
    max_gap_hours: float = 48.0
    verified: bool = False
    display_name: Optional[str] = None


DEMO: list[CreatorSpec] = [
    CreatorSpec("empty.profile", 0, display_name="Nothing Here Yet"),
    CreatorSpec("one.video", 1, display_name="One Video"),
    CreatorSpec("full.page", 30, display_name="Exactly One Page"),
    CreatorSpec("big.creator", 1200, viral=6, verified=True, min_gap_hours=3, max_gap_hours=14, display_name="Big Creator"),
    CreatorSpec("pinned.creator", 98, pinned=3, min_gap_hours=12, max_gap_hours=60, display_name="Pinned Posts"),
    CreatorSpec("ads.creator", 60, ads=8, display_name="Brand Deals Daily"),
    CreatorSpec("nulls.creator", 50, null_caption=8, null_created=6, null_duration=7, null_urls=5),
    CreatorSpec("unicode.creator", 40, unicode=True, display_name="Ünïcødé 🌍 创作者"),
    CreatorSpec("private.person", 12, private=True, display_name="Private Person"),
    CreatorSpec("daily.vlogger", 140, theme="vlog", viral=1, min_gap_hours=18, max_gap_hours=30, display_name="Daily Vlogger"),
    CreatorSpec("nasa.fan", 90, theme="space", pinned=1, min_gap_hours=6, max_gap_hours=96, display_name="Space Nerd 🚀"),
    CreatorSpec("cook_with_kim", 110, theme="cooking", min_gap_hours=10, max_gap_hours=60, verified=True, display_name="Cook with Kim"),
]


def anchor_ms(anchor: datetime) -> int:
    return int(anchor.timestamp() * 1000)


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(10 ** (n - 1), 10**n - 1))


def make_creator(spec: CreatorSpec, seed: int, anchor: datetime) -> Creator:
    """A creator and all its videos, from the spec alone."""
    rng = random.Random(f"{seed}:{spec.handle}")
    stem = re.sub(r"[^a-z]", " ", spec.handle).strip().title() or spec.handle
    sec = base64.urlsafe_b64encode(hashlib.sha256(f"{seed}:{spec.handle}:sec".encode()).digest()).decode().rstrip("=")
    creator = Creator(
        handle=spec.handle,
        display_name=spec.display_name or stem,
        bio=rng.choice([None, "", f"{stem} | new videos every week", "📍 Somewhere\nbusiness: hello@example.com"]),
        has_avatar=rng.random() > 0.1,
        verified=spec.verified,
        user_id=_digits(rng, 19),
        sec_uid="MS4wLjABAAAA" + sec,
        account_created_at=int(anchor.timestamp()) - rng.randint(700, 2500) * 86400,
        bio_link=rng.choice([None, f"https://linktr.ee/{spec.handle.replace('.', '_')}"]),
        followers=rng.randint(1_000, 5_000_000) * (10 if spec.viral else 1),
        following=rng.randint(0, 2_000),
        base_likes=rng.randint(0, 1_000_000),
        seed=f"{seed}:{spec.handle}",
        status=PRIVATE if spec.private else FOUND,
        theme=spec.theme,
        unicode=spec.unicode,
    )
    regular = spec.videos - spec.pinned
    t = anchor_ms(anchor) - rng.randint(HOUR_MS, 2 * DAY_MS)
    instants = []
    for _ in range(regular):
        instants.append(t)
        t -= rng.randint(int(spec.min_gap_hours * HOUR_MS), int(spec.max_gap_hours * HOUR_MS))
    oldest = min(instants, default=t)
    # Pinned videos are old favourites: a year or more older than every regular one.
    pinned_instants = sorted((oldest - 365 * DAY_MS - rng.randint(0, 300 * DAY_MS) for _ in range(spec.pinned)), reverse=True)
    index = list(range(regular))
    picks = {
        "caption": set(rng.sample(index, spec.null_caption)),
        "created": set(rng.sample(index, spec.null_created)),
        "duration": set(rng.sample(index, spec.null_duration)),
        "urls": set(rng.sample(index, spec.null_urls)),
        "ad": set(rng.sample(index, spec.ads)),
        "viral": set(rng.sample(index, min(spec.viral, regular))),
    }
    for i, instant in enumerate(instants):
        add_video(
            creator, rng, instant, n=i, theme=spec.theme, unicode=spec.unicode,
            is_ad=i in picks["ad"], viral=i in picks["viral"],
            null_caption=i in picks["caption"], null_created=i in picks["created"],
            null_duration=i in picks["duration"], null_urls=i in picks["urls"],
        )
    for j, instant in enumerate(pinned_instants):
        video = add_video(creator, rng, instant, n=regular + j, theme=spec.theme, unicode=spec.unicode)
        video.pinned = True
    return creator


def add_video(
    creator: Creator, rng: random.Random, instant_ms: int, *, n: int, theme: str = "general", unicode: bool = False,
    is_ad: bool = False, viral: bool = False, null_caption: bool = False, null_created: bool = False,
    null_duration: bool = False, null_urls: bool = False,
) -> Video:
    """Draw one video at (about) `instant_ms` and add it to the creator."""
    style = None if null_created else rng.choice([STYLE_Z, STYLE_Z_MS, STYLE_OFFSET])
    if style != STYLE_Z_MS:
        instant_ms -= instant_ms % 1000  # what is shown is exactly the instant kept
    while True:
        video_id = str(((instant_ms // 1000) << 32) | rng.getrandbits(32))
        if video_id not in creator.videos:
            break
    views = rng.randint(VIRAL_VIEWS + 1, 4_200_000_000) if viral else int(rng.lognormvariate(9.5, 1.6))
    likes = int(views * rng.uniform(0.01, 0.12))
    text = None if null_caption else captions.caption(rng, theme, n, unicode)
    own = random.Random(f"{creator.seed}:topics:{video_id}")  # so the creator's other draws stay put
    typed = captions.written(text, own, n)
    music = MUSIC[rng.randrange(len(MUSIC))]
    seconds = rng.randint(5, 180)
    portrait = rng.random() > 0.15
    video = Video(
        id=video_id,
        instant_ms=instant_ms,
        created_style=style,
        caption=typed.text,
        duration_ms=None if null_duration else seconds * 1000 + rng.randint(0, 999),
        has_urls=not null_urls,
        pinned=False,
        is_ad=is_ad,
        views=views,
        likes=likes,
        comments=int(likes * rng.uniform(0.005, 0.05)),
        shares=int(likes * rng.uniform(0.001, 0.03)),
        saves=int(likes * rng.uniform(0.01, 0.08)),
        music_id=_digits(rng, 19),
        music_title=music[0] if music[1] else f"original sound - {creator.handle}",
        music_author=music[1] or (creator.display_name or creator.handle),
        music_original=music[2],
        music_seconds=seconds if music[2] else rng.randint(30, 240),
        tags=typed.tags,
        width=1080 if portrait else 1920,
        height=1920 if portrait else 1080,
        bitrate=rng.randint(600_000, 3_000_000),
        codec=rng.choice(["h264", "h265"]),
        language=rng.choice(["en", "en", "es", "ko", "ja", "ar"]),
        region=rng.choice(["US", "GB", "KR", "JP", "BR", "DE"]),
        mentions=typed.mentions,
        challenges=captions.challenges(typed.tags, own),
        has_music=own.random() >= 0.07,
    )
    creator.videos[video_id] = video
    return video


class Dataset:
    """A named, seeded set of creators; the emulator's world starts from one."""

    def __init__(self, creators: Dict[str, Creator], seed: int, anchor: datetime = ANCHOR) -> None:
        self.creators = creators
        self.seed = seed
        self.anchor = anchor

    @classmethod
    def from_specs(cls, specs: list[CreatorSpec], seed: int = 7, anchor: datetime = ANCHOR) -> Dataset:
        return cls({s.handle: make_creator(s, seed, anchor) for s in specs}, seed, anchor)

    @classmethod
    def demo(cls, seed: int = 7, anchor: datetime = ANCHOR) -> Dataset:
        """The handles the connector's tests and sample configs name."""
        return cls.from_specs(DEMO, seed, anchor)

    @classmethod
    def generate(cls, n_handles: int, videos_per_handle: int, seed: int = 7, anchor: datetime = ANCHOR) -> Dataset:
        """Benchmark worlds: handles gen.h0000.. with the same number of videos each."""
        specs = [CreatorSpec(f"gen.h{i:04d}", videos_per_handle, min_gap_hours=2, max_gap_hours=30) for i in range(n_handles)]
        return cls.from_specs(specs, seed, anchor)

    @classmethod
    def load(cls, name: str, seed: int = 7, anchor: datetime = ANCHOR) -> Dataset:
        """`demo`, `empty`, or `gen:HANDLESxVIDEOS` (e.g. `gen:64x90`)."""
        if name == "demo":
            return cls.demo(seed, anchor)
        if name == "empty":
            return cls({}, seed, anchor)
        match = re.fullmatch(r"gen:(\d+)x(\d+)", name)
        if match:
            return cls.generate(int(match.group(1)), int(match.group(2)), seed, anchor)
        raise ValueError(f"unknown dataset {name!r}: use demo, empty or gen:HANDLESxVIDEOS")
