{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **socialfetch_tiktok.socialfetch_incremental_config('int_socialfetch_tiktok__video_groups')
    )
}}
{#- One row per video with a videos record: the fields the hashtag and music rollups group it by
    (its hashtags, its sound), and groups_loaded_at, the load of the record that gave it these
    groups after the model's first build (null: as first built). The videos stream is read again
    on every sync, so its load times say nothing about what changed: this model keeps a video's
    row until a record changes the fields, and the rollups rebuild the periods of the videos whose
    groups changed since their own last build (macros/rollups.sql). Null on a first build, not the
    record's load: the rollups are built whole then, and a load within their lookback would make
    the next run rebuild every video's history. -#}

{%- set text = socialfetch_tiktok.socialfetch_json_string %}

with videos as (
    select
        source_relation, handle, video_id, hashtags, music_id, music_title, music_author_name,
        {{ 'extracted_at' if is_incremental() else 'cast(null as ' ~ socialfetch_tiktok.socialfetch_type_timestamp() ~ ')' }} as groups_loaded_at
    from {{ ref('stg_socialfetch_tiktok__videos') }}
)

select videos.*
from videos
{%- if is_incremental() %}
left join {{ this }} as built
    on built.source_relation = videos.source_relation and built.handle = videos.handle and built.video_id = videos.video_id
where built.video_id is null
    or not (
        {{ socialfetch_tiktok.socialfetch_same(text('videos.hashtags'), text('built.hashtags')) }}
        {%- for column in ['music_id', 'music_title', 'music_author_name'] %}
        and {{ socialfetch_tiktok.socialfetch_same('videos.' ~ column, 'built.' ~ column) }}
        {%- endfor %}
    )
{%- endif %}
