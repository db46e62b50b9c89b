"""The models analysts ask for next (issue 31), end to end: the emulator synced by
`socialfetch-local-sync`'s code into DuckDB and Postgres over simulated days (a video published
before the first sync, followers changing between syncs), `dbt build` after some of the syncs, and
the models compared with the emulator's truth: a video's views on day 7 between the snapshots that
straddle it, the gains of every count summing to the last count minus the first, a week spanning a
month boundary, the creators' 7- and 30-day gains, followers_gained, and a destination whose
profiles were merged on handle (the gains it cannot know are null). The incremental builds equal a
full rebuild, and the rollup report of fivetran/dbt_social_media_reporting (a stand-in project,
social_media_reporting_fixture/) unions tiktok__social_media_post.

One story per warehouse (a module fixture), two handles: each sync and build costs seconds of CPU.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from integration_tests.dbtkit import simulated_clock
from integration_tests.dbtkit.warehouses import PYAIRBYTE_DUCKDB, PYAIRBYTE_POSTGRES, Warehouse
from integration_tests.forkserver import forked_executable
from socialfetch_emulator import Emulator, growth
from socialfetch_emulator.dataset import ANCHOR, DAY_MS
from socialfetch_local.destinations import parse_destination
from socialfetch_local.environment import prepare_environment

HANDLES = ["cook_with_kim", "nasa.fan"]
COUNTS = ("views", "likes", "comments", "shares", "saves")
FIXTURE = Path(__file__).resolve().parent / "social_media_reporting_fixture"
Key = Tuple[str, str]
# social_media_reporting__rollup_report's columns (dbt_social_media_reporting 1.5.0, its
# social_media_reporting.yml; the fixture's macros/rollup_columns.sql), less _dbt_source_relation.
ROLLUP_COLUMNS = ["created_timestamp", "post_id", "post_message", "page_id", "page_name", "post_url", "source_relation",
                  "platform", "clicks", "impressions", "likes", "shares", "comments"]


def naive(instant: datetime) -> datetime:
    """As the destination stores it: UTC without a zone."""
    return instant.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass
class Story:
    warehouse: Warehouse
    merged: Warehouse  # the same streams, profiles merged on handle (one row, the newest)
    workdir: Path
    sync_days: List[date] = field(default_factory=list)
    followers: List[Dict[str, int]] = field(default_factory=list)  # per sync
    truth_day_7: Dict[Key, int] = field(default_factory=dict)  # the emulator's views 7 days after createdAt
    published_before_last: Key = ("", "")  # published just before the last sync: its day 1 is unknown


def set_followers(emu: Emulator, handle: str, followers: int) -> None:
    emu.world.creator(handle).followers = followers  # type: ignore[union-attr]


def copy_streams(warehouse: Warehouse, schema: str) -> None:
    source = warehouse.source_schema
    warehouse.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}", *[
        f"CREATE TABLE {schema}.{stream} AS SELECT * FROM {source}.{stream}"
        for stream in ("videos", "video_stats", "handle_reads", "profiles")])
    # What PyAirbyte's default (AUTO) write leaves: one row per handle, the newest.
    warehouse.execute(f"DELETE FROM {schema}.profiles WHERE _airbyte_extracted_at < (SELECT max(n._airbyte_extracted_at) "
                      f"FROM {schema}.profiles AS n WHERE n.handle = profiles.handle)")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def story(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    prepare_environment()
    from socialfetch_local.models import build_models
    from socialfetch_local.sync import run_sync

    tmp_path = tmp_path_factory.mktemp(f"analysts_{request.param}")
    if request.param == "duckdb":
        warehouse = Warehouse("duckdb", "main", "analytics", PYAIRBYTE_DUCKDB, path=tmp_path / "analysts.duckdb")
        destination = parse_destination(str(warehouse.path))
    else:
        suffix = tmp_path.name[-8:].replace("-", "_").lower()
        warehouse = Warehouse("postgres", f"dbt_an_src_{suffix}", f"dbt_an_out_{suffix}", PYAIRBYTE_POSTGRES)
        warehouse.drop()
        destination = parse_destination(f"postgres://postgres@127.0.0.1:5432/test?schema={warehouse.source_schema}")
    merged = Warehouse(warehouse.kind, f"{warehouse.source_schema}_merged", f"{warehouse.target_schema}_merged",
                       warehouse.shape, path=warehouse.path)
    made = Story(warehouse, merged, tmp_path)
    connector = forked_executable(simulated_clock.write_connector(tmp_path / "connector"))  # no CDK import per launch
    with pytest.MonkeyPatch.context() as patch, Emulator(dataset="demo", now=ANCHOR - timedelta(days=1, hours=12)) as emu:
        config = {"api_key": emu.api_key, "handles": HANDLES, "base_url": emu.base_url}

        def sync() -> None:
            patch.setenv(simulated_clock.ENV, emu.now.isoformat())
            run_sync(config, destination, with_profiles=True, executable=connector).cache.close()
            made.sync_days.append(emu.now.date())
            made.followers.append({h: emu.world.creator(h).followers for h in HANDLES})  # type: ignore[union-attr]

        def build() -> None:
            build_models(destination, tmp_path / "dbt", schema=warehouse.target_schema)

        # Oct 30, 12:00 UTC: a video published this morning, then four syncs; the week of Monday
        # Oct 26 holds Oct 30, 31 and Nov 1.
        new = emu.publish("cook_with_kim", 1)[0]
        published = datetime.fromisoformat(new["createdAt"].replace("Z", "+00:00"))
        sync()
        emu.advance(1)
        set_followers(emu, "cook_with_kim", made.followers[0]["cook_with_kim"] + 1234)
        sync()
        emu.advance(1)
        sync()
        build()
        # Its seventh day between two syncs, 3 hours before and 9 hours after.
        emu.advance((published + timedelta(days=7, hours=-3) - emu.now).total_seconds() / 86400)
        sync()
        emu.advance(0.5)
        emu.publish("nasa.fan", 1)
        set_followers(emu, "cook_with_kim", made.followers[-1]["cook_with_kim"] + 4321)
        set_followers(emu, "nasa.fan", made.followers[-1]["nasa.fan"] - 10)
        sync()
        build()
        for handle in HANDLES:
            for video in emu.world.listed(emu.world.creator(handle)):  # type: ignore[arg-type]
                made.truth_day_7[(handle, video.id)] = growth.stats(video, video.instant_ms + 7 * DAY_MS)["views"]
        newest = max(emu.world.listed(emu.world.creator("nasa.fan")), key=lambda v: v.instant_ms)  # type: ignore[arg-type]
        made.published_before_last = ("nasa.fan", newest.id)

    # The incremental builds equal a full one of the same streams.
    build_models(destination, tmp_path / "rebuild", schema=f"{warehouse.target_schema}_full")
    built, full = warehouse.built_tables(), warehouse.beside(f"{warehouse.target_schema}_full").built_tables()
    assert built == full
    # A destination whose profiles were merged on handle, built from scratch.
    copy_streams(warehouse, merged.source_schema)
    build_models(dataclasses.replace(destination, schema=merged.source_schema), tmp_path / "merged",
                 schema=merged.target_schema)
    yield made
    warehouse.drop()
    merged.drop()


def snapshots(warehouse: Warehouse) -> Dict[Key, List[Dict[str, Any]]]:
    rows = warehouse.rows(f"SELECT handle, id, createdat, capturedat, views FROM {warehouse.source_schema}.video_stats "
                          "ORDER BY capturedat")
    found: Dict[Key, List[Dict[str, Any]]] = {}
    for row in rows:
        found.setdefault((row["handle"], str(row["id"])), []).append(row)
    return found


@pytest.mark.timeout(900)
def test_given_a_video_whose_snapshots_straddle_day_7_then_views_day_7_is_interpolated_between_them(story: Story) -> None:
    videos = {(r["handle"], r["video_id"]): r for r in story.warehouse.model("tiktok__videos")}
    close = 0
    for key, rows in snapshots(story.warehouse).items():
        created = rows[0]["createdat"]
        target = created + timedelta(days=7)
        before = [r for r in rows if r["capturedat"] <= target]
        after = [r for r in rows if r["capturedat"] >= target]
        if not before or not after:
            assert videos[key]["views_day_7"] is None, key
            continue
        low, high = before[-1], after[0]
        span = (high["capturedat"] - low["capturedat"]).total_seconds()
        expected = low["views"] + (high["views"] - low["views"]) * ((target - low["capturedat"]).total_seconds() / span)
        assert abs(videos[key]["views_day_7"] - expected) <= 1, key
        # The emulator's truth at that moment lies between the two snapshots, and near the line
        # when they are close (its curve is concave: a straight line between far snapshots is low).
        truth = story.truth_day_7[key]
        assert low["views"] <= truth <= high["views"], key
        if span <= 18 * 3600:
            close += 1
            assert abs(videos[key]["views_day_7"] - truth) <= 0.01 * truth + 1, key
    assert close >= 1, "the story publishes a video whose seventh day falls between two syncs 12 h apart (18 h at most)"
    # Never guessed past the last snapshot, nor before the first.
    assert videos[story.published_before_last]["views_day_1"] is None
    assert all(v["views_day_30"] is None for v in videos.values())
    assert any(v["views_day_1"] is not None for v in videos.values())


@pytest.mark.timeout(900)
def test_given_every_count_then_daily_gains_sum_to_the_last_count_minus_the_first(story: Story) -> None:
    daily = story.warehouse.model("tiktok__video_daily", "handle, video_id, date_day")
    series: Dict[Key, List[Dict[str, Any]]] = {}
    for row in daily:
        series.setdefault((row["handle"], row["video_id"]), []).append(row)
    for key, days in series.items():
        for count in COUNTS:
            assert sum(d[f"{count}_gained"] for d in days) == days[-1][count] - days[0][count], (key, count)
    assert sum(d["likes_gained"] for d in daily) > 0, "counts grew with the emulator's clock"
    # The rollups add up to the same gains, per handle.
    for model in ("tiktok__creator_weekly", "tiktok__creator_monthly"):
        rolled = story.warehouse.model(model)
        for handle in HANDLES:
            for count in COUNTS:
                assert sum(r[f"{count}_gained"] for r in rolled if r["handle"] == handle) == sum(
                    d[f"{count}_gained"] for d in daily if d["handle"] == handle), (model, handle, count)
    music = story.warehouse.model("tiktok__music_weekly")
    assert music and all(r["week_start"].weekday() == 0 for r in music)
    assert sum(r["views_gained"] for r in story.warehouse.model("tiktok__music_daily")) == sum(r["views_gained"] for r in music)


@pytest.mark.timeout(900)
def test_given_a_week_spanning_a_month_boundary_then_the_week_is_one_row_and_the_months_split_it(story: Story) -> None:
    daily = story.warehouse.model("tiktok__video_daily")
    weekly = {(r["handle"], r["week_start"]): r for r in story.warehouse.model("tiktok__creator_weekly")}
    monthly = {(r["handle"], r["month_start"]): r for r in story.warehouse.model("tiktok__creator_monthly")}
    monday = date(2026, 10, 26)
    for handle in HANDLES:
        week = weekly[(handle, monday)]
        assert (week["first_day"], week["last_day"]) == (date(2026, 10, 30), date(2026, 11, 1))
        in_week = [d for d in daily if d["handle"] == handle and monday <= d["date_day"] < monday + timedelta(days=7)]
        assert week["views_gained"] == sum(d["views_gained"] for d in in_week)
        october = monthly[(handle, date(2026, 10, 1))]
        assert october["views_gained"] == sum(d["views_gained"] for d in in_week if d["date_day"].month == 10)
        assert october["views_gained"] > 0, "the week's October days gained views"
        november_1 = sum(d["views_gained"] for d in in_week if d["date_day"] == date(2026, 11, 1))
        assert week["views_gained"] == october["views_gained"] + november_1
        assert monthly[(handle, date(2026, 11, 1))]["first_day"] == date(2026, 11, 1)
    assert all(week_start.weekday() == 0 for _, week_start in weekly)
    hashtags = story.warehouse.model("tiktok__hashtag_weekly")
    assert hashtags and all(r["week_start"].weekday() == 0 for r in hashtags)
    assert {r["month_start"].day for r in story.warehouse.model("tiktok__hashtag_monthly")} == {1}


@pytest.mark.timeout(900)
def test_given_followers_changing_between_syncs_then_followers_gained_and_the_creators_gains_are_right(story: Story) -> None:
    creator_daily = {(r["handle"], r["date_day"]): r for r in story.warehouse.model("tiktok__creator_daily")}
    first, second = story.followers[0], story.followers[1]
    day_1, day_2 = story.sync_days[0], story.sync_days[1]
    assert creator_daily[("cook_with_kim", day_2)]["followers_gained"] == second["cook_with_kim"] - first["cook_with_kim"] == 1234
    assert creator_daily[("cook_with_kim", day_1)]["followers_gained"] is None, "nothing known before the first record"
    last_day = story.sync_days[-1]
    assert creator_daily[("cook_with_kim", last_day)]["followers_gained"] == 4321
    assert creator_daily[("nasa.fan", last_day)]["followers_gained"] == -10

    creators = {r["handle"]: r for r in story.warehouse.model("tiktok__creators")}
    for handle in HANDLES:
        row = creators[handle]
        now = story.followers[-1][handle]
        assert row["followers"] == now and row["is_in_config"] is True
        # Seven days before the last sync (Nov 6) is Oct 30: the first sync's record.
        assert row["followers_gained_7d"] == now - story.followers[0][handle]
        assert row["followers_gained_30d"] is None, "no record is 30 days old"
        assert row["views_gained_7d"] == sum(r["views_gained"] for (h, d), r in creator_daily.items()
                                             if h == handle and d > last_day - timedelta(days=7))
        assert row["first_synced_at"].date() == day_1 and row["last_synced_at"].date() == last_day
    observed = [r for r in creator_daily.values() if r["videos_available"]]
    assert all(0 <= r["observed_share"] <= 1 for r in observed)
    assert {r["reads"] > 0 for r in creator_daily.values() if r["date_day"] in story.sync_days} == {True}
    assert {r["observed_share"] for r in observed if r["date_day"] not in story.sync_days} == {0}


@pytest.mark.timeout(900)
def test_given_profiles_merged_on_handle_then_the_models_build_and_unknown_gains_are_null(story: Story) -> None:
    merged = story.merged
    assert len(merged.rows(f"SELECT * FROM {merged.source_schema}.profiles")) == len(HANDLES)
    creator_daily = merged.model("tiktok__creator_daily")
    with_followers = [r for r in creator_daily if r["followers"] is not None]
    assert {r["date_day"] for r in with_followers} == {story.sync_days[-1]}
    assert all(r["followers_gained"] is None for r in creator_daily)
    for row in merged.model("tiktok__creators"):
        assert row["followers"] == story.followers[-1][row["handle"]]
        assert row["followers_gained_7d"] is None and row["posts_gained_7d"] is None


@pytest.mark.timeout(900)
def test_given_the_social_media_rollup_then_it_unions_tiktok_posts_in_its_columns(story: Story) -> None:
    warehouse = story.warehouse
    posts = warehouse.model("tiktok__social_media_post")
    videos = warehouse.model("tiktok__videos")
    assert len(posts) == len(videos) and {p["platform"] for p in posts} == {"tiktok"}
    assert set(ROLLUP_COLUMNS) <= set(posts[0]), "tiktok__social_media_post has every column of the rollup report"
    workdir = story.workdir / "rollup"
    workdir.mkdir()
    profile = warehouse.profile()["socialfetch_tiktok"]["outputs"]["test"]
    profile = {**profile, "schema": f"{warehouse.target_schema}_rollup"}
    (workdir / "profiles.yml").write_text(json.dumps({"socialfetch_tiktok": {"target": "test", "outputs": {"test": profile}}}))
    dbt = Path(sys.executable).parent / "dbt"
    started = time.monotonic()
    completed = subprocess.run(
        [str(dbt), "run", "--project-dir", str(FIXTURE), "--profiles-dir", str(workdir), "--target-path",
         str(workdir / "target"), "--log-path", str(workdir / "logs"), "--vars",
         json.dumps({"tiktok_posts_schema": warehouse.target_schema}), "--quiet"],
        capture_output=True, text=True, env={**os.environ, "DO_NOT_TRACK": "1"})
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert time.monotonic() - started < 300
    report = warehouse.rows(f"SELECT * FROM {warehouse.target_schema}_rollup.social_media_reporting__rollup_report")
    assert list(report[0]) == ["_dbt_source_relation", *ROLLUP_COLUMNS, "views", "saves"]
    tiktok = [r for r in report if r["platform"] == "tiktok"]
    assert len(tiktok) == len(posts) and len(report) == len(posts) + 1
    by_id = {(v["handle"], v["video_id"]): v for v in videos}
    for row in tiktok:
        video = by_id[(row["page_id"], row["post_id"])]
        assert (row["clicks"], row["likes"], row["comments"], row["shares"]) == (
            video["views"] or 0, video["likes"] or 0, video["comments"] or 0, video["shares"] or 0)
        assert row["created_timestamp"] == video["created_at"]
    youtube = [r for r in report if r["platform"] == "youtube"]
    assert youtube[0]["impressions"] is None and youtube[0]["views"] is None
