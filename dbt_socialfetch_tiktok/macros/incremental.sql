{#- The incremental models take what was LOADED since their last build, not what happened since:
    a record's _airbyte_extracted_at (the staging models' extracted_at) against the newest one the
    model already holds, less a lookback (var socialfetch_lookback_hours). Event times (capturedAt,
    startedAt) can arrive in any order: two connections on one schema, a resumed sync, or dbt
    running while the platform still commits. The lookback covers loads whose extracted_at is
    older than the mark (the records of a sync still being committed when dbt last ran): set it to
    at least the longest such overlap. Taking a record twice is harmless: the models recompute
    what it touches. -#}

{% macro socialfetch_lookback_hours() -%}
  {%- set hours = var('socialfetch_lookback_hours', 12) -%}
  {%- if hours is none or (hours | string) == '' or (hours | int) < 0 -%}
    {{ exceptions.raise_compiler_error("socialfetch_lookback_hours must be a whole number of hours, 0 or more, not " ~ hours) }}
  {%- endif -%}
  {{- return(hours | int) -}}
{%- endmacro %}

{#- The earliest extracted_at an incremental run takes: `mark` (a query of one value, the newest
    load already modelled; null when nothing is) less the lookback. The mark is read when the
    model runs and written into its SQL as a constant: a filter on a constant passes through the
    staging models' DISTINCT down to the raw table, which DuckDB then scans only where the loads
    are new (its row groups are in load order); with the mark as a subquery it read, and
    de-duplicated, every snapshot ever loaded on each build (issue 29). -#}
{% macro socialfetch_load_window_start(mark) -%}
  {%- set start = 'coalesce((' ~ mark ~ '), ' ~ socialfetch_tiktok.socialfetch_min_timestamp() ~ ')' -%}
  {%- set found = socialfetch_tiktok.socialfetch_query_row(mark) -%}
  {%- if found is not none -%}
    {%- set start = socialfetch_tiktok.socialfetch_literal(found[0], 'timestamp', socialfetch_tiktok.socialfetch_min_timestamp()) -%}
  {%- endif -%}
  {{ dbt.dateadd('hour', -1 * socialfetch_tiktok.socialfetch_lookback_hours(), start) }}
{%- endmacro %}

{#- The loads an incremental run of a model fed by video_stats takes, as constants read when it
    runs: start (socialfetch_load_window_start of `mark`), end (the newest load there when the run
    begins: a later one waits for the next run, so that constants and query see the same loads)
    and first_day (the earliest UTC day their capturedAt lands on). A filter on these prunes the
    scans of video_stats and of the daily tables to what the loads touch. -#}
{% macro socialfetch_load_window(mark) -%}
  {%- set start = socialfetch_tiktok.socialfetch_load_window_start(mark) -%}
  {%- set loaded = socialfetch_tiktok.socialfetch_query_row(
        'select min(' ~ socialfetch_tiktok.socialfetch_day('captured_at') ~ '), max(extracted_at) from '
        ~ ref('stg_socialfetch_tiktok__video_stats') ~ ' where extracted_at > ' ~ start) or [none, none] -%}
  {{ return({
      'start': start,
      'end': socialfetch_tiktok.socialfetch_literal(loaded[1], 'timestamp', socialfetch_tiktok.socialfetch_min_timestamp()),
      'first_day': socialfetch_tiktok.socialfetch_literal(loaded[0], 'date', "cast('1900-01-01' as date)")}) }}
{%- endmacro %}

{#- The first row of `query`, read when the model runs, as a list of values; none when dbt is not
    executing (parsing) or the query returns no row. -#}
{% macro socialfetch_query_row(query) -%}
  {%- if not execute -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set found = run_query(query) -%}
  {%- if found is none or (found.rows | length) == 0 -%}
    {{ return(none) }}
  {%- endif -%}
  {{ return(found.rows[0].values() | list) }}
{%- endmacro %}

{#- A value read by socialfetch_query_row as a SQL constant of `type` ('timestamp' or 'date'), in UTC;
    `fallback` (SQL) when it is null. A filter on a constant lets DuckDB skip row groups by their
    min/max (zone maps); one on a subquery does not. -#}
{% macro socialfetch_literal(value, type, fallback) -%}
  {%- if value is none -%}
    {{ return(fallback) }}
  {%- endif -%}
  {%- if type == 'date' -%}
    {%- set sql_type = 'date' -%}
    {%- set text = value if value is string else value.strftime('%Y-%m-%d') -%}
  {%- else -%}
    {%- set sql_type = socialfetch_tiktok.socialfetch_type_timestamp() -%}
    {%- if value is string -%}
      {%- set text = value -%}
    {%- else -%}
      {%- if value.tzinfo is defined and value.tzinfo is not none -%}
        {%- set value = value.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
      {%- endif -%}
      {%- set text = value.strftime('%Y-%m-%d %H:%M:%S.%f') -%}
    {%- endif -%}
  {%- endif -%}
  {{ return("cast('" ~ text ~ "' as " ~ sql_type ~ ")") }}
{%- endmacro %}

{#- The smaller / larger of two values, either of which may be null (then the other). -#}
{% macro socialfetch_least(a, b) -%}
  case when {{ a }} is null then {{ b }} when {{ b }} is null or {{ a }} <= {{ b }} then {{ a }} else {{ b }} end
{%- endmacro %}

{% macro socialfetch_greatest(a, b) -%}
  case when {{ a }} is null then {{ b }} when {{ b }} is null or {{ a }} >= {{ b }} then {{ a }} else {{ b }} end
{%- endmacro %}

{#- A read part's key across connections: its read_id within its source_relation. -#}
{% macro socialfetch_read_key(prefix='') -%}
  {{ dbt.concat([prefix ~ "source_relation", "'|'", prefix ~ "read_id"]) }}
{%- endmacro %}

{#- int_socialfetch_tiktok__read_misses: the reads an incremental run checks again, as a SELECT of
    their key (socialfetch_read_key): those loaded since the model's mark (its checkpoint row, less the lookback); the reads
    of the syncs and handles whose snapshots were loaded since (a snapshot of the read's own sync
    that arrived after the read); and the reads of a handle that began at or after a snapshot
    loaded since (it makes the video known before them, and starts a new gap between snapshots:
    their misses may be the first of it). -#}
{% macro socialfetch_rechecked_reads(this_relation) -%}
  {%- set window_start = socialfetch_tiktok.socialfetch_load_window_start('select max(read_extracted_at) from ' ~ this_relation ~ ' where read_id is null') -%}
    select {{ socialfetch_tiktok.socialfetch_read_key('reads.') }} as read_key
    from {{ ref('stg_socialfetch_tiktok__handle_reads') }} as reads
    left join (
        select loaded.source_relation, loaded_reads.sync_id, loaded.handle, min(loaded.captured_at) as captured_from
        from {{ ref('stg_socialfetch_tiktok__video_stats') }} as loaded
        left join {{ ref('stg_socialfetch_tiktok__handle_reads') }} as loaded_reads
            on loaded_reads.source_relation = loaded.source_relation and loaded_reads.read_id = loaded.read_id
        where loaded.extracted_at > {{ window_start }}
        group by loaded.source_relation, loaded_reads.sync_id, loaded.handle
    ) as loaded
        on loaded.source_relation = reads.source_relation and loaded.handle = reads.handle
    where reads.extracted_at > {{ window_start }}
        or loaded.sync_id = reads.sync_id
        or reads.started_at >= loaded.captured_from
{%- endmacro %}

{#- Before an incremental run of read_misses: the misses of the reads it checks again go (the run
    writes them anew), so a miss that a late snapshot disproves is gone. -#}
{% macro socialfetch_forget_rechecked_misses() -%}
  {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ socialfetch_tiktok.socialfetch_read_key() }} in ({{ socialfetch_tiktok.socialfetch_rechecked_reads(this) }})
  {%- else -%}
    select 1 as nothing_to_forget
  {%- endif -%}
{%- endmacro %}

{#- After a run of read_misses: one checkpoint row, the newest. -#}
{% macro socialfetch_keep_newest_checkpoint() -%}
    delete from {{ this }}
    where read_id is null
        and read_extracted_at < (select max(read_extracted_at) from {{ this }} where read_id is null)
{%- endmacro %}

{#- read_misses: whether a miss fell at the very time of its gap's snapshot (kept apart: the
    availability rule counts only misses after the video was last seen). -#}
{% macro socialfetch_miss_at_snapshot(prefix='') -%}
  case when {{ prefix }}missed_at = {{ prefix }}seen_before_at then 1 else 0 end
{%- endmacro %}

{#- After a run of read_misses: of the misses of a video in one gap between its snapshots, the
    first (the run added the first misses of the reads it checked beside the ones kept). -#}
{% macro socialfetch_keep_first_miss_per_gap() -%}
    delete from {{ this }}
    where {{ dbt.concat(["source_relation", "'|'", "read_id", "'|'", "video_id"]) }} in (
        select {{ dbt.concat(["source_relation", "'|'", "read_id", "'|'", "video_id"]) }}
        from (
            select
                source_relation, read_id, video_id,
                row_number() over (
                    partition by source_relation, handle, video_id, seen_before_at, {{ socialfetch_tiktok.socialfetch_miss_at_snapshot() }}
                    order by missed_at, read_id
                ) as nth_in_gap
            from {{ this }}
            where read_id is not null
        ) as ranked
        where nth_in_gap > 1
    )
{%- endmacro %}

{#- A join condition: `a` and `b` are rows of the same video (its key within its source_relation). -#}
{% macro socialfetch_same_video(a, b) -%}
  {{ a }}.source_relation = {{ b }}.source_relation and {{ a }}.handle = {{ b }}.handle and {{ a }}.video_id = {{ b }}.video_id
{%- endmacro %}
