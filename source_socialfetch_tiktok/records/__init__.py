"""What the streams emit, built from one page: a `videos` record and its parsed fields (`videos`,
`topics`), the `video_stats` snapshot beside it, and the `handle_reads` record a part ends with.

May import the top-level `timeutil`, and `read.part` (the part a `handle_reads` record describes);
nothing that sends a request or keeps state.
"""
