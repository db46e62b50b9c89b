{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ socialfetch_tiktok.socialfetch_forget_rechecked_misses() }}",
        post_hook=["{{ socialfetch_tiktok.socialfetch_keep_newest_checkpoint() }}",
                   "{{ socialfetch_tiktok.socialfetch_keep_first_miss_per_gap() }}"]
    )
}}
{#- The availability rule, part one: every read that should have listed a known video and did
    not. A read R of a handle covers a video when the video's createdAt is in [coveredFrom,
    coveredTo] (coveredFrom null: no lower bound, and then videos without createdAt are covered
    too); a read with coveredTo null covers nothing. R misses the video when no video_stats record
    of R's sync (syncId) and handle has its id. Only videos the destination knew before R began
    count: a read cannot miss what was never seen. The rule as the contract writes it, with no
    condition of its own: a read that could not have listed a pinned video claims nothing (0.4.0).

    Incremental, by load: a run checks the reads loaded since its checkpoint, and again those a
    snapshot loaded since may change (macros/incremental.sql: socialfetch_rechecked_reads); their
    old misses are deleted first (pre-hook). The checkpoint is the one row with read_id null: its
    read_extracted_at is the newest load of handle_reads or video_stats modelled (a run writes a
    newer one, and its post-hook drops the older). Readers skip it (where read_id is not null). One
    checkpoint serves every connection of the union (its source_relation is null), as one mark
    serves two connections loading one schema: the lookback covers their overlap. 

    Only the misses the rules need are kept, so the rows grow with deletions, not with syncs: of
    the misses of a video between two of its snapshots (seen_before_at: its newest snapshot at or
    before the miss), the first. The availability rule takes the first miss after the video was
    last seen; creator_daily's miss intervals end at the first snapshot after a miss, the same for
    every miss between two snapshots, so the first one's interval covers the others'. A miss at
    the very time of a snapshot (missed_at = seen_before_at) is kept apart: the availability rule
    does not count it, and the next one may be needed. A run adds the first misses of the reads it
    checks; its post-hook keeps the first per (video, seen_before_at, at_snapshot). -#}

{%- set timestamp = socialfetch_tiktok.socialfetch_type_timestamp() -%}
{%- set never = "cast('9999-12-31 00:00:00' as " ~ timestamp ~ ")" -%}
{%- set checked -%}
reads as (
    select * from {{ ref('stg_socialfetch_tiktok__handle_reads') }}
    {%- if is_incremental() %}
    where {{ socialfetch_tiktok.socialfetch_read_key() }} in ({{ socialfetch_tiktok.socialfetch_rechecked_reads(this) }})
    {%- endif %}
)
{%- endset -%}

{#- Incremental: the scans of video_stats are bounded by constants read first (a filter on a
    constant prunes the scan, one computed in the query does not; issue 29). A sync's snapshots
    were captured after the first request of their read part (the sync's one clock): at or after
    the earliest startedAt of the syncs checked, less the lookback as a margin. -#}
{%- set sync_from = 'cast(null as ' ~ timestamp ~ ')' -%}
{%- if is_incremental() -%}
  {%- set found = socialfetch_tiktok.socialfetch_query_row(
        'with ' ~ checked ~ ' select min(started_at) from ' ~ ref('stg_socialfetch_tiktok__handle_reads')
        ~ ' where sync_id in (select sync_id from reads)') or [none] -%}
  {%- set sync_from = dbt.dateadd('hour', -1 * socialfetch_tiktok.socialfetch_lookback_hours(),
        socialfetch_tiktok.socialfetch_literal(found[0], 'timestamp', socialfetch_tiktok.socialfetch_min_timestamp())) -%}
{%- endif -%}

{%- set missed -%}
{{ checked }},

videos as (
    select source_relation, handle, video_id, created_at, first_captured_at, last_captured_at
    from {{ ref('int_socialfetch_tiktok__video_snapshots') }}
),

{#- The videos each sync listed, for the syncs of the reads checked. #}
seen_in_sync as (
    select distinct stats.source_relation, stats.handle, stats.video_id, sync_reads.sync_id
    from {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
    inner join {{ ref('stg_socialfetch_tiktok__handle_reads') }} as sync_reads
        on sync_reads.source_relation = stats.source_relation and sync_reads.read_id = stats.read_id
    {%- if is_incremental() %}
    where sync_reads.sync_id in (select sync_id from reads)
        and stats.captured_at >= {{ sync_from }}
    {%- endif %}
),

covering as (
    select
        videos.source_relation,
        videos.handle,
        videos.video_id,
        reads.read_id,
        reads.sync_id,
        reads.part,
        reads.started_at as missed_at,
        reads.extracted_at as read_extracted_at,
        videos.first_captured_at,
        videos.last_captured_at
    from videos
    inner join reads
        on reads.source_relation = videos.source_relation and reads.handle = videos.handle
    where reads.covered_to is not null
        and videos.first_captured_at < reads.started_at
        and (
            (videos.created_at is not null
                and videos.created_at <= reads.covered_to
                and (reads.covered_from is null or videos.created_at >= reads.covered_from))
            or (videos.created_at is null and reads.covered_from is null)
        )
),

misses as (
    select covering.*
    from covering
    left join seen_in_sync
        on {{ socialfetch_tiktok.socialfetch_same_video('seen_in_sync', 'covering') }} and seen_in_sync.sync_id = covering.sync_id
    where seen_in_sync.video_id is null
)
{%- endset %}

{#- The misses before the video's newest snapshot (usually none) look for their gap's snapshot, at
    or after the video's first. -#}
{%- set gap_from = never -%}
{%- if is_incremental() -%}
  {%- set found = socialfetch_tiktok.socialfetch_query_row(
        'with ' ~ missed ~ ' select min(first_captured_at) from misses where last_captured_at > missed_at') or [none] -%}
  {%- set gap_from = socialfetch_tiktok.socialfetch_literal(found[0], 'timestamp', never) -%}
{%- endif %}

with {{ missed }},

{#- Each miss's gap: the video's newest snapshot at or before it. A miss after the video's newest
    snapshot (a deleted video: nearly every miss) has that one; only the others scan video_stats,
    for their videos alone, so the cost does not grow with history. #}
gapped as (
    select
        source_relation, handle, video_id, read_id, sync_id, part, missed_at, read_extracted_at,
        last_captured_at as seen_before_at
    from misses
    where last_captured_at <= missed_at
    union all
    select
        misses.source_relation, misses.handle, misses.video_id, misses.read_id, misses.sync_id, misses.part,
        misses.missed_at, misses.read_extracted_at,
        max(stats.captured_at) as seen_before_at
    from misses
    inner join {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
        on {{ socialfetch_tiktok.socialfetch_same_video('stats', 'misses') }} and stats.captured_at <= misses.missed_at
    where misses.last_captured_at > misses.missed_at
    {%- if is_incremental() %}
        and stats.captured_at >= {{ gap_from }}
    {%- endif %}
    group by misses.source_relation, misses.handle, misses.video_id, misses.read_id, misses.sync_id, misses.part,
        misses.missed_at, misses.read_extracted_at
),

firsts as (
    select
        gapped.*,
        row_number() over (
            partition by source_relation, handle, video_id, seen_before_at, {{ socialfetch_tiktok.socialfetch_miss_at_snapshot('gapped.') }}
            order by missed_at, read_id
        ) as nth_in_gap
    from gapped
)

select source_relation, handle, video_id, read_id, sync_id, part, missed_at, read_extracted_at, seen_before_at
from firsts
where nth_in_gap = 1

union all

{#- The checkpoint: the newest load modelled (kept as it was when nothing new is loaded). #}
select
    cast(null as {{ dbt.type_string() }}) as source_relation,
    cast(null as {{ dbt.type_string() }}) as handle,
    cast(null as {{ dbt.type_string() }}) as video_id,
    cast(null as {{ dbt.type_string() }}) as read_id,
    cast(null as {{ dbt.type_string() }}) as sync_id,
    cast(null as {{ dbt.type_string() }}) as part,
    cast(null as {{ socialfetch_tiktok.socialfetch_type_timestamp() }}) as missed_at,
    max(loaded_at) as read_extracted_at,
    cast(null as {{ socialfetch_tiktok.socialfetch_type_timestamp() }}) as seen_before_at
from (
    select max(extracted_at) as loaded_at from {{ ref('stg_socialfetch_tiktok__handle_reads') }}
    {%- if is_incremental() %} where {{ socialfetch_tiktok.socialfetch_read_key() }} in (select {{ socialfetch_tiktok.socialfetch_read_key() }} from reads){% endif %}
    union all
    select max(extracted_at) from {{ ref('stg_socialfetch_tiktok__video_stats') }}
    {%- if is_incremental() %}
    where extracted_at > {{ socialfetch_tiktok.socialfetch_load_window_start('select max(read_extracted_at) from ' ~ this ~ ' where read_id is null') }}
    {%- endif %}
) as loads
{%- if is_incremental() %}
{#- Written only when it moves on; the post-hook then drops the older one. #}
having max(loaded_at) > (select coalesce(max(read_extracted_at), {{ socialfetch_tiktok.socialfetch_min_timestamp() }}) from {{ this }} where read_id is null)
{%- endif %}
