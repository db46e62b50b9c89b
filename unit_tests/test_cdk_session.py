"""Canary for the one reach into the CDK's HTTP client: `HttpStream` takes no session and exposes
none, so the streams size its pool and settle its environment through `_http_client._session`.
When the CDK offers a public route (a `session` argument), these fail: use it instead."""

from __future__ import annotations

import inspect
import logging

import requests
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.streams.http.http_client import HttpClient

from source_socialfetch_tiktok.config import parse_config
from source_socialfetch_tiktok.read.budget import CreditBudget
from source_socialfetch_tiktok.read.sync_run import SyncRun
from source_socialfetch_tiktok.state.store import VideosStateStore
from source_socialfetch_tiktok.streams import Videos
from unit_tests.conftest import raw_config


def test_http_stream_still_takes_no_session_so_the_private_route_is_still_needed() -> None:
    assert "session" not in inspect.signature(HttpStream.__init__).parameters
    assert "session" in inspect.signature(HttpClient.__init__).parameters  # the client could take one


def test_the_streams_session_is_reached_and_holds_our_pool_and_settled_environment() -> None:
    config = parse_config(raw_config(base_url="http://127.0.0.1:9", concurrency=24))
    run = SyncRun(logging.getLogger("test"), CreditBudget(None))
    videos = Videos(config, run, VideosStateStore({}, [], config.handles), incremental=True)
    session = videos._http_client._session
    assert isinstance(session, requests.Session)
    adapter = session.get_adapter("http://127.0.0.1:9/v1/")
    assert adapter._pool_maxsize == 24  # type: ignore[attr-defined]
    assert session.trust_env is False
