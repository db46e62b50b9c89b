"""The Emulator: one object that owns the world, the accounts, the faults and the request log, and
serves them over HTTP on loopback. Tests drive it in-process; other processes use the admin routes."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any, Dict, List, Optional, Union

from socialfetch_emulator import render
from socialfetch_emulator.accounts import Accounts
from socialfetch_emulator.admin import handle_admin
from socialfetch_emulator.api import Api, Settings
from socialfetch_emulator.cursors import CursorCodec
from socialfetch_emulator.dataset import ANCHOR, Dataset
from socialfetch_emulator.envelopes import RequestIds
from socialfetch_emulator.faults import Fault, FaultBook
from socialfetch_emulator.model import FOUND, NOT_FOUND, PRIVATE
from socialfetch_emulator.paging import LATEST
from socialfetch_emulator.requests_log import RequestLog, ServedRequest
from socialfetch_emulator.server import EmulatorServer
from socialfetch_emulator.world import AHEAD, MAX_PINNED, Takedown, World, handle_key

HOST = "127.0.0.1"


class Emulator:
    def __init__(
        self, dataset: Union[str, Dataset] = "demo", api_key: str = "sfk_demo", credits: int = 1_000_000,
        latency_ms: int = 0, seed: int = 7, page_size: int = 30, port: int = 0, anchor: datetime = ANCHOR,
        now: Optional[datetime] = None, lookup_latency_ms: int = 0,
    ) -> None:
        """`now` sets the clock (default: the dataset's anchor, where its histories end);
        `lookup_latency_ms` delays each videos call that has neither cursor nor userId."""
        if page_size <= MAX_PINNED:
            raise ValueError(f"page_size must exceed {MAX_PINNED}: page 1 carries the pinned videos too")
        data = dataset if isinstance(dataset, Dataset) else Dataset.load(dataset, seed, anchor)
        self.api_key = api_key
        self.port = port
        self.world = World(data, now)
        self.accounts = Accounts(api_key, credits)
        self.fault_book = FaultBook()
        self.log = RequestLog()
        self.settings = Settings(page_size=page_size, latency_ms=latency_ms, lookup_latency_ms=lookup_latency_ms)
        self.stopping = threading.Event()
        self.api = Api(self.world, self.accounts, self.fault_book, CursorCodec(str(seed)), RequestIds(seed),
                       self.settings, self.stopping)
        self._server: Optional[EmulatorServer] = None
        self._thread: Optional[threading.Thread] = None

    # --- life cycle ----------------------------------------------------------------------------
    def start(self) -> Emulator:
        """Bind 127.0.0.1 (an ephemeral port unless one was given) and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._server = EmulatorServer((HOST, self.port), self.api.serve,
                                      lambda method, path, body: handle_admin(self, method, path, body),
                                      self.log, self.stopping)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"socialfetch-emulator-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; held (timeout) and sleeping requests are released at once."""
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # --- the clock -----------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        """The emulator's current instant (UTC): what is listed and the counts served depend on it."""
        return self.world.now

    @property
    def anchor(self) -> datetime:
        """Where the dataset's histories end; the clock starts here unless `now` was given."""
        return self.world.anchor

    def advance(self, days: float) -> datetime:
        """Move the clock `days` (>= 0, fractions allowed) forward; returns the new instant."""
        return self.world.advance(days)

    # --- the world -----------------------------------------------------------------------------
    def handles(self) -> List[str]:
        return self.world.handles()

    def videos(self, handle: str, sort: Optional[str] = LATEST) -> List[dict]:
        """Exactly what a full read would return now, in API order (None: the order when sortBy is omitted)."""
        return self.world.videos(handle, sort)

    def stats(self, handle: str) -> Dict[str, Dict[str, int]]:
        """Video id -> `stats` served at the clock, for every listed video: the ground truth of a
        handle's counts, without rendering (cheap for a benchmark's "true total views")."""
        return self.world.stats(handle)

    def video(self, handle: str, video_id: str) -> Optional[dict]:
        return self.world.video(handle, video_id)

    def written(self, handle: str) -> Dict[str, Dict[str, Any]]:
        """Video id -> its caption, tags and mentions as typed, challenge titles, music or not (World.written)."""
        return self.world.written(handle)

    def add_handle(self, handle: str, n_videos: int, *, pinned: int = 0, private: bool = False, ads: int = 0,
                   null_created: int = 0, seed: Optional[int] = None) -> None:
        """A new creator with `n_videos` videos in all, `pinned` of them pinned (and older than the rest)."""
        self.world.add_handle(handle, n_videos, pinned=pinned, private=private, ads=ads, null_created=null_created, seed=seed)

    def publish(self, handle: str, count: int = 1) -> List[dict]:
        """`count` new videos, newer than every listed one and not after the clock (World.publish)."""
        return self.world.publish(handle, count)

    def change_stats(self, handle: str, count: Optional[int] = None) -> List[str]:
        return self.world.change_stats(handle, count)

    def delete_video(self, handle: str, video_id: str) -> None:
        self.world.delete_video(handle, video_id)

    def delete_videos(self, handle: str, count: int = 1, which: str = "random", seed: int = 0) -> List[str]:
        """Delete `count` listed, unpinned videos: `recent`, `old` or `random` (seeded) ones; their ids."""
        return self.world.delete_videos(handle, count, which, seed)

    def take_down_during_read(self, handle: str, after_pages: int = 1, where: str = AHEAD,
                              video_id: Optional[str] = None) -> Takedown:
        """Take a video down between two page requests of the handle's next read: right after its
        `after_pages`-th page is served, the first video of the next page (`ahead`), the last one
        just served (`behind`), or `video_id`. Under `latest` the cursor is positional, so the read
        goes on without a gap or a repeat; under `popular` it is an offset, so a takedown behind
        shifts the list and the read skips the video that moved onto the page already served."""
        return self.world.arm_takedown(handle, after_pages, where, video_id)

    @property
    def takedowns(self) -> List[Takedown]:
        return self.world.takedowns()

    def pin(self, handle: str, video_id: str) -> None:
        self.world.set_pinned(handle, video_id, True)

    def unpin(self, handle: str, video_id: str) -> None:
        self.world.set_pinned(handle, video_id, False)

    def set_private(self, handle: str, private: bool = True) -> None:
        self.world.set_status(handle, PRIVATE if private else FOUND)

    def set_not_found(self, handle: str) -> None:
        if self.world.creator(handle) is not None:
            self.world.set_status(handle, NOT_FOUND)

    def set_found(self, handle: str) -> None:
        """A private or vanished profile is back, with the videos it had."""
        self.world.set_status(handle, FOUND)

    # --- the truth ----------------------------------------------------------------------------
    @property
    def tick(self) -> int:
        """The world's change counter; every served request records the tick its answer reflects."""
        return self.world.tick

    def listed(self, handle: str, tick: Optional[int] = None) -> List[dict]:
        """What the videos route listed for the handle at `tick` (now if None), in `latest` order:
        `id`, `createdAt` as served, `pinned`. A private or unknown handle listed nothing."""
        return [render.listed(f) for f in self.world.listed_at(handle, tick)]

    def listed_throughout(self, handle: str, first_tick: int, last_tick: int) -> List[dict]:
        """The videos listed at every tick from `first_tick` to `last_tick` (a read's first and last
        page): those a read over that span must have met."""
        return [render.listed(f) for f in self.world.listed_throughout(handle, first_tick, last_tick)]

    # --- keys and credits ----------------------------------------------------------------------
    def balance(self, api_key: Optional[str] = None) -> int:
        return self.accounts.balance(api_key)

    def set_balance(self, n: int, api_key: Optional[str] = None) -> None:
        self.accounts.set_balance(n, api_key)

    def revoke_key(self, key: str) -> None:
        self.accounts.revoke(key)

    def add_key(self, key: str, credits: int) -> None:
        self.accounts.add(key, credits)

    def set_latency(self, ms: int, handle: Optional[str] = None) -> None:
        """Delay every metered call (or only those for `handle`) by `ms`."""
        if handle is None:
            self.settings.latency_ms = ms
        else:
            self.settings.handle_latency_ms[handle_key(handle)] = ms

    def set_lookup_latency(self, ms: int) -> None:
        """Delay by `ms` each videos call that has neither cursor nor userId (the API resolves the handle)."""
        if ms < 0:
            raise ValueError("lookup latency must be >= 0 ms")
        self.settings.lookup_latency_ms = ms

    @property
    def lookup_latency_ms(self) -> int:
        return self.settings.lookup_latency_ms

    # --- faults --------------------------------------------------------------------------------
    def inject(self, kind: str, *, route: str = "videos", handle: Optional[str] = None, times: Optional[int] = 1,
               skip: int = 0, probability: Optional[float] = None, seed: int = 0, retry_after: Optional[float] = None,
               delay_ms: Optional[int] = None) -> Fault:
        return self.fault_book.add(Fault(kind, route=route, handle=handle, times=times, skip=skip, probability=probability,
                                         seed=seed, retry_after=retry_after, delay_ms=delay_ms))

    def clear_faults(self) -> None:
        self.fault_book.clear()

    @property
    def faults(self) -> List[Fault]:
        return self.fault_book.all()

    # --- the request log -----------------------------------------------------------------------
    @property
    def requests(self) -> List[ServedRequest]:
        return self.log.all()

    def clear_requests(self) -> None:
        self.log.clear()

    def credits_charged(self) -> int:
        return self.log.credits()
