{#- One row per (handle, hashtag, week_start): the gains of the handle's videos carrying the tag
    (macros/rollups.sql). Weeks are ISO weeks, from Monday. -#}
{{ socialfetch_tiktok.socialfetch_hashtag_periods('week') }}
