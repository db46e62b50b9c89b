{#- One row per (handle, hashtag, month_start): the gains of the handle's videos carrying the tag
    (macros/rollups.sql). -#}
{{ socialfetch_tiktok.socialfetch_hashtag_periods('month') }}
