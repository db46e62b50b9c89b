{#- JSON members and arrays per warehouse: DuckDB and PyAirbyte's Postgres write JSON, the
    platform's Postgres jsonb, Snowflake VARIANT/OBJECT/ARRAY, BigQuery JSON. -#}

{% macro socialfetch_json_text(expression, key) -%}
  {{ return(adapter.dispatch('socialfetch_json_text', 'socialfetch_tiktok')(expression, key)) }}
{%- endmacro %}

{% macro default__socialfetch_json_text(expression, key) -%}
  json_extract_string({{ expression }}, '$.{{ key }}')
{%- endmacro %}

{% macro postgres__socialfetch_json_text(expression, key) -%}
  (cast({{ expression }} as jsonb) ->> '{{ key }}')
{%- endmacro %}

{% macro snowflake__socialfetch_json_text(expression, key) -%}
  cast(get({{ expression }}, '{{ key }}') as varchar)
{%- endmacro %}

{% macro bigquery__socialfetch_json_text(expression, key) -%}
  json_value({{ expression }}, '$.{{ key }}')
{%- endmacro %}

{#- A JSON array of strings as rows: the FROM-clause fragment that joins each element to its row
    of `relation_alias`, and the element's value. -#}
{% macro socialfetch_unnest_strings_from(relation_alias, column, alias) -%}
  {{ return(adapter.dispatch('socialfetch_unnest_strings_from', 'socialfetch_tiktok')(relation_alias, column, alias)) }}
{%- endmacro %}

{% macro default__socialfetch_unnest_strings_from(relation_alias, column, alias) -%}
  cross join unnest(cast(json_extract_string({{ relation_alias }}.{{ column }}, '$[*]') as varchar[])) as {{ alias }}(element)
{%- endmacro %}

{% macro postgres__socialfetch_unnest_strings_from(relation_alias, column, alias) -%}
  cross join lateral jsonb_array_elements_text(cast({{ relation_alias }}.{{ column }} as jsonb)) as {{ alias }}(element)
{%- endmacro %}

{% macro snowflake__socialfetch_unnest_strings_from(relation_alias, column, alias) -%}
  , lateral flatten(input => {{ relation_alias }}.{{ column }}) as {{ alias }}
{%- endmacro %}

{% macro bigquery__socialfetch_unnest_strings_from(relation_alias, column, alias) -%}
  cross join unnest(json_value_array({{ relation_alias }}.{{ column }})) as {{ alias }}_element
{%- endmacro %}

{% macro socialfetch_unnested_value(alias) -%}
  {{ return(adapter.dispatch('socialfetch_unnested_value', 'socialfetch_tiktok')(alias)) }}
{%- endmacro %}

{% macro default__socialfetch_unnested_value(alias) -%}{{ alias }}.element{%- endmacro %}
{% macro snowflake__socialfetch_unnested_value(alias) -%}cast({{ alias }}.value as varchar){%- endmacro %}
{% macro bigquery__socialfetch_unnested_value(alias) -%}{{ alias }}_element{%- endmacro %}

{#- A JSON value with nothing in it, typed as the warehouse's JSON, for a column a destination
    loaded before 0.3.0 lacks. -#}
{% macro socialfetch_null_json() -%}
  {{ return(adapter.dispatch('socialfetch_null_json', 'socialfetch_tiktok')()) }}
{%- endmacro %}
{% macro default__socialfetch_null_json() -%}cast(null as json){%- endmacro %}
{% macro postgres__socialfetch_null_json() -%}cast(null as jsonb){%- endmacro %}
{% macro snowflake__socialfetch_null_json() -%}cast(null as variant){%- endmacro %}
{% macro bigquery__socialfetch_null_json() -%}cast(null as json){%- endmacro %}
