{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **socialfetch_tiktok.socialfetch_incremental_config('tiktok__creator_monthly')
    )
}}
{#- One row per (handle, month_start): the creator's monthly rollup of tiktok__creator_daily and
    tiktok__video_daily (macros/rollups.sql). -#}
{#- When a build replaces whole periods (BigQuery), the kept rows of those periods too: macros/strategies.sql. #}
{% call socialfetch_tiktok.socialfetch_overwritten_days('tiktok__creator_monthly') %}
{{ socialfetch_tiktok.socialfetch_creator_periods('month') }}
{% endcall %}
