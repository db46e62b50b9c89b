{#- The report: every platform's posts, unioned, in the report's columns (rollup_columns) and the
    rest after them. -#}
with unioned as (
    {{ union_posts(staging_relations()) }}
)

select _dbt_source_relation, {{ rollup_columns() | join(', ') }}, views, saves
from unioned
