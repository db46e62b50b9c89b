{#- The availability rule, applied: one row per known video with when it was first and last seen,
    and since when it is unavailable (null: available, or not decidable). A video is unavailable
    since the first read that missed it after it was last seen, or since its handle's profile
    turned private or not_found after it was last seen, whichever came first; a later read that
    lists it makes it available again (it is then seen after both). A video is available (true)
    only when a read (0.3.0, a snapshot with a readId) listed it and nothing since says it is
    gone; a video no read decided (known only from snapshots loaded before 0.3.0, or only from
    its videos record, as after a reset of video_stats) is null unless the profile says the
    videos are gone. -#}

with snapshots as (
    select source_relation, handle, video_id, created_at, first_captured_at, last_captured_at, last_read_captured_at
    from {{ ref('int_socialfetch_tiktok__video_snapshots') }}
),

videos as (
    select
        coalesce(videos.source_relation, snapshots.source_relation) as source_relation,
        coalesce(videos.handle, snapshots.handle) as handle,
        coalesce(videos.video_id, snapshots.video_id) as video_id,
        coalesce(videos.created_at, snapshots.created_at) as created_at,
        coalesce(snapshots.first_captured_at, videos.extracted_at) as first_captured_at,
        snapshots.last_captured_at,
        coalesce(snapshots.last_captured_at, videos.extracted_at) as last_seen_at,
        snapshots.last_read_captured_at
    from {{ ref('stg_socialfetch_tiktok__videos') }} as videos
    full outer join snapshots
        on snapshots.source_relation = videos.source_relation and snapshots.handle = videos.handle and snapshots.video_id = videos.video_id
),

first_miss_after_last_seen as (
    select
        videos.source_relation,
        videos.handle,
        videos.video_id,
        min(misses.missed_at) as missed_since
    from videos
    inner join {{ ref('int_socialfetch_tiktok__read_misses') }} as misses
        on misses.source_relation = videos.source_relation
        and misses.handle = videos.handle
        and misses.video_id = videos.video_id
        and misses.missed_at > videos.last_seen_at
    group by videos.source_relation, videos.handle, videos.video_id
),

decided as (
    select
        videos.*,
        misses.missed_since,
        case when profile.hidden_since > videos.last_seen_at then profile.hidden_since end as hidden_since,
        profile.lookup_status
    from videos
    left join first_miss_after_last_seen as misses
        on misses.source_relation = videos.source_relation and misses.handle = videos.handle and misses.video_id = videos.video_id
    left join {{ ref('int_socialfetch_tiktok__profile_status') }} as profile
        on profile.source_relation = videos.source_relation and profile.handle = videos.handle
)

select
    source_relation,
    handle,
    video_id,
    created_at,
    first_captured_at,
    last_captured_at,
    last_seen_at,
    case
        when missed_since is null then hidden_since
        when hidden_since is null then missed_since
        when hidden_since < missed_since then hidden_since
        else missed_since
    end as unavailable_since,
    case
        when hidden_since is not null and (missed_since is null or hidden_since <= missed_since) then lookup_status
        when missed_since is not null then 'not_listed'
    end as unavailable_reason,
    case
        when missed_since is not null or hidden_since is not null then false
        when last_read_captured_at is not null then true
    end as is_available
from decided
