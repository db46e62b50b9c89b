{#- Every UTC day from the first snapshot or profile record to the last thing any sync recorded
    (up to 10,000 days).

    The snapshots' bounds come from int_socialfetch_tiktok__video_snapshots (each video's first and
    newest capture, kept incrementally), not from a scan of every snapshot: its min and max are
    those of video_stats, so the days are the same, and the cost does not grow with history. The
    profiles and reads are one record per handle per sync: scanned. -#}

with bounds as (
    select min(first_day) as first_day, max(last_day) as last_day
    from (
        select
            {{ socialfetch_tiktok.socialfetch_day('min(first_captured_at)') }} as first_day,
            {{ socialfetch_tiktok.socialfetch_day('max(last_captured_at)') }} as last_day
        from {{ ref('int_socialfetch_tiktok__video_snapshots') }}
        union all
        select
            {{ socialfetch_tiktok.socialfetch_day('min(extracted_at)') }},
            {{ socialfetch_tiktok.socialfetch_day('max(extracted_at)') }}
        from {{ ref('stg_socialfetch_tiktok__profiles') }}
        union all
        select
            {{ socialfetch_tiktok.socialfetch_day('min(started_at)') }},
            {{ socialfetch_tiktok.socialfetch_day('max(started_at)') }}
        from {{ ref('stg_socialfetch_tiktok__handle_reads') }}
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
