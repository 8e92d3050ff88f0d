"""What slot queries and booking checks read of an event type: its scheduling columns, its hosts
and their working hours, as plain rows read by column name (slot queries run far more often
than bookings, and loading ORM objects would cost them more than the engine does)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVarTuple

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from calgate.core import DateOverride, WeeklyWindow
from calgate.core import Schedule as CoreSchedule
from calgate.errors import BadRequest, NotFound
from calgate.store.models import Availability, EventType, Host, Schedule, Team, User

_Ts = TypeVarTuple("_Ts")


@dataclass(frozen=True)
class HostRef:
    """One host of an event type, with what availability needs of their user row."""

    id: int
    user_id: int
    schedule_id: int | None
    priority: int
    time_zone: str
    week_start: str
    default_schedule_id: int | None
    # What bookers see the host called, for explanations' sentences.
    name: str = ""
    # Round robin: a mandatory host, who joins every booking (Host.is_fixed).
    fixed: bool = False
    weight: int = 100


@dataclass(frozen=True)
class SchedulingSpec:
    """What slot queries and booking checks need of an event type, read as plain rows.

    Field names follow the EventType model. Every slot query reads this, and loading the ORM
    object (plus its hosts relationship and their users) cost more than the engine itself.
    """

    id: int
    length: int
    slot_interval: int | None
    minimum_booking_notice: int
    before_event_buffer: int
    after_event_buffer: int
    period_type: str
    period_days: int | None
    period_count_calendar_days: bool | None
    period_start_date: date | None
    period_end_date: date | None
    booking_limits: dict[str, int] | None
    duration_limits: dict[str, int] | None
    only_show_first_available_slot: bool
    seats_per_time_slot: int | None
    scheduling_type: str | None
    schedule_id: int | None
    team_id: int | None
    length_options: frozenset[int]
    hosts: tuple[HostRef, ...]


_SPEC_COLUMNS = (
    EventType.id,
    EventType.length,
    EventType.slot_interval,
    EventType.minimum_booking_notice,
    EventType.before_event_buffer,
    EventType.after_event_buffer,
    EventType.period_type,
    EventType.period_days,
    EventType.period_count_calendar_days,
    EventType.period_start_date,
    EventType.period_end_date,
    EventType.booking_limits,
    EventType.duration_limits,
    EventType.only_show_first_available_slot,
    EventType.seats_per_time_slot,
    EventType.scheduling_type,
    EventType.schedule_id,
    EventType.team_id,
    EventType.settings,
)
# The spec's fields, read under their own names (the column keys of EventType).
_SPEC_KEYS = tuple(c.key for c in _SPEC_COLUMNS if c.key != "settings")
_HOST_COLUMNS = (
    Host.id.label("host_id"),
    Host.user_id.label("host_user_id"),
    Host.schedule_id.label("host_schedule_id"),
    Host.priority.label("host_priority"),
    Host.is_fixed.label("host_is_fixed"),
    Host.weight.label("host_weight"),
    User.time_zone.label("user_time_zone"),
    User.week_start.label("user_week_start"),
    User.default_schedule_id.label("user_default_schedule_id"),
    func.coalesce(User.name, User.username).label("user_display_name"),
)


# Cal.com's default dynamic event (packages/lib/defaultEvents.ts, ``dynamicEvent``): what a
# dynamic group (``usernames=a,b``) is booked on when no event type of its own is named.
DYNAMIC_SLUG = "dynamic"
DYNAMIC_TITLE = "Group Meeting"
DYNAMIC_DESCRIPTION = "Join us for a meeting with multiple people"
DYNAMIC_LENGTH = 30
DYNAMIC_NOTICE = 120
DYNAMIC_DURATIONS = (15, 30, 45, 60, 90)
# A dynamic group of more people than this is a request to weigh everyone's calendar at once.
MAX_DYNAMIC_USERS = 20


def parse_usernames(raw: str | None) -> tuple[str, ...]:
    """``usernames=a,b`` as Cal.com reads it: comma-separated, at least two, order kept (the
    first user's event type slug names the event type)."""
    if raw is None:
        return ()
    names = tuple(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    if len(names) < 2:
        raise BadRequest("usernames must contain at least 2 usernames")
    if len(names) > MAX_DYNAMIC_USERS:
        raise BadRequest(f"usernames may name at most {MAX_DYNAMIC_USERS} users")
    return names


@dataclass(frozen=True)
class EventTypeRef:
    """An event type as a request names it: by id, by its owner's username and its slug, by a
    team's slug and its slug, or a dynamic group (``usernames``: collective across them)."""

    id: int | None = None
    username: str | None = None
    slug: str | None = None
    # A team event type: the team's slug with ``slug``.
    team_slug: str | None = None
    # A dynamic group: Cal.com's default dynamic event, or (``slug`` given) the first user's
    # event type of that slug, booked collectively with every named user as a host.
    usernames: tuple[str, ...] = ()

    def narrow(self, query: Select[*_Ts]) -> Select[*_Ts]:
        """``query`` (which reads EventType) narrowed to this event type."""
        if self.usernames:
            raise BadRequest("A dynamic group (usernames) has no stored event type")
        if self.id is not None:
            return query.where(EventType.id == self.id)
        if self.team_slug and self.slug:
            return query.join(Team, Team.id == EventType.team_id).where(
                Team.slug == self.team_slug, EventType.slug == self.slug
            )
        if self.username and self.slug:
            owner = aliased(User)
            return query.join(owner, owner.id == EventType.owner_id).where(
                owner.username == self.username, EventType.slug == self.slug
            )
        raise BadRequest("Provide eventTypeId, or eventTypeSlug together with username or teamSlug")

    def not_found(self) -> NotFound:
        if self.id is not None:
            return NotFound(f"Event type with id={self.id} not found")
        if self.team_slug:
            return NotFound(f"Event type '{self.slug}' of team '{self.team_slug}' not found")
        return NotFound(f"Event type '{self.slug}' of user '{self.username}' not found")


async def find_event_type(session: AsyncSession, ref: EventTypeRef) -> EventType:
    """The event type as an ORM object, for callers that also present or copy its fields."""
    found = (await session.execute(ref.narrow(select(EventType)))).scalar_one_or_none()
    if found is None:
        raise ref.not_found()
    return found


def _spec(values: Mapping[Any, Any], hosts: tuple[HostRef, ...]) -> SchedulingSpec:
    settings = values["settings"] or {}
    options = settings.get("length_in_minutes_options") if isinstance(settings, dict) else None
    return SchedulingSpec(
        **{key: values[key] for key in _SPEC_KEYS},
        length_options=frozenset(options or ()) | {values["length"]},
        hosts=hosts,
    )


def _host(row: Row[*tuple[Any, ...]]) -> HostRef:
    return HostRef(
        id=row.host_id,
        user_id=row.host_user_id,
        schedule_id=row.host_schedule_id,
        priority=row.host_priority,
        time_zone=row.user_time_zone,
        week_start=row.user_week_start,
        default_schedule_id=row.user_default_schedule_id,
        name=row.user_display_name or "",
        fixed=bool(row.host_is_fixed),
        weight=100 if row.host_weight is None else row.host_weight,
    )


_SPEC_QUERY = (
    select(*_SPEC_COLUMNS, *_HOST_COLUMNS)
    .select_from(EventType)
    .outerjoin(Host, Host.event_type_id == EventType.id)
    .outerjoin(User, User.id == Host.user_id)
    .order_by(Host.id)
)
_SPEC_BY_ID = _SPEC_QUERY.where(EventType.id == bindparam("event_type_id"))


async def spec_by_ref(session: AsyncSession, ref: EventTypeRef) -> SchedulingSpec:
    """One query: the event type's columns repeat on each host row (an event type without
    hosts still comes back, as one row with the host columns NULL)."""
    if ref.usernames:
        return await _dynamic_spec(session, ref)
    conn = await session.connection()
    if ref.id is not None:
        # Nearly every slot query names the event type by id: the statement built once.
        rows = (await conn.execute(_SPEC_BY_ID, {"event_type_id": ref.id})).all()
    else:
        rows = (await conn.execute(ref.narrow(_SPEC_QUERY))).all()
    if not rows:
        raise ref.not_found()
    hosts = tuple(_host(row) for row in rows if row.host_id is not None)
    return _spec(rows[0]._mapping, hosts)


async def dynamic_users(session: AsyncSession, usernames: tuple[str, ...]) -> list[User]:
    """The named users in the order named; any unknown one is a 404, as Cal.com answers."""
    found = {
        u.username: u
        for u in (await session.execute(select(User).where(User.username.in_(usernames)))).scalars()
    }
    missing = [n for n in usernames if n not in found]
    if missing:
        raise NotFound(f"User with username={missing[0]} not found")
    return [found[n] for n in usernames]


async def _dynamic_spec(session: AsyncSession, ref: EventTypeRef) -> SchedulingSpec:
    """A dynamic group's spec: the named users as hosts (collective), on the first user's event
    type of ``ref.slug`` when there is one, else on Cal.com's default dynamic event."""
    users = await dynamic_users(session, ref.usernames)
    hosts = tuple(
        HostRef(
            id=0,
            user_id=u.id,
            schedule_id=None,
            priority=2,
            time_zone=u.time_zone,
            week_start=u.week_start,
            default_schedule_id=u.default_schedule_id,
            name=u.name or u.username,
        )
        for u in users
    )
    if ref.slug and ref.slug != DYNAMIC_SLUG:
        base = await spec_by_ref(session, EventTypeRef(username=ref.usernames[0], slug=ref.slug))
        # The event type's own schedule is its owner's: each member keeps their own hours.
        return replace(
            base, scheduling_type="COLLECTIVE", schedule_id=None, team_id=None, hosts=hosts
        )
    return SchedulingSpec(
        id=0,
        length=DYNAMIC_LENGTH,
        slot_interval=None,
        minimum_booking_notice=DYNAMIC_NOTICE,
        before_event_buffer=0,
        after_event_buffer=0,
        period_type="UNLIMITED",
        period_days=None,
        period_count_calendar_days=True,
        period_start_date=None,
        period_end_date=None,
        booking_limits=None,
        duration_limits=None,
        only_show_first_available_slot=False,
        seats_per_time_slot=None,
        scheduling_type="COLLECTIVE",
        schedule_id=None,
        team_id=None,
        length_options=frozenset(DYNAMIC_DURATIONS),
        hosts=hosts,
    )


async def spec_of(session: AsyncSession, et: EventType) -> SchedulingSpec:
    conn = await session.connection()
    rows = await conn.execute(
        select(*_HOST_COLUMNS)
        .select_from(Host)
        .join(User, User.id == Host.user_id)
        .where(Host.event_type_id == et.id)
        .order_by(Host.id)
    )
    hosts = tuple(_host(row) for row in rows)
    return _spec({key: getattr(et, key) for key in (*_SPEC_KEYS, "settings")}, hosts)


@dataclass(frozen=True)
class HostContext:
    host: HostRef
    # The host's working hours as the engine reads them (empty, in the user's zone, if none).
    schedule: CoreSchedule

    @property
    def user_id(self) -> int:
        return self.host.user_id


_SCHEDULES = (
    select(
        Schedule.id,
        Schedule.user_id,
        Schedule.time_zone,
        Availability.days,
        Availability.start_minute,
        Availability.end_minute,
        Availability.date,
    )
    .outerjoin(Availability, Availability.schedule_id == Schedule.id)
    .where(Schedule.id.in_(bindparam("ids", expanding=True)))
    .order_by(Schedule.id, Availability.id)
)


async def _core_schedules(
    session: AsyncSession, schedule_ids: set[int]
) -> dict[int, tuple[int, CoreSchedule]]:
    """{schedule id: (owner id, working hours)}, read as plain rows in one query."""
    if not schedule_ids:
        return {}
    conn = await session.connection()
    rows = await conn.execute(_SCHEDULES, {"ids": sorted(schedule_ids)})
    heads: dict[int, tuple[int, str]] = {}
    weekly: dict[int, list[WeeklyWindow]] = {}
    overrides: dict[int, list[DateOverride]] = {}
    for sid, owner, tz, days, start, end, day in rows:
        if sid not in heads:
            heads[sid] = (owner, tz)
            weekly[sid], overrides[sid] = [], []
        if start is None:  # a schedule without any availability row
            continue
        if day is None:
            weekly[sid].append(WeeklyWindow(frozenset(days or ()), start, end))
        else:
            overrides[sid].append(DateOverride(day, start, end))
    return {
        sid: (owner, CoreSchedule(tz, tuple(weekly[sid]), tuple(overrides[sid])))
        for sid, (owner, tz) in heads.items()
    }


async def host_contexts(session: AsyncSession, spec: SchedulingSpec) -> list[HostContext]:
    # Each host's chosen schedule, and their own default in case the chosen one isn't theirs.
    wanted: set[int] = set()
    for h in spec.hosts:
        for sid in (h.schedule_id or spec.schedule_id, h.default_schedule_id):
            if sid is not None:
                wanted.add(sid)
    schedules = await _core_schedules(session, wanted)
    contexts = []
    for host in spec.hosts:
        own = host.default_schedule_id
        chosen = schedules.get(host.schedule_id or spec.schedule_id or own or 0)
        # An event-type schedule that belongs to someone else (team event types) falls back to
        # the host's own default, so one host's hours never leak onto another.
        if chosen is not None and chosen[0] != host.user_id:
            chosen = schedules.get(own or 0)
        hours = chosen[1] if chosen is not None else CoreSchedule(host.time_zone, (), ())
        contexts.append(HostContext(host, hours))
    return contexts
