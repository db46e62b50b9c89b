{#- One row per (handle, week_start): the creator's weekly rollup of tiktok__creator_daily and
    tiktok__video_daily (macros/rollups.sql). Weeks are ISO weeks, from Monday. -#}
{{ socialfetch_tiktok.socialfetch_creator_periods('week') }}
