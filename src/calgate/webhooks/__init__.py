"""Webhooks: subscriptions, a transactional outbox and a signed, retried delivery worker.

Booking services call `outbox.enqueue_booking` inside their own transaction, so an event
exists exactly when its change committed. `dispatcher.Dispatcher` is the one delivery loop
for every outbox table: it claims due rows (lease + `FOR UPDATE SKIP LOCKED` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), sends them and records the outcome; `worker` is the table of
user webhooks, `calgate.gateway.events_worker` that of gateway events.
"""
