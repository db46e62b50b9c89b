"""The Social Fetch API as the connector speaks it: the session and its auth (`transport`), what a
response body holds (`payloads`), what follows an error (`errors_handlers`, the CDK's error handler
as data), when to ask again (`backoff_strategies`), and the key never shown (`masking`).

May import the CDK, `requests` and the top-level `timeutil`; nothing else of this package.
"""
