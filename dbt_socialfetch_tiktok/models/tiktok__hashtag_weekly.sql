{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **socialfetch_tiktok.socialfetch_incremental_config('tiktok__hashtag_weekly')
    )
}}
{#- One row per (handle, hashtag, week_start): the gains of the handle's videos carrying the tag
    (macros/rollups.sql). Weeks are ISO weeks, from Monday. -#}
-- depends_on: {{ ref('int_socialfetch_tiktok__video_snapshots') }}, {{ ref('tiktok__video_daily') }}
{#- When a build replaces whole periods (BigQuery), the kept rows of those periods too: macros/strategies.sql. #}
{% call socialfetch_tiktok.socialfetch_overwritten_days('tiktok__hashtag_weekly') %}
{{ socialfetch_tiktok.socialfetch_hashtag_periods('week') }}
{% endcall %}
