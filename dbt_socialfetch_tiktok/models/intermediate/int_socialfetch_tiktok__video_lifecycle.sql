{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **socialfetch_tiktok.socialfetch_incremental_config('int_socialfetch_tiktok__video_lifecycle')
    )
}}
{#- One row per video with a snapshot: its views 1, 7 and 30 days after it was published, and its
    peak day. views_day_N is interpolated in time between the last snapshot at or before
    createdAt + N days and the first at or after it; null when either is missing (never guessed
    before the first snapshot or past the last one). The peak day is the day of tiktok__video_daily
    with the most views gained (the earliest of equals); a day after days without a snapshot holds
    their gains too. Null when no day gained. last_extracted_at: the newest load of the video's
    snapshots folded in (the incremental mark).

    Incremental, by load: a run recomputes the videos with a snapshot loaded since the mark (less
    the lookback, macros/incremental.sql), each from the first day one of those lands on
    (from_day), reading only what that day can change. Before it, the video's days in
    tiktok__video_daily are as they were, and kept_until (the newest snapshot before from_day:
    video_daily's row the day before) bounds what a new snapshot can move:
    - views_day_N whose moment is before kept_until keeps its built value: its straddling
      snapshots are both at or before kept_until, and every new one is after. The others are
      interpolated again from the video's snapshots at or after kept_until (all of it when a
      moment before kept_until had no value yet, as when createdAt arrived late).
    - the peak is the best of the built peak, when its day is before from_day, and the days from
      from_day on; when the built peak's day was rebuilt, every day of the video.
    So a daily build reads a day or two of snapshots and days per video, not its history. -#}

{%- set marks = [1, 7, 30] -%}
{%- set double = socialfetch_tiktok.socialfetch_type_double() -%}
{%- set timestamp = socialfetch_tiktok.socialfetch_type_timestamp() -%}
{%- set same_video = socialfetch_tiktok.socialfetch_same_video %}

{%- set add_days = socialfetch_tiktok.socialfetch_add_days %}

with
{% if is_incremental() %}
{#- The loads this run takes and the first day they land on, read first and written in as
    constants (macros/incremental.sql), so that the scans of video_stats and tiktok__video_daily
    are pruned to the days recomputed. -#}
{%- set window = socialfetch_tiktok.socialfetch_load_window('select max(last_extracted_at) from ' ~ this) %}
{%- set recomputed -%}
{#- The videos recomputed, the first day a newly loaded snapshot lands on, and the newest
    snapshot before that day. #}
changed as (
    select
        changed.source_relation, changed.handle, changed.video_id, changed.from_day,
        before.snapshot_captured_at as kept_until
    from (
        select source_relation, handle, video_id, min({{ socialfetch_tiktok.socialfetch_day('captured_at') }}) as from_day
        from {{ ref('stg_socialfetch_tiktok__video_stats') }}
        where extracted_at > {{ window.start }} and extracted_at <= {{ window.end }}
        group by source_relation, handle, video_id
    ) as changed
    left join {{ ref('tiktok__video_daily') }} as before
        on {{ same_video('before', 'changed') }} and before.date_day = {{ add_days('changed.from_day', -1) }}
        and before.date_day >= {{ add_days(window.first_day, -1) }}
),

built as (
    select built.*
    from {{ this }} as built
    inner join changed on {{ same_video('changed', 'built') }}
),

videos as (
    select known.source_relation, known.handle, known.video_id, known.created_at, known.first_captured_at, known.last_captured_at,
        changed.from_day, changed.kept_until
    from {{ ref('int_socialfetch_tiktok__video_snapshots') }} as known
    inner join changed on {{ same_video('changed', 'known') }}
    where known.created_at is not null
),

{#- Each moment: kept (its built value stands), or interpolated again from the snapshots at or
    after scan_from. A moment outside the video's snapshots has no value. #}
moments as (
    select
        moments.*,
        case
            when moments.target_at < moments.first_captured_at or moments.target_at > moments.last_captured_at then null
            when moments.kept_until is null then cast(moments.from_day as {{ timestamp }})
            when moments.target_at >= moments.kept_until then moments.kept_until
            when moments.built_views is null then moments.first_captured_at
        end as scan_from,
        moments.kept_until is not null and moments.target_at < moments.kept_until and moments.built_views is not null as is_kept
    from (
        {%- for days in marks %}
        select
            videos.source_relation, videos.handle, videos.video_id, videos.first_captured_at, videos.last_captured_at,
            videos.from_day, videos.kept_until,
            {{ days }} as days_after,
            {{ dbt.dateadd('day', days, 'videos.created_at') }} as target_at,
            built.views_day_{{ days }} as built_views
        from videos
        left join built on {{ same_video('built', 'videos') }}
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    ) as moments
),

targets as (
    select source_relation, handle, video_id, days_after, target_at, scan_from
    from moments
    where scan_from is not null and not is_kept
),

scan_from as (
    select source_relation, handle, video_id, min(scan_from) as scan_from
    from targets
    group by source_relation, handle, video_id
)
{%- endset %}
{#- Where the rescan of video_stats starts, a constant read first (none to rescan: no scan at all). #}
{%- set rescan_from = socialfetch_tiktok.socialfetch_query_row('with ' ~ recomputed ~ ' select min(scan_from) from scan_from') or [none] -%}
{%- set rescan_from = socialfetch_tiktok.socialfetch_literal(rescan_from[0], 'timestamp', "cast('9999-12-31 00:00:00' as " ~ timestamp ~ ")") %}
{{ recomputed }},

{#- One row per capture (a snapshot loaded twice is one), of the videos and times interpolated
    again. The constant bound first, so that the scan is pruned by capture time. #}
snapshots as (
    select stats.source_relation, stats.handle, stats.video_id, stats.captured_at, max(stats.views) as views
    from {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
    inner join scan_from on {{ same_video('scan_from', 'stats') }}
    where stats.captured_at >= {{ rescan_from }}
        and stats.captured_at >= scan_from.scan_from
    group by stats.source_relation, stats.handle, stats.video_id, stats.captured_at
),

{#- The videos whose built peak's day was rebuilt (usually none). #}
repeaked as (
    select changed.source_relation, changed.handle, changed.video_id, changed.from_day
    from changed
    inner join built on {{ same_video('built', 'changed') }}
    where built.peak_day >= changed.from_day
),

{#- The days the peak is taken over: from from_day on, every day when the built peak's day was
    rebuilt, and the built peak when it was not. #}
peak_candidates as (
    select daily.source_relation, daily.handle, daily.video_id, daily.date_day, daily.views_gained
    from {{ ref('tiktok__video_daily') }} as daily
    inner join changed on {{ same_video('changed', 'daily') }}
    where daily.date_day >= {{ window.first_day }}
        and daily.date_day >= changed.from_day
    union all
    select daily.source_relation, daily.handle, daily.video_id, daily.date_day, daily.views_gained
    from {{ ref('tiktok__video_daily') }} as daily
    inner join repeaked on {{ same_video('repeaked', 'daily') }}
    where daily.date_day < repeaked.from_day
    union all
    select built.source_relation, built.handle, built.video_id, built.peak_day, built.peak_day_views_gained
    from built
    inner join changed on {{ same_video('changed', 'built') }}
    where built.peak_day < changed.from_day
),

known as (
    select known.*
    from {{ ref('int_socialfetch_tiktok__video_snapshots') }} as known
    inner join changed on {{ same_video('changed', 'known') }}
),
{% else %}
videos as (
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

peak_candidates as (
    select source_relation, handle, video_id, date_day, views_gained
    from {{ ref('tiktok__video_daily') }}
),

known as (
    select * from {{ ref('int_socialfetch_tiktok__video_snapshots') }}
),
{% endif %}

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
    {%- if is_incremental() %}
    union all
    select source_relation, handle, video_id, days_after, built_views
    from moments
    where is_kept
    {%- endif %}
),

peaks as (
    select source_relation, handle, video_id, date_day as peak_day, views_gained as peak_day_views_gained
    from (
        select
            source_relation, handle, video_id, date_day, views_gained,
            row_number() over (partition by source_relation, handle, video_id order by views_gained desc, date_day) as highest_first
        from peak_candidates
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
    max(peaks.peak_day_views_gained) as peak_day_views_gained,
    max(known.last_extracted_at) as last_extracted_at
from known
left join interpolated
    on interpolated.source_relation = known.source_relation and interpolated.handle = known.handle
    and interpolated.video_id = known.video_id
left join peaks
    on peaks.source_relation = known.source_relation and peaks.handle = known.handle and peaks.video_id = known.video_id
group by known.source_relation, known.handle, known.video_id
