{#- Timestamps as UTC, whatever the loader wrote and whatever the session's time zone: PyAirbyte
    writes TIMESTAMP without a zone (UTC wall time) in DuckDB, Postgres and Snowflake (where it is
    TIMESTAMP_NTZ); the platform's Postgres destination writes timestamptz and its Snowflake
    destination TIMESTAMP_TZ; BigQuery's TIMESTAMP is an instant. A column without a zone is taken
    as UTC as it is (never read in the session's zone); one with a zone is converted to UTC. -#}

{#- A timestamp column of a stream as UTC wall time (TIMESTAMP without zone; DATETIME on
    BigQuery). `name` is the column as the API names it. -#}
{% macro socialfetch_utc(name, stream) -%}
  {{ return(adapter.dispatch('socialfetch_utc', 'socialfetch_tiktok')(socialfetch_tiktok.socialfetch_col(name), name, stream)) }}
{%- endmacro %}

{#- Whether the loader gave this column a zone (timestamptz; Snowflake's TIMESTAMP_TZ or
    TIMESTAMP_LTZ): looked up in the warehouse while the models run; false when it cannot be
    looked up (compiling without a connection). -#}
{% macro socialfetch_column_has_zone(name, stream) -%}
  {%- set relation = socialfetch_tiktok.socialfetch_existing(stream) -%}
  {%- if relation is none -%}{{ return(false) }}{%- endif -%}
  {%- for column in adapter.get_columns_in_relation(relation) -%}
    {%- if column.name | lower == name | lower -%}
      {%- set dtype = column.dtype | lower -%}
      {{- return('with time zone' in dtype or dtype.startswith(('timestamptz', 'timestamp_tz', 'timestamp_ltz'))) -}}
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

{#- Snowflake reads a TIMESTAMP_NTZ in the session's TIMEZONE (default America/Los_Angeles) when
    it meets a zone, as in the two-argument convert_timezone('UTC', x): an NTZ column (PyAirbyte's
    cache) is UTC wall time already and is only cast. TIMESTAMP_TZ (the platform) and
    TIMESTAMP_LTZ are instants: converted to UTC, then the zone is dropped. When the type cannot be
    looked up, the cast alone is still right for the connector's TIMESTAMP_TZ values, which carry
    +00:00. -#}
{% macro snowflake__socialfetch_utc(expression, name, stream) -%}
  {%- if socialfetch_tiktok.socialfetch_column_has_zone(name, stream) -%}
    cast(convert_timezone('UTC', {{ expression }}) as timestamp_ntz)
  {%- else -%}
    cast({{ expression }} as timestamp_ntz)
  {%- endif -%}
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
{#- A DATE on every warehouse whatever `expression`'s type, as the default's cast makes it: dateadd
    keeps a timestamp's type (and fakesnow's DuckDB makes a timestamp of a date plus days). -#}
{% macro snowflake__socialfetch_add_days(expression, days) -%}cast(dateadd(day, {{ days }}, {{ expression }}) as date){%- endmacro %}
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
