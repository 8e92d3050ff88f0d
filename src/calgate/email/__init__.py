"""Outgoing email and SMS: what is sent (verification codes, booking emails with their
calendar invites, reminders), written as outbox rows in the caller's transaction, and the
SMTP transport the sending loop (`webhooks.mail`, which also posts the SMS) uses.

Imports `store`, `calendars.booking_event` (the invites) and `core` (a recurring series'
starts); `webhooks` and `services` import it, never the reverse.
"""
