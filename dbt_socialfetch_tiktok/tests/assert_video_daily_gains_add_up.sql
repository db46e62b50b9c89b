{#- Over a video's days, views_gained adds up to its views on its last day minus its views on its
    first day; and its one is_last_day row is its last day. One pass over the table; a video is
    one per source_relation. -#}
select
    source_relation,
    handle,
    video_id,
    sum(views_gained) as gained,
    {{ socialfetch_tiktok.socialfetch_value_at_max('views', 'date_day') }} as last_views,
    {{ socialfetch_tiktok.socialfetch_value_at_min('views', 'date_day') }} as first_views
from {{ ref('tiktok__video_daily') }}
group by source_relation, handle, video_id
having sum(views_gained) <> {{ socialfetch_tiktok.socialfetch_value_at_max('views', 'date_day') }}
        - {{ socialfetch_tiktok.socialfetch_value_at_min('views', 'date_day') }}
    or count(case when is_last_day then 1 end) <> 1
    or max(case when is_last_day then date_day end) <> max(date_day)
