{#- Data tests on a window: a test of a model whose config names a window column (meta:
    socialfetch_test_window: <column>, or an expression of its columns) checks only the rows of the
    newest socialfetch_test_window_days days of that column (relative to the model's own newest value, so
    the window holds what the latest builds wrote, whatever the wall clock says). 0 or unset: whole
    tables (the full-test mode, which the package's integration tests and `make test` run). Models
    with no such column are tested whole; the singular tests in tests/ take their window through
    socialfetch_test_window_start.

    The window's start is read when the test runs and written into its SQL as a constant on the
    raw column (`column >= <first instant of the window>`), as the incremental models write their
    load mark (macros/incremental.sql): DuckDB then skips the row groups before it, and the filter
    passes through a staging view's DISTINCT down to the raw table. A view's newest value is read
    from the table it selects from (meta: socialfetch_test_window_anchor: <stream>, its newest
    _airbyte_extracted_at), not from the view, which would de-duplicate every row to find it.

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

{#- The window config (meta) of the model a generic test is attached to ({}: none, or a singular test). -#}
{% macro socialfetch_test_window_meta() -%}
  {%- set attached = model.get('attached_node') if model is mapping else none -%}
  {%- if not attached or not graph or attached not in graph.nodes -%}
    {{- return({}) -}}
  {%- endif -%}
  {{- return(graph.nodes[attached].get('config', {}).get('meta', {}) or graph.nodes[attached].get('meta', {})) -}}
{%- endmacro %}

{#- The query of one value, the newest of `column`: the relation's own, or with `anchor` (a stream)
    the newest load of that stream's tables, which is the newest extracted_at of a staging view
    (null when the stream was never synced: its view is then empty). -#}
{% macro socialfetch_test_window_newest_query(relation, column, anchor=none) -%}
  {%- if anchor and not socialfetch_tiktok.socialfetch_has_stream(anchor) -%}
    select null as newest
  {%- elif anchor -%}
    select max({{ socialfetch_tiktok.socialfetch_utc('_airbyte_extracted_at', anchor) }}) as newest
    from ({{ socialfetch_tiktok.socialfetch_union_source(anchor) }}) as loads
  {%- else -%}
    select max({{ column }}) as newest from {{ relation }}
  {%- endif -%}
{%- endmacro %}

{#- The first value of `column` inside the window, as a SQL constant: the start of the day
    socialfetch_test_window_days - 1 days before the newest value's day (a timestamp for a
    timestamp column, a date for a date column). none: test whole tables (the full-test mode; while
    dbt parses; a relation with no value yet). -#}
{% macro socialfetch_test_window_start(relation, column, anchor=none) -%}
  {%- set days = socialfetch_tiktok.socialfetch_test_window_days() -%}
  {%- if days == 0 or not execute -%}
    {{- return(none) -}}
  {%- endif -%}
  {%- set newest = (socialfetch_tiktok.socialfetch_query_row(
        socialfetch_tiktok.socialfetch_test_window_newest_query(relation, column, anchor)) or [none])[0] -%}
  {%- if newest is none -%}
    {{- return(none) -}}
  {%- endif -%}
  {%- if newest is string -%}
    {%- set newest = modules.datetime.datetime.fromisoformat(newest) if newest | length > 10 else modules.datetime.date.fromisoformat(newest) -%}
  {%- endif -%}
  {%- set is_timestamp = newest.hour is defined -%}
  {%- if is_timestamp and newest.tzinfo is not none -%}
    {%- set newest = newest.astimezone(modules.pytz.utc) -%}
  {%- endif -%}
  {%- set first_day = (newest.date() if is_timestamp else newest) - modules.datetime.timedelta(days=days - 1) -%}
  {%- if is_timestamp -%}
    {{- return("cast('" ~ first_day.isoformat() ~ " 00:00:00' as " ~ socialfetch_tiktok.socialfetch_type_timestamp() ~ ")") -}}
  {%- endif -%}
  {{- return("cast('" ~ first_day.isoformat() ~ "' as date)") -}}
{%- endmacro %}

{% macro socialfetch_windowed_relation(relation) -%}
  {%- set filters = [] -%}
  {%- set where = config.get('where') -%}
  {%- if where -%}
    {%- do filters.append('(' ~ where ~ ')') -%}
  {%- endif -%}
  {%- set meta = socialfetch_tiktok.socialfetch_test_window_meta() -%}
  {%- set column = meta.get('socialfetch_test_window') -%}
  {%- if column -%}
    {%- set start = socialfetch_tiktok.socialfetch_test_window_start(relation, column, meta.get('socialfetch_test_window_anchor')) -%}
    {%- if start is not none -%}
      {%- do filters.append(column ~ ' >= ' ~ start) -%}
    {%- endif -%}
  {%- endif -%}
  {%- if filters -%}
    {{- return('(select * from ' ~ relation ~ ' where ' ~ (filters | join(' and ')) ~ ') dbt_subquery') -}}
  {%- endif -%}
  {{- return(relation) -}}
{%- endmacro %}

{% macro default__get_where_subquery(relation) -%}
  {{- return(socialfetch_tiktok.socialfetch_windowed_relation(relation)) -}}
{%- endmacro %}
