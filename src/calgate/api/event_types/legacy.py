"""Event types, legacy 2024-04-15 shapes (no `cal-api-version` header).

The legacy controller speaks Cal.com's stored form: `length`, `locations` as
`[{"type": "integrations:daily"}]`, period fields, limits as `{"PER_DAY": n}`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from calgate.api.event_types.changes import ChangesInput
from calgate.api.event_types.item import EventTypeItem
from calgate.api.schema import Blob, BodyId, Input, Name, Output, Url
from calgate.store.models import EventType, User

LimitKey = Literal["PER_DAY", "PER_WEEK", "PER_MONTH", "PER_YEAR"]


class LegacyLocation(Input):
    model_config = {**Input.model_config, "extra": "allow"}
    type: Name = Field(min_length=1)


class _Fields(ChangesInput):
    description: str | None = Field(None, max_length=10_000)
    hidden: bool | None = None
    locations: list[LegacyLocation] | None = Field(None, max_length=50)
    disable_guests: bool | None = None
    slot_interval: int | None = Field(None, ge=1, le=1440)
    minimum_booking_notice: int | None = Field(None, ge=0, le=525_600)
    before_event_buffer: int | None = Field(None, ge=0, le=1440)
    after_event_buffer: int | None = Field(None, ge=0, le=1440)
    schedule_id: BodyId | None = None
    requires_confirmation: bool | None = None
    period_type: Literal["UNLIMITED", "ROLLING", "ROLLING_WINDOW", "RANGE"] | None = None
    period_days: int | None = Field(None, ge=1, le=3650)
    period_count_calendar_days: bool | None = None
    period_start_date: date | None = None
    period_end_date: date | None = None
    booking_limits: dict[LimitKey, int] | None = None
    duration_limits: dict[LimitKey, int] | None = None
    only_show_first_available_slot: bool | None = None
    seats_per_time_slot: int | None = Field(None, ge=1, le=1000)
    seats_show_attendees: bool | None = None
    seats_show_availability_count: bool | None = None
    lock_time_zone_toggle_on_booking_page: bool | None = None
    event_name: Name | None = None
    success_redirect_url: Url | None = None
    # Cal.com's event-type metadata is a structured object (disableStandardEmails, apps, ...),
    # not the flat key/value metadata of bookings and users: bounded like any JSON blob.
    metadata: Blob | None = None
    booking_fields: list[Blob] | None = Field(None, max_length=50)

    def attribute_values(self) -> dict[str, Any]:
        renames = {
            "lock_time_zone_toggle_on_booking_page": "lock_time_zone_toggle",
            "metadata": "metadata_",
        }
        nullable = {
            "description",
            "slot_interval",
            "schedule_id",
            "period_days",
            "period_start_date",
            "period_end_date",
            "booking_limits",
            "duration_limits",
            "seats_per_time_slot",
            "period_count_calendar_days",
        }
        settings_fields = {"disable_guests", "event_name", "success_redirect_url"}
        values: dict[str, Any] = {}
        settings: dict[str, Any] = {}
        for name in self.given():
            value = getattr(self, name)
            if name in settings_fields:
                settings[{"event_name": "custom_name"}.get(name, name)] = value
            elif name == "locations":
                if value is not None:
                    values["locations"] = [loc.model_dump(by_alias=True) for loc in value]
            elif value is not None or name in nullable:
                values[renames.get(name, name)] = value
        if "length" in self.given() and getattr(self, "length", None) is not None:
            values["length"] = self.length  # type: ignore[attr-defined]
        for key in ("title", "slug"):
            if key in self.given() and getattr(self, key, None) is not None:
                values[key] = getattr(self, key)
        if settings:
            values["settings"] = settings
        return values


_SLUG = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"


class CreateEventTypeInput_2024_04_15(_Fields):
    title: str = Field(min_length=1, max_length=255)
    slug: str = Field(min_length=1, max_length=255, pattern=_SLUG)
    length: int = Field(ge=1, le=1440)


class UpdateEventTypeInput_2024_04_15(_Fields):
    title: str | None = Field(None, min_length=1, max_length=255)
    slug: str | None = Field(None, min_length=1, max_length=255, pattern=_SLUG)
    length: int | None = Field(None, ge=1, le=1440)


class EventTypeOutput_2024_04_15(Output):
    id: int
    title: str
    slug: str
    length: int
    hidden: bool
    description: str | None
    locations: list[dict[str, Any]]
    user_id: int | None
    team_id: int | None
    position: int
    event_name: str | None
    time_zone: str | None
    period_type: str
    period_start_date: str | None
    period_end_date: str | None
    period_days: int | None
    period_count_calendar_days: bool | None
    lock_time_zone_toggle_on_booking_page: bool
    requires_confirmation: bool
    requires_booker_email_verification: bool
    disable_guests: bool
    hide_calendar_notes: bool
    minimum_booking_notice: int
    before_event_buffer: int
    after_event_buffer: int
    seats_per_time_slot: int | None
    seats_show_attendees: bool
    seats_show_availability_count: bool
    scheduling_type: str | None
    schedule_id: int | None
    price: int
    currency: str
    slot_interval: int | None
    metadata: dict[str, Any]
    success_redirect_url: str | None
    booking_limits: dict[str, int] | None
    duration_limits: dict[str, int] | None
    only_show_first_available_slot: bool
    booking_fields: list[dict[str, Any]]
    is_instant_event: bool

    @classmethod
    def of(cls, et: EventType) -> EventTypeOutput_2024_04_15:
        s = et.settings or {}
        return cls(
            id=et.id,
            title=et.title,
            slug=et.slug,
            length=et.length,
            hidden=et.hidden,
            description=et.description,
            locations=list(et.locations or []),
            user_id=et.owner_id,
            team_id=None,
            position=et.position,
            event_name=s.get("custom_name"),
            time_zone=None,
            period_type=et.period_type,
            period_start_date=et.period_start_date.isoformat() if et.period_start_date else None,
            period_end_date=et.period_end_date.isoformat() if et.period_end_date else None,
            period_days=et.period_days,
            period_count_calendar_days=et.period_count_calendar_days,
            lock_time_zone_toggle_on_booking_page=et.lock_time_zone_toggle,
            requires_confirmation=et.requires_confirmation,
            requires_booker_email_verification=bool(s.get("requires_booker_email_verification")),
            disable_guests=bool(s.get("disable_guests")),
            hide_calendar_notes=bool(s.get("hide_calendar_notes")),
            minimum_booking_notice=et.minimum_booking_notice,
            before_event_buffer=et.before_event_buffer,
            after_event_buffer=et.after_event_buffer,
            seats_per_time_slot=et.seats_per_time_slot,
            seats_show_attendees=et.seats_show_attendees,
            seats_show_availability_count=et.seats_show_availability_count,
            scheduling_type=et.scheduling_type,
            schedule_id=et.schedule_id,
            price=0,
            currency="usd",
            slot_interval=et.slot_interval,
            metadata=et.metadata_ or {},
            success_redirect_url=s.get("success_redirect_url"),
            booking_limits=et.booking_limits,
            duration_limits=et.duration_limits,
            only_show_first_available_slot=et.only_show_first_available_slot,
            booking_fields=list(et.booking_fields or []),
            is_instant_event=False,
        )


class Shapes:
    Create = CreateEventTypeInput_2024_04_15
    Update = UpdateEventTypeInput_2024_04_15

    @staticmethod
    def one(item: EventTypeItem) -> Any:
        return EventTypeOutput_2024_04_15.of(item.event_type)

    @staticmethod
    def many(ets: list[EventType], owner: User, booker_url: str) -> Any:
        return {
            "eventTypeGroups": [
                {
                    "teamId": None,
                    "bookerUrl": booker_url,
                    "membershipRole": None,
                    "profile": {
                        "slug": owner.username,
                        "name": owner.name,
                        "image": owner.avatar_url,
                    },
                    "metadata": {"membershipCount": 1, "readOnly": False},
                    "eventTypes": [EventTypeOutput_2024_04_15.of(et) for et in ets],
                }
            ],
            "profiles": [
                {
                    "slug": owner.username,
                    "name": owner.name,
                    "image": owner.avatar_url,
                    "teamId": None,
                    "membershipRole": None,
                    "membershipCount": 1,
                    "readOnly": False,
                }
            ],
        }

    @staticmethod
    def deleted(et: EventType) -> Any:
        return {"id": et.id, "length": et.length, "slug": et.slug, "title": et.title}
