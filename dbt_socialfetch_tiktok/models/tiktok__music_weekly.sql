{#- One row per (music_id, week_start): the gains of every synced video using the sound, across
    creators (macros/rollups.sql). Weeks are ISO weeks, from Monday. -#}
{{ socialfetch_tiktok.socialfetch_music_periods('week') }}
