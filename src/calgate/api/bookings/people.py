"""A booking's attendees, guests, location, calendar links and references
(`cal-api-version: 2024-08-13` only: like Cal.com, any other version answers 404)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import EmailStr, Field, field_validator, model_validator

from calgate.api.auth import CurrentPrincipal
from calgate.api.bookings import v2024_08_13
from calgate.api.schema import (
    Input,
    Locale,
    Name,
    Omittable,
    Output,
    PathId,
    Phone,
    TimeZoneName,
    Url,
)
from calgate.api.versions import BOOKINGS, HEADER, body_schema, parse_body
from calgate.errors import NotFound
from calgate.services import booking_links, booking_people
from calgate.services.booking_people import NewLocation, Person
from calgate.store.models import Attendee
from calgate.web.envelope import ok
from calgate.web.state import State

# Cal.com's attendee languages.
_LANGUAGES = (
    "ar ca de es eu he id ja lv pl ro sr th vi az cs el es-419 fi hr it km nl pt ru sv tr zh-CN "
    "bg da en et fr hu iw ko no pt-BR sk ta uk zh-TW bn"
)
LANGUAGES = frozenset(_LANGUAGES.split(" "))


async def _current_version(
    request: Request,
    version: Annotated[
        str | None,
        Header(alias=HEADER, description=f"Must be {BOOKINGS}: these operations have no other."),
    ] = None,
) -> None:
    if (version or "").strip() != BOOKINGS:
        raise NotFound(f"Cannot {request.method} {request.url.path}")


router = APIRouter(
    prefix="/v2/bookings/{booking_uid}",
    tags=["Bookings"],
    dependencies=[Depends(_current_version)],
)


def _language(value: str | None) -> str | None:
    if value is not None and value not in LANGUAGES:
        raise ValueError(f"must be one of: {', '.join(sorted(LANGUAGES))}")
    return value


class _PersonInput(Input):
    """What an added attendee and a guest share: the language check and the person they name.
    Each declares its own fields, in its own order (a guest's name and zone are optional)."""

    if TYPE_CHECKING:
        email: EmailStr
        name: Name | None
        time_zone: TimeZoneName | None
        phone_number: Phone | None
        language: Locale | None

    _lang = field_validator("language", check_fields=False)(_language)

    def person(self) -> Person:
        return Person(str(self.email), self.name, self.time_zone, self.phone_number, self.language)


class AddAttendeeInput_2024_08_13(_PersonInput):
    name: Name = Field(min_length=1)
    time_zone: TimeZoneName = Field(min_length=1)
    email: EmailStr
    phone_number: Phone | None = None
    language: Locale | None = None


class Guest(_PersonInput):
    email: EmailStr
    name: Name | None = None
    time_zone: TimeZoneName | None = None
    phone_number: Phone | None = None
    language: Locale | None = None


class AddGuestsInput_2024_08_13(Input):
    guests: list[Guest] = Field(min_length=1, max_length=10)


# Each location type and the field that carries its value (Cal.com's Update*Location inputs).
_VALUE_FIELD = {
    "address": "address",
    "attendeeAddress": "address",
    "attendeeDefined": "location",
    "attendeePhone": "phone",
    "phone": "phone",
    "link": "link",
    "integration": "integration",
}


class UpdateBookingLocation(Input):
    type: Literal[
        "address", "attendeeAddress", "attendeeDefined", "attendeePhone", "phone", "link",
        "integration",
    ]  # fmt: skip
    address: Name | None = None
    location: Name | None = None
    phone: Phone | None = None
    link: Url | None = None
    integration: Name | None = None

    @model_validator(mode="after")
    def _value(self) -> UpdateBookingLocation:
        name = _VALUE_FIELD[self.type]
        if not getattr(self, name):
            raise ValueError(f"location.{name} is required for a location of type {self.type}")
        if self.type == "link" and not (self.link or "").startswith(("https://", "http://")):
            raise ValueError("location.link must be an http(s) URL")
        return self

    def new(self) -> NewLocation:
        return NewLocation(self.type, str(getattr(self, _VALUE_FIELD[self.type])))


class UpdateBookingLocationInput_2024_08_13(Input):
    location: UpdateBookingLocation | None = None


class BookingAttendeeWithId_2024_08_13(Output):
    id: int
    name: str
    email: str
    display_email: str
    time_zone: str
    language: Omittable[str] = None
    absent: bool
    phone_number: Omittable[str] = None

    @classmethod
    def of(cls, a: Attendee) -> Any:
        return cls(
            id=a.id,
            name=a.name,
            email=a.email,
            display_email=_display(a.email),
            time_zone=a.time_zone,
            language=a.locale,
            absent=a.no_show,
            phone_number=a.phone_number,
        )


class BookingAttendeeOutput_2024_08_13(BookingAttendeeWithId_2024_08_13):
    booking_id: int

    @classmethod
    def of(cls, a: Attendee) -> Any:
        base = BookingAttendeeWithId_2024_08_13.of(a).model_dump(by_alias=False)
        return cls(**base, booking_id=a.booking_id)


def _display(email: str) -> str:
    # Cal.com strips the 25-character "+suffix" it adds to some attendees' addresses.
    local, at, domain = email.partition("@")
    head, plus, tail = local.partition("+")
    return f"{head}{at}{domain}" if plus and len(tail) == 25 and tail.isalnum() else email


@router.get("/attendees", summary="Get all attendees for a booking")
async def list_attendees(
    booking_uid: str, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    found = await booking_people.list_attendees(state.db, booking_uid, principal.user)
    return ok([BookingAttendeeWithId_2024_08_13.of(a) for a in found])


@router.post(
    "/attendees",
    status_code=201,
    summary="Add an attendee to a booking",
    openapi_extra=body_schema(AddAttendeeInput_2024_08_13),
)
async def add_attendee(
    booking_uid: str, request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, AddAttendeeInput_2024_08_13)
    _, added = await booking_people.add_people(
        state.db, booking_uid, [body.person()], principal.user
    )
    return ok(BookingAttendeeOutput_2024_08_13.of(added[0]), status_code=201)


@router.get("/attendees/{attendee_id}", summary="Get a specific attendee for a booking")
async def get_attendee(
    booking_uid: str, attendee_id: PathId, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    found = await booking_people.get_attendee(state.db, booking_uid, attendee_id, principal.user)
    return ok(BookingAttendeeWithId_2024_08_13.of(found))


@router.post(
    "/guests",
    summary="Add guests to an existing booking",
    openapi_extra=body_schema(AddGuestsInput_2024_08_13),
)
async def add_guests(
    booking_uid: str, request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, AddGuestsInput_2024_08_13)
    people = [g.person() for g in body.guests]
    view, _ = await booking_people.add_people(state.db, booking_uid, people, principal.user)
    return ok(v2024_08_13.Shapes.one(view))


@router.patch(
    "/location",
    summary="Update booking location for an existing booking",
    openapi_extra=body_schema(UpdateBookingLocationInput_2024_08_13),
)
async def update_location(
    booking_uid: str, request: Request, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    body = await parse_body(request, UpdateBookingLocationInput_2024_08_13)
    where = body.location.new() if body.location is not None else None
    view = await booking_people.update_location(state.db, booking_uid, where, principal.user)
    return ok(v2024_08_13.Shapes.one(view))


@router.get("/calendar-links", summary="Get 'Add to Calendar' links for a booking")
async def calendar_links(
    booking_uid: str, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    found = await booking_links.calendar_links(state.db, booking_uid, principal.user)
    return ok([{"label": c.label, "id": c.id, "link": c.link} for c in found])


@router.get("/references", summary="Get booking references")
async def references(
    booking_uid: str,
    principal: CurrentPrincipal,
    state: State,
    type: Annotated[
        str | None,
        Query(max_length=64, description="Filter by type, e.g. caldav_calendar, jitsi_video"),
    ] = None,
) -> JSONResponse:
    found = await booking_links.references(state.db, booking_uid, principal.user, type)
    return ok(
        [
            {
                "type": r.type,
                "eventUid": r.event_uid,
                "destinationCalendarId": r.destination_calendar_id,
                "id": r.id,
            }
            for r in found
        ]
    )
