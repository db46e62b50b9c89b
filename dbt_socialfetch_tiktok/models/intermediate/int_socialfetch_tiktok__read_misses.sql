{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail'
    )
}}
{#- The availability rule, part one: every read that should have listed a known video and did
    not. A read R of a handle covers a video when the video's createdAt is in [coveredFrom,
    coveredTo] (coveredFrom null: no lower bound, and then videos without createdAt are covered
    too); a read with coveredTo null covers nothing. R misses the video when no video_stats record
    of R's sync (syncId) and handle has its id. Only videos the destination knew before R began
    count: a read cannot miss what was never seen. The rule as the contract writes it, with no
    condition of its own: a read that could not have listed a pinned video claims nothing (0.4.0).

    Incremental: checks the reads that started after the newest miss already in (a read's misses
    never change once its sync is loaded) and appends theirs. Reads are appended in start order;
    one loaded late needs a full refresh. -#}

with reads as (
    select * from {{ ref('stg_socialfetch_tiktok__handle_reads') }}
    {%- if is_incremental() %}
    where started_at > (select coalesce(max(missed_at), {{ socialfetch_tiktok.socialfetch_min_timestamp() }}) from {{ this }})
    {%- endif %}
),

videos as (
    select handle, video_id, created_at, first_captured_at
    from {{ ref('int_socialfetch_tiktok__video_snapshots') }}
),

{#- The videos each sync listed, for the syncs of the reads checked. #}
seen_in_sync as (
    select distinct stats.handle, stats.video_id, sync_reads.sync_id
    from {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
    inner join {{ ref('stg_socialfetch_tiktok__handle_reads') }} as sync_reads
        on sync_reads.read_id = stats.read_id
    {%- if is_incremental() %}
    where sync_reads.sync_id in (select sync_id from reads)
    {%- endif %}
),

covering as (
    select
        videos.handle,
        videos.video_id,
        reads.read_id,
        reads.sync_id,
        reads.part,
        reads.started_at as missed_at
    from videos
    inner join reads
        on reads.handle = videos.handle
    where reads.covered_to is not null
        and videos.first_captured_at < reads.started_at
        and (
            (videos.created_at is not null
                and videos.created_at <= reads.covered_to
                and (reads.covered_from is null or videos.created_at >= reads.covered_from))
            or (videos.created_at is null and reads.covered_from is null)
        )
)

select covering.*
from covering
left join seen_in_sync
    on seen_in_sync.handle = covering.handle
    and seen_in_sync.video_id = covering.video_id
    and seen_in_sync.sync_id = covering.sync_id
where seen_in_sync.video_id is null
