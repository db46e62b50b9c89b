{#- One row per video with a snapshot: its views 1, 7 and 30 days after it was published, and its
    peak day. views_day_N is interpolated in time between the last snapshot at or before
    createdAt + N days and the first at or after it; null when either is missing (never guessed
    before the first snapshot or past the last one). The peak day is the day of tiktok__video_daily
    with the most views gained (the earliest of equals); a day after days without a snapshot holds
    their gains too. Null when no day gained. -#}

{%- set marks = [1, 7, 30] -%}
{%- set double = socialfetch_tiktok.socialfetch_type_double() %}

with videos as (
    select source_relation, handle, video_id, created_at
    from {{ ref('int_socialfetch_tiktok__video_snapshots') }}
    where created_at is not null
),

targets as (
    {%- for days in marks %}
    select source_relation, handle, video_id, {{ days }} as days_after, {{ dbt.dateadd('day', days, 'created_at') }} as target_at
    from videos
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

{#- One row per capture (a snapshot loaded twice is one). #}
snapshots as (
    select source_relation, handle, video_id, captured_at, max(views) as views
    from {{ ref('stg_socialfetch_tiktok__video_stats') }}
    group by source_relation, handle, video_id, captured_at
),

straddles as (
    select
        targets.source_relation,
        targets.handle,
        targets.video_id,
        targets.days_after,
        targets.target_at,
        max(case when snapshots.captured_at <= targets.target_at then snapshots.captured_at end) as before_at,
        min(case when snapshots.captured_at >= targets.target_at then snapshots.captured_at end) as after_at
    from targets
    inner join snapshots
        on snapshots.source_relation = targets.source_relation and snapshots.handle = targets.handle
        and snapshots.video_id = targets.video_id
    group by targets.source_relation, targets.handle, targets.video_id, targets.days_after, targets.target_at
),

interpolated as (
    select
        straddles.source_relation,
        straddles.handle,
        straddles.video_id,
        straddles.days_after,
        case
            when before.views is null or after.views is null then null
            when straddles.after_at = straddles.before_at then before.views
            else cast(round(
                before.views + (after.views - before.views)
                * cast({{ dbt.datediff('straddles.before_at', 'straddles.target_at', 'second') }} as {{ double }})
                / cast({{ dbt.datediff('straddles.before_at', 'straddles.after_at', 'second') }} as {{ double }})
            ) as {{ dbt.type_bigint() }})
        end as views
    from straddles
    left join snapshots as before
        on before.source_relation = straddles.source_relation and before.handle = straddles.handle and before.video_id = straddles.video_id and before.captured_at = straddles.before_at
    left join snapshots as after
        on after.source_relation = straddles.source_relation and after.handle = straddles.handle and after.video_id = straddles.video_id and after.captured_at = straddles.after_at
),

peaks as (
    select source_relation, handle, video_id, date_day as peak_day, views_gained as peak_day_views_gained
    from (
        select
            source_relation, handle, video_id, date_day, views_gained,
            row_number() over (partition by source_relation, handle, video_id order by views_gained desc, date_day) as highest_first
        from {{ ref('tiktok__video_daily') }}
    ) as ranked
    where highest_first = 1 and views_gained > 0
)

select
    known.source_relation,
    known.handle,
    known.video_id,
    {%- for days in marks %}
    max(case when interpolated.days_after = {{ days }} then interpolated.views end) as views_day_{{ days }},
    {%- endfor %}
    max(peaks.peak_day) as peak_day,
    max(peaks.peak_day_views_gained) as peak_day_views_gained
from {{ ref('int_socialfetch_tiktok__video_snapshots') }} as known
left join interpolated
    on interpolated.source_relation = known.source_relation and interpolated.handle = known.handle
    and interpolated.video_id = known.video_id
left join peaks
    on peaks.source_relation = known.source_relation and peaks.handle = known.handle and peaks.video_id = known.video_id
group by known.source_relation, known.handle, known.video_id
