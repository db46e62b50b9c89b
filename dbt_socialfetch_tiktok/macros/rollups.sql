{#- The weekly, monthly and daily rollups: one macro per subject (creator, hashtag, music), one
    model per subject and grain calling it. Periods are socialfetch_period_start's (ISO weeks from
    Monday; months from the 1st). Gains are the sum of tiktok__video_daily's over the period, so a
    period's gains are its last day's counts minus the day before it began. -#}

{% macro socialfetch_creator_periods(grain) -%}
{%- set period = socialfetch_tiktok.socialfetch_period_start -%}
{%- set at_end = socialfetch_tiktok.socialfetch_value_at_max %}
with creator_days as (
    select
        source_relation, handle, date_day, {{ period(grain, 'date_day') }} as period_start,
        videos_published, videos_available, followers, followers_gained, videos_observed, reads
    from {{ ref('tiktok__creator_daily') }}
),

video_gains as (
    select
        daily.source_relation,
        daily.handle,
        {{ period(grain, 'daily.date_day') }} as period_start,
        {{ socialfetch_tiktok.socialfetch_summed_gains('daily') }}
    from {{ ref('tiktok__video_daily') }} as daily
    group by daily.source_relation, daily.handle, {{ period(grain, 'daily.date_day') }}
),

periods as (
    select
        source_relation,
        handle,
        period_start,
        min(date_day) as first_day,
        max(date_day) as last_day,
        cast(count(*) as {{ dbt.type_bigint() }}) as days,
        cast(sum(videos_published) as {{ dbt.type_bigint() }}) as videos_published,
        {{ at_end('videos_available', 'date_day') }} as videos_available,
        {{ at_end('followers', 'date_day') }} as followers,
        cast(sum(followers_gained) as {{ dbt.type_bigint() }}) as followers_gained,
        cast(sum(case when videos_observed > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as days_observed,
        cast(sum(reads) as {{ dbt.type_bigint() }}) as reads
    from creator_days
    group by source_relation, handle, period_start
)

select
    {{ dbt.concat(["periods.handle", "'|'", dbt.cast("periods.period_start", dbt.type_string())]) }} as creator_{{ grain }}_id,
    periods.source_relation,
    periods.handle,
    periods.period_start as {{ grain }}_start,
    periods.first_day,
    periods.last_day,
    periods.days,
    periods.days_observed,
    periods.reads,
    periods.videos_published,
    periods.videos_available,
    {%- for count in socialfetch_tiktok.socialfetch_counts() %}
    coalesce(video_gains.{{ count }}_gained, 0) as {{ count }}_gained,
    {%- endfor %}
    periods.followers,
    periods.followers_gained
from periods
left join video_gains
    on video_gains.source_relation = periods.source_relation and video_gains.handle = periods.handle
    and video_gains.period_start = periods.period_start
{%- endmacro %}

{% macro socialfetch_hashtag_periods(grain) -%}
{%- set period = socialfetch_tiktok.socialfetch_period_start %}
with videos as (
    select source_relation, handle, video_id, hashtags
    from {{ ref('tiktok__videos') }}
    where hashtags is not null
),

tagged as (
    select distinct
        videos.source_relation,
        videos.handle,
        videos.video_id,
        {{ socialfetch_tiktok.socialfetch_unnested_value('tags') }} as hashtag
    from videos
    {{ socialfetch_tiktok.socialfetch_unnest_strings_from('videos', 'hashtags', 'tags') }}
)

select
    {{ dbt.concat(["tagged.handle", "'|'", "tagged.hashtag", "'|'", dbt.cast(period(grain, 'daily.date_day'), dbt.type_string())]) }} as hashtag_{{ grain }}_id,
    tagged.source_relation,
    tagged.handle,
    tagged.hashtag,
    {{ period(grain, 'daily.date_day') }} as {{ grain }}_start,
    cast(count(distinct tagged.video_id) as {{ dbt.type_bigint() }}) as videos,
    {{ socialfetch_tiktok.socialfetch_summed_gains('daily') }}
from tagged
inner join {{ ref('tiktok__video_daily') }} as daily
    on daily.source_relation = tagged.source_relation and daily.handle = tagged.handle and daily.video_id = tagged.video_id
group by tagged.source_relation, tagged.handle, tagged.hashtag, {{ period(grain, 'daily.date_day') }}
{%- endmacro %}

{% macro socialfetch_music_periods(grain) -%}
{%- set period = socialfetch_tiktok.socialfetch_period_start %}
with videos as (
    select source_relation, handle, video_id, music_id, music_title, music_author_name
    from {{ ref('tiktok__videos') }}
    where music_id is not null
)

select
    {{ dbt.concat(["videos.music_id", "'|'", dbt.cast(period(grain, 'daily.date_day'), dbt.type_string())]) }} as music_{{ grain }}_id,
    videos.source_relation,
    videos.music_id,
    max(videos.music_title) as music_title,
    max(videos.music_author_name) as music_author_name,
    {{ period(grain, 'daily.date_day') }} as {{ 'date_day' if grain == 'day' else grain ~ '_start' }},
    cast(count(distinct videos.handle) as {{ dbt.type_bigint() }}) as creators,
    cast(count(distinct {{ dbt.concat(["videos.handle", "'|'", "videos.video_id"]) }}) as {{ dbt.type_bigint() }}) as videos,
    {{ socialfetch_tiktok.socialfetch_summed_gains('daily') }}
from videos
inner join {{ ref('tiktok__video_daily') }} as daily
    on daily.source_relation = videos.source_relation and daily.handle = videos.handle and daily.video_id = videos.video_id
group by videos.source_relation, videos.music_id, {{ period(grain, 'daily.date_day') }}
{%- endmacro %}
