"""How a sync reads: one part of one handle's read, its walk and its frozen result (`part`),
walked page by page (`pagination`), the CDK concurrent partitions and their phases
(`partitions`), the credit budget (`budget`), what the sync has done so far (`sync_run`) and
kept of each ended part (`tallies`), and the queue records leave by (`record_queue`).

May import `api/`, `records/`, `state/` and the top-level `config` and `timeutil`.
"""
