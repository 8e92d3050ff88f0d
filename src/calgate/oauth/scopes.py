"""Cal.com's OAuth scope names, with the words the consent page shows for each."""

from __future__ import annotations

from collections.abc import Iterable

SCOPE_DESCRIPTIONS: dict[str, str] = {
    "EVENT_TYPE_READ": "View your event types",
    "EVENT_TYPE_WRITE": "Create, change and delete your event types",
    "BOOKING_READ": "View your bookings",
    "BOOKING_WRITE": "Create, change and cancel your bookings",
    "SCHEDULE_READ": "View your availability schedules",
    "SCHEDULE_WRITE": "Create, change and delete your availability schedules",
    "APPS_READ": "View your installed apps",
    "APPS_WRITE": "Install and manage your apps",
    "PROFILE_READ": "View your profile (name, email, time zone)",
    "PROFILE_WRITE": "Change your profile",
    "TEAM_PROFILE_READ": "View your teams and their members",
    "TEAM_PROFILE_WRITE": "Create and change your teams and their members",
    "TEAM_EVENT_TYPE_READ": "View your teams' event types",
    "TEAM_EVENT_TYPE_WRITE": "Create, change and delete your teams' event types",
    "TEAM_BOOKING_READ": "View your teams' bookings",
    "TEAM_SCHEDULE_READ": "View your team members' availability schedules",
}

ALL_SCOPES: tuple[str, ...] = tuple(SCOPE_DESCRIPTIONS)


def split_scope(scope: str | None) -> list[str]:
    """Scopes from a request parameter; Cal.com clients send them space- or comma-separated."""
    if not scope:
        return []
    seen: dict[str, None] = {}
    for part in scope.replace(",", " ").split():
        seen.setdefault(part, None)
    return list(seen)


def normalise(scopes: Iterable[str] | str | None) -> str:
    """A space-separated scope string in canonical order; nothing requested means all."""
    items = split_scope(scopes) if isinstance(scopes, str) or scopes is None else list(scopes)
    if not items:
        return " ".join(ALL_SCOPES)
    unknown = [s for s in items if s not in SCOPE_DESCRIPTIONS]
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}")
    wanted = set(items)
    return " ".join(s for s in ALL_SCOPES if s in wanted)


def describe(scope: str) -> list[tuple[str, str]]:
    return [(s, SCOPE_DESCRIPTIONS.get(s, s)) for s in split_scope(scope)]
