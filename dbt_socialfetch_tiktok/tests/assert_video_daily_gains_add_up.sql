{#- Over a video's days, views_gained adds up to its views on its last day minus its views on its
    first day; and its one is_last_day row is its last day. One pass over the table; a video is
    one per source_relation. On a window (socialfetch_test_window_days, as the generic tests): the
    days from the one before the window's first, where the gains from that day on add up to the
    views of the last day minus that day's (a video first seen in the window from its first day). -#}
{%- set window_start = socialfetch_tiktok.socialfetch_test_window_start(ref('tiktok__video_daily'), 'date_day') %}

with days as (
    select source_relation, handle, video_id, date_day, views, views_gained, is_last_day
    from {{ ref('tiktok__video_daily') }}
    {%- if window_start is not none %}
    where date_day >= {{ socialfetch_tiktok.socialfetch_add_days(window_start, -1) }}
    {%- endif %}
),

per_video as (
    select
        source_relation, handle, video_id,
        sum(views_gained) as gained,
        {%- if window_start is not none %}
        {#- the day before the window: its gain is against a day outside -#}
        case when min(date_day) < {{ window_start }} then {{ socialfetch_tiktok.socialfetch_value_at_min('views_gained', 'date_day') }} else 0 end as gained_before,
        {%- else %}
        0 as gained_before,
        {%- endif %}
        {{ socialfetch_tiktok.socialfetch_value_at_max('views', 'date_day') }} as last_views,
        {{ socialfetch_tiktok.socialfetch_value_at_min('views', 'date_day') }} as first_views,
        count(case when is_last_day then 1 end) as last_days,
        max(case when is_last_day then date_day end) as last_day,
        max(date_day) as max_day
    from days
    group by source_relation, handle, video_id
)

select source_relation, handle, video_id, gained - gained_before as gained, last_views, first_views
from per_video
where gained - gained_before <> last_views - first_views
    or last_days <> 1
    or last_day <> max_day
