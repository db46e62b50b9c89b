{#- Where the connector's streams are: the vars socialfetch_database / socialfetch_schema and one
    identifier var per table, so a user points the package at any destination without SQL. -#}

{% macro socialfetch_relation(stream) -%}
  {%- set database = var('socialfetch_database', none) or target.database -%}
  {%- set schema = var('socialfetch_schema', none) or target.schema -%}
  {%- set identifier = var('socialfetch_' ~ stream ~ '_identifier', stream) -%}
  {{- return(api.Relation.create(database=database, schema=schema, identifier=identifier)) -}}
{%- endmacro %}

{#- Several connections' tables at once, as Fivetran's packages union them: the vars
    socialfetch_union_schemas and socialfetch_union_databases list where each connection loaded
    its streams (every listed schema in every listed database; an unset one is socialfetch_schema
    or socialfetch_database). source_relation names where a row came from, by Fivetran's
    convention: the schema (lower-cased) when only schemas are listed, the database when only
    databases are, '<database>.<schema>' when both are, and '' when neither is (one relation). -#}

{% macro socialfetch_union_listed(name) -%}
  {%- set listed = var(name, none) -%}
  {%- if listed is none or listed == '' -%}{{ return([]) }}{%- endif -%}
  {{- return([listed] if listed is string else listed | list) -}}
{%- endmacro %}

{#- Each place the union reads a stream from: {relation, name}, in the order the vars list them. -#}
{% macro socialfetch_union_relations(stream) -%}
  {%- set schemas = socialfetch_tiktok.socialfetch_union_listed('socialfetch_union_schemas') -%}
  {%- set databases = socialfetch_tiktok.socialfetch_union_listed('socialfetch_union_databases') -%}
  {%- set single = socialfetch_tiktok.socialfetch_relation(stream) -%}
  {%- if not schemas and not databases -%}
    {{- return([{'relation': single, 'name': ''}]) -}}
  {%- endif -%}
  {%- set places = [] -%}
  {%- for database in (databases or [single.database]) -%}
    {%- for schema in (schemas or [single.schema]) -%}
      {%- if schemas and databases -%}{%- set name = database ~ '.' ~ schema -%}
      {%- elif schemas -%}{%- set name = schema -%}
      {%- else -%}{%- set name = database -%}{%- endif -%}
      {%- do places.append({'relation': api.Relation.create(database=database, schema=schema, identifier=single.identifier),
                            'name': name | lower}) -%}
    {%- endfor -%}
  {%- endfor -%}
  {{- return(places) -}}
{%- endmacro %}

{#- The places that hold the stream's table (a listed schema may not have it yet: handle_reads
    before 0.3.0, profiles never synced). Looked up while models run; every place at parse time. -#}
{% macro socialfetch_union_existing(stream) -%}
  {%- set found = [] -%}
  {%- for place in socialfetch_tiktok.socialfetch_union_relations(stream) -%}
    {%- if execute -%}
      {%- set relation = adapter.get_relation(database=place.relation.database, schema=place.relation.schema,
                                              identifier=place.relation.identifier) -%}
      {%- if relation is not none -%}{%- do found.append({'relation': relation, 'name': place.name}) -%}{%- endif -%}
    {%- else -%}
      {%- do found.append(place) -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(found) -}}
{%- endmacro %}

{#- Every column any of the places' tables has, once each (by lower-cased name), in first-seen order. -#}
{% macro socialfetch_union_columns(places) -%}
  {%- set columns = [] -%}
  {%- set seen = [] -%}
  {%- for place in places -%}
    {%- for column in adapter.get_columns_in_relation(place.relation) -%}
      {%- if column.name | lower not in seen -%}
        {%- do seen.append(column.name | lower) -%}
        {%- do columns.append(column) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {{- return(columns) -}}
{%- endmacro %}

{% macro socialfetch_source_relation_named(name) -%}
  cast('{{ name }}' as {{ dbt.type_string() }}) as source_relation
{%- endmacro %}

{#- A SELECT of the stream's rows with their source_relation: the one relation as it is, or the
    union of the places that have the table, each with every column of the union (null where its
    table lacks one, as dbt_utils.union_relations does). With none there, the first listed one
    (the error names it). -#}
{% macro socialfetch_union_source(stream) -%}
  {%- set places = socialfetch_tiktok.socialfetch_union_relations(stream) -%}
  {%- if places | length == 1 and places[0].name == '' -%}
    select *, {{ socialfetch_tiktok.socialfetch_source_relation_named('') }} from {{ places[0].relation }}
  {%- else -%}
    {%- set found = socialfetch_tiktok.socialfetch_union_existing(stream) or places[:1] -%}
    {%- set columns = socialfetch_tiktok.socialfetch_union_columns(found) if execute else [] -%}
    {%- for place in found %}
    {{ 'union all' if not loop.first }}
    select
      {%- if columns %}
      {%- set present = adapter.get_columns_in_relation(place.relation) | map(attribute='name') | map('lower') | list %}
      {%- for column in columns %}
        {{ adapter.quote(column.name) if column.name | lower in present else 'cast(null as ' ~ column.data_type ~ ')' }} as {{ adapter.quote(column.name) }},
      {%- endfor %}
      {%- else %} *,
      {%- endif %}
        {{ socialfetch_tiktok.socialfetch_source_relation_named(place.name) }}
    from {{ place.relation }}
    {%- endfor %}
  {%- endif -%}
{%- endmacro %}

{#- The relation as it exists in the warehouse, or none: with the union vars, the first listed one
    that exists. Only looked up while models run (not at parse time), and never when a var already
    answers. -#}
{% macro socialfetch_existing(stream) -%}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {%- set found = socialfetch_tiktok.socialfetch_union_existing(stream) -%}
  {{- return(found[0].relation if found else none) -}}
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

{#- The lower-cased names of a stream's columns (in any of the union's tables), or none when they
    cannot be looked up here. -#}
{% macro socialfetch_column_names(stream) -%}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {%- set found = socialfetch_tiktok.socialfetch_union_existing(stream) -%}
  {%- if not found -%}{{ return(none) }}{%- endif -%}
  {%- set names = [] -%}
  {%- for column in socialfetch_tiktok.socialfetch_union_columns(found) -%}
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
