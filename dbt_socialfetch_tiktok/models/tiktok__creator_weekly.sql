{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **socialfetch_tiktok.socialfetch_incremental_config('tiktok__creator_weekly')
    )
}}
{#- One row per (handle, week_start): the creator's weekly rollup of tiktok__creator_daily and
    tiktok__video_daily (macros/rollups.sql). Weeks are ISO weeks, from Monday. -#}
{#- When a build replaces whole periods (BigQuery), the kept rows of those periods too: macros/strategies.sql. #}
{% call socialfetch_tiktok.socialfetch_overwritten_days('tiktok__creator_weekly') %}
{{ socialfetch_tiktok.socialfetch_creator_periods('week') }}
{% endcall %}
