{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **socialfetch_tiktok.socialfetch_incremental_config('int_socialfetch_tiktok__hashtag_days')
    )
}}
{#- One row per (handle, hashtag, date_day): the gains of the handle's videos carrying the tag that
    day, and the newest load behind them; what tiktok__hashtag_weekly and tiktok__hashtag_monthly
    sum (macros/rollups.sql), so that they do not read every video's every day of a period. -#}
-- depends_on: {{ ref('int_socialfetch_tiktok__video_snapshots') }}
{#- When a build replaces whole days (BigQuery), the kept rows of those days too: macros/strategies.sql. #}
{% call socialfetch_tiktok.socialfetch_overwritten_days('int_socialfetch_tiktok__hashtag_days') %}
{{ socialfetch_tiktok.socialfetch_hashtag_periods('day') }}
{% endcall %}
