"""The Twitch webhook receiver (WebSub and EventSub), deployed from `handler/` as is.

stdlib + boto3 only (what the Lambda runtime provides). Modules:
`event` (view over the proxy event), `errors` (typed HTTP errors), `resolver` (routing, errors ->
responses, the log line), `websub` / `eventsub` (protocols), `signature`, `timestamps`,
`storage` (key design and the conditional put), `config`, `runtime` (per-environment state).
"""
