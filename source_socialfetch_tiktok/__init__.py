"""Airbyte source for the videos and profiles of TikTok handles, from the Social Fetch API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .source import SourceSocialfetchTiktok

__all__ = ["SourceSocialfetchTiktok"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the console script (run.py) blocks the cancel signals before the CDK's
    # imports, which this package's import would otherwise run first (about a second).
    if name == "SourceSocialfetchTiktok":
        from .source import SourceSocialfetchTiktok

        return SourceSocialfetchTiktok
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
