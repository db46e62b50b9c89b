{#- The columns of social_media_reporting__rollup_report, as its social_media_reporting.yml lists
    them (1.5.0), less _dbt_source_relation, which the union adds. -#}
{% macro rollup_columns() -%}
  {{ return(['created_timestamp', 'post_id', 'post_message', 'page_id', 'page_name', 'post_url', 'source_relation',
             'platform', 'clicks', 'impressions', 'likes', 'shares', 'comments']) }}
{%- endmacro %}

{#- The relations the report unions: the platforms' (here one YouTube-shaped post, as that
    package's social_media_reporting__youtube_videos_reporting selects it) and TikTok's. -#}
{% macro staging_relations() -%}
  {{ return([ref('social_media_reporting__youtube_videos_reporting'),
             api.Relation.create(database=target.database, schema=var('tiktok_posts_schema'), identifier='tiktok__social_media_post')]) }}
{%- endmacro %}

{#- What dbt_utils.union_relations does for that report: the superset of the relations' columns in
    first-seen order, each relation's value or a typed null, and _dbt_source_relation. -#}
{% macro union_posts(relations) -%}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set columns = {} -%}
  {%- set names = [] -%}
  {%- set present = {} -%}
  {%- for relation in relations -%}
    {%- set here = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
      {%- set name = column.name | lower -%}
      {%- do here.append(name) -%}
      {%- if name not in columns -%}{%- do columns.update({name: column}) -%}{%- do names.append(name) -%}{%- endif -%}
    {%- endfor -%}
    {%- do present.update({relation | string: here}) -%}
  {%- endfor -%}
  {%- for relation in relations %}
    select
        cast('{{ relation }}' as {{ dbt.type_string() }}) as _dbt_source_relation,
        {%- for name in names %}
        cast({{ name if name in present[relation | string] else 'null' }} as {{ columns[name].data_type }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {{ 'union all' if not loop.last }}
  {%- endfor %}
{%- endmacro %}
