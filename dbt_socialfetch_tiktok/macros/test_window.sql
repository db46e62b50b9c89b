{#- Data tests on a window: a test of a model whose config names a window column
    (meta: socialfetch_test_window: <column>) checks only the rows of the newest
    socialfetch_test_window_days days of that column (relative to the model's own newest value, so
    the window holds what the latest builds wrote, whatever the wall clock says). 0 or unset: whole
    tables (the full-test mode, which the package's integration tests and `make test` run). Models
    with no such column, and the singular tests in tests/, are tested whole.

    dbt wraps a generic test's model in get_where_subquery; this is its override, found through
    dispatch: first when the package is the root project, and in a project that installs the
    package when it lists socialfetch_tiktok before dbt in its `dispatch` config for the `dbt`
    namespace (package README). It keeps the `where:` config of a test, and changes nothing for a
    node with no window column. -#}

{% macro socialfetch_test_window_days() -%}
  {%- set days = var('socialfetch_test_window_days', 0) -%}
  {%- if days is none or (days | string) == '' -%}
    {{- return(0) -}}
  {%- endif -%}
  {%- if not (days | string).isdigit() -%}
    {{ exceptions.raise_compiler_error("socialfetch_test_window_days must be a whole number of days, 0 or more, not " ~ days) }}
  {%- endif -%}
  {{- return(days | int) -}}
{%- endmacro %}

{#- The window column of the model a generic test is attached to (null: none, or a singular test). -#}
{% macro socialfetch_test_window_column() -%}
  {%- set attached = model.get('attached_node') if model is mapping else none -%}
  {%- if not attached or not graph or attached not in graph.nodes -%}
    {{- return(none) -}}
  {%- endif -%}
  {%- set meta = graph.nodes[attached].get('config', {}).get('meta', {}) or graph.nodes[attached].get('meta', {}) -%}
  {{- return(meta.get('socialfetch_test_window')) -}}
{%- endmacro %}

{% macro socialfetch_windowed_relation(relation) -%}
  {%- set filters = [] -%}
  {%- set where = config.get('where') -%}
  {%- if where -%}
    {%- do filters.append('(' ~ where ~ ')') -%}
  {%- endif -%}
  {%- set days = socialfetch_tiktok.socialfetch_test_window_days() -%}
  {%- set column = socialfetch_tiktok.socialfetch_test_window_column() if days > 0 else none -%}
  {%- if column -%}
    {%- set newest_day = socialfetch_tiktok.socialfetch_day('(select max(' ~ column ~ ') from ' ~ relation ~ ')') -%}
    {%- do filters.append(socialfetch_tiktok.socialfetch_day(column) ~ ' > ' ~ socialfetch_tiktok.socialfetch_add_days(newest_day, -1 * days)) -%}
  {%- endif -%}
  {%- if filters -%}
    {{- return('(select * from ' ~ relation ~ ' where ' ~ (filters | join(' and ')) ~ ') dbt_subquery') -}}
  {%- endif -%}
  {{- return(relation) -}}
{%- endmacro %}

{% macro default__get_where_subquery(relation) -%}
  {{- return(socialfetch_tiktok.socialfetch_windowed_relation(relation)) -}}
{%- endmacro %}
