{#- Where the connector's streams are: the vars socialfetch_database / socialfetch_schema and one
    identifier var per table, so a user points the package at any destination without SQL. -#}

{% macro socialfetch_relation(stream) -%}
  {%- set database = var('socialfetch_database', none) or target.database -%}
  {%- set schema = var('socialfetch_schema', none) or target.schema -%}
  {%- set identifier = var('socialfetch_' ~ stream ~ '_identifier', stream) -%}
  {{- return(api.Relation.create(database=database, schema=schema, identifier=identifier)) -}}
{%- endmacro %}

{#- The relation as it exists in the warehouse, or none. Only looked up while models run (not at
    parse time), and never when a var already answers. -#}
{% macro socialfetch_existing(stream) -%}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {%- set wanted = socialfetch_tiktok.socialfetch_relation(stream) -%}
  {{- return(adapter.get_relation(database=wanted.database, schema=wanted.schema, identifier=wanted.identifier)) -}}
{%- endmacro %}

{#- Whether a stream's table is there: the var socialfetch_has_<stream> when given, else looked up. -#}
{% macro socialfetch_has_stream(stream) -%}
  {%- set answer = var('socialfetch_has_' ~ stream, none) -%}
  {%- if answer is not none -%}{{ return(answer | string | lower in ['true', '1', 'yes']) }}{%- endif -%}
  {%- if not execute -%}{{ return(true) }}{%- endif -%}
  {{- return(socialfetch_tiktok.socialfetch_existing(stream) is not none) -}}
{%- endmacro %}

{% macro socialfetch_has_handle_reads() -%}
  {{- return(socialfetch_tiktok.socialfetch_has_stream('handle_reads')) -}}
{%- endmacro %}

{#- The lower-cased names of a stream's columns, or none when they cannot be looked up here. -#}
{% macro socialfetch_column_names(stream) -%}
  {%- set relation = socialfetch_tiktok.socialfetch_existing(stream) -%}
  {%- if relation is none -%}{{ return(none) }}{%- endif -%}
  {%- set names = [] -%}
  {%- for column in adapter.get_columns_in_relation(relation) -%}
    {%- do names.append(column.name | lower) -%}
  {%- endfor -%}
  {{- return(names) -}}
{%- endmacro %}

{% macro socialfetch_has_parsed_fields() -%}
  {%- set answer = var('socialfetch_has_parsed_fields', none) -%}
  {%- if answer is not none -%}{{ return(answer | string | lower in ['true', '1', 'yes']) }}{%- endif -%}
  {%- set names = socialfetch_tiktok.socialfetch_column_names('videos') -%}
  {{- return(names is none or 'hashtags' in names) -}}
{%- endmacro %}

{#- video_stats gained readId in 0.3.0. -#}
{% macro socialfetch_stats_have_read_id() -%}
  {%- set answer = var('socialfetch_has_handle_reads', none) -%}
  {%- if answer is not none -%}{{ return(answer | string | lower in ['true', '1', 'yes']) }}{%- endif -%}
  {%- set names = socialfetch_tiktok.socialfetch_column_names('video_stats') -%}
  {{- return(names is none or 'readid' in names) -}}
{%- endmacro %}
