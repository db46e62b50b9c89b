"""The emulator's mutable world: creators and videos behind one lock, with the changes a test
makes between two syncs (publish, new stats, delete, pin, private, gone) or that happen during a
read (a takedown between two pages), and its clock: what is listed and the counts served depend
on the current instant (see growth.py). Every change is journaled (history.py), so the world can
say what a handle listed at any past tick."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence

from socialfetch_emulator import growth, render
from socialfetch_emulator.dataset import DAY_MS, HOUR_MS, CreatorSpec, Dataset, add_video, anchor_ms, make_creator
from socialfetch_emulator.history import ADDED, CLOCK, CREATOR, PINNED, REMOVED, STATUS, Fact, Journal, Listing
from socialfetch_emulator.model import FOUND, NOT_FOUND, PRIVATE, Creator, Video
from socialfetch_emulator.paging import DEFAULT, LATEST, POPULAR, LatestOrder

MAX_PINNED = 3
AHEAD, BEHIND = "ahead", "behind"  # where a takedown during a read strikes (see arm_takedown)
DELETE_CHOICES = ("recent", "old", "random")


def handle_key(handle: str) -> str:
    """Handles are case-insensitive and may carry one leading `@`."""
    return (handle[1:] if handle.startswith("@") else handle).lower()


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def instant(ms: int) -> datetime:
    """Exact (no float rounding of the milliseconds)."""
    return EPOCH + timedelta(milliseconds=ms)


def fact(video: Video) -> Fact:
    return Fact(video.id, video.instant_ms, video.created_style, video.pinned)


@dataclass
class Takedown:
    """A video taken down while a read of its handle is in progress: right after the handle's
    `after_pages`-th videos page (counted from arming) is served, before the next is asked."""

    handle: str
    after_pages: int
    where: str  # AHEAD: the first video of the next page; BEHIND: the last regular one just served
    video_id: Optional[str] = None  # this video instead
    pages_seen: int = 0
    taken: Optional[str] = None  # the id taken down, once fired
    tick: Optional[int] = None  # the journal's tick of the deletion (None: not fired, or nothing to take)
    fired: bool = False

    def to_dict(self) -> Dict[str, Any]:
        return {"handle": self.handle, "after_pages": self.after_pages, "where": self.where, "video_id": self.video_id,
                "pages_seen": self.pages_seen, "taken": self.taken, "tick": self.tick, "fired": self.fired}


class World:
    def __init__(self, dataset: Dataset, now: Optional[datetime] = None) -> None:
        self.lock = threading.RLock()
        self.seed = dataset.seed
        self.anchor = dataset.anchor
        self.now_ms = anchor_ms(dataset.anchor if now is None else now)
        self._creators: Dict[str, Creator] = {handle_key(h): c for h, c in dataset.creators.items()}
        self._orders: Dict[tuple[str, str], tuple[int, int, Any]] = {}
        self.journal = Journal()
        self._takedowns: List[Takedown] = []

    # --- the clock -----------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return instant(self.now_ms)

    def advance(self, days: float) -> datetime:
        """Move the clock forward: videos age (their counts grow) and any created in between appear."""
        if not days >= 0:  # NaN too
            raise ValueError("the clock only moves forward: days must be >= 0")
        with self.lock:
            if days > 0:
                self.journal.record(None, CLOCK, self.now_ms)
            self.now_ms += round(days * DAY_MS)
            return self.now

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

    def listed(self, creator: Creator) -> list[Video]:
        """The videos created at or before the clock: later ones do not exist yet."""
        now = self.now_ms
        return [v for v in creator.videos.values() if v.instant_ms <= now]

    def totals(self, creator: Creator) -> tuple[int, int]:
        """(posts, likes) of the listed videos at the clock, for the profile's metrics."""
        listed = self.listed(creator)
        now = self.now_ms
        return len(listed), sum(growth.grown(v.likes, now - v.instant_ms) for v in listed)

    def order(self, creator: Creator, sort: str) -> Any:
        """LatestOrder for `latest`, else the ordered list; cached until the creator or the clock changes."""
        cache_key = (creator.handle, sort)
        cached = self._orders.get(cache_key)
        if cached and cached[0] == creator.version and cached[1] == self.now_ms:
            return cached[2]
        videos = self.listed(creator)
        built: Any
        if sort == LATEST:
            built = LatestOrder.of(videos)
        elif sort == POPULAR:
            now = self.now_ms
            built = sorted(videos, key=lambda v: (growth.grown(v.views, now - v.instant_ms), int(v.id)), reverse=True)
        else:
            built = sorted(videos, key=lambda v: int(v.id))
            random.Random(f"{creator.seed}:{DEFAULT}").shuffle(built)
        self._orders[cache_key] = (creator.version, self.now_ms, built)
        return built

    def ordered(self, handle: str, sort: Optional[str] = LATEST) -> list[Video]:
        creator = self.visible(handle)
        if creator is None:
            return []
        built = self.order(creator, sort or DEFAULT)
        return built.all() if isinstance(built, LatestOrder) else list(built)

    def videos(self, handle: str, sort: Optional[str] = LATEST) -> list[dict]:
        """Every listed video as served at the clock, in API order."""
        with self.lock:
            creator = self.visible(handle)
            now = self.now_ms
            return [render.video(creator, growth.at(v, now)) for v in self.ordered(handle, sort)] if creator else []

    def video(self, handle: str, video_id: str) -> Optional[dict]:
        with self.lock:
            creator = self.visible(handle)
            found = creator.videos.get(video_id) if creator else None
            if creator is None or found is None or found.instant_ms > self.now_ms:
                return None
            return render.video(creator, growth.at(found, self.now_ms))

    def stats(self, handle: str) -> Dict[str, Dict[str, int]]:
        """Ground truth without rendering: video id -> the `stats` served at the clock, for every
        listed video of a visible handle (cheap enough for a benchmark's "true total views")."""
        with self.lock:
            creator = self.visible(handle)
            now = self.now_ms
            return {v.id: growth.stats(v, now) for v in self.listed(creator)} if creator else {}

    def written(self, handle: str) -> Dict[str, Dict[str, Any]]:
        """Video id -> what its creator typed and TikTok attached: caption, tags and mentions as
        typed, challenge titles (None: no `challenges` key), whether `details` has music. Every
        stored video, listed or not: the truth a client's parsed fields are checked against."""
        with self.lock:
            creator = self._existing(handle)
            return {v.id: {"caption": v.caption, "tags": list(v.tags), "mentions": list(v.mentions),
                           "challenges": None if v.challenges is None else list(v.challenges),
                           "music": v.has_music} for v in creator.videos.values()}

    # --- the truth at any tick ----------------------------------------------------------------
    @property
    def tick(self) -> int:
        """The journal's tick: how many changes the world has seen (served requests carry it)."""
        return self.journal.tick

    def listing(self, handle: str, tick: Optional[int] = None) -> Listing:
        """The handle's state at `tick` (now if None): the current state with every later change undone."""
        key = handle_key(handle)
        with self.lock:
            creator = self._creators.get(key)
            status = creator.status if creator is not None else NOT_FOUND
            facts = {v.id: fact(v) for v in creator.videos.values()} if creator is not None else {}
            now = self.now_ms
            for event in self.journal.after(self.journal.tick if tick is None else tick):
                if event.kind == CLOCK:
                    now = event.before
                elif event.handle != key:
                    continue
                elif event.kind == STATUS:
                    status = event.before
                elif event.kind == ADDED:
                    for video_id in event.before:
                        facts.pop(video_id, None)
                elif event.kind == REMOVED:
                    facts[event.before.id] = event.before
                elif event.kind == PINNED and event.before[0] in facts:
                    facts[event.before[0]] = replace(facts[event.before[0]], pinned=event.before[1])
                elif event.kind == CREATOR:
                    facts, status = (dict(event.before[0]), event.before[1]) if event.before else ({}, NOT_FOUND)
            return Listing(status, now, facts)

    def listed_at(self, handle: str, tick: Optional[int] = None) -> List[Fact]:
        """What the videos route listed for the handle at `tick`, in `latest` order."""
        return self.listing(handle, tick).listed(FOUND)

    def listed_throughout(self, handle: str, first: int, last: int) -> List[Fact]:
        """The videos listed at every tick from `first` to `last`: what a read whose pages were
        served between those ticks could not miss without a fault of its own."""
        kept = self.listed_at(handle, first)
        for tick in self.journal.touching(handle_key(handle), first, last):
            ids = {f.id for f in self.listed_at(handle, tick)}
            kept = [f for f in kept if f.id in ids]
        return kept

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
        """A new creator with `n_videos` videos in all (`pinned` of them pinned), its history ending
        just before the clock (as the datasets' end just before their anchor)."""
        if not 1 <= len(handle) <= 64 or "/" in handle:
            raise ValueError("a handle has 1 to 64 characters and no '/'")
        if pinned > MAX_PINNED:
            raise ValueError(f"TikTok pins at most {MAX_PINNED} videos")
        spec = CreatorSpec(handle_key(handle), n_videos, pinned=pinned, private=private, ads=ads, null_created=null_created)
        with self.lock:
            old = self._creators.get(spec.handle)
            self.journal.record(spec.handle, CREATOR,
                                ({v.id: fact(v) for v in old.videos.values()}, old.status) if old is not None else None)
            self._creators[spec.handle] = make_creator(spec, self.seed if seed is None else seed, self.now)
            self._orders = {k: v for k, v in self._orders.items() if k[0] != spec.handle}

    def publish(self, handle: str, count: int = 1) -> list[dict]:
        """New videos, each newer than every listed one of the handle (pinned or not) and none after
        the clock; see `publish_instants` for where they land."""
        with self.lock:
            creator = self._existing(handle)
            rngs = [random.Random(f"{creator.seed}:publish:{creator.published + i}") for i in range(count)]
            creator.published += count
            steps = [rng.randint(HOUR_MS // 6, 6 * HOUR_MS) for rng in rngs]
            newest = max((v.instant_ms for v in self.listed(creator)), default=self.now_ms - DAY_MS)
            made = [add_video(creator, rng, at, n=len(creator.videos), theme=creator.theme, unicode=creator.unicode)
                    for rng, at in zip(rngs, publish_instants(newest, self.now_ms, steps), strict=True)]
            self._changed(creator)
            self.journal.record(creator.handle, ADDED, [v.id for v in made])
            now = self.now_ms
            return [render.video(creator, growth.at(v, now)) for v in made]

    def change_stats(self, handle: str, count: Optional[int] = None) -> list[str]:
        """Raise every final counter of the `count` newest listed videos (all if None), as views keep
        coming; what is served grows in proportion (growth.py)."""
        with self.lock:
            creator = self._existing(handle)
            newest: Sequence[Video] = sorted(self.listed(creator), key=lambda v: v.order_key, reverse=True)
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

    def delete_video(self, handle: str, video_id: str) -> int:
        """Remove one video (deleted by its creator, or taken down); returns the journal's tick."""
        with self.lock:
            creator = self._existing(handle)
            gone = creator.videos.pop(video_id, None)
            if gone is None:
                raise KeyError(f"{handle!r} has no video {video_id!r}")
            self._changed(creator)
            return self.journal.record(creator.handle, REMOVED, fact(gone))

    def delete_videos(self, handle: str, count: int = 1, which: str = "random", seed: int = 0) -> list[str]:
        """Delete `count` listed, unpinned videos: the `recent` ones (newest), the `old` ones, or
        `random` ones (seeded); returns their ids, newest first."""
        if which not in DELETE_CHOICES:
            raise ValueError(f"which must be one of {', '.join(DELETE_CHOICES)}")
        if count < 0:
            raise ValueError("count must be >= 0")
        with self.lock:
            creator = self._existing(handle)
            regular = sorted((v for v in self.listed(creator) if not v.pinned), key=lambda v: v.order_key, reverse=True)
            if which == "recent":
                chosen = regular[:count]
            elif which == "old":
                chosen = regular[len(regular) - min(count, len(regular)):]
            else:
                picked = {v.id for v in random.Random(f"{creator.seed}:delete:{seed}").sample(regular, min(count, len(regular)))}
                chosen = [v for v in regular if v.id in picked]
            for video in chosen:
                self.delete_video(handle, video.id)
            return [v.id for v in chosen]

    def arm_takedown(self, handle: str, after_pages: int = 1, where: str = AHEAD, video_id: Optional[str] = None) -> Takedown:
        """Take a video down during the handle's next read, between two of its page requests."""
        if after_pages < 1 or where not in (AHEAD, BEHIND):
            raise ValueError(f"after_pages must be >= 1 and where {AHEAD} or {BEHIND}")
        with self.lock:
            self._existing(handle)
            armed = Takedown(handle_key(handle), after_pages, where, video_id)
            self._takedowns.append(armed)
            return armed

    def takedowns(self) -> list[Takedown]:
        with self.lock:
            return list(self._takedowns)

    def waiting_takedown(self, key: str) -> bool:
        return any(t.handle == key and not t.fired for t in self._takedowns)

    def page_served(self, key: str, served: Sequence[Video], ahead: Optional[Video]) -> None:
        """Called under the lock once a videos page of the handle is built: fire the takedowns due
        after it. The page already served keeps what it had; the next page sees the change."""
        for armed in self._takedowns:
            if armed.handle != key or armed.fired:
                continue
            armed.pages_seen += 1
            if armed.pages_seen < armed.after_pages:
                continue
            armed.fired = True
            regular = [v for v in served if not v.pinned]
            victim = armed.video_id or (ahead.id if armed.where == AHEAD and ahead is not None
                                        else regular[-1].id if armed.where == BEHIND and regular else None)
            creator = self._creators.get(key)
            if victim is not None and creator is not None and victim in creator.videos:
                armed.taken, armed.tick = victim, self.delete_video(key, victim)

    def set_pinned(self, handle: str, video_id: str, pinned: bool) -> None:
        with self.lock:
            creator = self._existing(handle)
            video = creator.videos.get(video_id)
            if video is None:
                raise KeyError(f"{handle!r} has no video {video_id!r}")
            if pinned and not video.pinned and sum(v.pinned for v in creator.videos.values()) >= MAX_PINNED:
                raise ValueError(f"TikTok pins at most {MAX_PINNED} videos")
            if video.pinned != pinned:
                self.journal.record(creator.handle, PINNED, (video.id, video.pinned))
            video.pinned = pinned
            self._changed(creator)

    def set_status(self, handle: str, status: str) -> None:
        if status not in (FOUND, PRIVATE, NOT_FOUND):
            raise ValueError(status)
        with self.lock:
            creator = self._existing(handle)
            if creator.status != status:
                self.journal.record(creator.handle, STATUS, creator.status)
            creator.status = status
            self._changed(creator)


def publish_instants(newest: int, now: int, steps: Sequence[int]) -> list[int]:
    """Where `len(steps)` new videos land, oldest first, given the newest listed video and the clock
    (ms). Each step (10 min to 6 h) is the gap before one video, as before the clock existed:
    - the block fits between the newest video and the clock, and the clock is within one step of its
      end: today's placement, newest + the steps;
    - the clock has moved further: the same block, shifted to end one step before the clock (new
      videos are recent, "spread over the last hours before the clock");
    - no room for the block: the steps are scaled down to fit in the first half of the room between
      the newest video and the clock, on whole seconds, so each such publish halves the room (an
      hour's room takes about a dozen publishes). When fewer whole seconds than videos are left, the
      last ones share the clock's instant (ties in createdAt, order by id): advance the clock."""
    ends = [sum(steps[: i + 1]) for i in range(len(steps))]
    if not ends:
        return []
    total = ends[-1]
    if newest + total <= now:
        shift = max(0, now - steps[0] - (newest + total))
        return [newest + shift + end for end in ends]
    room = now - newest
    placed, previous = [], newest
    for end in ends:
        at = newest + room * end // (2 * total)
        at = max(at - at % 1000, previous - previous % 1000 + 1000)
        previous = min(at, now)
        placed.append(previous)
    return placed
