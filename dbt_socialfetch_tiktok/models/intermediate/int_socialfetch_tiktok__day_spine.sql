{#- Every UTC day from the first snapshot or profile record to the last thing any sync recorded
    (up to 10,000 days). -#}

with bounds as (
    select min(day) as first_day, max(day) as last_day
    from (
        select {{ socialfetch_tiktok.socialfetch_day('captured_at') }} as day from {{ ref('stg_socialfetch_tiktok__video_stats') }}
        union all
        select {{ socialfetch_tiktok.socialfetch_day('extracted_at') }} from {{ ref('stg_socialfetch_tiktok__profiles') }}
        union all
        select {{ socialfetch_tiktok.socialfetch_day('started_at') }} from {{ ref('stg_socialfetch_tiktok__handle_reads') }}
    ) as days
),

digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),

offsets as (
    select ones.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d as n
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
)

select {{ socialfetch_tiktok.socialfetch_add_days('bounds.first_day', 'offsets.n') }} as date_day
from bounds
cross join offsets
where bounds.first_day is not null
    and {{ socialfetch_tiktok.socialfetch_add_days('bounds.first_day', 'offsets.n') }} <= bounds.last_day
