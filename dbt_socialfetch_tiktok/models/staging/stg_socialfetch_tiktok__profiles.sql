{%- do source('socialfetch_tiktok', 'profiles') %}{#- lineage: src_socialfetch_tiktok.yml; the table is read through socialfetch_relation below. #}
{#- One row per profile record. The record has no read time of its own: _airbyte_extracted_at is
    when the loader received it, the closest fact there is. PyAirbyte's default write merges on
    `handle` (one row per handle); the Airbyte UI's Full refresh | Append keeps one per sync. A
    record delivered twice (at-least-once delivery) is one: exact duplicates are removed. -#}
{%- set c = socialfetch_tiktok.socialfetch_col -%}

{%- if socialfetch_tiktok.socialfetch_has_stream('profiles') %}
with source as (
    {{ socialfetch_tiktok.socialfetch_union_source('profiles') }}
)

select distinct
    source_relation,
    cast({{ c('handle') }} as {{ dbt.type_string() }}) as handle,
    cast({{ c('lookupStatus') }} as {{ dbt.type_string() }}) as lookup_status,
    cast({{ socialfetch_tiktok.socialfetch_json_text(c('metrics'), 'followers') }} as {{ dbt.type_bigint() }}) as followers,
    cast({{ socialfetch_tiktok.socialfetch_json_text(c('metrics'), 'following') }} as {{ dbt.type_bigint() }}) as following,
    cast({{ socialfetch_tiktok.socialfetch_json_text(c('metrics'), 'likes') }} as {{ dbt.type_bigint() }}) as total_likes,
    cast({{ socialfetch_tiktok.socialfetch_json_text(c('metrics'), 'posts') }} as {{ dbt.type_bigint() }}) as posts,
    {{ socialfetch_tiktok.socialfetch_utc('_airbyte_extracted_at', 'profiles') }} as extracted_at
from source
where {{ c('handle') }} is not null
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as source_relation,
    cast(null as {{ dbt.type_string() }}) as handle,
    cast(null as {{ dbt.type_string() }}) as lookup_status,
    cast(null as {{ dbt.type_bigint() }}) as followers,
    cast(null as {{ dbt.type_bigint() }}) as following,
    cast(null as {{ dbt.type_bigint() }}) as total_likes,
    cast(null as {{ dbt.type_bigint() }}) as posts,
    cast(null as {{ socialfetch_tiktok.socialfetch_type_timestamp() }}) as extracted_at
where 1 = 0
{%- endif %}
