{%- do source('socialfetch_tiktok', 'video_stats') %}{#- lineage: src_socialfetch_tiktok.yml; the table is read through socialfetch_relation below. #}
{#- One row per snapshot: a video's counts as read at captured_at, the read (0.3.0) it came from,
    and when it was loaded (extracted_at: the incremental models' mark). A record delivered twice
    (append mode's at-least-once delivery) is one snapshot: exact duplicates are removed with
    DISTINCT, which a filter on any column passes through, so the incremental models' filters on
    extracted_at and captured_at still prune the scan. -#}
{%- set c = socialfetch_tiktok.socialfetch_col -%}

with source as (
    {{ socialfetch_tiktok.socialfetch_union_source('video_stats') }}
),

renamed as (
    select
        source_relation,
        cast({{ c('handle') }} as {{ dbt.type_string() }}) as handle,
        cast({{ c('id') }} as {{ dbt.type_string() }}) as video_id,
        {{ socialfetch_tiktok.socialfetch_utc('createdAt', 'video_stats') }} as created_at,
        {{ socialfetch_tiktok.socialfetch_utc('capturedAt', 'video_stats') }} as captured_at,
        cast({{ c('views') }} as {{ dbt.type_bigint() }}) as views,
        cast({{ c('likes') }} as {{ dbt.type_bigint() }}) as likes,
        cast({{ c('comments') }} as {{ dbt.type_bigint() }}) as comments,
        cast({{ c('shares') }} as {{ dbt.type_bigint() }}) as shares,
        cast({{ c('saves') }} as {{ dbt.type_bigint() }}) as saves,
        {%- if socialfetch_tiktok.socialfetch_stats_have_read_id() %}
        cast({{ c('readId') }} as {{ dbt.type_string() }}) as read_id,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as read_id,
        {%- endif %}
        {{ socialfetch_tiktok.socialfetch_utc('_airbyte_extracted_at', 'video_stats') }} as extracted_at
    from source
)

select distinct * from renamed
where video_id is not null and captured_at is not null
