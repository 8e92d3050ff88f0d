"""The OAuth scope each `/v2` operation needs, keyed by (HTTP method, route path template).

The one place scopes are decided: the auth dependencies look the matched route up here, so
routers never name a scope. As on Cal.com, only OAuth access tokens are restricted; API keys
may call everything. Mapping (Cal.com's `@Permissions` where it has one):

- `/v2/me`: PROFILE_READ / PROFILE_WRITE.
- `/v2/teams` and memberships: TEAM_PROFILE_READ / TEAM_PROFILE_WRITE; team event types:
  TEAM_EVENT_TYPE_READ / _WRITE; team bookings TEAM_BOOKING_READ; members' schedules
  TEAM_SCHEDULE_READ (Cal.com's TEAM_ variants).
- event types, schedules, bookings: GET needs `<RESOURCE>_READ`, anything else `_WRITE`.
- Webhooks have no scope of their own on Cal.com (its third-party tokens can't use them). A
  webhook delivers booking data to any URL, so here reading a user webhook needs BOOKING_READ
  and changing one BOOKING_READ + BOOKING_WRITE; an event type's webhooks need EVENT_TYPE_READ
  to read and EVENT_TYPE_WRITE + BOOKING_READ to change.
- Connected calendars and conferencing (Cal.com's apps): reading needs APPS_READ,
  changing APPS_WRITE.
- Verified emails and phones belong to the profile: PROFILE_READ to list, PROFILE_WRITE to
  request and check codes.
- Endpoints that also work without credentials: a token that *is* sent is checked like
  anywhere else (send none to act as a guest). Slot searches need no scope: credentials only
  hide the caller's own holds from the result.

A route that takes credentials but has no entry here refuses OAuth tokens (and fails the test
that walks the app's routes), so a new endpoint can't silently skip the check.
"""

from __future__ import annotations

EVENT_TYPE_READ = "EVENT_TYPE_READ"
EVENT_TYPE_WRITE = "EVENT_TYPE_WRITE"
BOOKING_READ = "BOOKING_READ"
BOOKING_WRITE = "BOOKING_WRITE"
SCHEDULE_READ = "SCHEDULE_READ"
SCHEDULE_WRITE = "SCHEDULE_WRITE"
PROFILE_READ = "PROFILE_READ"
PROFILE_WRITE = "PROFILE_WRITE"
APPS_READ = "APPS_READ"
APPS_WRITE = "APPS_WRITE"
TEAM_PROFILE_READ = "TEAM_PROFILE_READ"
TEAM_PROFILE_WRITE = "TEAM_PROFILE_WRITE"
TEAM_EVENT_TYPE_READ = "TEAM_EVENT_TYPE_READ"
TEAM_EVENT_TYPE_WRITE = "TEAM_EVENT_TYPE_WRITE"
TEAM_BOOKING_READ = "TEAM_BOOKING_READ"
TEAM_SCHEDULE_READ = "TEAM_SCHEDULE_READ"

PUBLIC: tuple[str, ...] = ()  # any valid token, whatever its scopes

_ET_READ = (EVENT_TYPE_READ,)
_ET_WRITE = (EVENT_TYPE_WRITE,)
_ET_HOOK_WRITE = (EVENT_TYPE_WRITE, BOOKING_READ)
_SCHED_READ = (SCHEDULE_READ,)
_SCHED_WRITE = (SCHEDULE_WRITE,)
_BOOK_READ = (BOOKING_READ,)
_BOOK_WRITE = (BOOKING_WRITE,)
_HOOK_WRITE = (BOOKING_READ, BOOKING_WRITE)

_ET = "/v2/event-types/{event_type_id}"
_ET_HOOKS = f"{_ET}/webhooks"
_SCHED = "/v2/schedules/{schedule_id}"
_BOOKING = "/v2/bookings/{booking_uid}"
_HOOK = "/v2/webhooks/{webhook_id}"
_VERIFIED = "/v2/verified-resources"
_PROFILE_READ = (PROFILE_READ,)
_PROFILE_WRITE = (PROFILE_WRITE,)
_TEAM = "/v2/teams/{team_id}"
_MEMBER = f"{_TEAM}/memberships/{{membership_id}}"
_TEAM_READ = (TEAM_PROFILE_READ,)
_TEAM_WRITE = (TEAM_PROFILE_WRITE,)
_TEAM_ET = f"{_TEAM}/event-types"
_TEAM_ET_READ = (TEAM_EVENT_TYPE_READ,)
_TEAM_ET_WRITE = (TEAM_EVENT_TYPE_WRITE,)
_TEAM_ET_HOOKS = f"{_TEAM_ET}/{{event_type_id}}/webhooks"
_TEAM_ET_HOOK_WRITE = (TEAM_EVENT_TYPE_WRITE, TEAM_BOOKING_READ)
_TEAM_VERIFIED = f"{_TEAM}/verified-resources"

ROUTE_SCOPES: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/v2/me"): (PROFILE_READ,),
    ("PATCH", "/v2/me"): (PROFILE_WRITE,),
    # event types
    ("GET", "/v2/event-types"): _ET_READ,
    ("POST", "/v2/event-types"): _ET_WRITE,
    ("GET", _ET): _ET_READ,
    ("PATCH", _ET): _ET_WRITE,
    ("DELETE", _ET): _ET_WRITE,
    ("GET", _ET_HOOKS): _ET_READ,
    ("POST", _ET_HOOKS): _ET_HOOK_WRITE,
    ("DELETE", _ET_HOOKS): _ET_HOOK_WRITE,
    ("GET", f"{_ET_HOOKS}/{{webhook_id}}"): _ET_READ,
    ("PATCH", f"{_ET_HOOKS}/{{webhook_id}}"): _ET_HOOK_WRITE,
    ("DELETE", f"{_ET_HOOKS}/{{webhook_id}}"): _ET_HOOK_WRITE,
    ("GET", f"{_ET}/private-links"): _ET_READ,
    ("POST", f"{_ET}/private-links"): _ET_WRITE,
    ("PATCH", f"{_ET}/private-links/{{link_id}}"): _ET_WRITE,
    ("DELETE", f"{_ET}/private-links/{{link_id}}"): _ET_WRITE,
    # schedules
    ("GET", "/v2/schedules"): _SCHED_READ,
    ("POST", "/v2/schedules"): _SCHED_WRITE,
    ("GET", "/v2/schedules/default"): _SCHED_READ,
    ("GET", _SCHED): _SCHED_READ,
    ("PATCH", _SCHED): _SCHED_WRITE,
    ("DELETE", _SCHED): _SCHED_WRITE,
    # bookings
    ("GET", "/v2/bookings"): _BOOK_READ,
    ("POST", "/v2/bookings"): _BOOK_WRITE,
    ("POST", f"{_BOOKING}/cancel"): _BOOK_WRITE,
    ("POST", f"{_BOOKING}/reschedule"): _BOOK_WRITE,
    ("POST", f"{_BOOKING}/confirm"): _BOOK_WRITE,
    ("POST", f"{_BOOKING}/decline"): _BOOK_WRITE,
    ("POST", f"{_BOOKING}/mark-absent"): _BOOK_WRITE,
    ("POST", f"{_BOOKING}/reassign"): _BOOK_WRITE,
    ("POST", f"{_BOOKING}/reassign/{{user_id}}"): _BOOK_WRITE,
    # a booking's people, place, calendar links and references (api/bookings/people.py)
    ("GET", f"{_BOOKING}/attendees"): _BOOK_READ,
    ("POST", f"{_BOOKING}/attendees"): _BOOK_WRITE,
    ("GET", f"{_BOOKING}/attendees/{{attendee_id}}"): _BOOK_READ,
    ("POST", f"{_BOOKING}/guests"): _BOOK_WRITE,
    ("PATCH", f"{_BOOKING}/location"): _BOOK_WRITE,
    ("GET", f"{_BOOKING}/calendar-links"): _BOOK_READ,
    ("GET", f"{_BOOKING}/references"): _BOOK_READ,
    # reading one booking is public by uid (or seatUid); credentials only widen what is shown
    ("GET", _BOOKING): PUBLIC,
    ("GET", "/v2/bookings/by-seat/{seat_uid}"): PUBLIC,
    # slots: searching is public; a reservation made with credentials is held by that user
    # and may set its own duration
    ("GET", "/v2/slots"): PUBLIC,
    ("GET", "/v2/slots/available"): PUBLIC,
    ("GET", "/v2/slots/explain"): PUBLIC,
    ("POST", "/v2/slots/reserve"): _BOOK_WRITE,
    ("POST", "/v2/slots/reservations"): _BOOK_WRITE,
    ("PATCH", "/v2/slots/reservations/{uid}"): _BOOK_WRITE,
    # Releasing a hold: a guest may (it holds the uid); a token that is sent must be allowed
    # to write bookings, as the README table says.
    ("DELETE", "/v2/slots/reservations/{uid}"): _BOOK_WRITE,
    ("DELETE", "/v2/slots/selected-slot"): _BOOK_WRITE,
    # user webhooks
    ("GET", "/v2/webhooks"): _BOOK_READ,
    ("POST", "/v2/webhooks"): _HOOK_WRITE,
    ("GET", _HOOK): _BOOK_READ,
    ("PATCH", _HOOK): _HOOK_WRITE,
    ("DELETE", _HOOK): _HOOK_WRITE,
    ("GET", f"{_HOOK}/deliveries"): _BOOK_READ,
    ("POST", f"{_HOOK}/deliveries/{{delivery_id}}/retry"): _HOOK_WRITE,
    # connected calendars
    ("POST", "/v2/calendars/ics-feed/save"): (APPS_WRITE,),
    ("GET", "/v2/calendars/ics-feed/check"): (APPS_READ,),
    ("GET", "/v2/calendars/busy-times"): (APPS_READ,),
    ("GET", "/v2/calendars"): (APPS_READ,),
    ("POST", "/v2/calendars/{calendar}/credentials"): (APPS_WRITE,),
    ("GET", "/v2/calendars/{calendar}/check"): (APPS_READ,),
    ("POST", "/v2/calendars/{calendar}/disconnect"): (APPS_WRITE,),
    ("POST", "/v2/selected-calendars"): (APPS_WRITE,),
    ("DELETE", "/v2/selected-calendars"): (APPS_WRITE,),
    ("PUT", "/v2/destination-calendars"): (APPS_WRITE,),
    ("GET", "/v2/calendars/{calendar}/event/{eventUid}"): (APPS_READ,),
    ("PATCH", "/v2/calendars/{calendar}/events/{eventUid}"): (APPS_WRITE,),
    # conferencing apps
    ("GET", "/v2/conferencing"): (APPS_READ,),
    ("GET", "/v2/conferencing/default"): (APPS_READ,),
    ("POST", "/v2/conferencing/{app}/connect"): (APPS_WRITE,),
    ("POST", "/v2/conferencing/{app}/default"): (APPS_WRITE,),
    ("DELETE", "/v2/conferencing/{app}/disconnect"): (APPS_WRITE,),
    # verified emails and phones: part of the user's profile
    ("POST", f"{_VERIFIED}/emails/verification-code/request"): _PROFILE_WRITE,
    ("POST", f"{_VERIFIED}/emails/verification-code/verify"): _PROFILE_WRITE,
    ("GET", f"{_VERIFIED}/emails"): _PROFILE_READ,
    ("GET", f"{_VERIFIED}/emails/{{id}}"): _PROFILE_READ,
    ("POST", f"{_VERIFIED}/phones/verification-code/request"): _PROFILE_WRITE,
    ("POST", f"{_VERIFIED}/phones/verification-code/verify"): _PROFILE_WRITE,
    ("GET", f"{_VERIFIED}/phones"): _PROFILE_READ,
    ("GET", f"{_VERIFIED}/phones/{{id}}"): _PROFILE_READ,
    # teams and memberships (Cal.com's TEAM_ variant of the profile scopes)
    ("GET", "/v2/teams"): _TEAM_READ,
    ("POST", "/v2/teams"): _TEAM_WRITE,
    ("GET", _TEAM): _TEAM_READ,
    ("PATCH", _TEAM): _TEAM_WRITE,
    ("DELETE", _TEAM): _TEAM_WRITE,
    ("POST", f"{_TEAM}/invite"): _TEAM_WRITE,
    ("POST", "/v2/teams/invitations/accept"): _TEAM_WRITE,
    ("GET", f"{_TEAM}/memberships"): _TEAM_READ,
    ("POST", f"{_TEAM}/memberships"): _TEAM_WRITE,
    ("GET", _MEMBER): _TEAM_READ,
    ("PATCH", _MEMBER): _TEAM_WRITE,
    ("DELETE", _MEMBER): _TEAM_WRITE,
    ("GET", f"{_TEAM}/bookings"): (TEAM_BOOKING_READ,),
    ("GET", f"{_TEAM}/schedules"): (TEAM_SCHEDULE_READ,),
    ("GET", _TEAM_ET): _TEAM_ET_READ,
    ("POST", _TEAM_ET): _TEAM_ET_WRITE,
    ("GET", f"{_TEAM_ET}/{{event_type_id}}"): _TEAM_ET_READ,
    ("PATCH", f"{_TEAM_ET}/{{event_type_id}}"): _TEAM_ET_WRITE,
    ("DELETE", f"{_TEAM_ET}/{{event_type_id}}"): _TEAM_ET_WRITE,
    # a team event type's webhooks, as a personal one's with the TEAM_ variants
    ("GET", _TEAM_ET_HOOKS): _TEAM_ET_READ,
    ("POST", _TEAM_ET_HOOKS): _TEAM_ET_HOOK_WRITE,
    ("DELETE", _TEAM_ET_HOOKS): _TEAM_ET_HOOK_WRITE,
    ("GET", f"{_TEAM_ET_HOOKS}/{{webhook_id}}"): _TEAM_ET_READ,
    ("PATCH", f"{_TEAM_ET_HOOKS}/{{webhook_id}}"): _TEAM_ET_HOOK_WRITE,
    ("DELETE", f"{_TEAM_ET_HOOKS}/{{webhook_id}}"): _TEAM_ET_HOOK_WRITE,
    # a team's verified emails and phones: part of the team's profile
    ("POST", f"{_TEAM_VERIFIED}/emails/verification-code/request"): _TEAM_WRITE,
    ("POST", f"{_TEAM_VERIFIED}/emails/verification-code/verify"): _TEAM_WRITE,
    ("GET", f"{_TEAM_VERIFIED}/emails"): _TEAM_READ,
    ("GET", f"{_TEAM_VERIFIED}/emails/{{id}}"): _TEAM_READ,
    ("POST", f"{_TEAM_VERIFIED}/phones/verification-code/request"): _TEAM_WRITE,
    ("POST", f"{_TEAM_VERIFIED}/phones/verification-code/verify"): _TEAM_WRITE,
    ("GET", f"{_TEAM_VERIFIED}/phones"): _TEAM_READ,
    ("GET", f"{_TEAM_VERIFIED}/phones/{{id}}"): _TEAM_READ,
}


def required_scopes(method: str, path: str) -> tuple[str, ...] | None:
    """The scopes an OAuth token needs for this operation; None when the route has no entry.

    HEAD is answered like GET (Starlette serves it from the GET route)."""
    method = "GET" if method == "HEAD" else method
    return ROUTE_SCOPES.get((method, path))
