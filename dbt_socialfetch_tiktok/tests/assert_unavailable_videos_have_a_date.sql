{#- is_available false exactly when unavailable_since is set, and a video is never unavailable
    since before it was last seen. -#}
select *
from {{ ref('tiktok__videos') }}
where (is_available = false) <> (unavailable_since is not null)
    or unavailable_since <= last_seen_at
