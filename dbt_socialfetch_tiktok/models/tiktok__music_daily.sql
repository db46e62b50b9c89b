{#- One row per (music_id, date_day): the gains of every synced video using the sound, across
    creators (macros/rollups.sql). -#}
{{ socialfetch_tiktok.socialfetch_music_periods('day') }}
