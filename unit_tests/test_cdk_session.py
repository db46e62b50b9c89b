"""The streams' one session: each part sends through a CDK `HttpClient` of its own, which takes
the stream's session publicly (`HttpStream` takes none), so its pool and environment are ours."""

from __future__ import annotations

import inspect
import logging

import requests
from airbyte_cdk.sources.streams.http.http_client import HttpClient

from source_socialfetch_tiktok.config import parse_config
from source_socialfetch_tiktok.read.budget import CreditBudget
from source_socialfetch_tiktok.read.sync_run import SyncRun
from source_socialfetch_tiktok.state.store import VideosStateStore
from source_socialfetch_tiktok.streams import Videos
from unit_tests.conftest import raw_config


def test_http_client_takes_a_session_so_no_private_route_is_needed() -> None:
    assert "session" in inspect.signature(HttpClient.__init__).parameters


def test_the_streams_session_holds_our_pool_and_settled_environment() -> None:
    config = parse_config(raw_config(base_url="http://127.0.0.1:9", concurrency=24))
    run = SyncRun(logging.getLogger("test"), CreditBudget(None))
    videos = Videos(config, run, VideosStateStore({}, [], config.handles), incremental=True)
    session = videos.session
    assert isinstance(session, requests.Session)
    adapter = session.get_adapter("http://127.0.0.1:9/v1/")
    assert adapter._pool_maxsize == 24  # type: ignore[attr-defined]
    assert session.trust_env is False
