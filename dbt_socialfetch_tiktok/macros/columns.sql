{#- A column of a stream's table, named as the loader spelled it. PyAirbyte lower-cases names
    (createdat); the Airbyte platform's Snowflake destination upper-cases them (CREATEDAT); its
    Postgres and BigQuery destinations keep the API's spelling (createdAt). The var
    socialfetch_column_case says which; by default the warehouse decides. -#}

{% macro socialfetch_column_case() -%}
  {%- set configured = var('socialfetch_column_case', none) -%}
  {%- if configured is not none -%}
    {%- if configured not in ['lower', 'upper', 'source'] -%}
      {{ exceptions.raise_compiler_error("socialfetch_column_case must be lower, upper or source, not " ~ configured) }}
    {%- endif -%}
    {{- return(configured) -}}
  {%- endif -%}
  {%- if target.type == 'snowflake' -%}{{ return('upper') }}
  {%- elif target.type == 'bigquery' -%}{{ return('source') }}
  {%- else -%}{{ return('lower') }}{%- endif -%}
{%- endmacro %}

{% macro socialfetch_col(name) -%}
  {%- set case = socialfetch_tiktok.socialfetch_column_case() -%}
  {%- if case == 'lower' -%}{%- set spelled = name | lower -%}
  {%- elif case == 'upper' -%}{%- set spelled = name | upper -%}
  {%- else -%}{%- set spelled = name -%}{%- endif -%}
  {{- adapter.quote(spelled) -}}
{%- endmacro %}

{#- A video's counts, as every model names them (and their gains, `<count>_gained`). -#}
{% macro socialfetch_counts() -%}
  {{- return(['views', 'likes', 'comments', 'shares', 'saves']) -}}
{%- endmacro %}
