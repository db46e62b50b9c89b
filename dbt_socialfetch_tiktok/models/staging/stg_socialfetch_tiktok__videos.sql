{%- do source('socialfetch_tiktok', 'videos') %}{#- lineage: src_socialfetch_tiktok.yml; the table is read through socialfetch_relation below. #}
{#- One row per (handle, video_id): the latest record of each video (a destination syncing
    `videos` as Append keeps one row per read; Append + Deduped and PyAirbyte keep one). -#}
{%- set c = socialfetch_tiktok.socialfetch_col -%}
{%- set parsed = socialfetch_tiktok.socialfetch_has_parsed_fields() -%}

with source as (
    {{ socialfetch_tiktok.socialfetch_union_source('videos') }}
),

renamed as (
    select
        source_relation,
        cast({{ c('handle') }} as {{ dbt.type_string() }}) as handle,
        cast({{ c('id') }} as {{ dbt.type_string() }}) as video_id,
        {{ socialfetch_tiktok.socialfetch_utc('createdAt', 'videos') }} as created_at,
        cast({{ c('caption') }} as {{ dbt.type_string() }}) as caption,
        cast({{ c('url') }} as {{ dbt.type_string() }}) as url,
        cast({{ c('isAd') }} as {{ dbt.type_boolean() }}) as is_ad,
        cast({{ c('pinned') }} as {{ dbt.type_boolean() }}) as is_pinned,
        cast({{ c('durationMs') }} as {{ dbt.type_bigint() }}) as duration_ms,
        cast({{ socialfetch_tiktok.socialfetch_json_text(c('stats'), 'views') }} as {{ dbt.type_bigint() }}) as views,
        cast({{ socialfetch_tiktok.socialfetch_json_text(c('stats'), 'likes') }} as {{ dbt.type_bigint() }}) as likes,
        cast({{ socialfetch_tiktok.socialfetch_json_text(c('stats'), 'comments') }} as {{ dbt.type_bigint() }}) as comments,
        cast({{ socialfetch_tiktok.socialfetch_json_text(c('stats'), 'shares') }} as {{ dbt.type_bigint() }}) as shares,
        cast({{ socialfetch_tiktok.socialfetch_json_text(c('stats'), 'saves') }} as {{ dbt.type_bigint() }}) as saves,
        {%- if parsed %}
        {{ c('hashtags') }} as hashtags,
        {{ c('mentions') }} as mentions,
        cast({{ socialfetch_tiktok.socialfetch_json_text(c('music'), 'id') }} as {{ dbt.type_string() }}) as music_id,
        cast({{ socialfetch_tiktok.socialfetch_json_text(c('music'), 'title') }} as {{ dbt.type_string() }}) as music_title,
        cast({{ socialfetch_tiktok.socialfetch_json_text(c('music'), 'authorName') }} as {{ dbt.type_string() }}) as music_author_name,
        {%- else %}
        {{ socialfetch_tiktok.socialfetch_null_json() }} as hashtags,
        {{ socialfetch_tiktok.socialfetch_null_json() }} as mentions,
        cast(null as {{ dbt.type_string() }}) as music_id,
        cast(null as {{ dbt.type_string() }}) as music_title,
        cast(null as {{ dbt.type_string() }}) as music_author_name,
        {%- endif %}
        {{ socialfetch_tiktok.socialfetch_utc('_airbyte_extracted_at', 'videos') }} as extracted_at
    from source
),

ranked as (
    select
        *,
        row_number() over (partition by source_relation, handle, video_id order by extracted_at desc) as newest_first
    from renamed
    where video_id is not null
)

select
    source_relation, handle, video_id, created_at, caption, url, is_ad, is_pinned, duration_ms,
    views, likes, comments, shares, saves,
    hashtags, mentions, music_id, music_title, music_author_name, extracted_at
from ranked
where newest_first = 1
