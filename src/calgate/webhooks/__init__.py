"""Webhooks: subscriptions, a transactional outbox and a signed, retried delivery worker.

Booking services call `outbox.enqueue_booking` inside their own transaction, so an event
exists exactly when its change committed. `worker.Dispatcher` claims due rows (lease +
`FOR UPDATE SKIP LOCKED` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), signs and POSTs them.
"""
