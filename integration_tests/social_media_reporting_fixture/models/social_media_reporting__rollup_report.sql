{#- The report: every platform's posts, unioned. -#}
with unioned as (
    {{ union_posts(staging_relations()) }}
)

select * from unioned
