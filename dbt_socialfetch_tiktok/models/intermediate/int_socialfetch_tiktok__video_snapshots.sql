{{
    config(
        materialized='incremental',
        unique_key=['handle', 'video_id'],
        incremental_strategy=('merge' if target.type in ['bigquery', 'snowflake'] else 'delete+insert'),
        on_schema_change='fail'
    )
}}
{#- One row per video with a snapshot: its createdAt, its first and newest snapshot, and the newest
    snapshot's counts. The other models read this instead of every snapshot.

    Incremental: takes the snapshots captured after the newest one already in, and folds them into
    their videos' rows (the earliest createdAt and first capture kept, the newest counts taken).
    Snapshots are appended in capture order, as for tiktok__video_daily. -#}

with
{% if is_incremental() %}
new_snapshots as (
    select *
    from {{ ref('stg_socialfetch_tiktok__video_stats') }}
    {#- A scalar subquery, so that DuckDB prunes the scan by capture time. #}
    where captured_at > (select coalesce(max(last_captured_at), {{ socialfetch_tiktok.socialfetch_min_timestamp() }}) from {{ this }})
),
{% else %}
new_snapshots as (
    select * from {{ ref('stg_socialfetch_tiktok__video_stats') }}
),
{% endif %}

summary as (
    select
        handle,
        video_id,
        min(created_at) as created_at,
        min(captured_at) as first_captured_at,
        max(captured_at) as last_captured_at,
        count(*) as snapshots
    from new_snapshots
    group by handle, video_id
),

newest as (
    select
        summary.*,
        snapshot.views,
        snapshot.likes,
        snapshot.comments,
        snapshot.shares,
        snapshot.saves
    from summary
    inner join new_snapshots as snapshot
        on snapshot.handle = summary.handle
        and snapshot.video_id = summary.video_id
        and snapshot.captured_at = summary.last_captured_at
)

{% if is_incremental() %}
select
    newest.handle,
    newest.video_id,
    case
        when built.created_at is null then newest.created_at
        when newest.created_at is null or built.created_at <= newest.created_at then built.created_at
        else newest.created_at
    end as created_at,
    coalesce(built.first_captured_at, newest.first_captured_at) as first_captured_at,
    newest.last_captured_at,
    cast(coalesce(built.snapshots, 0) + newest.snapshots as {{ dbt.type_bigint() }}) as snapshots,
    newest.views,
    newest.likes,
    newest.comments,
    newest.shares,
    newest.saves
from newest
left join {{ this }} as built
    on built.handle = newest.handle and built.video_id = newest.video_id
{% else %}
select
    handle,
    video_id,
    created_at,
    first_captured_at,
    last_captured_at,
    cast(snapshots as {{ dbt.type_bigint() }}) as snapshots,
    views,
    likes,
    comments,
    shares,
    saves
from newest
{% endif %}
