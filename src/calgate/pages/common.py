"""What the booking pages share: query parameters, the view they keep in links, forms and
their CSRF check, error pages, the nearest free times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from calgate.core.timezones import available_zones, check_zone
from calgate.errors import BadRequest, CalgateError
from calgate.pages import csrf, render
from calgate.services import slots
from calgate.services.availability import EventTypeRef
from calgate.services.slots import SlotQuery
from calgate.web.state import State

NEARBY = 6
# The statuses of a booking that ended (store.models.ENDED_STATUSES, as the services present
# them): the pages reach the store only through services.
ENDED = ("cancelled", "rejected")


@dataclass(frozen=True)
class Booker:
    """Whose booking pages these are (a user's or a team's) and where they live."""

    # What the pages show of them (name, avatar_url, bio) and whose embed origins apply.
    owner: Any
    home: str  # "/{username}" or "/team/{teamSlug}"
    time_zone: str
    time_format: int = 12
    week_start: str | None = None
    # The private link the guest came through (`/d/{link}/{slug}`): the pages stay under it
    # and the booking spends one of its uses.
    link: str | None = None

    @classmethod
    def of_user(cls, user: Any, link: str | None = None) -> Booker:
        home = f"/{user.username}"
        return cls(user, home, user.time_zone, user.time_format, user.week_start, link)

    def page_of(self, et: Any) -> str:
        if self.link is not None:
            return f"/d/{self.link}/{et.slug}"
        return f"{self.home}/{et.slug}"


# ---- the time-zone picker: every zone the API accepts (the pinned tz database's), by region


@cache
def _zone_options() -> str:
    groups: dict[str, list[str]] = {}
    for name in sorted(available_zones()):
        region, _, place = name.partition("/")
        groups.setdefault(region if place else "Other", []).append(name)
    out = []
    for region in sorted(groups, key=lambda r: (r == "Other", r)):
        options = "".join(
            f'<option value="{escape(n)}">{escape(n.replace("_", " "))}</option>'
            for n in groups[region]
        )
        out.append(f'<optgroup label="{escape(region)}">{options}</optgroup>')
    return "".join(out)


@lru_cache(maxsize=256)
def zone_options(selected: str) -> Markup:
    """The picker's <option>s with ``selected`` chosen: built once, ~600 zones rendered by
    Jinja on every page view would cost more than the rest of the page."""
    mark = f'<option value="{escape(selected)}">'
    return Markup(_zone_options().replace(mark, mark[:-1] + " selected>", 1))  # noqa: S704


# ---- query parameters shared by the pages


def tz_param(raw: str | None, fallback: str) -> str:
    try:
        return check_zone(raw or fallback)
    except CalgateError:
        return check_zone(fallback)


def duration_param(raw: str | None) -> int | None:
    if raw and raw.isdigit() and 1 <= int(raw) <= 1440:
        return int(raw)
    return None


def day_param(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def parse_start(raw: str | None) -> datetime:
    try:
        value = datetime.fromisoformat((raw or "").replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest("start must be an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise BadRequest("start must carry a UTC offset")
    return value.astimezone(UTC)


def zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class View:
    """What every page's links keep: zone, clock, duration, embedding."""

    def __init__(self, request: Request, host_zone: str, host_clock: int = 12) -> None:
        q = request.query_params
        self.tz = tz_param(q.get("tz"), host_zone)
        hour = q.get("hour")
        self.hour12 = hour == "12" if hour in ("12", "24") else host_clock == 12
        self.duration = duration_param(q.get("duration"))
        self.embed = q.get("embed") == "1"
        # The seat of a seated booking this visitor holds (several guests share its uid).
        self.seat = q.get("seat") or None

    def params(self, **extra: Any) -> str:
        items: dict[str, Any] = {"tz": self.tz, "hour": "12" if self.hour12 else "24"}
        if self.duration:
            items["duration"] = self.duration
        if self.embed:
            items["embed"] = 1
        if self.seat:
            items["seat"] = self.seat
        items.update({k: v for k, v in extra.items() if v is not None})
        return urlencode(items)

    def clock(self, moment: datetime) -> str:
        return render.clock(moment, self.tz, self.hour12)


def error_page(request: Request, exc: CalgateError, view: View | None = None) -> Response:
    return render.page(
        "error.html", exc.status_code, message=exc.message, view=view, request=request
    )


def failure_reason(failure: CalgateError | None) -> str | None:
    details = failure.details if failure is not None else None
    return str(details["reason"]) if isinstance(details, dict) and "reason" in details else None


def failure_explained(failure: CalgateError | None) -> list[str]:
    """The refusal's sentences (``details.reasons``: what blocks the time, in the guest's
    zone, as the public may see it)."""
    details = failure.details if failure is not None else None
    found = details.get("reasons") if isinstance(details, dict) else None
    return [
        str(r["message"])
        for r in found or []
        if isinstance(r, dict) and r.get("blocking", True) and r.get("message")
    ]


def secure_cookies(state: State) -> bool:
    return state.settings.public_url.startswith("https://")


def when_text(view: View, start: datetime, end: datetime) -> str:
    return (
        f"{render.long_date(start, view.tz)}, {view.clock(start)} to {view.clock(end)} ({view.tz})"
    )


async def read_form(request: Request) -> dict[str, list[str]]:
    try:
        form = await request.form()
    except Exception:  # a malformed body is the visitor's mistake, not a 500
        raise BadRequest("The form could not be read") from None
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def form_value(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def check_csrf(state: State, request: Request, form: dict[str, list[str]]) -> None:
    submitted = form_value(form, csrf.FIELD)
    if not csrf.valid(state.settings.secret_key, request, submitted):
        raise BadRequest(
            "This form has expired or was not sent from this site; go back, reload and try again",
            {"reason": "invalid_csrf_token"},
        )


async def nearby_times(
    state: State, et: Any, view: View, start: datetime, reschedule: str | None, url: str
) -> list[dict[str, str]]:
    """Free starts closest to the one that could not be booked."""
    try:
        found = await slots.available_slots(
            state.db,
            SlotQuery(
                event_type=EventTypeRef(id=et.id),
                duration=view.duration,
                reschedule_uid=reschedule,
                max_starts=slots.ANONYMOUS_MAX_STARTS,
                booker_time_zone=view.tz,
            ),
            start - timedelta(days=1),
            start + timedelta(days=2),
        )
    except CalgateError:
        return []
    closest = sorted(found.slots, key=lambda s: abs((s.start - start).total_seconds()))[:NEARBY]
    return [
        {
            "label": f"{render.long_date(s.start, view.tz)} {view.clock(s.start)}",
            "href": f"{url}?{view.params(start=zulu(s.start))}",
        }
        for s in sorted(closest, key=lambda s: s.start)
    ]
