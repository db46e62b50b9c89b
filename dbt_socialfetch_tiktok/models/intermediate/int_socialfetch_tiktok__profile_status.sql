{#- The availability rule, part two: a handle whose latest profiles record says private or
    not_found has all its videos unavailable from the first such record after its last visible
    one. One row per handle with a profiles record. -#}

with profiles as (
    select * from {{ ref('stg_socialfetch_tiktok__profiles') }}
),

ranked as (
    select
        *,
        row_number() over (partition by source_relation, handle order by extracted_at desc) as newest_first
    from profiles
),

last_visible as (
    select source_relation, handle, max(extracted_at) as last_visible_at
    from profiles
    where lookup_status is null or lookup_status not in ('private', 'not_found')
    group by source_relation, handle
),

hidden_since as (
    select profiles.source_relation, profiles.handle, min(profiles.extracted_at) as hidden_since
    from profiles
    left join last_visible
        on last_visible.source_relation = profiles.source_relation and last_visible.handle = profiles.handle
    where profiles.lookup_status in ('private', 'not_found')
        and (last_visible.last_visible_at is null or profiles.extracted_at > last_visible.last_visible_at)
    group by profiles.source_relation, profiles.handle
)

select
    ranked.source_relation,
    ranked.handle,
    ranked.lookup_status,
    ranked.followers,
    ranked.extracted_at as last_profile_at,
    case when ranked.lookup_status in ('private', 'not_found') then hidden_since.hidden_since end as hidden_since
from ranked
left join hidden_since
    on hidden_since.source_relation = ranked.source_relation and hidden_since.handle = ranked.handle
where ranked.newest_first = 1
