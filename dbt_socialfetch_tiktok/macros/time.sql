{#- Timestamps as UTC, whatever the loader wrote: PyAirbyte writes TIMESTAMP without a zone (UTC
    wall time) in DuckDB, Postgres and Snowflake; the platform's Postgres destination writes
    timestamptz and its Snowflake destination TIMESTAMP_TZ; BigQuery's TIMESTAMP is an instant. -#}

{#- A timestamp column of a stream as UTC wall time (TIMESTAMP without zone; DATETIME on
    BigQuery). `name` is the column as the API names it. -#}
{% macro socialfetch_utc(name, stream) -%}
  {{ return(adapter.dispatch('socialfetch_utc', 'socialfetch_tiktok')(socialfetch_tiktok.socialfetch_col(name), name, stream)) }}
{%- endmacro %}

{#- Whether the loader gave this column a zone (timestamptz): looked up in the warehouse while the
    models run; false when it cannot be looked up. -#}
{% macro socialfetch_column_has_zone(name, stream) -%}
  {%- set relation = socialfetch_tiktok.socialfetch_existing(stream) -%}
  {%- if relation is none -%}{{ return(false) }}{%- endif -%}
  {%- for column in adapter.get_columns_in_relation(relation) -%}
    {%- if column.name | lower == name | lower -%}
      {%- set dtype = column.dtype | lower -%}
      {{- return('with time zone' in dtype or dtype.startswith('timestamptz') or dtype == 'timestamp_tz') -}}
    {%- endif -%}
  {%- endfor -%}
  {{- return(false) -}}
{%- endmacro %}

{% macro default__socialfetch_utc(expression, name, stream) -%}
  {%- if socialfetch_tiktok.socialfetch_column_has_zone(name, stream) -%}
    cast(timezone('UTC', {{ expression }}) as timestamp)
  {%- else -%}
    cast({{ expression }} as timestamp)
  {%- endif -%}
{%- endmacro %}

{% macro postgres__socialfetch_utc(expression, name, stream) -%}
  {%- if socialfetch_tiktok.socialfetch_column_has_zone(name, stream) -%}
    ({{ expression }} at time zone 'UTC')
  {%- else -%}
    cast({{ expression }} as timestamp)
  {%- endif -%}
{%- endmacro %}

{#- TIMESTAMP_TZ values the connector emitted in UTC keep +00:00: dropping the zone leaves UTC. -#}
{% macro snowflake__socialfetch_utc(expression, name, stream) -%}
  cast(convert_timezone('UTC', {{ expression }}) as timestamp_ntz)
{%- endmacro %}

{% macro bigquery__socialfetch_utc(expression, name, stream) -%}
  datetime({{ expression }}, 'UTC')
{%- endmacro %}

{% macro socialfetch_day(expression) -%}
  cast({{ expression }} as date)
{%- endmacro %}

{% macro socialfetch_add_days(expression, days) -%}
  {{ return(adapter.dispatch('socialfetch_add_days', 'socialfetch_tiktok')(expression, days)) }}
{%- endmacro %}
{% macro default__socialfetch_add_days(expression, days) -%}cast({{ expression }} + {{ days }} as date){%- endmacro %}
{% macro snowflake__socialfetch_add_days(expression, days) -%}dateadd(day, {{ days }}, {{ expression }}){%- endmacro %}
{% macro bigquery__socialfetch_add_days(expression, days) -%}date_add({{ expression }}, interval {{ days }} day){%- endmacro %}

{% macro socialfetch_type_timestamp() -%}
  {{ return(adapter.dispatch('socialfetch_type_timestamp', 'socialfetch_tiktok')()) }}
{%- endmacro %}
{% macro default__socialfetch_type_timestamp() -%}timestamp{%- endmacro %}
{% macro snowflake__socialfetch_type_timestamp() -%}timestamp_ntz{%- endmacro %}
{% macro bigquery__socialfetch_type_timestamp() -%}datetime{%- endmacro %}

{% macro socialfetch_type_double() -%}
  {{ return(adapter.dispatch('socialfetch_type_double', 'socialfetch_tiktok')()) }}
{%- endmacro %}
{% macro default__socialfetch_type_double() -%}double precision{%- endmacro %}
{% macro snowflake__socialfetch_type_double() -%}float{%- endmacro %}
{% macro bigquery__socialfetch_type_double() -%}float64{%- endmacro %}

{#- Earlier than any capture: the mark of an incremental model whose table is still empty. -#}
{% macro socialfetch_min_timestamp() -%}
  cast('1900-01-01 00:00:00' as {{ socialfetch_tiktok.socialfetch_type_timestamp() }})
{%- endmacro %}
