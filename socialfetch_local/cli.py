"""`socialfetch-local-sync`: sync TikTok profiles' videos into DuckDB or Postgres without Airbyte.

    socialfetch-local-sync --config secrets/config.json
    socialfetch-local-sync --api-key sfk_... --handles nasa @zachking --destination postgres://postgres@127.0.0.1:5432/test
    socialfetch-local-sync --config secrets/config.json --stats-refresh-days 30 --plan --every 1d
    socialfetch-local-sync --config secrets/all-handles.json --shard 0/4 --destination data/shard0.duckdb --plan

Run it again to sync incrementally: the state is kept in the destination.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from socialfetch_local.destinations import DEFAULT_DESTINATION, DestinationError, parse_destination
from socialfetch_local.environment import prepare_environment
from socialfetch_local.errors import LocalSyncError
from socialfetch_local.plan import parse_every

API_KEY_ENV = "SOCIALFETCH_API_KEY"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="socialfetch-local-sync", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, help="the connector's config as a JSON file (flags below override it)")
    parser.add_argument("--api-key", help=f"Social Fetch API key (default: ${API_KEY_ENV})")
    parser.add_argument("--handles", nargs="+", metavar="HANDLE", help="TikTok profiles: name, @name or profile URL")
    parser.add_argument("--start-date", help="YYYY-MM-DD or ISO-8601 date-time")
    parser.add_argument("--lookback-window-days", type=int)
    parser.add_argument("--max-credits-per-sync", type=int)
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--stats-refresh-days", type=int, metavar="D",
                        help="read every video's stats again at least once every D days (see docs/fresh-stats.md)")
    parser.add_argument("--stats-refresh-max-age-days", type=int, metavar="DAYS",
                        help="a stats refresh reads videos created within this many days only")
    parser.add_argument("--base-url", help="API origin (e.g. the local emulator http://127.0.0.1:8080)")
    parser.add_argument("--shard", metavar="INDEX/COUNT", type=parse_shard_flag,
                        help="read only the handles of shard INDEX of COUNT (0-based, e.g. 0/4), as the connector's "
                             "shard option does; give each shard its own destination (docs/scaling.md)")
    parser.add_argument("--destination", default=DEFAULT_DESTINATION,
                        help=f"DuckDB path or duckdb:///PATH, or postgres://user:pass@host:port/db[?schema=NAME] "
                             f"(default {DEFAULT_DESTINATION})")
    parser.add_argument("--with-profiles", action="store_true", help="also sync the profiles stream (1 credit per handle)")
    parser.add_argument("--full-refresh", action="store_true", help="ignore the saved state and read everything again")
    parser.add_argument("--plan", action="store_true",
                        help="spend nothing: print what the next sync will read and cost per handle, from the saved "
                             "state and the free balance route, and the steady cost a month")
    parser.add_argument("--every", default="1d", metavar="CADENCE",
                        help="with --plan: how often you sync (1d, 12h, 30m, 1w; default 1d), for the cost a month")
    return parser


class UsageError(Exception):
    pass


def parse_shard_flag(text: str) -> Dict[str, int]:
    """`--shard 0/4`: the connector's `shard` option as `{"index": 0, "count": 4}` (the connector
    checks the range and names what is wrong)."""
    index, slash, count = text.partition("/")
    if not slash or not index.strip().isdigit() or not count.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: give INDEX/COUNT, e.g. 0/4 (indices 0 to COUNT - 1)")
    return {"index": int(index), "count": int(count)}


def load_config(args: argparse.Namespace) -> Dict[str, Any]:
    config: Dict[str, Any] = {}
    if args.config is not None:
        try:
            loaded = json.loads(args.config.read_text(encoding="utf-8"))
        except OSError as error:
            raise UsageError(f"--config {args.config}: cannot read it ({error.strerror or error})") from None
        except json.JSONDecodeError as error:
            raise UsageError(f"--config {args.config}: not valid JSON ({error.msg}, line {error.lineno})") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"--config {args.config}: the config must be a JSON object")
        config.update(loaded)
    overrides = {
        "api_key": args.api_key, "handles": args.handles, "start_date": args.start_date,
        "lookback_window_days": args.lookback_window_days, "max_credits_per_sync": args.max_credits_per_sync,
        "concurrency": args.concurrency, "base_url": args.base_url,
        "stats_refresh_days": args.stats_refresh_days, "stats_refresh_max_age_days": args.stats_refresh_max_age_days,
        "shard": args.shard,
    }
    config.update({k: v for k, v in overrides.items() if v is not None})
    if "api_key" not in config and os.environ.get(API_KEY_ENV):
        config["api_key"] = os.environ[API_KEY_ENV]
    missing = [name for name in ("api_key", "handles") if not config.get(name)]
    if missing:
        raise UsageError(
            f"missing {' and '.join(missing)}: give --config FILE, or --api-key (or ${API_KEY_ENV}) and --handles"
        )
    return config


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args)
        destination = parse_destination(args.destination)
        every = parse_every(args.every)
    except (UsageError, DestinationError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    prepare_environment()
    if args.plan:
        return _plan(config, destination, every, args)
    # Imported here: PyAirbyte reads the environment prepared above when it is imported.
    from socialfetch_local.interrupts import hush_the_stopped_connector, sigterm_as_keyboard_interrupt
    from socialfetch_local.report import render
    from socialfetch_local.sync import run_sync

    hush_the_stopped_connector()
    try:
        with sigterm_as_keyboard_interrupt():
            report = run_sync(config, destination, with_profiles=args.with_profiles, full_refresh=args.full_refresh)
    except LocalSyncError as error:
        if _interrupted(error):
            return _report_interrupted()
        print(f"\nerror: {error}", file=sys.stderr)  # after PyAirbyte's progress display, on a line of its own
        return error.exit_code
    except KeyboardInterrupt:
        return _report_interrupted()
    print(render(report))
    return 0


def _interrupted(error: BaseException) -> bool:
    """Ctrl-C while PyAirbyte waits on a connector subprocess comes back as that subprocess's failure,
    with the KeyboardInterrupt as its cause or context."""
    seen: set = set()
    cause: Optional[BaseException] = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _report_interrupted() -> int:
    print("interrupted: the state of this sync was not saved; the destination keeps what earlier syncs "
          "saved, and the next sync goes on from there", file=sys.stderr)
    return 130


def _plan(config: Dict[str, Any], destination: Any, every: Any, args: argparse.Namespace) -> int:
    from socialfetch_local.plan import make_plan, render_plan

    try:
        plan = make_plan(config, destination, every=every, with_profiles=args.with_profiles, full_refresh=args.full_refresh)
    except LocalSyncError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print(render_plan(plan))
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
