"""A recurring booking's series as one calendar event: its occurrences, the start its rule gave
each, and the one recurring event that carries them all, for the series' emails
(email.booking), for its write-back to the hosts' calendars (calendars.outbox) and for the files
of an occurrence (its booking page's download, its `/calendar-links` ICS: services.booking_links).

A series booked through the API keeps how it was booked with its occurrences (the event-type
snapshot's `recurrence`, `core.recurrence.booked`: rule, count, the zone it was stepped in).
Such a series is ONE recurring calendar event, as Cal.com's one email with an RRULE and its one
recurring event in the host's Google Calendar: every invite about it, for the whole series or
for one occurrence, and the event written back to a host's calendar have the series' UID (the
first occurrence's calendar UID, `Booking.calendar_uid`), and one occurrence is addressed by
RECURRENCE-ID, the start the rule gave it (a moved occurrence keeps its own).

Why a rule (RRULE with COUNT) and not the occurrences listed (RDATE) or one event each: an
RRULE is what every calendar client (Google, Outlook, Apple, Thunderbird) imports, updates and
cancels as one series; Outlook and Google ignore RDATE in invites, and one event per occurrence
is N events. DTSTART is written in the zone the series was stepped in (TZID with its VTIMEZONE),
so a client's expansion lands on each booking's own start across DST changes; a start the
person doesn't have (an occurrence cancelled, or another host's) is an EXDATE, and an occurrence
that shows otherwise than the rule's (moved, its own meeting room, its own people) is an
override under the same UID.

A series booked before its booking was kept this way, or of one occurrence, has no `Series`:
its emails and write-back stay the per-occurrence ones it was announced with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.calendars.booking_event import Event, Repeat
from calgate.core import recurrence
from calgate.core.recurrence import Recurrence
from calgate.core.timezones import is_valid_zone
from calgate.store.models import ENDED_STATUSES, Booking, BookingBlock, BookingStatus, User

_FREQ = {"weekly": "WEEKLY", "monthly": "MONTHLY", "yearly": "YEARLY"}
_CHAIN_LIMIT = 1000


@dataclass(frozen=True)
class Occurrence:
    booking: Booking
    # The start the series' rule gave it: that of the booking it was first booked as.
    slot: datetime
    # Everyone hosting it (the organizer, the hosts holding its time), lower-case emails.
    hosts: frozenset[str]

    def has(self, email: str, host: bool) -> bool:
        email = email.lower()
        if host:
            return email in self.hosts
        return any(a.email.lower() == email for a in self.booking.attendees)


@dataclass(frozen=True)
class Series:
    # The calendar UID of the series' event.
    uid: str
    # The series' own uid (Cal.com's recurringBookingUid, `Booking.recurring_event_id`).
    recurring_uid: str
    rule: Recurrence
    time_zone: str
    slots: tuple[datetime, ...]
    # The series' bookings that no reschedule replaced, in slot order.
    occurrences: tuple[Occurrence, ...]
    # Raised by every booking of the series that ended (cancelled, declined, moved away): the
    # SEQUENCE of the series' invites, which a client needs to rise with every change.
    sequence: int

    def occurrence(self, booking: Booking) -> Occurrence | None:
        return next((o for o in self.occurrences if o.booking.id == booking.id), None)

    def held(self, email: str, host: bool) -> list[Occurrence]:
        """The accepted occurrences this person is in: what their calendar should show."""
        return [
            o
            for o in self.occurrences
            if o.booking.status == BookingStatus.ACCEPTED and o.has(email, host)
        ]

    def consecutive(self, occurrences: Sequence[Occurrence]) -> bool:
        """Whether these are back-to-back starts of the rule (no start of it left out)."""
        index = [self.slots.index(o.slot) for o in occurrences]
        return index == list(range(index[0], index[0] + len(index)))


async def series_of(session: AsyncSession, booking: Booking) -> Series | None:
    """The series `booking` is an occurrence of, if it is announced as one (see above)."""
    series_uid = booking.recurring_event_id
    if not series_uid:
        return None
    rows = list(
        (
            await session.execute(
                select(Booking)
                .where(Booking.recurring_event_id == series_uid)
                .order_by(Booking.start_time, Booking.id)
            )
        ).scalars()
    )
    originals = [r for r in rows if r.from_reschedule is None]
    if len(originals) < 2:
        return None
    root = originals[0]
    found = recurrence.of_booked((root.event_type_snapshot or {}).get("recurrence"))
    if found is None or not is_valid_zone(found[1]):
        return None
    rule, zone_name = found
    slots = recurrence.occurrence_starts(root.start_time, rule, rule.occurrences, zone_name)
    if slots != [r.start_time for r in originals]:
        return None
    by_uid = {r.uid: r for r in rows}
    replaced = {r.from_reschedule for r in rows if r.from_reschedule}
    hosts = await _host_emails(session, series_uid)
    occurrences = sorted(
        (
            Occurrence(r, _slot(r, by_uid), frozenset(hosts.get(r.id, ())))
            for r in rows
            if r.uid not in replaced
        ),
        key=lambda o: (o.slot, o.booking.id),
    )
    return Series(
        uid=root.calendar_uid,
        recurring_uid=series_uid,
        rule=rule,
        time_zone=zone_name,
        slots=tuple(slots),
        occurrences=tuple(occurrences),
        sequence=sum(1 for r in rows if r.status in ENDED_STATUSES),
    )


def _slot(row: Booking, by_uid: dict[str, Booking]) -> datetime:
    depth = 0
    while row.from_reschedule and row.from_reschedule in by_uid and depth < _CHAIN_LIMIT:
        row, depth = by_uid[row.from_reschedule], depth + 1
    return row.start_time


async def _host_emails(session: AsyncSession, series_uid: str) -> dict[int, set[str]]:
    organizers = (
        select(Booking.id, User.email)
        .join(User, User.id == Booking.user_id)
        .where(Booking.recurring_event_id == series_uid)
    )
    holders = (
        select(BookingBlock.booking_id, User.email)
        .join(User, User.id == BookingBlock.user_id)
        .join(Booking, Booking.id == BookingBlock.booking_id)
        .where(Booking.recurring_event_id == series_uid)
    )
    found: dict[int, set[str]] = defaultdict(set)
    for statement in (organizers, holders):
        for booking_id, email in (await session.execute(statement)).all():
            found[booking_id].add(str(email).lower())
    return found


def events(
    series: Series,
    held: Sequence[Occurrence],
    shown: Callable[[Occurrence], Event],
    *,
    cancelled: bool = False,
) -> list[Event]:
    """The series as one calendar should have it: the rule from the first of `held` to the
    last (the starts between that it doesn't have excluded), then an override for each
    occurrence that shows otherwise than the rule. `cancelled`: the rule alone, as the
    series' CANCEL. `shown(occurrence)` gives what it shows (title, people, ...); the rule
    shows the first's."""
    first = held[0]
    length = first.booking.end_time - first.booking.start_time
    index = [series.slots.index(o.slot) for o in held]
    span = series.slots[index[0] : index[-1] + 1]
    mine = {o.slot for o in held}
    master = replace(
        shown(first),
        uid=series.uid,
        start=first.slot,
        end=first.slot + length,
        location=first.booking.location,
        cancelled=cancelled,
        repeat=Repeat(_FREQ[series.rule.frequency], series.rule.interval, len(span)),
        excluded=tuple(s for s in span if s not in mine),
        time_zone=series.time_zone,
    )
    if cancelled:
        return [master]
    overrides = []
    for o in held:
        own = instance(series, o, shown(o))
        ruled = replace(
            master,
            start=o.slot,
            end=o.slot + length,
            repeat=None,
            excluded=(),
            recurrence_id=o.slot,
        )
        if own != ruled:
            overrides.append(own)
    return [master, *overrides]


def instance(series: Series, occurrence: Occurrence, base: Event) -> Event:
    """One occurrence of the series on its own (moved, cancelled, people added to it)."""
    b = occurrence.booking
    return replace(
        base,
        uid=series.uid,
        start=b.start_time,
        end=b.end_time,
        location=b.location,
        recurrence_id=occurrence.slot,
        time_zone=series.time_zone,
    )


def as_file(
    series: Series, theirs: Sequence[Occurrence], shown: Callable[[Occurrence], Event]
) -> list[Event]:
    """An occurrence's calendar file for someone (the booking page's download, the ICS of
    `/calendar-links`): the series' one event, as its invites and write-back carry it, so that a
    calendar which has the series from either keeps one event instead of adding the occurrence
    beside it. It holds the occurrences of `theirs` that have not ended (a pending one too, as a
    pending booking's own file shows it); none left: the series cancelled."""
    held = [o for o in theirs if o.booking.status not in ENDED_STATUSES]
    if held:
        return events(series, held, shown)
    return events(series, theirs, shown, cancelled=True)


def rule_from(series: Series, occurrence: Occurrence) -> Repeat | None:
    """The series' rule from this occurrence to its last start, as Cal.com's Google Calendar
    link carries the event type's rule (`recur`); none for a moved occurrence, whose start the
    rule does not step from."""
    if occurrence.booking.start_time != occurrence.slot:
        return None
    left = len(series.slots) - series.slots.index(occurrence.slot)
    return Repeat(_FREQ[series.rule.frequency], series.rule.interval, left)
