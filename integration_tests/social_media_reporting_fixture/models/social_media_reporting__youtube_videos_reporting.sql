{#- One YouTube post in the columns the real package's YouTube model gives (views as clicks). -#}
select
    cast('2026-10-30 10:00:00' as {{ dbt.type_timestamp() }}) as created_timestamp,
    cast('yt-1' as {{ dbt.type_string() }}) as post_id,
    cast('a video' as {{ dbt.type_string() }}) as post_message,
    cast('https://youtube.example/yt-1.jpg' as {{ dbt.type_string() }}) as post_url,
    cast('channel-1' as {{ dbt.type_string() }}) as page_id,
    cast('A channel' as {{ dbt.type_string() }}) as page_name,
    cast('' as {{ dbt.type_string() }}) as source_relation,
    cast('youtube' as {{ dbt.type_string() }}) as platform,
    cast(1000 as {{ dbt.type_bigint() }}) as clicks,
    cast(5 as {{ dbt.type_bigint() }}) as comments,
    cast(50 as {{ dbt.type_bigint() }}) as likes,
    cast(2 as {{ dbt.type_bigint() }}) as shares
