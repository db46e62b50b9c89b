"""What a sync keeps for the next: the `videos` state as read and written (`store`), a saved state
parsed and repaired (`saved`), the per-handle cursor that checkpoints it (`cursor`), the stats
refresh schedule (`refresh`), the handles' TikTok ids (`user_ids`), their paces (`paces`, for
the ESTIMATE messages) and a saved state as one shard sees it (`sharded`).

May import `api.masking`, the top-level `config`, `handles`, `shard` and `timeutil`, and from `read/` only
what a part's end hands on (`read.part`, `read.sync_run`, the partition keys); never the streams.
"""
