{#- One row per (handle, video_id): the video, its latest counts, engagement rate, parsed fields,
    whether it is still available (the rule in int_socialfetch_tiktok__video_availability), and
    its life: views 1, 7 and 30 days after publishing, its peak day
    (int_socialfetch_tiktok__video_lifecycle), and the days from publishing to the last day the
    data holds (the day spine's end, not today: a rebuild gives the same rows whenever it runs). -#}

with availability as (
    select * from {{ ref('int_socialfetch_tiktok__video_availability') }}
),

latest_snapshot as (
    select source_relation, handle, video_id, views, likes, comments, shares, saves
    from {{ ref('int_socialfetch_tiktok__video_snapshots') }}
),

joined as (
    select
        availability.source_relation,
        availability.handle,
        availability.video_id,
        availability.created_at,
        videos.caption,
        videos.url,
        videos.is_ad,
        videos.is_pinned,
        videos.duration_ms,
        videos.hashtags,
        videos.mentions,
        videos.music_id,
        videos.music_title,
        videos.music_author_name,
        coalesce(latest_snapshot.views, videos.views) as views,
        coalesce(latest_snapshot.likes, videos.likes) as likes,
        coalesce(latest_snapshot.comments, videos.comments) as comments,
        coalesce(latest_snapshot.shares, videos.shares) as shares,
        coalesce(latest_snapshot.saves, videos.saves) as saves,
        availability.first_captured_at,
        availability.last_captured_at,
        availability.last_seen_at,
        availability.is_available,
        availability.unavailable_since,
        availability.unavailable_reason,
        {{ dbt.datediff(socialfetch_tiktok.socialfetch_day('availability.created_at'), 'data_end.date_day', 'day') }} as days_since_published,
        lifecycle.views_day_1,
        lifecycle.views_day_7,
        lifecycle.views_day_30,
        lifecycle.peak_day,
        lifecycle.peak_day_views_gained
    from availability
    cross join (select max(date_day) as date_day from {{ ref('int_socialfetch_tiktok__day_spine') }}) as data_end
    left join {{ ref('int_socialfetch_tiktok__video_lifecycle') }} as lifecycle
        on lifecycle.source_relation = availability.source_relation and lifecycle.handle = availability.handle
        and lifecycle.video_id = availability.video_id
    left join {{ ref('stg_socialfetch_tiktok__videos') }} as videos
        on videos.source_relation = availability.source_relation and videos.handle = availability.handle and videos.video_id = availability.video_id
    left join latest_snapshot
        on latest_snapshot.source_relation = availability.source_relation and latest_snapshot.handle = availability.handle
        and latest_snapshot.video_id = availability.video_id
)

select
    *,
    case
        when views is null or views = 0 then null
        else cast(coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) + coalesce(saves, 0) as {{ socialfetch_tiktok.socialfetch_type_double() }})
            / cast(views as {{ socialfetch_tiktok.socialfetch_type_double() }})
    end as engagement_rate
from joined
