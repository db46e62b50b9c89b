"""The emulator's mutable world: creators and videos behind one lock, with the changes a test
makes between two syncs (publish, new stats, delete, pin, private, gone)."""

from __future__ import annotations

import random
import threading
from typing import Any, Dict, Optional, Sequence

from integration_tests.emulator import render
from integration_tests.emulator.dataset import DAY_MS, HOUR_MS, CreatorSpec, Dataset, add_video, anchor_ms, make_creator
from integration_tests.emulator.model import FOUND, NOT_FOUND, PRIVATE, Creator, Video
from integration_tests.emulator.paging import DEFAULT, LATEST, POPULAR, LatestOrder

MAX_PINNED = 3


def handle_key(handle: str) -> str:
    """Handles are case-insensitive and may carry one leading `@`."""
    return (handle[1:] if handle.startswith("@") else handle).lower()


class World:
    def __init__(self, dataset: Dataset) -> None:
        self.lock = threading.RLock()
        self.seed = dataset.seed
        self.anchor = dataset.anchor
        self._creators: Dict[str, Creator] = {handle_key(h): c for h, c in dataset.creators.items()}
        self._orders: Dict[tuple[str, str], tuple[int, Any]] = {}

    # --- reading -------------------------------------------------------------------------------
    def creator(self, handle: str) -> Optional[Creator]:
        """The creator behind a handle, or None when unknown (a handle set not_found included)."""
        creator = self._creators.get(handle_key(handle))
        return None if creator is None or creator.status == NOT_FOUND else creator

    def visible(self, handle: str) -> Optional[Creator]:
        """The creator whose videos the API lists: found, not private."""
        creator = self.creator(handle)
        return creator if creator is not None and creator.status == FOUND else None

    def handles(self) -> list[str]:
        with self.lock:
            return sorted(c.handle for c in self._creators.values() if c.status != NOT_FOUND)

    def order(self, creator: Creator, sort: str) -> Any:
        """LatestOrder for `latest`, else the ordered list; cached until the creator changes."""
        cache_key = (creator.handle, sort)
        cached = self._orders.get(cache_key)
        if cached and cached[0] == creator.version:
            return cached[1]
        videos = list(creator.videos.values())
        built: Any
        if sort == LATEST:
            built = LatestOrder.of(videos)
        elif sort == POPULAR:
            built = sorted(videos, key=lambda v: (v.views, int(v.id)), reverse=True)
        else:
            built = sorted(videos, key=lambda v: int(v.id))
            random.Random(f"{creator.seed}:{DEFAULT}").shuffle(built)
        self._orders[cache_key] = (creator.version, built)
        return built

    def ordered(self, handle: str, sort: Optional[str] = LATEST) -> list[Video]:
        creator = self.visible(handle)
        if creator is None:
            return []
        built = self.order(creator, sort or DEFAULT)
        return built.all() if isinstance(built, LatestOrder) else list(built)

    def videos(self, handle: str, sort: Optional[str] = LATEST) -> list[dict]:
        with self.lock:
            creator = self.visible(handle)
            return [render.video(creator, v) for v in self.ordered(handle, sort)] if creator else []

    def video(self, handle: str, video_id: str) -> Optional[dict]:
        with self.lock:
            creator = self.visible(handle)
            found = creator.videos.get(video_id) if creator else None
            return render.video(creator, found) if creator and found else None

    # --- changing ------------------------------------------------------------------------------
    def _existing(self, handle: str) -> Creator:
        creator = self._creators.get(handle_key(handle))
        if creator is None:
            raise KeyError(f"no such handle in the emulator: {handle!r}")
        return creator

    def _changed(self, creator: Creator) -> None:
        creator.version += 1

    def add_handle(
        self, handle: str, n_videos: int, *, pinned: int = 0, private: bool = False, ads: int = 0,
        null_created: int = 0, seed: Optional[int] = None,
    ) -> None:
        """A new creator with `n_videos` videos in all (`pinned` of them pinned)."""
        if not 1 <= len(handle) <= 64 or "/" in handle:
            raise ValueError("a handle has 1 to 64 characters and no '/'")
        if pinned > MAX_PINNED:
            raise ValueError(f"TikTok pins at most {MAX_PINNED} videos")
        spec = CreatorSpec(handle_key(handle), n_videos, pinned=pinned, private=private, ads=ads, null_created=null_created)
        with self.lock:
            self._creators[spec.handle] = make_creator(spec, self.seed if seed is None else seed, self.anchor)
            self._orders = {k: v for k, v in self._orders.items() if k[0] != spec.handle}

    def publish(self, handle: str, count: int = 1) -> list[dict]:
        """New videos, each newer than every existing one of the handle (pinned or not)."""
        with self.lock:
            creator = self._existing(handle)
            made = []
            for _ in range(count):
                rng = random.Random(f"{creator.seed}:publish:{creator.published}")
                creator.published += 1
                newest = max((v.instant_ms for v in creator.videos.values()), default=anchor_ms(self.anchor) - DAY_MS)
                instant = newest + rng.randint(HOUR_MS // 6, 6 * HOUR_MS)
                made.append(add_video(creator, rng, instant, n=len(creator.videos), theme=creator.theme, unicode=creator.unicode))
            self._changed(creator)
            return [render.video(creator, v) for v in made]

    def change_stats(self, handle: str, count: Optional[int] = None) -> list[str]:
        """Raise every counter of the `count` newest videos (all if None), as views keep coming."""
        with self.lock:
            creator = self._existing(handle)
            newest: Sequence[Video] = sorted(creator.videos.values(), key=lambda v: v.order_key, reverse=True)
            chosen = newest if count is None else newest[:count]
            rng = random.Random(f"{creator.seed}:stats:{creator.version}")
            for v in chosen:
                v.views += rng.randint(100, 50_000)
                v.likes += rng.randint(10, 5_000)
                v.comments += rng.randint(1, 200)
                v.shares += rng.randint(1, 100)
                v.saves += rng.randint(1, 300)
            self._changed(creator)
            return [v.id for v in chosen]

    def delete_video(self, handle: str, video_id: str) -> None:
        with self.lock:
            creator = self._existing(handle)
            if creator.videos.pop(video_id, None) is None:
                raise KeyError(f"{handle!r} has no video {video_id!r}")
            self._changed(creator)

    def set_pinned(self, handle: str, video_id: str, pinned: bool) -> None:
        with self.lock:
            creator = self._existing(handle)
            video = creator.videos.get(video_id)
            if video is None:
                raise KeyError(f"{handle!r} has no video {video_id!r}")
            if pinned and not video.pinned and sum(v.pinned for v in creator.videos.values()) >= MAX_PINNED:
                raise ValueError(f"TikTok pins at most {MAX_PINNED} videos")
            video.pinned = pinned
            self._changed(creator)

    def set_status(self, handle: str, status: str) -> None:
        if status not in (FOUND, PRIVATE, NOT_FOUND):
            raise ValueError(status)
        with self.lock:
            creator = self._existing(handle)
            creator.status = status
            self._changed(creator)
