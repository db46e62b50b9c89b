{%- do source('socialfetch_tiktok', 'handle_reads') %}{#- lineage: src_socialfetch_tiktok.yml; the table is read through socialfetch_relation below. #}
{#- One row per read part: what a sync read of a handle, and which videos' createdAt it covers.
    A destination loaded before 0.3.0 has no handle_reads table: this model is then empty, and
    the availability rule says it cannot decide (socialfetch_has_handle_reads). A read part is one
    row however often it was delivered: the newest record of each readId. extracted_at, when it
    was loaded, is the incremental models' mark. -#}
{%- set c = socialfetch_tiktok.socialfetch_col -%}

{%- if socialfetch_tiktok.socialfetch_has_handle_reads() %}
with source as (
    {{ socialfetch_tiktok.socialfetch_union_source('handle_reads') }}
),

renamed as (
    select
        source_relation,
        cast({{ c('readId') }} as {{ dbt.type_string() }}) as read_id,
        cast({{ c('syncId') }} as {{ dbt.type_string() }}) as sync_id,
        cast({{ c('handle') }} as {{ dbt.type_string() }}) as handle,
        cast({{ c('part') }} as {{ dbt.type_string() }}) as part,
        {{ socialfetch_tiktok.socialfetch_utc('startedAt', 'handle_reads') }} as started_at,
        {{ socialfetch_tiktok.socialfetch_utc('endedAt', 'handle_reads') }} as ended_at,
        cast({{ c('pages') }} as {{ dbt.type_bigint() }}) as pages,
        cast({{ c('videos') }} as {{ dbt.type_bigint() }}) as videos,
        cast({{ c('outcome') }} as {{ dbt.type_string() }}) as outcome,
        {{ socialfetch_tiktok.socialfetch_utc('coveredFrom', 'handle_reads') }} as covered_from,
        {{ socialfetch_tiktok.socialfetch_utc('coveredTo', 'handle_reads') }} as covered_to,
        {{ socialfetch_tiktok.socialfetch_utc('_airbyte_extracted_at', 'handle_reads') }} as extracted_at,
        row_number() over (
            partition by source_relation, {{ c('readId') }} order by {{ c('_airbyte_extracted_at') }} desc
        ) as newest_first
    from source
)

select
    source_relation, read_id, sync_id, handle, part, started_at, ended_at, pages, videos, outcome, covered_from, covered_to, extracted_at
from renamed
where newest_first = 1 and read_id is not null
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as source_relation,
    cast(null as {{ dbt.type_string() }}) as read_id,
    cast(null as {{ dbt.type_string() }}) as sync_id,
    cast(null as {{ dbt.type_string() }}) as handle,
    cast(null as {{ dbt.type_string() }}) as part,
    cast(null as {{ socialfetch_tiktok.socialfetch_type_timestamp() }}) as started_at,
    cast(null as {{ socialfetch_tiktok.socialfetch_type_timestamp() }}) as ended_at,
    cast(null as {{ dbt.type_bigint() }}) as pages,
    cast(null as {{ dbt.type_bigint() }}) as videos,
    cast(null as {{ dbt.type_string() }}) as outcome,
    cast(null as {{ socialfetch_tiktok.socialfetch_type_timestamp() }}) as covered_from,
    cast(null as {{ socialfetch_tiktok.socialfetch_type_timestamp() }}) as covered_to,
    cast(null as {{ socialfetch_tiktok.socialfetch_type_timestamp() }}) as extracted_at
where 1 = 0
{%- endif %}
