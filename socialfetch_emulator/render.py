"""Turns the world's records into the documented JSON shapes (the seed page's field list)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Tuple, Union

from socialfetch_emulator.history import Fact
from socialfetch_emulator.model import NOT_FOUND, PRIVATE, STYLE_OFFSET, STYLE_Z, Creator, Video


def created_at(video: Union[Video, Fact]) -> Optional[str]:
    """The instant in the video's own ISO-8601 spelling, or None when TikTok did not say."""
    if video.created_style is None:
        return None
    moment = datetime.fromtimestamp(video.instant_ms / 1000, tz=timezone.utc)
    if video.created_style == STYLE_Z:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if video.created_style == STYLE_OFFSET:
        return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{video.instant_ms % 1000:03d}Z"


def listed(fact: Fact) -> Dict[str, Any]:
    """A video as the truth reports it: its id, its createdAt as served, and whether it was pinned."""
    return {"id": fact.id, "createdAt": created_at(fact), "pinned": fact.pinned}


def _token(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:32]


def avatar(creator: Creator, size: str) -> str:
    return f"https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/{_token(creator.sec_uid, size)}~c5_{size}.jpeg"


def video(creator: Creator, v: Video, trim: bool = False) -> Dict[str, Any]:
    """One `data.videos[]` item; `trim` drops the optional `details`."""
    token = _token(creator.handle, v.id)
    cover = f"https://p16-sign-va.tiktokcdn.com/obj/tos-maliva-p-0068/{token}.jpeg?x-expires=1793491200"
    item: Dict[str, Any] = {
        "id": v.id,
        "caption": v.caption,
        "createdAt": created_at(v),
        "url": f"https://www.tiktok.com/@{creator.handle}/video/{v.id}" if v.has_urls else None,
        "thumbnailUrl": cover if v.has_urls else None,
        "durationMs": v.duration_ms,
        "pinned": v.pinned,
        "isAd": v.is_ad,
        "stats": {"views": v.views, "likes": v.likes, "comments": v.comments, "shares": v.shares, "saves": v.saves},
        "media": {
            "downloadUrl": f"https://v16-webapp-prime.tiktok.com/video/tos/{token}/wm.mp4" if v.has_urls else None,
            "downloadWithoutWatermarkUrl": (
                f"https://v16-webapp-prime.tiktok.com/video/tos/{token}/nwm.mp4" if v.has_urls and not v.is_ad else None
            ),
        },
    }
    if not trim:
        item["details"] = details(creator, v, cover if v.has_urls else None)
    return item


def details(creator: Creator, v: Video, cover: Optional[str]) -> Dict[str, Any]:
    """TikTok-native fields, including two keys the docs do not list (clients must keep unknown keys)."""
    seconds = round(v.duration_ms / 1000) if v.duration_ms is not None else 0
    body: Dict[str, Any] = {
        "author": {
            "id": creator.user_id,
            "uniqueId": creator.handle,
            "nickname": creator.display_name,
            "verified": creator.verified,
            "secUid": creator.sec_uid,
            "privateAccount": creator.status == PRIVATE,
            "avatarThumb": avatar(creator, "100x100") if creator.has_avatar else None,
        },
    }
    if v.has_music:
        body["music"] = {
            "id": v.music_id,
            "title": v.music_title,
            "authorName": v.music_author,
            "original": v.music_original,
            "durationSec": v.music_seconds,
        }
    if v.challenges is not None:
        body["challenges"] = [{"id": str(int(_token(tag.lower())[:15], 16)), "title": tag} for tag in v.challenges]
    body.update({
        "video": {
            "width": v.width,
            "height": v.height,
            "ratio": "1080p" if max(v.width, v.height) >= 1920 else "720p",
            "format": "mp4",
            "duration": seconds,
            "bitrate": v.bitrate,
            "codecType": v.codec,
            "definition": "1080p",
            "cover": cover,
        },
        "statistics": {
            "playCount": v.views,
            "diggCount": v.likes,
            "commentCount": v.comments,
            "shareCount": v.shares,
            "collectCount": v.saves,
        },
        "textLanguage": v.language,
        "locationCreated": v.region,
    })
    return body


def profile(creator: Optional[Creator], totals: Optional[Tuple[int, int]] = None) -> Dict[str, Any]:
    """The profile route's `data`: lookupStatus, profile and metrics; `totals` are (posts, likes)
    of the videos listed at the clock (all videos and their stored likes when None)."""
    if creator is None or creator.status == NOT_FOUND:
        return {"lookupStatus": NOT_FOUND, "profile": None, "metrics": None}
    body: Dict[str, Any] = {
        "platform": "tiktok",
        "handle": creator.handle,
        "displayName": creator.display_name,
        "bio": creator.bio,
        "avatarUrl": avatar(creator, "720x720") if creator.has_avatar else None,
        "verified": creator.verified,
        "profileUrl": f"https://www.tiktok.com/@{creator.handle}",
        "privateAccount": creator.status == PRIVATE,
        "platformUserId": creator.user_id,
        "secUid": creator.sec_uid,
        "accountCreatedAt": creator.account_created_at,
    }
    if creator.has_avatar:
        body["avatarUrls"] = {size: avatar(creator, px) for size, px in
                              (("large", "1080x1080"), ("medium", "720x720"), ("thumb", "100x100"))}
    if creator.bio_link:
        body["bioLink"] = {"url": creator.bio_link, "risk": 0}
    posts, likes = totals if totals is not None else (len(creator.videos), sum(v.likes for v in creator.videos.values()))
    metrics = {
        "followers": creator.followers,
        "following": creator.following,
        "likes": creator.base_likes + likes,
        "posts": posts,
    }
    return {"lookupStatus": creator.status, "profile": body, "metrics": metrics}
