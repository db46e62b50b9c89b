{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **socialfetch_tiktok.socialfetch_incremental_config('int_socialfetch_tiktok__video_snapshots')
    )
}}
{#- One row per video with a snapshot: its createdAt, its first and newest snapshot, the newest
    one's counts, the newest snapshot a read (0.3.0) listed, and its first and newest load. The other
    models read this instead of every snapshot.

    Incremental: takes the snapshots loaded since the newest load already in (less the lookback,
    macros/incremental.sql), whatever their capturedAt, and folds them into their videos' rows:
    earliest createdAt and first capture, latest capture and its counts. Every fold is a min or a
    max, so a snapshot taken twice changes nothing. -#}

{%- set least = socialfetch_tiktok.socialfetch_least -%}
{%- set greatest = socialfetch_tiktok.socialfetch_greatest %}

with new_snapshots as (
    select *
    from {{ ref('stg_socialfetch_tiktok__video_stats') }}
    {%- if is_incremental() %}
    {#- The mark as a constant, so that DuckDB prunes the scan by load time. #}
    where extracted_at > {{ socialfetch_tiktok.socialfetch_load_window_start('select max(last_extracted_at) from ' ~ this) }}
    {%- endif %}
),

summary as (
    select
        source_relation,
        handle,
        video_id,
        min(created_at) as created_at,
        min(captured_at) as first_captured_at,
        max(case when read_id is not null then captured_at end) as last_read_captured_at,
        min(extracted_at) as first_extracted_at,
        max(extracted_at) as last_extracted_at
    from new_snapshots
    group by source_relation, handle, video_id
),

newest as (
    select source_relation, handle, video_id, captured_at as last_captured_at, views, likes, comments, shares, saves
    from (
        select
            *,
            row_number() over (partition by source_relation, handle, video_id order by captured_at desc, extracted_at desc) as newest_first
        from new_snapshots
    ) as ranked
    where newest_first = 1
),

folded as (
    select
        summary.source_relation,
        summary.handle,
        summary.video_id,
        summary.created_at,
        summary.first_captured_at,
        newest.last_captured_at,
        summary.last_read_captured_at,
        summary.first_extracted_at,
        summary.last_extracted_at,
        newest.views,
        newest.likes,
        newest.comments,
        newest.shares,
        newest.saves
    from summary
    inner join newest
        on newest.source_relation = summary.source_relation and newest.handle = summary.handle and newest.video_id = summary.video_id
)

{% if is_incremental() %}
select
    folded.source_relation,
    folded.handle,
    folded.video_id,
    {{ least('built.created_at', 'folded.created_at') }} as created_at,
    {{ least('built.first_captured_at', 'folded.first_captured_at') }} as first_captured_at,
    {{ greatest('built.last_captured_at', 'folded.last_captured_at') }} as last_captured_at,
    {{ greatest('built.last_read_captured_at', 'folded.last_read_captured_at') }} as last_read_captured_at,
    {{ least('built.first_extracted_at', 'folded.first_extracted_at') }} as first_extracted_at,
    {{ greatest('built.last_extracted_at', 'folded.last_extracted_at') }} as last_extracted_at,
    {%- for count in socialfetch_tiktok.socialfetch_counts() %}
    case when built.last_captured_at > folded.last_captured_at then built.{{ count }} else folded.{{ count }} end as {{ count }}{{ ',' if not loop.last }}
    {%- endfor %}
from folded
left join {{ this }} as built
    on built.source_relation = folded.source_relation and built.handle = folded.handle and built.video_id = folded.video_id
{% else %}
select
    source_relation, handle, video_id, created_at, first_captured_at, last_captured_at, last_read_captured_at,
    first_extracted_at, last_extracted_at,
    views, likes, comments, shares, saves
from folded
{% endif %}
