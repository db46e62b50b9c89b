{#- The weekly, monthly and daily rollups: one macro per subject (creator, hashtag, music), one
    model per subject and grain calling it. Periods are socialfetch_period_start's (ISO weeks from
    Monday; months from the 1st). Gains are the sum of tiktok__video_daily's over the period, so a
    period's gains are its last day's counts minus the day before it began.

    Incremental (macros/strategies.sql): a run rebuilds, for each key prefix (source_relation and
    handle; music: source_relation alone, its rows mix handles), every period from the first one a
    change touches, whole, and replaces the built rows of those (prefix, period)s. A change is a
    tiktok__video_daily row loaded since the rollup's newest source_loaded_at (less the lookback:
    macros/incremental.sql), a video whose groups changed (int_socialfetch_tiktok__video_groups),
    or, for creators, a period whose tiktok__creator_daily figures differ from the built row. -#}

{#- The CTEs `touched` (source_relation, handle, from_day) and `rollup_from` (the `prefix` columns
    and the first period rebuilt, from_day), ending with a comma. `groups`: a video whose groups
    changed rebuilds from its first day; `extra`: a SELECT of more (source_relation, handle, day). -#}
{% macro socialfetch_rollup_touches(grain, prefix, groups=false, extra=none) -%}
{%- set day = socialfetch_tiktok.socialfetch_day -%}
{%- set window = socialfetch_tiktok.socialfetch_load_window_start('select max(source_loaded_at) from ' ~ this) -%}
{%- set loaded_sql -%}
    select source_relation, handle, video_id, min(date_day) as loaded_from
    from {{ ref('tiktok__video_daily') }}
    where snapshot_extracted_at > {{ window }}
    group by source_relation, handle, video_id
{%- endset -%}
{%- set first_loaded = socialfetch_tiktok.socialfetch_constant_day('select min(loaded_from) from (' ~ loaded_sql ~ ') as loaded') %}
loaded as (
{{ loaded_sql }}
),

{#- A video_daily row loaded since changes its day and every later one. When the day before it
    carries an older snapshot forward, the rows since that snapshot's day may be new too (the
    video had ended there): they count in the rollups' videos and creators. -#}
touched as (
    select
        loaded.source_relation,
        loaded.handle,
        case when not before.is_observed then {{ day('before.snapshot_captured_at') }} else loaded.loaded_from end as from_day
    from loaded
    left join {{ ref('tiktok__video_daily') }} as before
        on {{ socialfetch_tiktok.socialfetch_same_video('before', 'loaded') }}
        and before.date_day = {{ socialfetch_tiktok.socialfetch_add_days('loaded.loaded_from', -1) }}
        and before.date_day >= {{ socialfetch_tiktok.socialfetch_add_days(first_loaded, -1) }}
    {%- if groups %}
    union all
    select video_groups.source_relation, video_groups.handle, {{ day('snapshots.first_captured_at') }}
    from {{ ref('int_socialfetch_tiktok__video_groups') }} as video_groups
    inner join {{ ref('int_socialfetch_tiktok__video_snapshots') }} as snapshots
        on {{ socialfetch_tiktok.socialfetch_same_video('snapshots', 'video_groups') }}
    where video_groups.groups_loaded_at > {{ window }}
    {%- endif %}
    {%- if extra %}
    union all
    {{ extra }}
    {%- endif %}
),

rollup_from as (
    select {{ prefix | join(', ') }}, {{ socialfetch_tiktok.socialfetch_period_start(grain, 'min(from_day)') }} as from_day
    from touched
    group by {{ prefix | join(', ') }}
),
{%- endmacro %}

{#- Joins `alias` (with a date_day) to rollup_from on the prefix, from its first rebuilt period:
    the rows an incremental run reads. `first_day`: the first of all, a constant (a subquery there
    made DuckDB join every daily row before filtering: 9 s instead of 3 at 120 days). -#}
{% macro socialfetch_rollup_rows(alias, prefix, first_day, day_column='date_day') -%}
    inner join rollup_from
        on {% for column in prefix %}rollup_from.{{ column }} = {{ alias }}.{{ column }} and {% endfor -%}
        {{ alias }}.{{ day_column }} >= rollup_from.from_day
        and {{ alias }}.{{ day_column }} >= {{ first_day }}
{%- endmacro %}

{#- A query's one DATE value as a literal, read when the model runs (null when there is none):
    macros/incremental.sql's socialfetch_query_row and socialfetch_literal. -#}
{% macro socialfetch_constant_day(sql) -%}
  {%- set found = socialfetch_tiktok.socialfetch_query_row(sql) or [none] -%}
  {{- return(socialfetch_tiktok.socialfetch_literal(found[0], 'date', 'cast(null as date)')) -}}
{%- endmacro %}

{#- What an incremental run rebuilds: {ctes: socialfetch_rollup_touches's CTEs, first_day: the first
    day it reads, a constant}; `head`: the CTEs they read (emitted by the caller). A first build:
    no CTEs, every day. -#}
{% macro socialfetch_rollup_rebuilt(grain, prefix, groups=false, extra=none, head='') -%}
  {%- if not is_incremental() -%}
    {{- return({'ctes': '', 'first_day': none}) -}}
  {%- endif -%}
  {%- set ctes = socialfetch_tiktok.socialfetch_rollup_touches(grain, prefix, groups, extra) -%}
  {%- set first_day = socialfetch_tiktok.socialfetch_constant_day(
      'with ' ~ ((head ~ ctes) | trim).rstrip(',') ~ '\nselect min(from_day) from rollup_from') -%}
  {{- return({'ctes': ctes, 'first_day': first_day}) -}}
{%- endmacro %}

{#- The tiktok__video_daily rows a run aggregates: all of them, or (incremental) the rebuilt periods'. -#}
{% macro socialfetch_rollup_daily_rows(prefix, first_day) -%}
    select daily.*
    from {{ ref('tiktok__video_daily') }} as daily
    {%- if is_incremental() %}
    {{ socialfetch_tiktok.socialfetch_rollup_rows('daily', prefix, first_day) }}
    {%- endif %}
{%- endmacro %}

{#- Null-safe equality. -#}
{% macro socialfetch_same(a, b) -%}
  ({{ a }} = {{ b }} or ({{ a }} is null and {{ b }} is null))
{%- endmacro %}

{#- A JSON value as text, to compare two of them. -#}
{% macro socialfetch_json_string(expression) -%}
  {{ return(adapter.dispatch('socialfetch_json_string', 'socialfetch_tiktok')(expression)) }}
{%- endmacro %}
{% macro default__socialfetch_json_string(expression) -%}cast({{ expression }} as {{ dbt.type_string() }}){%- endmacro %}
{% macro snowflake__socialfetch_json_string(expression) -%}to_json({{ expression }}){%- endmacro %}
{% macro bigquery__socialfetch_json_string(expression) -%}to_json_string({{ expression }}){%- endmacro %}

{% macro socialfetch_creator_periods(grain) -%}
{%- set period = socialfetch_tiktok.socialfetch_period_start -%}
{%- set at_end = socialfetch_tiktok.socialfetch_value_at_max -%}
{%- set prefix = ['source_relation', 'handle'] -%}
{%- set figures = ['first_day', 'last_day', 'days', 'days_observed', 'reads', 'videos_published', 'videos_available',
                   'followers', 'followers_gained', 'source_loaded_at'] %}
{%- set head %}
creator_days as (
    select
        source_relation, handle, date_day, {{ period(grain, 'date_day') }} as period_start,
        videos_published, videos_available, followers, followers_gained, videos_observed, reads, source_loaded_at
    from {{ ref('tiktok__creator_daily') }}
),

{#- Every period of creator_daily: a small table (a row per handle and day), read whole so that an
    incremental run finds the periods whose figures changed, whatever changed them. #}
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
        cast(sum(reads) as {{ dbt.type_bigint() }}) as reads,
        max(source_loaded_at) as source_loaded_at
    from creator_days
    group by source_relation, handle, period_start
),
{%- endset %}
{%- set changed %}
changed_periods as (
    select periods.source_relation, periods.handle, periods.period_start
    from periods
    left join {{ this }} as built
        on built.source_relation = periods.source_relation and built.handle = periods.handle
        and built.{{ grain }}_start = periods.period_start
    where built.handle is null or not (
        {%- for figure in figures %}
        {{ socialfetch_tiktok.socialfetch_same('periods.' ~ figure, 'built.' ~ figure) }}{{ ' and' if not loop.last }}
        {%- endfor %}
    )
),
{%- endset %}
{%- set rebuilt = socialfetch_tiktok.socialfetch_rollup_rebuilt(grain, prefix,
       extra='select source_relation, handle, period_start from changed_periods', head=head ~ changed) %}
with
{{ head }}
{{ changed if is_incremental() }}
{{ rebuilt.ctes }}

video_gains as (
    select
        daily.source_relation,
        daily.handle,
        {{ period(grain, 'daily.date_day') }} as period_start,
        {{ socialfetch_tiktok.socialfetch_summed_gains('daily') }}
    from {{ ref('tiktok__video_daily') }} as daily
    {%- if is_incremental() %}
    {{ socialfetch_tiktok.socialfetch_rollup_rows('daily', prefix, rebuilt.first_day) }}
    {%- endif %}
    group by daily.source_relation, daily.handle, {{ period(grain, 'daily.date_day') }}
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
    periods.followers_gained,
    periods.source_loaded_at
from periods
{%- if is_incremental() %}
{{ socialfetch_tiktok.socialfetch_rollup_rows('periods', prefix, rebuilt.first_day, 'period_start') }}
{%- endif %}
left join video_gains
    on video_gains.source_relation = periods.source_relation and video_gains.handle = periods.handle
    and video_gains.period_start = periods.period_start
{%- endmacro %}

{#- The CTE `video_periods` (source_relation, handle, video_id, period_start): every period in
    which a video has a tiktok__video_daily row, from the period of its first snapshot to the
    period of its last (it has a row on every day between them), ending with a comma; incremental:
    the periods rebuilt of the prefixes rebuilt. -#}
{% macro socialfetch_video_spans(grain, prefix, first_day) -%}
{%- set period = socialfetch_tiktok.socialfetch_period_start -%}
{%- set day = socialfetch_tiktok.socialfetch_day %}
spans as (
    select
        snapshots.source_relation,
        snapshots.handle,
        snapshots.video_id,
        {{ period(grain, day('snapshots.first_captured_at')) }} as first_period,
        {{ period(grain, day('snapshots.last_captured_at')) }} as last_period
        {%- if is_incremental() %},
        rollup_from.from_day as rebuilt_from
        {%- endif %}
    from {{ ref('int_socialfetch_tiktok__video_snapshots') }} as snapshots
    {%- if is_incremental() %}
    inner join rollup_from
        on {% for column in prefix %}rollup_from.{{ column }} = snapshots.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
    where snapshots.last_captured_at >= cast(rollup_from.from_day as {{ socialfetch_tiktok.socialfetch_type_timestamp() }})
    {%- endif %}
),

periods as (
    select distinct {{ period(grain, 'date_day') }} as period_start
    from {{ ref('int_socialfetch_tiktok__day_spine') }}
    {%- if is_incremental() %}
    where date_day >= {{ first_day }}
    {%- endif %}
),

video_periods as (
    select spans.source_relation, spans.handle, spans.video_id, periods.period_start
    from spans
    inner join periods
        on periods.period_start >= spans.first_period and periods.period_start <= spans.last_period
    {%- if is_incremental() %}
        and periods.period_start >= spans.rebuilt_from
    {%- endif %}
),
{%- endmacro %}

{#- A daily rollup's rows (`days`: by `keys` and date_day) summed by period: the gains, and the
    newest load behind them; incremental: the rebuilt periods of the prefixes rebuilt. -#}
{% macro socialfetch_days_summed(grain, days, keys, prefix, first_day) -%}
    {%- set period_start = socialfetch_tiktok.socialfetch_period_start(grain, 'days.date_day') %}
    select
        {%- for key in keys %}
        days.{{ key }},
        {%- endfor %}
        {{ period_start }} as period_start,
        {{ socialfetch_tiktok.socialfetch_summed_gains('days') }},
        max(days.source_loaded_at) as source_loaded_at
    from {{ days }} as days
    {%- if is_incremental() %}
    {{ socialfetch_tiktok.socialfetch_rollup_rows('days', prefix, first_day) }}
    {%- endif %}
    group by {% for key in keys %}days.{{ key }}, {% endfor %}{{ period_start }}
{%- endmacro %}

{#- Hashtags. The day grain (int_socialfetch_tiktok__hashtag_days): the gains of the handle's
    videos carrying each tag, per day, from tiktok__video_daily. Weeks and months sum those days
    (a month to date of 5,000 handles is 31 million video_daily rows but 1.5 million hashtag days),
    and count the tagged videos with a day in the period: a video has a video_daily row on every
    day from its first snapshot's to its last one's (int_socialfetch_tiktok__video_snapshots), so
    it is in every period from its first day's to its last day's. -#}
{% macro socialfetch_hashtag_periods(grain) -%}
{%- set prefix = ['source_relation', 'handle'] %}
{%- set rebuilt = socialfetch_tiktok.socialfetch_rollup_rebuilt(grain, prefix, groups=true) %}
with
{{ rebuilt.ctes }}
videos as (
    select source_relation, handle, video_id, hashtags
    from {{ ref('int_socialfetch_tiktok__video_groups') }}
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
),
{%- if grain == 'day' %}

daily as (
    {{ socialfetch_tiktok.socialfetch_rollup_daily_rows(prefix, rebuilt.first_day) }}
)

select
    tagged.source_relation,
    tagged.handle,
    tagged.hashtag,
    daily.date_day,
    {{ socialfetch_tiktok.socialfetch_summed_gains('daily') }},
    max(daily.snapshot_extracted_at) as source_loaded_at
from tagged
inner join daily
    on daily.source_relation = tagged.source_relation and daily.handle = tagged.handle and daily.video_id = tagged.video_id
group by tagged.source_relation, tagged.handle, tagged.hashtag, daily.date_day
{%- else %}

day_gains as (
    {{ socialfetch_tiktok.socialfetch_days_summed(grain, ref('int_socialfetch_tiktok__hashtag_days'), ['source_relation', 'handle', 'hashtag'], prefix, rebuilt.first_day) }}
),

{{ socialfetch_tiktok.socialfetch_video_spans(grain, prefix, rebuilt.first_day) }}

tagged_periods as (
    select
        tagged.source_relation,
        tagged.handle,
        tagged.hashtag,
        video_periods.period_start,
        cast(count(distinct tagged.video_id) as {{ dbt.type_bigint() }}) as videos
    from tagged
    inner join video_periods
        on video_periods.source_relation = tagged.source_relation and video_periods.handle = tagged.handle
        and video_periods.video_id = tagged.video_id
    group by tagged.source_relation, tagged.handle, tagged.hashtag, video_periods.period_start
)

select
    {{ dbt.concat(["tagged_periods.handle", "'|'", "tagged_periods.hashtag", "'|'", dbt.cast("tagged_periods.period_start", dbt.type_string())]) }} as hashtag_{{ grain }}_id,
    tagged_periods.source_relation,
    tagged_periods.handle,
    tagged_periods.hashtag,
    tagged_periods.period_start as {{ grain }}_start,
    tagged_periods.videos,
    {%- for count in socialfetch_tiktok.socialfetch_counts() %}
    day_gains.{{ count }}_gained,
    {%- endfor %}
    day_gains.source_loaded_at
from tagged_periods
inner join day_gains
    on day_gains.source_relation = tagged_periods.source_relation and day_gains.handle = tagged_periods.handle
    and day_gains.hashtag = tagged_periods.hashtag and day_gains.period_start = tagged_periods.period_start
{%- endif %}
{%- endmacro %}

{#- Sounds, across creators. Weeks sum tiktok__music_daily's days and count the creators and
    videos of a period from each video's first and last snapshot, as the hashtags do. -#}
{% macro socialfetch_music_periods(grain) -%}
{%- set prefix = ['source_relation'] %}
{%- set rebuilt = socialfetch_tiktok.socialfetch_rollup_rebuilt(grain, prefix, groups=true) %}
with
{{ rebuilt.ctes }}
videos as (
    select source_relation, handle, video_id, music_id, music_title, music_author_name
    from {{ ref('int_socialfetch_tiktok__video_groups') }}
    where music_id is not null
),
{%- if grain == 'day' %}

daily as (
    {{ socialfetch_tiktok.socialfetch_rollup_daily_rows(prefix, rebuilt.first_day) }}
)

select
    {{ dbt.concat(["videos.music_id", "'|'", dbt.cast("daily.date_day", dbt.type_string())]) }} as music_day_id,
    videos.source_relation,
    videos.music_id,
    max(videos.music_title) as music_title,
    max(videos.music_author_name) as music_author_name,
    daily.date_day,
    cast(count(distinct videos.handle) as {{ dbt.type_bigint() }}) as creators,
    cast(count(distinct {{ dbt.concat(["videos.handle", "'|'", "videos.video_id"]) }}) as {{ dbt.type_bigint() }}) as videos,
    {{ socialfetch_tiktok.socialfetch_summed_gains('daily') }},
    max(daily.snapshot_extracted_at) as source_loaded_at
from videos
inner join daily
    on daily.source_relation = videos.source_relation and daily.handle = videos.handle and daily.video_id = videos.video_id
group by videos.source_relation, videos.music_id, daily.date_day
{%- else %}

day_gains as (
    {{ socialfetch_tiktok.socialfetch_days_summed(grain, ref('tiktok__music_daily'), ['source_relation', 'music_id'], prefix, rebuilt.first_day) }}
),

{{ socialfetch_tiktok.socialfetch_video_spans(grain, prefix, rebuilt.first_day) }}

music_periods as (
    select
        videos.source_relation,
        videos.music_id,
        video_periods.period_start,
        max(videos.music_title) as music_title,
        max(videos.music_author_name) as music_author_name,
        cast(count(distinct videos.handle) as {{ dbt.type_bigint() }}) as creators,
        cast(count(distinct {{ dbt.concat(["videos.handle", "'|'", "videos.video_id"]) }}) as {{ dbt.type_bigint() }}) as videos
    from videos
    inner join video_periods
        on video_periods.source_relation = videos.source_relation and video_periods.handle = videos.handle
        and video_periods.video_id = videos.video_id
    group by videos.source_relation, videos.music_id, video_periods.period_start
)

select
    {{ dbt.concat(["music_periods.music_id", "'|'", dbt.cast("music_periods.period_start", dbt.type_string())]) }} as music_{{ grain }}_id,
    music_periods.source_relation,
    music_periods.music_id,
    music_periods.music_title,
    music_periods.music_author_name,
    music_periods.period_start as {{ grain }}_start,
    music_periods.creators,
    music_periods.videos,
    {%- for count in socialfetch_tiktok.socialfetch_counts() %}
    day_gains.{{ count }}_gained,
    {%- endfor %}
    day_gains.source_loaded_at
from music_periods
inner join day_gains
    on day_gains.source_relation = music_periods.source_relation and day_gains.music_id = music_periods.music_id
    and day_gains.period_start = music_periods.period_start
{%- endif %}
{%- endmacro %}
