{#- The availability rule, part one: every read that should have listed a known video and did
    not. A read R of a handle covers a video when the video's createdAt is in [coveredFrom,
    coveredTo] (coveredFrom null: no lower bound, and then videos without createdAt are covered
    too); a read with coveredTo null covers nothing. R misses the video when no video_stats record
    of R's sync (syncId) and handle has its id. Only videos the destination knew before R began
    count: a read cannot miss what was never seen. -#}

with reads as (
    select * from {{ ref('stg_socialfetch_tiktok__handle_reads') }}
),

videos as (
    select
        handle,
        video_id,
        min(created_at) as created_at,
        min(captured_at) as first_captured_at
    from {{ ref('stg_socialfetch_tiktok__video_stats') }}
    group by handle, video_id
),

seen_in_sync as (
    select distinct stats.handle, stats.video_id, reads.sync_id
    from {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
    inner join reads on reads.read_id = stats.read_id
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
