{#- One row per video, in the columns fivetran/dbt_social_media_reporting's rollup report unions
    (its social_media_reporting.yml): created_timestamp, post_id, post_message, post_url, page_id,
    page_name, source_relation, platform, clicks, impressions, likes, comments, shares. As that
    package does for YouTube, clicks are the views; impressions are not given by TikTok (null);
    views and saves are kept beside them. Counts are the latest (tiktok__videos). -#}

select
    created_at as created_timestamp,
    cast(video_id as {{ dbt.type_string() }}) as post_id,
    cast(caption as {{ dbt.type_string() }}) as post_message,
    cast(url as {{ dbt.type_string() }}) as post_url,
    cast(handle as {{ dbt.type_string() }}) as page_id,
    cast(handle as {{ dbt.type_string() }}) as page_name,
    source_relation,
    cast('tiktok' as {{ dbt.type_string() }}) as platform,
    cast(coalesce(views, 0) as {{ dbt.type_bigint() }}) as clicks,
    cast(null as {{ dbt.type_bigint() }}) as impressions,
    cast(coalesce(likes, 0) as {{ dbt.type_bigint() }}) as likes,
    cast(coalesce(comments, 0) as {{ dbt.type_bigint() }}) as comments,
    cast(coalesce(shares, 0) as {{ dbt.type_bigint() }}) as shares,
    cast(coalesce(views, 0) as {{ dbt.type_bigint() }}) as views,
    cast(coalesce(saves, 0) as {{ dbt.type_bigint() }}) as saves
from {{ ref('tiktok__videos') }}
