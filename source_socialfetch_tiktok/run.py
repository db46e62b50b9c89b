"""Console entry point: the Airbyte protocol on stdout."""

from __future__ import annotations

import sys
from typing import List, Optional

from airbyte_cdk.utils import AirbyteTracedException

from .masking import launch
from .serialization import keep_nulls_in_records
from .source import SourceSocialfetchTiktok


def run(args: Optional[List[str]] = None) -> None:
    keep_nulls_in_records()
    source = SourceSocialfetchTiktok()
    try:
        launch(source, sys.argv[1:] if args is None else args)
    except AirbyteTracedException as error:
        # An expected failure (bad config, failed handles, no credits) ends with its TRACE message
        # and a non-zero exit, without the traceback the CDK's uncaught-exception hook would log.
        error.emit_message()
        sys.exit(1)
