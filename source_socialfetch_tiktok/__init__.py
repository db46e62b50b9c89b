"""Airbyte source for the videos and profiles of TikTok handles, from the Social Fetch API."""

from .source import SourceSocialfetchTiktok

__all__ = ["SourceSocialfetchTiktok"]
