{{
    config(
        materialized='incremental',
        unique_key='creator_day_id',
        incremental_strategy=('merge' if target.type in ['bigquery', 'snowflake'] else 'delete+insert'),
        on_schema_change='fail'
    )
}}
{#- One row per (handle, date_day), from the handle's first snapshot or profiles record to the last
    day anything was recorded. Over the videos available at the end of the day (known from a
    snapshot on or before it, not missed by a read since it was last seen, profile not private
    or not_found): how many, their views (each at its latest known count) and the views they
    gained that day. videos_published counts videos created that day; followers come from the
    day's last profiles record, carried forward (null before the first).

    Incremental: every run rebuilds the days from the last one built on (new syncs only add
    facts on or after it), for every handle. -#}

{%- set day = socialfetch_tiktok.socialfetch_day -%}
{%- set add_days = socialfetch_tiktok.socialfetch_add_days %}

with
{% if is_incremental() %}
since as (
    select {{ add_days('max(date_day)', -1) }} as date_day from {{ this }}
),
{% endif %}

spine as (
    select spine.date_day
    from {{ ref('int_socialfetch_tiktok__day_spine') }} as spine
    {%- if is_incremental() %}
    cross join since
    where since.date_day is null or spine.date_day >= since.date_day
    {%- endif %}
),

videos as (
    select
        handle,
        video_id,
        {{ day('created_at') }} as created_day,
        {{ day('first_captured_at') }} as first_day,
        {{ day('last_captured_at') }} as last_day,
        views as last_views
    from {{ ref('tiktok__videos') }}
),

profiles as (
    select * from {{ ref('stg_socialfetch_tiktok__profiles') }}
),

handle_days as (
    select handles.handle, spine.date_day
    from (
        select handle, min(first_day) as first_day
        from (
            select handle, first_day from videos where first_day is not null
            union all
            select handle, {{ day('extracted_at') }} from profiles
        ) as firsts
        group by handle
    ) as handles
    inner join spine on spine.date_day >= handles.first_day
),

{#- A read's miss makes a video unavailable from that day until the day a later read lists it;
    only a miss before the video's newest snapshot has such a day, looked up in its snapshots. -#}
missed as (
    select distinct
        misses.handle,
        misses.video_id,
        misses.missed_at,
        misses.missed_at < video.last_captured_at as is_listed_again,
        video.last_captured_at
    from {{ ref('int_socialfetch_tiktok__read_misses') }} as misses
    inner join {{ ref('int_socialfetch_tiktok__video_snapshots') }} as video
        on video.handle = misses.handle and video.video_id = misses.video_id
),

listed_again as (
    select missed.handle, missed.video_id, missed.missed_at, min(stats.captured_at) as listed_at
    from missed
    inner join {{ ref('stg_socialfetch_tiktok__video_stats') }} as stats
        on stats.handle = missed.handle and stats.video_id = missed.video_id and stats.captured_at > missed.missed_at
    where missed.is_listed_again
    {%- if is_incremental() %}
        {#- Listed again before the first day rebuilt: that interval ended before it. #}
        and {{ day('missed.last_captured_at') }} > (select date_day from since)
    {%- endif %}
    group by missed.handle, missed.video_id, missed.missed_at
),

miss_intervals as (
    select
        missed.handle,
        missed.video_id,
        {{ day('missed.missed_at') }} as from_day,
        {{ day('listed_again.listed_at') }} as to_day
    from missed
    left join listed_again
        on listed_again.handle = missed.handle and listed_again.video_id = missed.video_id
        and listed_again.missed_at = missed.missed_at
    {%- if is_incremental() %}
    where not missed.is_listed_again or listed_again.listed_at is not null
    {%- endif %}
),

{#- A private or not_found profiles record hides the handle's videos until a later visible one. -#}
hidden_intervals as (
    select
        hidden.handle,
        {{ day('hidden.extracted_at') }} as from_day,
        {{ day('min(visible.extracted_at)') }} as to_day
    from profiles as hidden
    left join profiles as visible
        on visible.handle = hidden.handle
        and visible.extracted_at > hidden.extracted_at
        and (visible.lookup_status is null or visible.lookup_status not in ('private', 'not_found'))
    where hidden.lookup_status in ('private', 'not_found')
    group by hidden.handle, hidden.extracted_at
),

video_days as (
    select
        videos.handle,
        videos.video_id,
        spine.date_day,
        case
            when daily.views is not null then daily.views
            when spine.date_day > videos.last_day then videos.last_views
        end as views,
        coalesce(daily.views_gained, 0) as views_gained
    from videos
    inner join spine on spine.date_day >= videos.first_day
    left join {{ ref('tiktok__video_daily') }} as daily
        on daily.handle = videos.handle and daily.video_id = videos.video_id and daily.date_day = spine.date_day
),

unavailable_days as (
    select video_days.handle, video_days.video_id, video_days.date_day
    from video_days
    inner join miss_intervals
        on miss_intervals.handle = video_days.handle
        and miss_intervals.video_id = video_days.video_id
        and video_days.date_day >= miss_intervals.from_day
        and (miss_intervals.to_day is null or video_days.date_day < miss_intervals.to_day)
    union all
    select video_days.handle, video_days.video_id, video_days.date_day
    from video_days
    inner join hidden_intervals
        on hidden_intervals.handle = video_days.handle
        and video_days.date_day >= hidden_intervals.from_day
        and (hidden_intervals.to_day is null or video_days.date_day < hidden_intervals.to_day)
),

available as (
    select
        video_days.handle,
        video_days.date_day,
        count(*) as videos_available,
        cast(sum(video_days.views) as {{ dbt.type_bigint() }}) as views,
        cast(sum(video_days.views_gained) as {{ dbt.type_bigint() }}) as views_gained
    from video_days
    left join unavailable_days
        on unavailable_days.handle = video_days.handle
        and unavailable_days.video_id = video_days.video_id
        and unavailable_days.date_day = video_days.date_day
    where unavailable_days.video_id is null
    group by video_days.handle, video_days.date_day
),

published as (
    select handle, created_day as date_day, count(*) as videos_published
    from videos
    where created_day is not null
    group by handle, created_day
),

profile_days as (
    select
        handle,
        date_day,
        followers,
        {#- No OR in the join below: the last record holds to the end of time. #}
        coalesce(lead(date_day) over (partition by handle order by date_day), cast('9999-12-31' as date)) as next_day
    from (
        select
            handle,
            {{ day('extracted_at') }} as date_day,
            followers,
            row_number() over (partition by handle, {{ day('extracted_at') }} order by extracted_at desc) as newest_first
        from profiles
    ) as ranked
    where newest_first = 1
),

joined as (
    select
        handle_days.handle,
        handle_days.date_day,
        cast(coalesce(published.videos_published, 0) as {{ dbt.type_bigint() }}) as videos_published,
        cast(coalesce(available.videos_available, 0) as {{ dbt.type_bigint() }}) as videos_available,
        coalesce(available.views, 0) as views,
        coalesce(available.views_gained, 0) as views_gained,
        profile_days.followers,
        lag(profile_days.followers) over (partition by handle_days.handle order by handle_days.date_day) as followers_before
    from handle_days
    left join published
        on published.handle = handle_days.handle and published.date_day = handle_days.date_day
    left join available
        on available.handle = handle_days.handle and available.date_day = handle_days.date_day
    left join profile_days
        on profile_days.handle = handle_days.handle
        and handle_days.date_day >= profile_days.date_day
        and handle_days.date_day < profile_days.next_day
)

select
    {{ dbt.concat(["handle", "'|'", dbt.cast("date_day", dbt.type_string())]) }} as creator_day_id,
    handle,
    date_day,
    videos_published,
    videos_available,
    views,
    views_gained,
    followers,
    case when followers is not null then followers - coalesce(followers_before, followers) end as followers_gained
from joined
{%- if is_incremental() %}
where date_day > (select date_day from since)
{%- endif %}
