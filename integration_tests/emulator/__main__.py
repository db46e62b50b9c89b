"""`python -m integration_tests.emulator --port 8080`: serve until SIGINT/SIGTERM. The first stdout
line is exactly the base URL, so a parent process can read it and connect."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any, List, Optional

from integration_tests.emulator.emulator import Emulator


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m integration_tests.emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--dataset", default="demo", help="demo, empty or gen:HANDLESxVIDEOS (e.g. gen:64x90)")
    parser.add_argument("--api-key", default="sfk_demo")
    parser.add_argument("--credits", type=int, default=1_000_000)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--page-size", type=int, default=30)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    done = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    emulator = Emulator(dataset=args.dataset, api_key=args.api_key, credits=args.credits, latency_ms=args.latency_ms,
                        seed=args.seed, page_size=args.page_size, port=args.port).start()
    print(emulator.base_url, flush=True)
    print(f"api key {args.api_key}, dataset {args.dataset}, {len(emulator.handles())} handles; Ctrl-C stops",
          file=sys.stderr, flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
