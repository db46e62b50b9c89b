{{
    config(
        materialized='incremental',
        unique_key=['handle', 'video_id', 'date_day'],
        incremental_strategy=('merge' if target.type in ['bigquery', 'snowflake'] else 'delete+insert'),
        on_schema_change='fail'
    )
}}
{#- One row per (handle, video_id, date_day), from the UTC day of the video's first snapshot to the
    day of its last. Counts are as of the end of the day: the day's last snapshot, or carried
    forward from the last one before it (is_observed false). views_gained is against the day
    before (0 on the first day), so a video's views_gained sum to its last views minus its views
    at the end of its first day. is_last_day marks each video's last row.

    Incremental: a run takes the snapshots captured after the newest one already built in, and
    rebuilds each such video from its last built row (is_last_day) on. That row's counts stand in
    for the snapshots before it, and its views minus its views_gained are the day before's, so
    older rows are not read, except the day before a last day that a new snapshot lands on (a
    second sync the same day: that day now ends on a later snapshot). Snapshots are appended in
    capture order; one loaded late, older than that mark, needs a full refresh
    (dbt build --full-refresh). -#}

{%- set add_days = socialfetch_tiktok.socialfetch_add_days %}

with
{% if is_incremental() %}
new_snapshots as (
    select handle, video_id, captured_at, views, likes, comments, shares, saves
    from {{ ref('stg_socialfetch_tiktok__video_stats') }}
    where captured_at > (select coalesce(max(snapshot_captured_at), {{ socialfetch_tiktok.socialfetch_min_timestamp() }}) from {{ this }})
),

last_built as (
    select
        built.handle, built.video_id, built.date_day, built.snapshot_captured_at,
        built.views, built.likes, built.comments, built.shares, built.saves, built.views_gained
    from {{ this }} as built
    inner join (select distinct handle, video_id from new_snapshots) as changed
        on changed.handle = built.handle and changed.video_id = built.video_id
    where built.is_last_day
),

{#- Last built days that get a new snapshot: their views_gained is counted again against the row
    before (none on a video's first day). #}
same_day as (
    select distinct last_built.handle, last_built.video_id, last_built.date_day
    from last_built
    inner join new_snapshots
        on new_snapshots.handle = last_built.handle and new_snapshots.video_id = last_built.video_id
        and {{ socialfetch_tiktok.socialfetch_day('new_snapshots.captured_at') }} = last_built.date_day
),

previous_day as (
    select built.handle, built.video_id, built.views
    from {{ this }} as built
    inner join same_day
        on same_day.handle = built.handle and same_day.video_id = built.video_id
        and built.date_day = {{ add_days('same_day.date_day', -1) }}
),

{#- The views at the end of the day before each video's last built day. #}
day_before as (
    select
        last_built.handle,
        last_built.video_id,
        case
            when same_day.video_id is null then last_built.views - last_built.views_gained
            else previous_day.views
        end as views
    from last_built
    left join same_day
        on same_day.handle = last_built.handle and same_day.video_id = last_built.video_id
    left join previous_day
        on previous_day.handle = last_built.handle and previous_day.video_id = last_built.video_id
),

snapshots as (
    select * from new_snapshots
    union all
    select handle, video_id, snapshot_captured_at, views, likes, comments, shares, saves from last_built
),
{% else %}
snapshots as (
    select handle, video_id, captured_at, views, likes, comments, shares, saves
    from {{ ref('stg_socialfetch_tiktok__video_stats') }}
),
{% endif %}

end_of_day as (
    select
        handle, video_id, date_day, captured_at, views, likes, comments, shares, saves,
        lead(date_day) over (partition by handle, video_id order by date_day) as next_observed_day
    from (
        select
            handle, video_id, captured_at, views, likes, comments, shares, saves,
            {{ socialfetch_tiktok.socialfetch_day('captured_at') }} as date_day,
            row_number() over (
                partition by handle, video_id, {{ socialfetch_tiktok.socialfetch_day('captured_at') }}
                order by captured_at desc
            ) as newest_first
        from snapshots
    ) as ranked
    where newest_first = 1
),

days as (
    select
        end_of_day.handle,
        end_of_day.video_id,
        spine.date_day,
        spine.date_day = end_of_day.date_day as is_observed,
        end_of_day.next_observed_day is null as is_last_day,
        end_of_day.captured_at as snapshot_captured_at,
        end_of_day.views,
        end_of_day.likes,
        end_of_day.comments,
        end_of_day.shares,
        end_of_day.saves
    from end_of_day
    inner join {{ ref('int_socialfetch_tiktok__day_spine') }} as spine
        on spine.date_day >= end_of_day.date_day
        and (
            (end_of_day.next_observed_day is null and spine.date_day = end_of_day.date_day)
            or spine.date_day < end_of_day.next_observed_day
        )
),

gained as (
    select
        days.*,
        lag(days.views) over (partition by days.handle, days.video_id order by days.date_day) as views_before
    from days
)

select
    {{ dbt.concat(["gained.handle", "'|'", "gained.video_id", "'|'", dbt.cast("gained.date_day", dbt.type_string())]) }} as video_day_id,
    gained.handle,
    gained.video_id,
    gained.date_day,
    gained.views,
    gained.likes,
    gained.comments,
    gained.shares,
    gained.saves,
    gained.views - coalesce(
        gained.views_before,
        {%- if is_incremental() %} day_before.views,{% endif %}
        gained.views
    ) as views_gained,
    gained.is_observed,
    gained.is_last_day,
    gained.snapshot_captured_at
from gained
{%- if is_incremental() %}
left join day_before
    on day_before.handle = gained.handle and day_before.video_id = gained.video_id
{%- endif %}
