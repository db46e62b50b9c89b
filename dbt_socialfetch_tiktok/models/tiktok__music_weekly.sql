{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **socialfetch_tiktok.socialfetch_incremental_config('tiktok__music_weekly')
    )
}}
{#- One row per (music_id, week_start): the gains of every synced video using the sound, across
    creators (macros/rollups.sql). Weeks are ISO weeks, from Monday. -#}
-- depends_on: {{ ref('int_socialfetch_tiktok__video_snapshots') }}, {{ ref('tiktok__video_daily') }}
{#- When a build replaces whole periods (BigQuery), the kept rows of those periods too: macros/strategies.sql. #}
{% call socialfetch_tiktok.socialfetch_overwritten_days('tiktok__music_weekly') %}
{{ socialfetch_tiktok.socialfetch_music_periods('week') }}
{% endcall %}
