"""Write webhook events into the outbox inside the caller's transaction.

Nothing here commits: the rows live or die with the booking change that produced them. After a
commit that wrote events, in-process dispatchers are woken so delivery starts at once instead
of at the next poll.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import event, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from calgate.calendars import outbox as calendar_outbox
from calgate.email import booking as booking_emails
from calgate.store.models import Booking, BookingStatus, User, Webhook, WebhookDelivery, utcnow
from calgate.webhooks import payloads
from calgate.webhooks.delivery import DeliveryStatus
from calgate.webhooks.payloads import BookingLike
from calgate.webhooks.triggers import MEETING_TRIGGERS

_WROTE_EVENTS = "calgate_webhook_events"
_wakers: set[Callable[[], None]] = set()


def add_waker(waker: Callable[[], None]) -> None:
    _wakers.add(waker)


def remove_waker(waker: Callable[[], None]) -> None:
    _wakers.discard(waker)


def wake_on_commit(session: AsyncSession) -> None:
    """Wake in-process dispatchers once this session's transaction commits."""
    session.info[_WROTE_EVENTS] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_WROTE_EVENTS, False):
        for waker in list(_wakers):
            waker()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_WROTE_EVENTS, None)


async def subscribers(
    session: AsyncSession, trigger: str, user_id: int | None, event_type_id: int | None
) -> list[Webhook]:
    """Active webhooks of the organizer or of the event type that listen to `trigger`."""
    owners = []
    if user_id is not None:
        owners.append(Webhook.user_id == user_id)
    if event_type_id is not None:
        owners.append(Webhook.event_type_id == event_type_id)
    if not owners:
        return []
    rows = (
        await session.execute(
            select(Webhook).where(Webhook.active.is_(True), or_(*owners)).order_by(Webhook.id)
        )
    ).scalars()
    return [w for w in rows if trigger in (w.triggers or [])]


def _add(
    session: AsyncSession,
    hooks: Iterable[Webhook],
    trigger: str,
    payload: dict[str, Any],
    *,
    booking_uid: str | None,
    now: datetime,
    not_before: datetime | None = None,
) -> int:
    created_at = payloads.cal_created_at(now)
    count = 0
    for hook in hooks:
        body = payloads.render(trigger, created_at, payload, hook.payload_template)
        session.add(
            WebhookDelivery(
                event_id=str(uuid.uuid4()),
                webhook_id=hook.id,
                trigger=trigger,
                booking_uid=booking_uid,
                body=body.text,
                content_type=body.content_type,
                status=DeliveryStatus.PENDING,
                not_before=not_before or now,
                attempts=0,
                round_attempts=0,
                created_at=now,
            )
        )
        count += 1
    if count:
        wake_on_commit(session)
    return count


async def enqueue(
    session: AsyncSession,
    trigger: str,
    payload: dict[str, Any],
    *,
    user_id: int | None,
    event_type_id: int | None,
    booking_uid: str | None = None,
    now: datetime | None = None,
) -> int:
    """Queue `payload` for every subscriber of `trigger`; returns how many rows were written."""
    hooks = await subscribers(session, trigger, user_id, event_type_id)
    return _add(session, hooks, trigger, payload, booking_uid=booking_uid, now=now or utcnow())


async def enqueue_booking(
    session: AsyncSession,
    trigger: str,
    view: BookingLike,
    *,
    old: Booking | None = None,
    no_show: tuple[dict[str, bool], bool | None] | None = None,
    cancelled_seat: Any = None,
    added: Sequence[Any] = (),
    together: bool = False,
    previous_host: User | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> int:
    """Queue a booking lifecycle event with Cal.com's payload for `trigger`.

    `together`: the change is one of several occurrences of a recurring series changed at
    once, whose emails and calendar write-back the caller queues once for them all with
    `enqueue_series` (the occurrence's webhooks and reminders are still queued here).

    Changes Cal.com announces to no webhook (ATTENDEE_ADDED, LOCATION_CHANGED, REASSIGNMENT:
    its booking audit actions) pass here too, for the write-back and the emails; no webhook can
    subscribe to them, so no delivery is written. `previous_host`, `reason`: whom a
    REASSIGNMENT took the booking from, and why (for the emails).

    Also keeps MEETING_STARTED / MEETING_ENDED in step: scheduled when a booking becomes
    accepted, cancelled with it, moved (cancelled on the old, scheduled on the new) on
    reschedule.
    """
    await session.flush()
    b = view.booking
    now = now or utcnow()
    if trigger == "BOOKING_NO_SHOW_UPDATED":
        changed, host = no_show or ({}, None)
        payload = payloads.no_show_payload(view, changed, host)
    else:
        extra: dict[str, Any] = {}
        if trigger in ("BOOKING_CREATED", "BOOKING_REQUESTED", "BOOKING_CONFIRMED"):
            extra = payloads.created_extra(view)
        elif trigger == "BOOKING_CANCELLED" and cancelled_seat is not None:
            extra = payloads.seat_cancelled_extra(view, cancelled_seat)
        elif trigger == "BOOKING_CANCELLED":
            extra = payloads.cancelled_extra(view)
        elif trigger == "BOOKING_REJECTED":
            extra = payloads.rejected_extra(view)
        elif trigger == "BOOKING_RESCHEDULED" and old is not None:
            extra = payloads.rescheduled_extra(view, old)
        payload = payloads.booking_payload(trigger, view, extra)
    count = await enqueue(
        session,
        trigger,
        payload,
        user_id=b.user_id,
        event_type_id=b.event_type_id,
        booking_uid=b.uid,
        now=now,
    )
    if trigger in ("BOOKING_CANCELLED", "BOOKING_REJECTED") and cancelled_seat is None:
        await cancel_meetings(session, b.uid)
    elif trigger == "BOOKING_RESCHEDULED" and old is not None:
        await cancel_meetings(session, old.uid)
        count += await schedule_meetings(session, view, now=now)
    elif trigger in ("BOOKING_CREATED", "BOOKING_CONFIRMED") and b.status == BookingStatus.ACCEPTED:
        count += await schedule_meetings(session, view, now=now)
    # Connected calendars: the same change written back to the host's destination calendar;
    # and the booking's emails (and reminders): the same transaction, the same sending loop.
    written = 0
    if not together:
        written = await calendar_outbox.enqueue_booking(session, trigger, view, old=old, now=now)
    mailed = await booking_emails.queue_booking_emails(
        session,
        trigger,
        view,
        old=old,
        cancelled_seat=cancelled_seat,
        added=added,
        announce=not together,
        previous_host=previous_host,
        reason=reason,
        now=now,
    )
    if written or mailed:
        wake_on_commit(session)
    return count


async def enqueue_series(
    session: AsyncSession,
    trigger: str,
    views: Sequence[BookingLike],
    *,
    now: datetime | None = None,
) -> int:
    """The emails and calendar write-back of one change to several occurrences of a recurring
    series (each passed to `enqueue_booking(together=True)` first), once for them all, as
    Cal.com sends one email for a recurring booking, its confirmation, decline or cancel
    (`email.booking`), and writes it as one recurring event (`calendars.outbox`)."""
    written = await calendar_outbox.enqueue_series(session, trigger, views, now=now)
    mailed = await booking_emails.queue_series_emails(session, trigger, views, now=now)
    if written or mailed:
        wake_on_commit(session)
    return written + mailed


async def schedule_meetings(
    session: AsyncSession, view: BookingLike, *, now: datetime | None = None
) -> int:
    """MEETING_STARTED at the start and MEETING_ENDED at the end (once per booking)."""
    b = view.booking
    existing = set(
        (
            await session.execute(
                select(WebhookDelivery.trigger).where(
                    WebhookDelivery.booking_uid == b.uid,
                    WebhookDelivery.trigger.in_(MEETING_TRIGGERS),
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                )
            )
        ).scalars()
    )
    payload = payloads.meeting_payload(view)
    count = 0
    for trigger, at in (("MEETING_STARTED", b.start_time), ("MEETING_ENDED", b.end_time)):
        if trigger in existing:
            continue
        hooks = await subscribers(session, trigger, b.user_id, b.event_type_id)
        count += _add(
            session, hooks, trigger, payload, booking_uid=b.uid, now=now or utcnow(), not_before=at
        )
    return count


async def cancel_meetings(session: AsyncSession, booking_uid: str) -> None:
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.booking_uid == booking_uid,
            WebhookDelivery.trigger.in_(MEETING_TRIGGERS),
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.attempts == 0,
        )
        .values(status=DeliveryStatus.CANCELLED, last_error="booking cancelled or moved")
    )
