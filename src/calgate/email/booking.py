"""The emails a booking change sends, queued in the change's transaction.

What goes to whom (Cal.com's standard emails):

- created (accepted), confirmed: an invite (METHOD:REQUEST) to each attendee and each host
  (every host holding the booking's time: a collective team's, a round robin's assigned and
  mandatory hosts);
  a confirmation is announced as BOOKING_CREATED too, so BOOKING_CONFIRMED adds nothing.
- a seat taken in a seated event (attendee added): the invite to that attendee and a notice
  to the host.
- requested: "awaiting confirmation" to the attendees, "needs your confirmation" to the host.
- rescheduled: the moved invite (same UID, higher SEQUENCE) to everyone.
- cancelled: METHOD:CANCEL to everyone (a cancelled seat: to that attendee only).
- rejected: "declined" to the attendees.
- a recurring series booked, requested, confirmed, cancelled or declined at once: one email per
  person for the series (`queue_series_emails`), as Cal.com's, telling its rule, how many
  occurrences and each one's date, with one invite carrying the series
  (`calgate.calendars.series`); an email about one occurrence of it addresses that occurrence
  within the series' invite.
- attendees or guests added to a booking (`ATTENDEE_ADDED`, not a webhook trigger): the invite
  to each new person, and a "new guests" notice with the updated invite to the host and the
  attendees already there (in a seated booking, to the host only), as Cal.com's add-guests
  emails.
- a round-robin booking handed to another host (`REASSIGNMENT`, not a webhook trigger), as
  Cal.com's round-robin reassignment: the new host gets the scheduled email with the invite
  (a pending booking: the request to confirm), the previous host a "reassigned" email whose
  METHOD:CANCEL takes the meeting out of their calendar, and the attendees an "updated" email
  naming the new host, with the invite now organized by them. The mandatory hosts get none.

Each person reads the email in their own time zone and language (calgate.email.locales;
attendee `language`, user `locale`). Replies go where Cal.com sends them (`_reply_to`). An
event type turns emails off with Cal.com's
metadata `disableStandardEmails` (`{"all": {"host": true, "attendee": true}}`, or
`"confirmation"` for the confirmation emails only), and asks for a reminder with
`metadata.emailReminderMinutes` (N minutes before the start; moved by a reschedule, dropped by
a cancel, written anew by a reassignment). Links point at the booker (CALGATE_BOOKER_URL),
which the sending process fills in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.calendars.booking_event import Event, Person, ics
from calgate.calendars.series import Occurrence, Series, events, instance, series_of
from calgate.email import messages
from calgate.email.locales import CATALOGUES, Words
from calgate.store.models import (
    Attendee,
    Booking,
    BookingBlock,
    BookingStatus,
    EventType,
    OutboundMessage,
    User,
    utcnow,
)

BOOKER_URL = messages.BOOKER_URL
# REASSIGNMENT: calendars.outbox.REASSIGNMENT, Cal.com's audit action for a reassignment.
_TRIGGERS = frozenset(
    {
        "BOOKING_CREATED",
        "BOOKING_REQUESTED",
        "BOOKING_RESCHEDULED",
        "BOOKING_CANCELLED",
        "BOOKING_REJECTED",
        "ATTENDEE_ADDED",
        "REASSIGNMENT",
    }
)
# What a change to several occurrences of a series at once can be (services.bookings).
_SERIES_TRIGGERS = frozenset(
    {"BOOKING_CREATED", "BOOKING_REQUESTED", "BOOKING_CANCELLED", "BOOKING_REJECTED"}
)

_text = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=False,  # noqa: S701 - plain-text email, never HTML
    auto_reload=False,
    keep_trailing_newline=True,
)
_html = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    auto_reload=False,
)


class BookingLike(Protocol):
    @property
    def booking(self) -> Booking: ...

    @property
    def event_type(self) -> EventType | None: ...

    @property
    def host(self) -> User | None: ...


@dataclass(frozen=True)
class _HostedBy:
    """A booking as another host had it: a reassigned booking as its previous host knew it
    (their invite named them its organizer)."""

    booking: Booking
    event_type: EventType | None
    host: User | None


@dataclass(frozen=True)
class _Recipient:
    name: str
    email: str
    time_zone: str
    host: bool
    locale: str | None = None
    # The attendee row an attendee recipient is (None for hosts).
    attendee: Attendee | None = None


def _tz(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _disabled(et: EventType | None, host: bool, confirmation: bool) -> bool:
    setting = (et.metadata_ or {}).get("disableStandardEmails") if et is not None else None
    if setting is True:
        return True
    if not isinstance(setting, dict):
        return False
    party = "host" if host else "attendee"
    groups = ["all", "confirmation"] if confirmation else ["all"]
    return any(isinstance(setting.get(g), dict) and setting[g].get(party) is True for g in groups)


def reminder_minutes(et: EventType | None) -> int | None:
    value = (et.metadata_ or {}).get("emailReminderMinutes") if et is not None else None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


async def _hosts(session: AsyncSession, view: BookingLike) -> list[User]:
    """Everyone hosting: the organizer, then the other hosts holding the booking's time (a
    collective booking's team, a round-robin booking's mandatory hosts)."""
    hosts = [view.host] if view.host is not None else []
    others = await session.execute(
        select(User)
        .join(BookingBlock, BookingBlock.user_id == User.id)
        .where(BookingBlock.booking_id == view.booking.id)
        .order_by(BookingBlock.id)
    )
    for user in others.scalars().unique():
        if all(h.id != user.id for h in hosts):
            hosts.append(user)
    return hosts


def _people(attendees: list[Attendee], hosts: list[User]) -> list[_Recipient]:
    out = [_Recipient(a.name, a.email, a.time_zone, False, a.locale, a) for a in attendees]
    out += [_as_host(h) for h in hosts]
    return out


def _as_host(user: User) -> _Recipient:
    return _Recipient(_name(user), user.email, user.time_zone, True, user.locale)


def _name(user: User) -> str:
    return user.name or user.username


def _private(view: BookingLike, to: _Recipient) -> bool:
    """A seat holder of a seated event type hiding its attendees (seats.showAttendeeInfo
    false): they see only their own seat, as the API shows them (services.bookings), not the
    other seats nor the first booker's title and notes. Hosts see everyone."""
    return not to.host and to.attendee is not None and view.booking.hides_attendees(view.event_type)


def _shown(view: BookingLike, to: _Recipient) -> list[Attendee]:
    """The attendees this recipient's email and invite list."""
    if _private(view, to) and to.attendee is not None:
        return [to.attendee]
    return list(view.booking.attendees)


def _title(view: BookingLike, to: _Recipient) -> str:
    # A seated booking's stored title names its first booker.
    if _private(view, to) and view.event_type is not None:
        return view.event_type.title
    return view.booking.title


def _event(
    view: BookingLike, to: _Recipient, hosts: list[User], *, uid: str, cancel: bool
) -> Event:
    """The booking as this recipient's calendar event."""
    b = view.booking
    people = [Person(a.name, a.email) for a in _shown(view, to)]
    people += [Person(h.name or h.username, h.email) for h in hosts[1:]]
    organizer = view.host
    return Event(
        uid=uid,
        title=_title(view, to),
        start=b.start_time,
        end=b.end_time,
        description=None if _private(view, to) else b.description,
        location=b.location,
        url=f"{BOOKER_URL}/booking/{b.uid}",
        organizer=Person(organizer.name or organizer.username, organizer.email)
        if organizer is not None
        else None,
        attendees=tuple(people),
        cancelled=cancel,
    )


def _invite(
    view: BookingLike,
    to: _Recipient,
    hosts: list[User],
    *,
    uid: str,
    depth: int,
    cancel: bool,
    now: datetime,
    series: Series | None = None,
    raise_on_cancel: bool = True,
) -> str:
    """The .ics this recipient gets: METHOD REQUEST, or CANCEL with SEQUENCE raised (not
    raised when the change that took the meeting from this person raised it already:
    `raise_on_cancel=False`). An occurrence of a series announced as one is that occurrence
    of the series' event."""
    event = _event(view, to, hosts, uid=uid, cancel=cancel)
    sequence = depth + (1 if cancel and raise_on_cancel else 0)
    occurrence = series.occurrence(view.booking) if series is not None else None
    if series is not None and occurrence is not None:
        event = instance(series, occurrence, event)
        sequence = series.sequence
    return ics(
        event,
        stamp=now,
        method="CANCEL" if cancel else "REQUEST",
        sequence=sequence,
    )


def _series_invite(
    series: Series,
    view: BookingLike,
    to: _Recipient,
    hosts: list[User],
    told: list[Occurrence],
    *,
    cancel: bool,
    now: datetime,
) -> str | None:
    """The series as this person's calendar should now have it: the occurrences they still
    hold (just booked or confirmed, or left by a partial cancel) as a REQUEST; when none are
    left, the series' CANCEL."""
    base = _event(view, to, hosts, uid=series.uid, cancel=False)
    held = series.held(to.email, to.host)
    if held:
        return ics(
            events(series, held, lambda _: base),
            stamp=now,
            method="REQUEST",
            sequence=series.sequence,
        )
    if cancel:
        cancelled = events(series, told, lambda _: base, cancelled=True)
        return ics(cancelled, stamp=now, method="CANCEL", sequence=series.sequence)
    return None


def _wording(trigger: str, b: Booking, to_host: bool, seat_added: bool) -> str | None:
    """The catalogue key (calgate.email.locales) of the email this person gets, if any."""
    if trigger == "ATTENDEE_ADDED":
        if seat_added:  # this recipient is one of the people just added
            return "added_request" if b.status == BookingStatus.PENDING else "confirmed"
        return "new_guests"
    if trigger == "BOOKING_CREATED" and b.status == BookingStatus.ACCEPTED:
        if seat_added and to_host:
            return "new_attendee"
        return "new_event" if to_host else "confirmed"
    if trigger == "BOOKING_REQUESTED":
        return "action_required" if to_host else "submitted"
    if trigger == "BOOKING_RESCHEDULED":
        return "rescheduled"
    if trigger == "BOOKING_CANCELLED":
        return "cancelled"
    if trigger == "BOOKING_REJECTED" and not to_host:
        return "declined"
    return None


def _links(b: Booking, to: _Recipient, *, series: bool) -> dict[str, str]:
    """Cal.com's manage links on the booking pages. An email telling several occurrences of a
    series cancels every remaining one (`allRemainingBookings=true`, from its first occurrence's
    page) and, as Cal.com's, has no reschedule link: an occurrence moves from its own page. A
    seat's holder gets their seat's cancel link (`?seat=`: every seat shares the booking's uid,
    and the pages act on the seat named) and no reschedule link, as the pages move no seat."""
    seat = to.attendee.seat_uid if to.attendee is not None else None
    if seat:
        return {"cancel": f"{BOOKER_URL}/booking/{b.uid}/cancel?seat={quote(seat, safe='')}"}
    if series:
        return {"cancel": f"{BOOKER_URL}/booking/{b.uid}/cancel?allRemainingBookings=true"}
    return {
        "reschedule": f"{BOOKER_URL}/booking/{b.uid}/reschedule",
        "cancel": f"{BOOKER_URL}/booking/{b.uid}/cancel",
    }


def _content(
    wording: str,
    view: BookingLike,
    to: _Recipient,
    *,
    reason: str | None,
    links: bool,
    invite: str | None,
    minutes: int | None = None,
    told: tuple[Series, list[Occurrence]] | None = None,
    names: dict[str, str] | None = None,
) -> messages.Content:
    """`told`: the series and the occurrences of it this email is about; several are told by
    their rule and count, then each one's date. `names`: the people the intro names."""
    b = view.booking
    tz = _tz(to.time_zone)
    words = Words(to.locale)
    host = view.host
    title = _title(view, to)
    intro_key = f"{wording}.intro"
    heading = words(f"{wording}.heading")
    when = words.when(b.start_time, b.end_time, tz)
    dates: list[str] = []
    location = b.location
    several = told is not None and len(told[1]) > 1
    if told is not None and several:
        series, occurrences = told
        heading = words(f"{wording}.series_heading")
        when = (
            words.series(series.rule.frequency, series.rule.interval, len(occurrences))
            if series.consecutive(occurrences)
            else words.occurrences(len(occurrences))
        )
        places = {o.booking.location for o in occurrences}
        for o in occurrences:
            date = words.when(o.booking.start_time, o.booking.end_time, tz)
            own = len(places) > 1 and o.booking.location
            dates.append(f"{date}, {o.booking.location}" if own else date)
        # Each occurrence's own place (a meeting room each) is on its line instead.
        location = location if len(places) == 1 else None
    context: dict[str, Any] = {
        "t": words,
        "lang": words.language,
        "heading": heading,
        "intro": words(intro_key, minutes=minutes, **(names or {})) if _has(intro_key) else "",
        "title": title,
        "when": when,
        "dates": dates,
        "time_zone": tz.key,
        "location": location,
        "host": _name(host) if host is not None else None,
        "attendees": [f"{a.name} <{a.email}>" for a in _shown(view, to)],
        "reason": reason,
        "links": _links(b, to, series=several) if links else None,
    }
    return messages.Content(
        subject=words(f"{wording}.subject", title=title),
        text=_text.get_template("booking.txt").render(context),
        html=_html.get_template("booking.html").render(context),
        ics=invite,
        reply_to=_reply_to(view, to, list(b.attendees)),
    )


def _reply_to(view: BookingLike, to: _Recipient, attendees: list[Attendee]) -> str | None:
    """As on Cal.com: a host's reply reaches the attendees; an attendee's reaches the event
    type's custom reply-to (a verified email, checked when it was set), else the organizer,
    unless the event type hides the organizer's email."""
    if to.host:
        return ", ".join(formataddr((a.name, a.email)) for a in attendees) or None
    settings = (view.event_type.settings or {}) if view.event_type is not None else {}
    custom = settings.get("custom_reply_to_email")
    if custom:
        return str(custom)
    if view.host is None or settings.get("hide_organizer_email"):
        return None
    return formataddr((view.host.name or view.host.username, view.host.email))


def _has(key: str) -> bool:
    return key in CATALOGUES["en"]


async def queue_booking_emails(
    session: AsyncSession,
    trigger: str,
    view: BookingLike,
    *,
    old: Booking | None = None,
    cancelled_seat: Attendee | None = None,
    added: Sequence[Attendee] = (),
    announce: bool = True,
    previous_host: User | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> int:
    """Queue the emails (and keep the reminders in step) for one booking change; returns how
    many messages were written. Commits nothing. `added`: the people ATTENDEE_ADDED added.
    `announce=False`: only the reminders; the change's emails go out for several occurrences
    of a series at once (`queue_series_emails`). `previous_host`, `reason`: whom REASSIGNMENT
    took the booking from, and the reason the admin gave."""
    if trigger not in _TRIGGERS:
        return 0
    now = now or utcnow()
    b = view.booking
    if trigger == "BOOKING_RESCHEDULED" and old is not None:
        await cancel_reminders(session, old.uid)
    elif trigger in ("BOOKING_CANCELLED", "BOOKING_REJECTED") and cancelled_seat is None:
        await cancel_reminders(session, b.uid)
    elif trigger == "REASSIGNMENT":
        # Written for the previous host, naming them: the new host's are written below.
        await cancel_reminders(session, b.uid)
    if not messages.sends_email(session):
        return 0
    if trigger == "REASSIGNMENT":
        count = 0
        if announce:
            count += await _reassignment_messages(
                session, view, previous_host, reason=reason, now=now
            )
        if b.status == BookingStatus.ACCEPTED:
            count += await schedule_reminders(session, view, list(b.attendees), now=now)
        return count
    seat_uid = getattr(view, "seat_uid", None)
    seat_added = trigger == "BOOKING_CREATED" and seat_uid is not None and len(b.attendees) > 1
    attendees = list(b.attendees)
    if seat_added:
        attendees = [a for a in attendees if a.seat_uid == seat_uid]
    elif cancelled_seat is not None:
        attendees = [cancelled_seat]
    new = {a.email.lower() for a in added}
    if trigger == "ATTENDEE_ADDED" and any(a.seat_uid for a in b.attendees):
        # Seats don't see each other: only the new seats and the host hear of it.
        attendees = [a for a in attendees if a.email.lower() in new]
    count = 0
    if announce:
        count += await _booking_messages(
            session,
            trigger,
            view,
            attendees,
            seat_added=seat_added,
            seat_cancelled=cancelled_seat is not None,
            new=new,
            now=now,
        )
    if trigger in ("BOOKING_CREATED", "BOOKING_RESCHEDULED") and b.status == BookingStatus.ACCEPTED:
        count += await schedule_reminders(session, view, attendees, now=now)
    elif trigger == "ATTENDEE_ADDED" and b.status == BookingStatus.ACCEPTED:
        count += await schedule_reminders(session, view, list(added), now=now)
    return count


async def _booking_messages(
    session: AsyncSession,
    trigger: str,
    view: BookingLike,
    attendees: list[Attendee],
    *,
    seat_added: bool = False,
    seat_cancelled: bool = False,
    new: set[str] | frozenset[str] = frozenset(),
    now: datetime,
) -> int:
    """One booking change's email to each of these attendees and the hosts."""
    b, et = view.booking, view.event_type
    hosts = await _hosts(session, view)
    recipients = _people(attendees, hosts)
    if seat_cancelled:
        recipients = [r for r in recipients if not r.host]
    # The meeting's UID and SEQUENCE, as every calendar surface has them (a reschedule's new
    # booking keeps the UID and counts the move).
    uid, depth = b.calendar_uid, b.ics_sequence
    series = await series_of(session, b)
    cancel = trigger == "BOOKING_CANCELLED"
    with_invite = trigger in (
        "BOOKING_CREATED",
        "BOOKING_RESCHEDULED",
        "BOOKING_CANCELLED",
        "ATTENDEE_ADDED",
    ) and (b.status == BookingStatus.ACCEPTED or cancel)
    confirmation = trigger in ("BOOKING_CREATED", "BOOKING_REQUESTED")
    reason = _reason(trigger, b)
    count = 0
    for to in recipients:
        joined = seat_added or (not to.host and to.email.lower() in new)
        wording = _wording(trigger, b, to.host, joined)
        if wording is None or _disabled(et, to.host, confirmation):
            continue
        invite = None
        if with_invite:
            invite = _invite(
                view, to, hosts, uid=uid, depth=depth, cancel=cancel, now=now, series=series
            )
        links = _manage_links(trigger, b, to)
        content = _content(wording, view, to, reason=reason, links=links, invite=invite)
        _queue(session, to, content, b.uid, now)
        count += 1
    return count


async def _reassignment_messages(
    session: AsyncSession,
    view: BookingLike,
    previous: User | None,
    *,
    reason: str | None,
    now: datetime,
) -> int:
    """A booking handed to another host, as Cal.com's round-robin reassignment: the new host's
    scheduled email (a pending booking: the request to confirm), the previous host's
    "reassigned" email whose METHOD:CANCEL, under the meeting's UID and from the organizer
    their copy named (themselves), takes it out of their calendar, and the attendees'
    "updated" email with the invite now organized by the new host. Both CANCEL and REQUEST
    carry the SEQUENCE the reassignment raised (services.reassign), so that a host who gets
    the booking back later has a REQUEST newer than the CANCEL. The reason goes to the new
    host only, as Cal.com's."""
    b, et = view.booking, view.event_type
    new = view.host
    if new is None:
        return 0
    hosts = await _hosts(session, view)
    series = await series_of(session, b)
    occurrence = series.occurrence(b) if series is not None else None
    accepted = b.status == BookingStatus.ACCEPTED
    uid, depth = b.calendar_uid, b.ics_sequence
    names = {"host": _name(new), "previous": _name(previous) if previous is not None else ""}
    out: list[tuple[_Recipient, str, str | None, str | None]] = []

    to = _as_host(new)
    if not _disabled(et, True, False):
        invite = None
        if accepted and series is not None and occurrence is not None:
            # The series as the new host now holds it: their calendar may have none of it
            # yet, or other occurrences of it, which an occurrence's own REQUEST would not fit.
            invite = _series_invite(series, view, to, hosts, [occurrence], cancel=False, now=now)
        elif accepted:
            invite = _invite(view, to, hosts, uid=uid, depth=depth, cancel=False, now=now)
        wording = "reassigned_new" if accepted else "reassigned_request"
        if previous is None:  # nobody's before: the plain scheduled email
            wording = "new_event" if accepted else "action_required"
        out.append((to, wording, invite, reason))

    if previous is not None and previous.id != new.id and not _disabled(et, True, False):
        to = _as_host(previous)
        invite = None
        if accepted:
            before = _HostedBy(b, et, previous)
            invite = _invite(
                before,
                to,
                [previous, *hosts[1:]],
                uid=uid,
                depth=depth,
                cancel=True,
                now=now,
                series=series,
                raise_on_cancel=False,
            )
        out.append((to, "reassigned_away", invite, None))

    if not _disabled(et, False, False):
        for to in _people(list(b.attendees), []):
            invite = None
            if accepted:
                invite = _invite(
                    view, to, hosts, uid=uid, depth=depth, cancel=False, now=now, series=series
                )
            out.append((to, "host_changed", invite, None))

    for to, wording, invite, why in out:
        content = _content(
            wording,
            view,
            to,
            reason=why,
            links=_manage_links("REASSIGNMENT", b, to),
            invite=invite,
            names=names,
        )
        _queue(session, to, content, b.uid, now)
    return len(out)


def _queue(
    session: AsyncSession, to: _Recipient, content: messages.Content, uid: str, now: datetime
) -> None:
    """A booking email into the outbox, sent by the loop once this transaction commits."""
    messages.queue(
        session,
        channel="email",
        kind="booking",
        recipient=to.email,
        content=content,
        booking_uid=uid,
        now=now,
    )


def _reason(trigger: str, b: Booking) -> str | None:
    if trigger == "BOOKING_CANCELLED":
        return b.cancellation_reason
    if trigger == "BOOKING_RESCHEDULED":
        return b.rescheduling_reason
    return b.rejection_reason


async def queue_series_emails(
    session: AsyncSession,
    trigger: str,
    views: Sequence[BookingLike],
    *,
    now: datetime | None = None,
) -> int:
    """The emails of one change to several occurrences of a recurring series at once (booked,
    requested, confirmed, cancelled, declined): as Cal.com, one email per person for them all,
    telling the series' rule, how many occurrences and each one's date in the person's zone and
    language, and one invite carrying the series (`calgate.calendars.series`). The occurrences'
    reminders were kept in step one by one (`queue_booking_emails(announce=False)`). A series
    not announced as one, or a single occurrence, gets each occurrence's own emails."""
    if trigger not in _TRIGGERS or not views or not messages.sends_email(session):
        return 0
    now = now or utcnow()
    series = await series_of(session, views[0].booking)
    whole = series is not None and all(series.occurrence(v.booking) for v in views)
    # A lone occurrence confirmed still gets the series' invite: its request had none, so the
    # person's calendar has no series yet for an occurrence of it to belong to.
    several = len(views) > 1 or trigger == "BOOKING_CREATED"
    if series is None or not whole or not several or trigger not in _SERIES_TRIGGERS:
        count = 0
        for view in views:
            attendees = list(view.booking.attendees)
            count += await _booking_messages(session, trigger, view, attendees, now=now)
        return count
    # Each person once, with the occurrences of this change they are in.
    people: dict[tuple[str, bool], tuple[_Recipient, list[BookingLike], list[User]]] = {}
    for view in views:
        hosts = await _hosts(session, view)
        for to in _people(list(view.booking.attendees), hosts):
            entry = people.setdefault((to.email.lower(), to.host), (to, [], hosts))
            entry[1].append(view)
    cancel = trigger == "BOOKING_CANCELLED"
    accepted = views[0].booking.status == BookingStatus.ACCEPTED
    with_invite = cancel or (trigger == "BOOKING_CREATED" and accepted)
    confirmation = trigger in ("BOOKING_CREATED", "BOOKING_REQUESTED")
    count = 0
    for to, mine, hosts in people.values():
        lead = mine[0]
        wording = _wording(trigger, lead.booking, to.host, False)
        if wording is None or _disabled(lead.event_type, to.host, confirmation):
            continue
        told = [o for v in mine if (o := series.occurrence(v.booking)) is not None]
        invite = None
        if with_invite:
            invite = _series_invite(series, lead, to, hosts, told, cancel=cancel, now=now)
        content = _content(
            wording,
            lead,
            to,
            reason=_reason(trigger, lead.booking),
            links=_manage_links(trigger, lead.booking, to),
            invite=invite,
            told=(series, told),
        )
        _queue(session, to, content, lead.booking.uid, now)
        count += 1
    return count


async def schedule_reminders(
    session: AsyncSession, view: BookingLike, attendees: list[Attendee], *, now: datetime
) -> int:
    """An email N minutes before the start to these attendees and the host (once each)."""
    b = view.booking
    minutes = reminder_minutes(view.event_type)
    if minutes is None:
        return 0
    at = b.start_time - timedelta(minutes=minutes)
    if at <= now:
        return 0
    already = set(
        (
            await session.execute(
                select(OutboundMessage.recipient).where(
                    OutboundMessage.booking_uid == b.uid,
                    OutboundMessage.kind == "reminder",
                    OutboundMessage.status == messages.PENDING,
                )
            )
        ).scalars()
    )
    count = 0
    for to in _people(attendees, await _hosts(session, view)):
        if to.email in already:
            continue
        content = _content(
            "reminder",
            view,
            to,
            reason=None,
            links=not to.host,
            invite=None,
            minutes=minutes,
        )
        messages.queue(
            session,
            channel="email",
            kind="reminder",
            recipient=to.email,
            content=content,
            booking_uid=b.uid,
            not_before=at,
            now=now,
        )
        count += 1
    return count


async def cancel_reminders(session: AsyncSession, booking_uid: str) -> None:
    await session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.booking_uid == booking_uid,
            OutboundMessage.kind == "reminder",
            OutboundMessage.status == messages.PENDING,
            OutboundMessage.attempts == 0,
        )
        .values(status=messages.CANCELLED, last_error="booking cancelled or moved")
    )


def _manage_links(trigger: str, b: Booking, to: _Recipient) -> bool:
    """Reschedule and cancel links, while the booking stands: as Cal.com's (its emails'
    ManageLink), for whoever booked, the first attendee, or a seat's holder; not for the hosts,
    nor for guests, whose link would act in the booker's name (the booking pages take the holder
    of a booking's link for its first attendee)."""
    if trigger in ("BOOKING_CANCELLED", "BOOKING_REJECTED") or to.attendee is None:
        return False
    booker = b.attendees[0] if b.attendees else None
    return to.attendee.seat_uid is not None or (booker is not None and to.attendee.id == booker.id)
