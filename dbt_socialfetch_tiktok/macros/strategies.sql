{#- How each incremental model writes its new rows, per warehouse (as Fivetran's packages do:
    insert_overwrite on date partitions on BigQuery, delete+insert on the unique key elsewhere).

    - BigQuery: the daily models are partitioned by date_day (one partition a day) and clustered by
      their key; a build replaces the days its rows fall on (insert_overwrite), so it reads and
      writes those partitions only, not the whole table as a merge does. video_snapshots and
      video_lifecycle have no date (one row per video): they merge on their key, clustered by it.
    - Snowflake: delete+insert on the unique key, clustered by date_day then handle (video_snapshots:
      by handle). Not merge: every run rewrites whole (video, day) or (handle, day) rows, never
      updates a few columns, so a merge's update branch buys nothing; delete+insert is what
      Fivetran's packages run there, and it is the statement the DuckDB and Postgres tests check
      against a full rebuild. The clustering keeps a rebuilt day's rows in few micro-partitions,
      so the delete and the models' reads of their own recent days prune. Clustering keys turn on
      Snowflake's automatic clustering, which bills credits of its own: var
      socialfetch_snowflake_cluster_by false leaves the tables unclustered (the config block of a
      package model wins over a project's +cluster_by, so the var is the only switch).
    - Everything else (Postgres, DuckDB, Redshift, ...): delete+insert on the unique key.

    var socialfetch_partition_overwrite_test (tests only): on a warehouse without insert_overwrite,
    the daily models run BigQuery's partition-complete SELECT (socialfetch_overwritten_days) with
    delete+insert on date_day alone, which replaces every row of each day the SELECT returns, as
    insert_overwrite does: so DuckDB and Postgres check that SELECT against a full rebuild. -#}

{% macro socialfetch_incremental_models() -%}
  {{ return({
      'tiktok__video_daily': {
          'unique_key': ['source_relation', 'handle', 'video_id', 'date_day'], 'days': 'date_day',
          'bigquery_cluster_by': ['source_relation', 'handle', 'video_id'], 'snowflake_cluster_by': ['date_day', 'handle']},
      'tiktok__creator_daily': {
          'unique_key': ['source_relation', 'creator_day_id'], 'days': 'date_day',
          'bigquery_cluster_by': ['source_relation', 'handle'], 'snowflake_cluster_by': ['date_day', 'handle']},
      'int_socialfetch_tiktok__video_snapshots': {
          'unique_key': ['source_relation', 'handle', 'video_id'], 'days': none,
          'bigquery_cluster_by': ['source_relation', 'handle', 'video_id'], 'snowflake_cluster_by': ['handle']},
      'int_socialfetch_tiktok__video_lifecycle': {
          'unique_key': ['source_relation', 'handle', 'video_id'], 'days': none,
          'bigquery_cluster_by': ['source_relation', 'handle', 'video_id'], 'snowflake_cluster_by': ['handle']},
      'int_socialfetch_tiktok__video_groups': {
          'unique_key': ['source_relation', 'handle', 'video_id'], 'days': none,
          'bigquery_cluster_by': ['source_relation', 'handle', 'video_id'], 'snowflake_cluster_by': ['handle']},
      'tiktok__music_daily': {
          'unique_key': ['source_relation', 'date_day'], 'days': 'date_day',
          'bigquery_cluster_by': ['source_relation', 'music_id'], 'snowflake_cluster_by': ['date_day']},
      'tiktok__music_weekly': {
          'unique_key': ['source_relation', 'week_start'], 'days': 'week_start',
          'bigquery_cluster_by': ['source_relation', 'music_id'], 'snowflake_cluster_by': ['week_start']},
      'int_socialfetch_tiktok__hashtag_days': {
          'unique_key': ['source_relation', 'handle', 'date_day'], 'days': 'date_day',
          'bigquery_cluster_by': ['source_relation', 'handle', 'hashtag'], 'snowflake_cluster_by': ['date_day', 'handle']},
      'tiktok__hashtag_weekly': {
          'unique_key': ['source_relation', 'handle', 'week_start'], 'days': 'week_start',
          'bigquery_cluster_by': ['source_relation', 'handle', 'hashtag'], 'snowflake_cluster_by': ['week_start', 'handle']},
      'tiktok__hashtag_monthly': {
          'unique_key': ['source_relation', 'handle', 'month_start'], 'days': 'month_start',
          'bigquery_cluster_by': ['source_relation', 'handle', 'hashtag'], 'snowflake_cluster_by': ['month_start', 'handle']},
      'tiktok__creator_weekly': {
          'unique_key': ['source_relation', 'handle', 'week_start'], 'days': 'week_start',
          'bigquery_cluster_by': ['source_relation', 'handle'], 'snowflake_cluster_by': ['week_start', 'handle']},
      'tiktok__creator_monthly': {
          'unique_key': ['source_relation', 'handle', 'month_start'], 'days': 'month_start',
          'bigquery_cluster_by': ['source_relation', 'handle'], 'snowflake_cluster_by': ['month_start', 'handle']},
  }) }}
{%- endmacro %}

{#- A true/false var, as --vars or a project's YAML may spell it. -#}
{% macro socialfetch_flag(name, default) -%}
  {{ return(var(name, default) | string | lower in ['true', '1', 'yes']) }}
{%- endmacro %}

{#- Whether `name` replaces whole days: on BigQuery, or in the partition-overwrite test mode. -#}
{% macro socialfetch_overwrites_days(name) -%}
  {%- set model = socialfetch_tiktok.socialfetch_incremental_models()[name] -%}
  {%- set test_mode = socialfetch_tiktok.socialfetch_flag('socialfetch_partition_overwrite_test', false) -%}
  {{ return(model.days is not none and (target.type == 'bigquery' or test_mode)) }}
{%- endmacro %}

{#- The incremental config of model `name`: config(materialized='incremental', **this). -#}
{% macro socialfetch_incremental_config(name) -%}
  {%- set models = socialfetch_tiktok.socialfetch_incremental_models() -%}
  {%- if name not in models -%}
    {{ exceptions.raise_compiler_error("macros/strategies.sql has no incremental strategy for " ~ name) }}
  {%- endif -%}
  {%- set model = models[name] -%}
  {%- set overwrites = socialfetch_tiktok.socialfetch_overwrites_days(name) -%}
  {%- if target.type == 'bigquery' -%}
    {%- set config = {'cluster_by': model.bigquery_cluster_by} -%}
    {%- if overwrites -%}
      {%- do config.update({'incremental_strategy': 'insert_overwrite',
                            'partition_by': {'field': model.days, 'data_type': 'date', 'granularity': 'day'}}) -%}
    {%- else -%}
      {%- do config.update({'incremental_strategy': 'merge', 'unique_key': model.unique_key}) -%}
    {%- endif -%}
  {%- elif overwrites -%}
    {%- set config = {'incremental_strategy': 'delete+insert', 'unique_key': model.days} -%}
  {%- else -%}
    {%- set config = {'incremental_strategy': 'delete+insert', 'unique_key': model.unique_key} -%}
    {%- if target.type == 'snowflake' and socialfetch_tiktok.socialfetch_flag('socialfetch_snowflake_cluster_by', true) -%}
      {%- do config.update({'cluster_by': model.snowflake_cluster_by}) -%}
    {%- endif -%}
  {%- endif -%}
  {{ return(config) }}
{%- endmacro %}

{#- Wraps a model's final SELECT (a call block). A build that replaces whole days replaces EVERY
    row of each day the SELECT returns, while the model's incremental SELECT returns only the rows
    it rebuilt (the changed videos or handles): so here it also returns, for each of those days,
    the built rows it does not replace (the other videos' or handles'), as they are. With that,
    replacing the days leaves what a merge on the unique key would. Otherwise: the SELECT as it is. -#}
{% macro socialfetch_overwritten_days(name) -%}
  {%- if not (is_incremental() and socialfetch_tiktok.socialfetch_overwrites_days(name)) -%}
    {{ return(caller()) }}
  {%- endif -%}
  {%- set model = socialfetch_tiktok.socialfetch_incremental_models()[name] -%}
  {%- set same_row = [] -%}
  {%- for column in model.unique_key -%}
    {%- do same_row.append('rebuilt.' ~ column ~ ' = kept.' ~ column) -%}
  {%- endfor -%}
with socialfetch_rebuilt as (
{{ caller() }}
)
select * from socialfetch_rebuilt
union all
select kept.*
from {{ this }} as kept
where kept.{{ model.days }} in (select {{ model.days }} from socialfetch_rebuilt)
    and not exists (select 1 from socialfetch_rebuilt as rebuilt where {{ same_row | join(' and ') }})
{%- endmacro %}
