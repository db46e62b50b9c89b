{#- Per-hashtag performance: one row per (handle, hashtag), over the handle's available videos
    (is_available not false) that carry the tag, at their latest counts. -#}

with videos as (
    select * from {{ ref('tiktok__videos') }}
    where hashtags is not null and (is_available is null or is_available)
),

tagged as (
    select
        videos.source_relation,
        videos.handle,
        {{ socialfetch_tiktok.socialfetch_unnested_value('tags') }} as hashtag,
        videos.video_id,
        videos.views,
        videos.likes,
        videos.comments,
        videos.shares,
        videos.saves,
        videos.created_at
    from videos
    {{ socialfetch_tiktok.socialfetch_unnest_strings_from('videos', 'hashtags', 'tags') }}
)

select
    {{ dbt.concat(["handle", "'|'", "hashtag"]) }} as handle_hashtag_id,
    source_relation,
    handle,
    hashtag,
    cast(count(distinct video_id) as {{ dbt.type_bigint() }}) as videos,
    cast(sum(views) as {{ dbt.type_bigint() }}) as views,
    cast(sum(likes) as {{ dbt.type_bigint() }}) as likes,
    cast(sum(comments) as {{ dbt.type_bigint() }}) as comments,
    cast(sum(shares) as {{ dbt.type_bigint() }}) as shares,
    cast(sum(saves) as {{ dbt.type_bigint() }}) as saves,
    case
        when coalesce(sum(views), 0) = 0 then null
        else cast(coalesce(sum(likes), 0) + coalesce(sum(comments), 0) + coalesce(sum(shares), 0) + coalesce(sum(saves), 0) as {{ socialfetch_tiktok.socialfetch_type_double() }})
            / cast(sum(views) as {{ socialfetch_tiktok.socialfetch_type_double() }})
    end as engagement_rate,
    min(created_at) as first_used_at,
    max(created_at) as last_used_at
from tagged
group by source_relation, handle, hashtag
