{#- One row per (handle, month_start): the creator's monthly rollup of tiktok__creator_daily and
    tiktok__video_daily (macros/rollups.sql). -#}
{{ socialfetch_tiktok.socialfetch_creator_periods('month') }}
