"""Twitch webhook requests, signed as Twitch signs them, for tests and the CLI (`webhookstack send`).

Independent of `handler/` on purpose: the handler is checked against this implementation,
written from Twitch's documentation, not against itself.
"""
