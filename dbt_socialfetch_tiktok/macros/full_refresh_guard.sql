{#- A full refresh rebuilds the incremental models from the raw tables alone. When those no longer
    hold the history the models were built from (video_stats or handle_reads overwritten, or reset
    by an Airbyte refresh that removes records; profiles merged on handle, PyAirbyte's default
    write, or Overwrite + Deduped), the rebuild would silently drop it. This on-run-start hook
    refuses such a run before any model is touched, naming each table and what it would lose.
    var socialfetch_allow_history_loss: true rebuilds anyway. -#}

{% macro socialfetch_refuse_history_loss() -%}
  {%- if not execute or not flags.FULL_REFRESH or socialfetch_tiktok.socialfetch_flag('socialfetch_allow_history_loss', false) -%}
    {{ return('') }}
  {%- endif -%}
  {%- set c = socialfetch_tiktok.socialfetch_col -%}
  {%- set losses = [] -%}

  {%- set video_daily = socialfetch_tiktok.socialfetch_built_relation('tiktok__video_daily') -%}
  {%- if video_daily is not none -%}
    {%- set stats = socialfetch_tiktok.socialfetch_raw_tables('video_stats') -%}
    {%- set lost = socialfetch_tiktok.socialfetch_count_days_lost(
        video_daily, none, 'video_stats', [['handle', 'handle'], ['video_id', 'id']], 'capturedAt') -%}
    {%- if lost > 0 -%}
      {%- do losses.append(video_daily ~ ": " ~ lost ~ " videos have days before the first snapshot left in " ~ stats) -%}
    {%- endif -%}
  {%- endif -%}

  {%- set creator_daily = socialfetch_tiktok.socialfetch_built_relation('tiktok__creator_daily') -%}
  {%- if creator_daily is not none and socialfetch_tiktok.socialfetch_has_stream('profiles') -%}
    {%- set profiles = socialfetch_tiktok.socialfetch_raw_tables('profiles') -%}
    {%- set lost = socialfetch_tiktok.socialfetch_count_days_lost(
        creator_daily, 'followers is not null', 'profiles', [['handle', 'handle']], '_airbyte_extracted_at') -%}
    {%- if lost > 0 -%}
      {%- do losses.append(creator_daily ~ ": " ~ lost ~ " handles have followers before the first record left in " ~ profiles) -%}
    {%- endif -%}
  {%- endif -%}

  {%- set misses = socialfetch_tiktok.socialfetch_built_relation('int_socialfetch_tiktok__read_misses') -%}
  {%- if misses is not none and socialfetch_tiktok.socialfetch_has_handle_reads() -%}
    {%- set reads = socialfetch_tiktok.socialfetch_raw_tables('handle_reads') -%}
    {%- set lost = socialfetch_tiktok.socialfetch_count(
        "select count(*) from " ~ misses ~ " as built where built.read_id is not null and not exists ("
        ~ "select 1 from (" ~ socialfetch_tiktok.socialfetch_union_source('handle_reads') ~ ") as raw"
        ~ " where raw.source_relation = built.source_relation and cast(raw." ~ c('readId') ~ " as " ~ dbt.type_string() ~ ") = built.read_id)") -%}
    {%- if lost > 0 -%}
      {%- do losses.append(misses ~ ": " ~ lost ~ " misses of reads no longer in " ~ reads) -%}
    {%- endif -%}
  {%- endif -%}

  {%- if losses -%}
    {{ exceptions.raise_compiler_error(
        "Refusing --full-refresh: the raw tables no longer hold the history these models were built from, "
        ~ "and a rebuild would drop it:\n  " ~ (losses | join("\n  "))
        ~ "\nKeep the tables (build without --full-refresh), or rebuild anyway with --vars '{socialfetch_allow_history_loss: true}'. "
        ~ "See dbt_socialfetch_tiktok/README.md, Full refresh.") }}
  {%- endif -%}
  {{ return('') }}
{%- endmacro %}

{#- The table a model of this package built, when it exists and the run selected it. -#}
{% macro socialfetch_built_relation(name) -%}
  {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.package_name == 'socialfetch_tiktok' and node.name == name -%}
    {%- if node.unique_id in selected_resources -%}
      {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(none) }}
{%- endmacro %}

{#- The raw tables a stream is read from, named for the refusal's message. -#}
{% macro socialfetch_raw_tables(stream) -%}
  {%- set names = [] -%}
  {%- for place in socialfetch_tiktok.socialfetch_union_existing(stream) -%}{%- do names.append(place.relation | string) -%}{%- endfor -%}
  {{- return(names | join(', ')) -}}
{%- endmacro %}

{#- How many keys of a built daily model have days before the first day the raw stream still holds
    for them (or none left at all): what a rebuild from the raw tables would drop. `keys`: pairs of
    (the model's column, the stream's column), source_relation besides; `instant`: the stream's
    column whose UTC day counts; `built_where`: which of the model's rows count (none: all). -#}
{% macro socialfetch_count_days_lost(built, built_where, stream, keys, instant) -%}
  {%- set c = socialfetch_tiktok.socialfetch_col -%}
  {%- set names = ['source_relation'] -%}
  {%- set raw_columns = ['source_relation'] -%}
  {%- set renamed = ['source_relation'] -%}
  {%- for name, column in keys -%}
    {%- do names.append(name) -%}
    {%- do raw_columns.append(c(column)) -%}
    {%- do renamed.append('cast(' ~ c(column) ~ ' as ' ~ dbt.type_string() ~ ') as ' ~ name) -%}
  {%- endfor -%}
  {%- set first_raw_day = socialfetch_tiktok.socialfetch_day(socialfetch_tiktok.socialfetch_utc(instant, stream)) -%}
  {%- set joined = [] -%}
  {%- for name in names -%}{%- do joined.append('raw.' ~ name ~ ' = built.' ~ name) -%}{%- endfor -%}
  {{- return(socialfetch_tiktok.socialfetch_count(
      "select count(*) from (select " ~ names | join(', ') ~ ", min(date_day) as first_day from " ~ built
      ~ (" where " ~ built_where if built_where else "") ~ " group by " ~ names | join(', ') ~ ") as built"
      ~ " left join (select " ~ renamed | join(', ') ~ ", min(" ~ first_raw_day ~ ") as first_day"
      ~ " from (" ~ socialfetch_tiktok.socialfetch_union_source(stream) ~ ") as raw_rows group by " ~ raw_columns | join(', ') ~ ") as raw"
      ~ " on " ~ joined | join(' and ')
      ~ " where raw.first_day is null or raw.first_day > built.first_day")) -}}
{%- endmacro %}

{% macro socialfetch_count(sql) -%}
  {%- set result = run_query(sql) -%}
  {{ return(result.columns[0].values()[0] | int) }}
{%- endmacro %}
