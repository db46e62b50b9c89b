{#- Over a video's days, views_gained adds up to its views on its last day minus its views on its
    first day. -#}
with bounds as (
    select
        handle,
        video_id,
        min(date_day) as first_day,
        max(date_day) as last_day,
        sum(views_gained) as gained
    from {{ ref('tiktok__video_daily') }}
    group by handle, video_id
)

select bounds.*
from bounds
inner join {{ ref('tiktok__video_daily') }} as first_row
    on first_row.handle = bounds.handle and first_row.video_id = bounds.video_id and first_row.date_day = bounds.first_day
inner join {{ ref('tiktok__video_daily') }} as last_row
    on last_row.handle = bounds.handle and last_row.video_id = bounds.video_id and last_row.date_day = bounds.last_day
where bounds.gained <> last_row.views - first_row.views
