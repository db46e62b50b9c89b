"""The baseline the connector is measured against: the same HTTP reads with `requests`, the same
records printed as Airbyte RECORD lines, and nothing else (no retries, state, schema or budget).

    python bench/baseline_loop.py --base-url URL --api-key KEY --handles a,b,c [--concurrency 4]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

import requests

_print_lock = threading.Lock()


def read_handle(session: requests.Session, base_url: str, handle: str) -> int:
    count, cursor = 0, None
    while True:
        params = {"sortBy": "latest"}
        if cursor:
            params["cursor"] = cursor
        body = session.get(f"{base_url}/v1/tiktok/profiles/{handle}/videos", params=params, timeout=60).json()
        emitted_at = int(time.time() * 1000)
        lines = [
            json.dumps({"type": "RECORD", "record": {"stream": "videos", "data": {**video, "handle": handle}, "emitted_at": emitted_at}},
                       separators=(",", ":"), ensure_ascii=False)
            for video in body["data"]["videos"]
        ]
        with _print_lock:
            sys.stdout.write("\n".join(lines) + ("\n" if lines else ""))
        count += len(lines)
        page = body["data"]["page"]
        if not page["hasMore"] or not page["nextCursor"]:
            return count
        cursor = page["nextCursor"]


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--handles", required=True, help="comma-separated")
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args(argv)
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=max(args.concurrency, 1)))
    session.headers["x-api-key"] = args.api_key
    handles = args.handles.split(",")
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        total = sum(pool.map(lambda h: read_handle(session, args.base_url, h), handles))
    sys.stdout.flush()
    print(f"baseline read {total} records", file=sys.stderr)


if __name__ == "__main__":
    main()
