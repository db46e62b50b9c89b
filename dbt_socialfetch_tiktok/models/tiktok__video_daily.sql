{{
    config(
        materialized='incremental',
        unique_key='video_day_id',
        incremental_strategy=('merge' if target.type in ['bigquery', 'snowflake'] else 'delete+insert'),
        on_schema_change='fail'
    )
}}
{#- One row per (handle, video_id, date_day), from the UTC day of the video's first snapshot to the
    day of its last. Counts are as of the end of the day: the day's last snapshot, or carried
    forward from the last one before it (is_observed false). views_gained is against the day
    before (0 on the first day), so a video's views_gained sum to its last views minus its views
    at the end of its first day.

    Incremental: a run takes the snapshots captured after the newest one already built in, and
    rebuilds each such video from its last built day on (that day may now end on a later
    snapshot). Snapshots are appended in capture order; one loaded late, older than that mark,
    needs a full refresh (dbt build --full-refresh). -#}

with
{% if is_incremental() %}
mark as (
    select max(snapshot_captured_at) as captured_at from {{ this }}
),

changed as (
    select stats.handle, stats.video_id, min(stats.captured_at) as first_new_at
    from {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
    cross join mark
    where mark.captured_at is null or stats.captured_at > mark.captured_at
    group by stats.handle, stats.video_id
),

built as (
    select this.handle, this.video_id, max(this.date_day) as last_day
    from {{ this }} as this
    inner join changed on changed.handle = this.handle and changed.video_id = this.video_id
    group by this.handle, this.video_id
),

starts as (
    select
        changed.handle,
        changed.video_id,
        coalesce(built.last_day, {{ socialfetch_tiktok.socialfetch_day('changed.first_new_at') }}) as start_day
    from changed
    left join built on built.handle = changed.handle and built.video_id = changed.video_id
),

previous_day as (
    select this.handle, this.video_id, this.views
    from {{ this }} as this
    inner join starts
        on starts.handle = this.handle and starts.video_id = this.video_id
        and this.date_day = {{ socialfetch_tiktok.socialfetch_add_days('starts.start_day', -1) }}
),

snapshots as (
    select stats.*
    from {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
    inner join starts
        on starts.handle = stats.handle and starts.video_id = stats.video_id
        and {{ socialfetch_tiktok.socialfetch_day('stats.captured_at') }} >= starts.start_day
),
{% else %}
snapshots as (
    select * from {{ ref('stg_socialfetch_tiktok__video_stats') }}
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
        {%- if is_incremental() %} previous_day.views,{% endif %}
        gained.views
    ) as views_gained,
    gained.is_observed,
    gained.snapshot_captured_at
from gained
{%- if is_incremental() %}
left join previous_day
    on previous_day.handle = gained.handle and previous_day.video_id = gained.video_id
{%- endif %}
