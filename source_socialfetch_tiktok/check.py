"""`check`: the key is tried against the free `GET /v1/whoami`, so checking never costs credits."""

from __future__ import annotations

import logging
import time
from typing import Optional

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import ResponseAction

from .api.backoff_strategies import RetryAfterBackoffStrategy
from .api.errors_handlers import SocialFetchErrorHandler
from .api.transport import ApiKeyAuth, build_session, request_timeout
from .config import SocialFetchConfig

CHECK_ATTEMPTS = 3
MAX_CHECK_WAIT_SECONDS = 10.0


def check_api_key(config: SocialFetchConfig, logger: logging.Logger) -> Optional[str]:
    """None when the API accepts the key; otherwise what the user should know, never the key."""
    handler = SocialFetchErrorHandler(logger, required_data_key="user")
    backoff = RetryAfterBackoffStrategy()
    session = build_session(1)
    url = f"{config.base_url}/v1/whoami"
    problem = "no answer"
    for attempt in range(1, CHECK_ATTEMPTS + 1):
        try:
            answer: requests.Response | requests.RequestException = session.get(
                url,
                auth=ApiKeyAuth(config.api_key, config.base_url),
                timeout=request_timeout(min(config.request_timeout_seconds, 30)),
                allow_redirects=False,
            )
        except requests.RequestException as error:
            answer = error
        resolution = handler.interpret_response(answer)
        if resolution.response_action == ResponseAction.SUCCESS:
            return None
        problem = resolution.error_message or "unexpected answer"
        if isinstance(answer, requests.RequestException):
            problem = f"{problem} ({type(answer).__name__} reaching {config.base_url})"
        if resolution.response_action != ResponseAction.RETRY or attempt == CHECK_ATTEMPTS:
            break
        time.sleep(min(backoff.backoff_time(answer, attempt) or 1.0, MAX_CHECK_WAIT_SECONDS))
    transient = resolution.failure_type == FailureType.transient_error
    return f"Could not verify the Social Fetch API key at {config.base_url}: {problem}" + (
        " Try again later." if transient else ""
    )
