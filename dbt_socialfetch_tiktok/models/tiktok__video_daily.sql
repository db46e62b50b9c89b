-- depends_on: {{ ref('int_socialfetch_tiktok__video_snapshots') }}
{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **socialfetch_tiktok.socialfetch_incremental_config('tiktok__video_daily')
    )
}}
{#- One row per (handle, video_id, date_day), from the UTC day of the video's first snapshot to the
    day of its last. Counts are as of the end of the day: the day's last snapshot, or carried
    forward from the last one before it (is_observed false). views_gained (and likes_gained,
    comments_gained, shares_gained, saves_gained) is against the day before (0 on the first day),
    so a video's gains of each count sum to its last count minus its count at the end of its
    first day. is_last_day marks each video's last row; snapshot_extracted_at
    is when the day's snapshot was loaded (the incremental mark).

    Incremental: a run takes the snapshots LOADED since the newest snapshot_extracted_at already
    in (less the lookback, macros/incremental.sql), whatever their capturedAt, and rebuilds each
    such video from the first day one of them lands on: from the video's built row the day before
    (its counts carry forward, its gains stay) and every snapshot of the video from that
    day on. A snapshot that arrives late, older than what was built, rebuilds its video from its
    day; a snapshot taken twice rebuilds the same rows. -#}

{%- set counts = socialfetch_tiktok.socialfetch_counts() -%}
{%- set day = socialfetch_tiktok.socialfetch_day -%}
{%- set add_days = socialfetch_tiktok.socialfetch_add_days -%}
{%- set same_video = socialfetch_tiktok.socialfetch_same_video %}

{#- When a build replaces whole days (BigQuery), the kept rows of those days too: macros/strategies.sql. #}
{% call socialfetch_tiktok.socialfetch_overwritten_days('tiktok__video_daily') %}
with
{% if is_incremental() %}
{#- The loads this run takes: after the mark (less the lookback) and up to the newest one there
    when it starts (a later one waits for the next run), and the first day they land on. Both are
    read first and written in as constants, so that the scans of video_stats and of this table
    are pruned to the days rebuilt: a bound computed in the query itself is not (issue 29). -#}
{%- set window = socialfetch_tiktok.socialfetch_load_window('select max(snapshot_extracted_at) from ' ~ this) -%}
{%- set first_day = window.first_day -%}
{%- set window_end = window.end %}
{#- The first day each video with a newly loaded snapshot is rebuilt from. #}
changed as (
    select source_relation, handle, video_id, min({{ day('captured_at') }}) as from_day
    from {{ ref('stg_socialfetch_tiktok__video_stats') }}
    where extracted_at > {{ window.start }} and extracted_at <= {{ window_end }}
    group by source_relation, handle, video_id
),

{#- The video's built row just before that day: the day before, or its last day when it ended
    earlier. Its counts stand in for every snapshot before it. The day before is on or after
    first_day - 1 (recent: a pruned scan); a last day before that belongs to a video not read for
    a while and coming back, found by is_last_day. #}
{%- set anchor_columns -%}
        built.source_relation, built.handle, built.video_id, built.date_day, built.snapshot_captured_at, built.snapshot_extracted_at,
        built.views, built.likes, built.comments, built.shares, built.saves,
        {%- for count in counts %}
        built.{{ count }}_gained{{ ',' if not loop.last }}
        {%- endfor %}
{%- endset %}
recent as (
    select {{ anchor_columns }}
    from {{ this }} as built
    inner join changed on {{ same_video('changed', 'built') }}
    where built.date_day >= {{ add_days(first_day, -1) }}
        and built.date_day < changed.from_day
        and (built.date_day = {{ add_days('changed.from_day', -1) }} or built.is_last_day)
),

{#- The changed videos that may have such an older last day: snapshots before from_day, no recent
    row. Usually none, and then the scan of the whole table's last days below is skipped. #}
back_after_gap as (
    select changed.source_relation, changed.handle, changed.video_id
    from changed
    inner join {{ ref('int_socialfetch_tiktok__video_snapshots') }} as known
        on {{ same_video('known', 'changed') }} and known.first_captured_at < cast(changed.from_day as {{ socialfetch_tiktok.socialfetch_type_timestamp() }})
    where not exists (select 1 from recent where {{ same_video('recent', 'changed') }})
),

anchor as (
    select * from recent
    union all
    select {{ anchor_columns }}
    from {{ this }} as built
    inner join back_after_gap on {{ same_video('back_after_gap', 'built') }}
    where built.is_last_day
        and built.date_day < {{ add_days(first_day, -1) }}
),

snapshots as (
    select
        stats.source_relation, stats.handle, stats.video_id, stats.captured_at, stats.extracted_at,
        stats.views, stats.likes, stats.comments, stats.shares, stats.saves,
        {{ day('stats.captured_at') }} as date_day,
        {%- for count in counts %}
        cast(null as {{ dbt.type_bigint() }}) as kept_{{ count }}_gained{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
    inner join changed
        on changed.source_relation = stats.source_relation and changed.handle = stats.handle and changed.video_id = stats.video_id
    where stats.captured_at >= cast({{ first_day }} as {{ socialfetch_tiktok.socialfetch_type_timestamp() }})
        and {{ day('stats.captured_at') }} >= changed.from_day
        and stats.extracted_at <= {{ window_end }}
    union all
    select
        source_relation, handle, video_id, snapshot_captured_at, snapshot_extracted_at, views, likes, comments, shares, saves,
        date_day, views_gained, likes_gained, comments_gained, shares_gained, saves_gained
    from anchor
),
{% else %}
snapshots as (
    select
        source_relation, handle, video_id, captured_at, extracted_at, views, likes, comments, shares, saves,
        {{ day('captured_at') }} as date_day,
        {%- for count in counts %}
        cast(null as {{ dbt.type_bigint() }}) as kept_{{ count }}_gained{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('stg_socialfetch_tiktok__video_stats') }}
),
{% endif %}

end_of_day as (
    select
        source_relation, handle, video_id, date_day, captured_at, extracted_at, views, likes, comments, shares, saves,
        kept_views_gained, kept_likes_gained, kept_comments_gained, kept_shares_gained, kept_saves_gained,
        lead(date_day) over (partition by source_relation, handle, video_id order by date_day) as next_observed_day
    from (
        select
            *,
            row_number() over (
                partition by source_relation, handle, video_id, date_day
                order by captured_at desc, extracted_at desc
            ) as newest_first
        from snapshots
    ) as ranked
    where newest_first = 1
),

days as (
    select
        end_of_day.source_relation,
        end_of_day.handle,
        end_of_day.video_id,
        spine.date_day,
        spine.date_day = {{ day('end_of_day.captured_at') }} as is_observed,
        end_of_day.next_observed_day is null as is_last_day,
        end_of_day.captured_at as snapshot_captured_at,
        end_of_day.extracted_at as snapshot_extracted_at,
        end_of_day.views,
        end_of_day.likes,
        end_of_day.comments,
        end_of_day.shares,
        end_of_day.saves,
        {%- for count in counts %}
        case when spine.date_day = end_of_day.date_day then end_of_day.kept_{{ count }}_gained end as kept_{{ count }}_gained{{ ',' if not loop.last }}
        {%- endfor %}
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
        {%- for count in counts %}
        lag(days.{{ count }}) over (partition by days.source_relation, days.handle, days.video_id order by days.date_day) as {{ count }}_before{{ ',' if not loop.last }}
        {%- endfor %}
    from days
)

select
    {{ dbt.concat(["handle", "'|'", "video_id", "'|'", dbt.cast("date_day", dbt.type_string())]) }} as video_day_id,
    source_relation,
    handle,
    video_id,
    date_day,
    views,
    likes,
    comments,
    shares,
    saves,
    {%- for count in counts %}
    coalesce(kept_{{ count }}_gained, {{ count }} - coalesce({{ count }}_before, {{ count }})) as {{ count }}_gained,
    {%- endfor %}
    is_observed,
    is_last_day,
    snapshot_captured_at,
    snapshot_extracted_at
from gained
{%- if not is_incremental() and target.type != 'bigquery' %}
{#- Stored in day order (later builds append newer days), so that the incremental build's reads of
    recent days skip the older row groups (DuckDB's zone maps; Snowflake's micro-partitions).
    BigQuery partitions by day instead. #}
order by date_day
{%- endif %}
{% endcall %}
