"""check_api_key against a loopback server: only the free `GET /v1/whoami`, retried when transient."""

from __future__ import annotations

import logging
import time
from typing import Callable, Iterator, List

import pytest

from source_socialfetch_tiktok.check import CHECK_ATTEMPTS, check_api_key
from source_socialfetch_tiktok.config import SocialFetchConfig, parse_config
from unit_tests.conftest import API_KEY, LoopbackServer, Reply, Route, SeenRequest, api_error, json_reply, raw_config

LOGGER = logging.getLogger("test_check")
WHOAMI = {"data": {"user": {"id": "u_1", "username": "tester", "email": None}},
          "meta": {"requestId": "req_1", "creditsCharged": 0, "version": "v1"}}

Start = Callable[[Route], LoopbackServer]


def answers(*replies: Reply) -> Route:
    """Reply with each answer in turn, then repeat the last one."""
    queue: Iterator[Reply] = iter(replies)
    last: List[Reply] = [replies[-1]]

    def route(seen: SeenRequest) -> Reply:
        last[0] = next(queue, last[0])
        return last[0]

    return route


def config_for(server: LoopbackServer) -> SocialFetchConfig:
    return parse_config(raw_config(base_url=server.base_url, handles=["nasa", "zachking"]))


def test_given_whoami_answers_200_when_checking_then_no_problem(loopback: Start) -> None:
    server = loopback(answers(json_reply(200, WHOAMI)))

    assert check_api_key(config_for(server), LOGGER) is None
    assert server.paths == ["/v1/whoami"]
    assert server.seen[0].headers["x-api-key"] == API_KEY


@pytest.mark.parametrize("status", [401, 403])
def test_given_the_key_is_rejected_when_checking_then_the_message_is_about_the_key_without_it(
    loopback: Start, status: int
) -> None:
    server = loopback(answers(json_reply(status, api_error("unauthorized", f"bad key {API_KEY}"))))

    problem = check_api_key(config_for(server), LOGGER)

    assert problem is not None
    assert "key" in problem.lower()
    assert API_KEY not in problem
    assert server.paths == ["/v1/whoami"]  # not retried


def test_given_503_then_200_when_checking_then_retried_and_no_problem(loopback: Start) -> None:
    server = loopback(answers(json_reply(503, api_error("temporarily_unavailable"), {"Retry-After": "0"}),
                              json_reply(200, WHOAMI)))

    assert check_api_key(config_for(server), LOGGER) is None
    assert server.paths == ["/v1/whoami", "/v1/whoami"]


def test_given_503_every_time_when_checking_then_a_transient_problem_after_all_attempts(loopback: Start) -> None:
    server = loopback(answers(json_reply(503, api_error("temporarily_unavailable"), {"Retry-After": "0"})))

    problem = check_api_key(config_for(server), LOGGER)

    assert problem is not None and "try again later" in problem.lower()
    assert server.paths == ["/v1/whoami"] * CHECK_ATTEMPTS


def test_given_a_200_that_is_not_whoami_when_checking_then_a_problem(loopback: Start) -> None:
    server = loopback(answers(json_reply(200, {"data": {}}, {"Retry-After": "0"})))

    problem = check_api_key(config_for(server), LOGGER)

    assert problem is not None and "not a complete response" in problem
    assert server.paths == ["/v1/whoami"] * CHECK_ATTEMPTS, "retried as a transient fault"


def test_given_402_when_checking_then_the_problem_says_to_top_up_and_nothing_else_is_called(loopback: Start) -> None:
    server = loopback(answers(json_reply(402, api_error("insufficient_credits"))))

    problem = check_api_key(config_for(server), LOGGER)

    assert problem is not None and "top up" in problem.lower()
    assert set(server.paths) == {"/v1/whoami"}


def test_given_a_redirect_when_checking_then_it_is_not_followed(loopback: Start) -> None:
    elsewhere = loopback(answers(json_reply(200, WHOAMI)))
    server = loopback(answers((302, {"Location": f"{elsewhere.base_url}/v1/whoami"}, b"")))

    problem = check_api_key(config_for(server), LOGGER)

    assert problem is not None and "unexpected HTTP 302" in problem
    assert server.paths == ["/v1/whoami"], "a redirect is not retried"
    assert elsewhere.seen == []


def test_given_nothing_listening_when_checking_then_retried_with_backoff_and_the_problem_names_the_url(
    loopback: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = loopback(answers(json_reply(200, WHOAMI)))
    closed = parse_config(raw_config(base_url="http://127.0.0.1:9"))  # the discard port: refused on loopback
    sleeps: List[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)

    problem = check_api_key(closed, LOGGER)

    assert problem is not None and "http://127.0.0.1:9" in problem and "ConnectionError" in problem
    assert API_KEY not in problem
    assert sleeps == [1.0, 2.0]
    assert server.seen == []
