"""A small hand-written history of syncs, written into a warehouse the way the connector's streams
land: each sync adds video_stats snapshots and handle_reads parts, profiles are appended (the
Airbyte UI's Full refresh | Append) or merged (PyAirbyte's default), videos keep one row each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Optional, Tuple

from integration_tests.dbtkit.warehouses import Warehouse

STREAMS = ("videos", "video_stats", "handle_reads", "profiles")


@dataclass(frozen=True)
class Video:
    handle: str
    id: str
    created_at: Optional[datetime]
    hashtags: Tuple[str, ...] = ()
    caption: Optional[str] = "a caption"
    music: str = "m1"

    def record(self, views: int) -> Dict[str, Any]:
        return {"handle": self.handle, "id": self.id, "createdAt": self.created_at, "caption": self.caption,
                "url": f"https://www.tiktok.com/@{self.handle}/video/{self.id}", "durationMs": 15000,
                "pinned": False, "isAd": False, "stats": {"views": views, "likes": views // 10},
                "hashtags": list(self.hashtags), "mentions": [], "music": {"id": self.music, "title": "a sound",
                                                                     "authorName": "dj", "original": False}}


@dataclass
class Sync:
    """One sync: when it ran, what each handle's read listed and covered, and profile lookups."""

    sync_id: str
    at: datetime
    listed: Dict[str, Dict[Video, int]] = field(default_factory=dict)  # handle -> video -> views
    coverage: Dict[str, tuple[Optional[datetime], Optional[datetime]]] = field(default_factory=dict)  # (from, to)
    profiles: Dict[str, tuple[str, Optional[int]]] = field(default_factory=dict)  # handle -> (status, followers)

    def read(self, handle: str, videos: Dict[Video, int], covered_from: Optional[datetime],
             covered_to: Optional[datetime] = None) -> Sync:
        """A read of `handle` listing `videos` (with their views); coveredTo defaults to the sync's start."""
        self.listed[handle] = videos
        self.coverage[handle] = (covered_from, covered_to if covered_to is not None or not videos else self.at)
        return self

    def empty_read(self, handle: str) -> Sync:
        """A read that listed nothing (a private profile, a passing fault): it covers nothing."""
        self.listed[handle] = {}
        self.coverage[handle] = (None, None)
        return self

    def profile(self, handle: str, status: str, followers: Optional[int]) -> Sync:
        self.profiles[handle] = (status, followers)
        return self


def create_streams(warehouse: Warehouse, *, with_handle_reads: bool = True, pre_030: bool = False) -> None:
    for stream in STREAMS:
        if stream == "handle_reads" and not with_handle_reads:
            continue
        warehouse.create_stream(stream, pre_030=pre_030)


def write_sync(warehouse: Warehouse, sync: Sync, *, merge_profiles: bool = False, with_handle_reads: bool = True,
               extracted_at: Optional[datetime] = None, twice: bool = False, replace_facts: bool = False) -> None:
    """Land one sync as the loaders do: snapshots and reads appended, videos replaced by their latest.

    extracted_at: the records' _airbyte_extracted_at (default: the sync's start, as the connector's
    clock stamps them). twice: every record delivered twice (at-least-once delivery: exact
    duplicates). replace_facts: video_stats and handle_reads keep only this sync's records (an
    Overwrite, or a refresh that removes records)."""
    loaded_at = extracted_at or sync.at
    copies = 2 if twice else 1
    stats, reads, videos = [], [], []
    for handle, listed in sync.listed.items():
        read_id = f"{sync.sync_id}-{handle}"
        covered_from, covered_to = sync.coverage[handle]
        reads.append({"readId": read_id, "syncId": sync.sync_id, "handle": handle, "part": "incremental",
                      "startedAt": sync.at, "endedAt": sync.at, "pages": 1 if listed else 0, "videos": len(listed),
                      "outcome": "completed" if listed else "empty", "coveredFrom": covered_from, "coveredTo": covered_to})
        for video, views in listed.items():
            stats.append({"handle": handle, "id": video.id, "createdAt": video.created_at, "capturedAt": sync.at,
                          "views": views, "likes": views // 10, "comments": 1, "shares": 0, "saves": 0,
                          "readId": read_id})
            videos.append(video.record(views))
    if videos:
        ids = ", ".join(f"'{v['id']}'" for v in videos)
        warehouse.execute(f"DELETE FROM {warehouse.source_schema}.videos WHERE {warehouse.shape.column('id')} IN ({ids})")
    if replace_facts:
        warehouse.execute(f"DELETE FROM {warehouse.source_schema}.video_stats",
                          *([f"DELETE FROM {warehouse.source_schema}.handle_reads"] if with_handle_reads else []))
    for _ in range(copies):
        warehouse.insert("videos", videos, loaded_at)
        warehouse.insert("video_stats", stats, loaded_at)
        if with_handle_reads:
            warehouse.insert("handle_reads", reads, loaded_at)
    profiles = [{"handle": h, "lookupStatus": status, "profile": None,
                 "metrics": None if followers is None else {"followers": followers}}
                for h, (status, followers) in sync.profiles.items()]
    if merge_profiles:
        warehouse.merge_profiles(profiles, loaded_at)
    else:
        for _ in range(copies):
            warehouse.insert("profiles", profiles, loaded_at)
