"""`python -m socialfetch_emulator --port 8080`: serve until SIGINT/SIGTERM. The first stdout
line is exactly the base URL, so a parent process can read it and connect.

`python -m socialfetch_emulator advance --days 1 [--url http://127.0.0.1:8080]` moves a
running emulator's clock forward (its admin route) and prints the new instant."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any, List, Optional

from socialfetch_emulator.dataset import ANCHOR
from socialfetch_emulator.emulator import Emulator


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m socialfetch_emulator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--dataset", default="demo", help="demo, empty or gen:HANDLESxVIDEOS (e.g. gen:64x90)")
    parser.add_argument("--api-key", default="sfk_demo")
    parser.add_argument("--credits", type=int, default=1_000_000)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--lookup-latency-ms", type=int, default=0,
                        help="extra delay of a videos call with neither cursor nor userId (the handle lookup)")
    parser.add_argument("--clock-days", type=float, default=0.0,
                        help=f"start the clock this many days after the dataset's anchor ({ANCHOR:%Y-%m-%d})")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--page-size", type=int, default=30)
    args = parser.parse_args(argv)
    if args.clock_days < 0 or args.lookup_latency_ms < 0:
        parser.error("--clock-days and --lookup-latency-ms must be >= 0")
    return args


def parse_advance_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m socialfetch_emulator advance",
                                     description="Move a running emulator's clock forward.")
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the emulator's base URL")
    parser.add_argument("--days", type=float, required=True, help="days to advance (fractions allowed, >= 0)")
    return parser.parse_args(argv)


def advance(argv: List[str]) -> int:
    args = parse_advance_args(argv)
    request = urllib.request.Request(args.url.rstrip("/") + "/_emulator/clock", method="POST",
                                     data=json.dumps({"days": args.days}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            print(json.loads(response.read())["now"])
    except urllib.error.HTTPError as exc:
        print(f"the emulator refused: {exc.read().decode(errors='replace')}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"no emulator at {args.url}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["advance"]:
        return advance(argv[1:])
    args = parse_args(argv)
    done = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    emulator = Emulator(dataset=args.dataset, api_key=args.api_key, credits=args.credits, latency_ms=args.latency_ms,
                        seed=args.seed, page_size=args.page_size, port=args.port,
                        now=ANCHOR + timedelta(days=args.clock_days), lookup_latency_ms=args.lookup_latency_ms).start()
    print(emulator.base_url, flush=True)
    print(f"api key {args.api_key}, dataset {args.dataset}, {len(emulator.handles())} handles, clock "
          f"{emulator.now:%Y-%m-%dT%H:%M:%SZ}; Ctrl-C stops", file=sys.stderr, flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
