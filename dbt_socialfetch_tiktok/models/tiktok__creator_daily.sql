{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **socialfetch_tiktok.socialfetch_incremental_config('tiktok__creator_daily')
    )
}}
{#- One row per (handle, date_day), from the handle's first snapshot or profiles record to the last
    day anything was recorded. Over the videos available at the end of the day (known from a
    snapshot on or before it, not missed by a read since it was last seen, profile not private
    or not_found): how many, their views (each at its latest known count) and the views they
    gained that day, and how many of them had a snapshot that day (videos_observed, observed_share:
    the rest carry their counts forward, so a gain of 0 there is not seen to be 0). reads counts
    the handle_reads (read parts) that began that day: 0 after a handle left the config.
    videos_published counts videos created that day; followers come from the
    day's last profiles record, carried forward (null before the first). source_loaded_at is the
    newest load (_airbyte_extracted_at) of the handle's snapshots and profiles on or before the
    day: the incremental mark.

    Incremental, by load: a run takes what was loaded since the newest source_loaded_at (less the
    lookback, macros/incremental.sql), whatever the days it happened on, and rebuilds each handle
    it touches from the first day it touches: snapshots (their capture day, and the day their read
    began), a video's publishing day when the video is new, profiles records, reads. Every handle
    is also rebuilt from the last day built, for the days the spine gained. -#}

-- depends_on: {{ ref('stg_socialfetch_tiktok__video_stats') }}
-- depends_on: {{ ref('stg_socialfetch_tiktok__handle_reads') }}
-- depends_on: {{ ref('int_socialfetch_tiktok__video_snapshots') }}

{%- set day = socialfetch_tiktok.socialfetch_day -%}
{%- set add_days = socialfetch_tiktok.socialfetch_add_days -%}
{%- set greatest = socialfetch_tiktok.socialfetch_greatest %}

{#- When a build replaces whole days (BigQuery), the kept rows of those days too: macros/strategies.sql. #}
{% call socialfetch_tiktok.socialfetch_overwritten_days('tiktok__creator_daily') %}
with
{% if is_incremental() %}
{#- The loads taken: since the mark less the lookback (a constant: the scans are pruned by it). #}
{%- set loaded_after = socialfetch_tiktok.socialfetch_load_window_start('select max(source_loaded_at) from ' ~ this) %}
{#- Each (handle, day) a fact loaded since touches. #}
touched as (
    select stats.source_relation, stats.handle, {{ day('stats.captured_at') }} as date_day
    from {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
    where stats.extracted_at > {{ loaded_after }}
    union all
    select stats.source_relation, stats.handle, {{ day('reads.started_at') }}
    from {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
    inner join {{ ref('stg_socialfetch_tiktok__handle_reads') }} as reads
        on reads.source_relation = stats.source_relation and reads.read_id = stats.read_id
    where stats.extracted_at > {{ loaded_after }}
    union all
    select source_relation, handle, {{ day('created_at') }}
    from {{ ref('int_socialfetch_tiktok__video_snapshots') }}
    where first_extracted_at > {{ loaded_after }} and created_at is not null
    union all
    select source_relation, handle, {{ day('extracted_at') }}
    from {{ ref('stg_socialfetch_tiktok__profiles') }}
    where extracted_at > {{ loaded_after }}
    union all
    select source_relation, handle, {{ day('started_at') }}
    from {{ ref('stg_socialfetch_tiktok__handle_reads') }}
    where extracted_at > {{ loaded_after }}
),

built_until as (
    select max(date_day) as date_day from {{ this }}
),

{#- The handles rebuilt, each from its first touched day, at the latest the day after the last
    one built (the days the spine gained). #}
rebuilt as (
    select source_relation, handle, min(date_day) as from_day
    from (
        select source_relation, handle, date_day from touched where date_day is not null
        union all
        select source_relation, handle, {{ add_days('date_day', 1) }} from {{ this }} where date_day = (select date_day from built_until)
    ) as froms
    group by source_relation, handle
),

{#- The built row the day before each handle's first rebuilt day: the followers it ended on, and
    the newest load on or before it. #}
anchor as (
    select built.source_relation, built.handle, built.followers, built.source_loaded_at
    from {{ this }} as built
    inner join rebuilt
        on rebuilt.source_relation = built.source_relation and rebuilt.handle = built.handle and built.date_day = {{ add_days('rebuilt.from_day', -1) }}
),
{% endif %}

spine as (
    select date_day from {{ ref('int_socialfetch_tiktok__day_spine') }}
    {%- if is_incremental() %}
    where date_day >= (select min(from_day) from rebuilt)
    {%- endif %}
),

videos as (
    select
        source_relation,
        handle,
        video_id,
        {{ day('created_at') }} as created_day,
        {{ day('first_captured_at') }} as first_day,
        last_captured_at,
        views as last_views
    from {{ ref('tiktok__videos') }}
    {%- if is_incremental() %}
    where handle in (select handle from rebuilt)
    {%- endif %}
),

profiles as (
    select * from {{ ref('stg_socialfetch_tiktok__profiles') }}
    {%- if is_incremental() %}
    where handle in (select handle from rebuilt)
    {%- endif %}
),

{#- The days computed: from the handle's first day, or (incremental) its first rebuilt day. #}
handle_days as (
    select handles.source_relation, handles.handle, spine.date_day
    from (
        select source_relation, handle, min(first_day) as first_day
        from (
            select source_relation, handle, first_day from videos where first_day is not null
            union all
            select source_relation, handle, {{ day('extracted_at') }} from profiles
        ) as firsts
        group by source_relation, handle
    ) as handles
    inner join spine on spine.date_day >= handles.first_day
    {%- if is_incremental() %}
    inner join rebuilt
        on rebuilt.source_relation = handles.source_relation and rebuilt.handle = handles.handle and spine.date_day >= rebuilt.from_day
    {%- endif %}
),

daily as (
    select source_relation, handle, video_id, date_day, views, views_gained, is_observed, snapshot_captured_at, snapshot_extracted_at
    from {{ ref('tiktok__video_daily') }}
    {%- if is_incremental() %}
    where date_day >= (select min(from_day) from rebuilt)
    {%- endif %}
),

{#- A read's miss makes a video unavailable from that day until the day a later read lists it
    (its first observed day with a snapshot after the miss). A miss after the video's newest
    snapshot (a deleted video: nearly every miss) has no such day; only the others read
    tiktok__video_daily, for their videos alone, so the cost does not grow with history. -#}
missed as (
    select distinct misses.source_relation, misses.handle, misses.video_id, misses.missed_at, videos.last_captured_at
    from {{ ref('int_socialfetch_tiktok__read_misses') }} as misses
    inner join videos
        on videos.source_relation = misses.source_relation and videos.handle = misses.handle and videos.video_id = misses.video_id
),

miss_intervals as (
    select source_relation, handle, video_id, {{ day('missed_at') }} as from_day, cast(null as date) as to_day
    from missed
    where last_captured_at is null or last_captured_at <= missed_at
    union all
    select
        missed.source_relation,
        missed.handle,
        missed.video_id,
        {{ day('missed.missed_at') }} as from_day,
        min(listed.date_day) as to_day
    from missed
    inner join {{ ref('tiktok__video_daily') }} as listed
        on listed.source_relation = missed.source_relation and listed.handle = missed.handle and listed.video_id = missed.video_id
        and listed.is_observed and listed.snapshot_captured_at > missed.missed_at
    where missed.last_captured_at > missed.missed_at
    group by missed.source_relation, missed.handle, missed.video_id, missed.missed_at
),

{#- A private or not_found profiles record hides the handle's videos until a later visible one. -#}
hidden_intervals as (
    select
        hidden.source_relation,
        hidden.handle,
        {{ day('hidden.extracted_at') }} as from_day,
        {{ day('min(visible.extracted_at)') }} as to_day
    from profiles as hidden
    left join profiles as visible
        on visible.source_relation = hidden.source_relation
        and visible.handle = hidden.handle
        and visible.extracted_at > hidden.extracted_at
        and (visible.lookup_status is null or visible.lookup_status not in ('private', 'not_found'))
    where hidden.lookup_status in ('private', 'not_found')
    group by hidden.source_relation, hidden.handle, hidden.extracted_at
),

video_days as (
    select
        videos.source_relation,
        videos.handle,
        videos.video_id,
        handle_days.date_day,
        case
            when daily.views is not null then daily.views
            else videos.last_views
        end as views,
        coalesce(daily.views_gained, 0) as views_gained,
        coalesce(daily.is_observed, false) as is_observed,
        daily.snapshot_extracted_at
    from videos
    inner join handle_days
        on handle_days.source_relation = videos.source_relation and handle_days.handle = videos.handle
        and handle_days.date_day >= videos.first_day
    left join daily
        on daily.source_relation = videos.source_relation and daily.handle = videos.handle and daily.video_id = videos.video_id
        and daily.date_day = handle_days.date_day
),

unavailable_days as (
    select video_days.source_relation, video_days.handle, video_days.video_id, video_days.date_day
    from video_days
    inner join miss_intervals
        on miss_intervals.source_relation = video_days.source_relation
        and miss_intervals.handle = video_days.handle
        and miss_intervals.video_id = video_days.video_id
        and video_days.date_day >= miss_intervals.from_day
        and (miss_intervals.to_day is null or video_days.date_day < miss_intervals.to_day)
    union all
    select video_days.source_relation, video_days.handle, video_days.video_id, video_days.date_day
    from video_days
    inner join hidden_intervals
        on hidden_intervals.source_relation = video_days.source_relation
        and hidden_intervals.handle = video_days.handle
        and video_days.date_day >= hidden_intervals.from_day
        and (hidden_intervals.to_day is null or video_days.date_day < hidden_intervals.to_day)
),

available as (
    select
        video_days.source_relation,
        video_days.handle,
        video_days.date_day,
        count(*) as videos_available,
        cast(sum(video_days.views) as {{ dbt.type_bigint() }}) as views,
        cast(sum(video_days.views_gained) as {{ dbt.type_bigint() }}) as views_gained,
        cast(sum(case when video_days.is_observed then 1 else 0 end) as {{ dbt.type_bigint() }}) as videos_observed
    from video_days
    left join unavailable_days
        on unavailable_days.source_relation = video_days.source_relation
        and unavailable_days.handle = video_days.handle
        and unavailable_days.video_id = video_days.video_id
        and unavailable_days.date_day = video_days.date_day
    where unavailable_days.video_id is null
    group by video_days.source_relation, video_days.handle, video_days.date_day
),

day_reads as (
    select source_relation, handle, {{ day('started_at') }} as date_day, count(*) as reads
    from {{ ref('stg_socialfetch_tiktok__handle_reads') }}
    {%- if is_incremental() %}
    where started_at >= (select cast(min(from_day) as {{ socialfetch_tiktok.socialfetch_type_timestamp() }}) from rebuilt)
    {%- endif %}
    group by source_relation, handle, {{ day('started_at') }}
),

published as (
    select source_relation, handle, created_day as date_day, count(*) as videos_published
    from videos
    where created_day is not null
    group by source_relation, handle, created_day
),

profile_days as (
    select
        source_relation,
        handle,
        date_day,
        followers,
        extracted_at,
        {#- No OR in the join below: the last record holds to the end of time. #}
        coalesce(lead(date_day) over (partition by source_relation, handle order by date_day), cast('9999-12-31' as date)) as next_day
    from (
        select
            source_relation,
            handle,
            {{ day('extracted_at') }} as date_day,
            followers,
            extracted_at,
            row_number() over (partition by source_relation, handle, {{ day('extracted_at') }} order by extracted_at desc) as newest_first
        from profiles
    ) as ranked
    where newest_first = 1
),

{#- The newest load of the day's facts: its snapshots (through video_daily) and profiles records. -#}
day_loads as (
    select source_relation, handle, date_day, max(snapshot_extracted_at) as extracted_at
    from video_days
    group by source_relation, handle, date_day
    union all
    select source_relation, handle, date_day, extracted_at from profile_days
),

joined as (
    select
        handle_days.source_relation,
        handle_days.handle,
        handle_days.date_day,
        cast(coalesce(published.videos_published, 0) as {{ dbt.type_bigint() }}) as videos_published,
        cast(coalesce(available.videos_available, 0) as {{ dbt.type_bigint() }}) as videos_available,
        coalesce(available.views, 0) as views,
        coalesce(available.views_gained, 0) as views_gained,
        cast(coalesce(available.videos_observed, 0) as {{ dbt.type_bigint() }}) as videos_observed,
        cast(coalesce(day_reads.reads, 0) as {{ dbt.type_bigint() }}) as reads,
        profile_days.followers,
        profile_days.date_day as profile_day,
        max(loads.extracted_at) over (
            partition by handle_days.source_relation, handle_days.handle order by handle_days.date_day rows between unbounded preceding and current row
        ) as loaded_so_far
    from handle_days
    left join published
        on published.source_relation = handle_days.source_relation and published.handle = handle_days.handle
        and published.date_day = handle_days.date_day
    left join available
        on available.source_relation = handle_days.source_relation and available.handle = handle_days.handle
        and available.date_day = handle_days.date_day
    left join day_reads
        on day_reads.source_relation = handle_days.source_relation and day_reads.handle = handle_days.handle
        and day_reads.date_day = handle_days.date_day
    left join profile_days
        on profile_days.source_relation = handle_days.source_relation
        and profile_days.handle = handle_days.handle
        and handle_days.date_day >= profile_days.date_day
        and handle_days.date_day < profile_days.next_day
    left join (
        select source_relation, handle, date_day, max(extracted_at) as extracted_at
        from day_loads
        group by source_relation, handle, date_day
    ) as loads
        on loads.source_relation = handle_days.source_relation and loads.handle = handle_days.handle
        and loads.date_day = handle_days.date_day
),

{#- Followers: from the day's profiles record, else carried forward. An incremental run carries
    forward what it built (the day's built row, else the row before the first rebuilt day)
    unless a record on or after the first rebuilt day says otherwise: the same followers when
    profiles are appended, and the ones built before when they are merged on handle and the
    records they came from are gone. -#}
kept as (
    select
        joined.*,
        {%- if is_incremental() %}
        case
            when joined.profile_day >= rebuilt.from_day then joined.followers
            else coalesce(same_day.followers, anchor.followers)
        end as followers_kept,
        anchor.followers as followers_anchor,
        {{ greatest('anchor.source_loaded_at', 'joined.loaded_so_far') }} as source_loaded_at
        {%- else %}
        joined.followers as followers_kept,
        cast(null as {{ dbt.type_bigint() }}) as followers_anchor,
        joined.loaded_so_far as source_loaded_at
        {%- endif %}
    from joined
    {%- if is_incremental() %}
    inner join rebuilt
        on rebuilt.source_relation = joined.source_relation and rebuilt.handle = joined.handle
    left join anchor
        on anchor.source_relation = joined.source_relation and anchor.handle = joined.handle
    left join {{ this }} as same_day
        on same_day.source_relation = joined.source_relation and same_day.handle = joined.handle
        and same_day.date_day = joined.date_day
    {%- endif %}
),

final as (
    select
        kept.*,
        lag(followers_kept) over (partition by source_relation, handle order by date_day) as kept_before
    from kept
)

select
    {{ dbt.concat(["handle", "'|'", dbt.cast("date_day", dbt.type_string())]) }} as creator_day_id,
    source_relation,
    handle,
    date_day,
    videos_published,
    videos_available,
    views,
    views_gained,
    videos_observed,
    case
        when videos_available = 0 then null
        else cast(videos_observed as {{ socialfetch_tiktok.socialfetch_type_double() }}) / cast(videos_available as {{ socialfetch_tiktok.socialfetch_type_double() }})
    end as observed_share,
    reads,
    followers_kept as followers,
    {#- Null when nothing is known before: the first record, or a destination that merged profiles
        on handle (one record, the newest) and so has no history. #}
    followers_kept - coalesce(kept_before, followers_anchor) as followers_gained,
    source_loaded_at
from final
{% endcall %}
