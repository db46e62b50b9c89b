{#- One row per handle synced: its status and figures now (the newest profiles record), their
    gains over 7 and 30 days (now minus the newest record on or before the day 7 or 30 days
    before: null when no record is that old, as when profiles are merged on handle and only the
    newest is kept), the views its videos gained over the last 7 and 30 days of
    tiktok__creator_daily, when it was first and last synced, and whether it is still in the
    config: read by the newest sync of its source_relation (handle_reads), null without them. First and last
    synced: the handle's earliest and latest read start or profiles load. -#}

{%- set day = socialfetch_tiktok.socialfetch_day -%}
{%- set add_days = socialfetch_tiktok.socialfetch_add_days -%}
{%- set figures = ['followers', 'following', 'total_likes', 'posts'] %}

with profiles as (
    select * from {{ ref('stg_socialfetch_tiktok__profiles') }}
),

reads as (
    select * from {{ ref('stg_socialfetch_tiktok__handle_reads') }}
),

creator_days as (
    select source_relation, handle, date_day, views_gained from {{ ref('tiktok__creator_daily') }}
),

handles as (
    select distinct source_relation, handle
    from (
        select source_relation, handle from creator_days
        union all
        select source_relation, handle from profiles
        union all
        select source_relation, handle from reads
    ) as every_handle
),

newest_profile as (
    select *
    from (
        select
            profiles.*,
            {{ day('extracted_at') }} as profile_day,
            row_number() over (partition by source_relation, handle order by extracted_at desc) as newest_first
        from profiles
    ) as ranked
    where newest_first = 1
),

{#- For each handle and span: the newest record on or before the day `span` days before now. #}
earlier_profile as (
    select *
    from (
        select
            spans.days as span_days,
            profiles.*,
            row_number() over (
                partition by spans.days, profiles.source_relation, profiles.handle order by profiles.extracted_at desc
            ) as newest_first
        from profiles
        inner join newest_profile
            on newest_profile.source_relation = profiles.source_relation and newest_profile.handle = profiles.handle
        cross join (select 7 as days union all select 30) as spans
        where {{ day('profiles.extracted_at') }} <= {{ add_days('newest_profile.profile_day', '-1 * spans.days') }}
    ) as ranked
    where newest_first = 1
),

views_gained as (
    select
        creator_days.source_relation,
        creator_days.handle,
        {%- for span in [7, 30] %}
        cast(sum(case when creator_days.date_day > {{ add_days('last_day.date_day', -span) }} then creator_days.views_gained else 0 end) as {{ dbt.type_bigint() }}) as views_gained_{{ span }}d{{ ',' if not loop.last }}
        {%- endfor %}
    from creator_days
    cross join (select max(date_day) as date_day from creator_days) as last_day
    group by creator_days.source_relation, creator_days.handle
),

{#- A read's start, or a profiles record's load (the profiles stream has no reads). #}
synced as (
    select source_relation, handle, min(synced_at) as first_synced_at, max(synced_at) as last_synced_at
    from (
        select source_relation, handle, started_at as synced_at from reads
        union all
        select source_relation, handle, extracted_at from profiles
    ) as syncs
    group by source_relation, handle
),

{#- Each source_relation's newest sync (its connection's). #}
newest_sync as (
    select source_relation, sync_id
    from (
        select
            source_relation, sync_id,
            row_number() over (partition by source_relation order by started_at desc, sync_id desc) as newest_first
        from reads
    ) as ranked
    where newest_first = 1
),

in_newest_sync as (
    select distinct reads.source_relation, reads.handle
    from reads
    inner join newest_sync on newest_sync.source_relation = reads.source_relation and newest_sync.sync_id = reads.sync_id
)

select
    handles.source_relation,
    handles.handle,
    newest_profile.lookup_status as status,
    {%- for figure in figures %}
    newest_profile.{{ figure }},
    {%- endfor %}
    {%- for span in [7, 30] %}
    {%- for figure in figures %}
    newest_profile.{{ figure }} - earlier_{{ span }}.{{ figure }} as {{ figure }}_gained_{{ span }}d,
    {%- endfor %}
    views_gained.views_gained_{{ span }}d,
    {%- endfor %}
    newest_profile.extracted_at as profile_loaded_at,
    synced.first_synced_at,
    synced.last_synced_at,
    case
        when newest_sync.sync_id is null then null
        else in_newest_sync.handle is not null
    end as is_in_config
from handles
left join newest_profile on newest_profile.source_relation = handles.source_relation and newest_profile.handle = handles.handle
{%- for span in [7, 30] %}
left join earlier_profile as earlier_{{ span }}
    on earlier_{{ span }}.source_relation = handles.source_relation and earlier_{{ span }}.handle = handles.handle
    and earlier_{{ span }}.span_days = {{ span }}
{%- endfor %}
left join views_gained on views_gained.source_relation = handles.source_relation and views_gained.handle = handles.handle
left join synced on synced.source_relation = handles.source_relation and synced.handle = handles.handle
left join newest_sync on newest_sync.source_relation = handles.source_relation
left join in_newest_sync on in_newest_sync.source_relation = handles.source_relation and in_newest_sync.handle = handles.handle
