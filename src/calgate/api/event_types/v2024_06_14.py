"""Event types, `cal-api-version: 2024-06-14`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, field_validator

from calgate.api.event_types.booking_fields import merged_booking_fields
from calgate.api.event_types.changes import ChangesInput
from calgate.api.event_types.item import EventTypeItem
from calgate.api.event_types.locations import LocationInput, from_stored, to_stored
from calgate.api.schema import BlobItems, BodyId, Input, Locale, Name, Omittable, Output, Url
from calgate.store.models import EventType, User

Minutes = int


class Disabled(Input):
    disabled: bool


class BusinessDaysWindow(Input):
    type: Literal["businessDays"]
    value: int = Field(ge=1, le=3650)
    rolling: bool = False


class CalendarDaysWindow(Input):
    type: Literal["calendarDays"]
    value: int = Field(ge=1, le=3650)
    rolling: bool = False


class RangeWindow(Input):
    type: Literal["range"]
    value: list[date] = Field(min_length=2, max_length=2)

    @field_validator("value")
    @classmethod
    def _ordered(cls, value: list[date]) -> list[date]:
        if value[0] > value[1]:
            raise ValueError("range start must not be after its end")
        return value


class BookingLimitsCount(Input):
    day: int | None = Field(None, ge=1)
    week: int | None = Field(None, ge=1)
    month: int | None = Field(None, ge=1)
    year: int | None = Field(None, ge=1)
    disabled: bool | None = None


class BookingLimitsDuration(Input):
    day: Minutes | None = Field(None, ge=15, le=1440)
    week: Minutes | None = Field(None, ge=15, le=10080)
    month: Minutes | None = Field(None, ge=15, le=44640)
    year: Minutes | None = Field(None, ge=15, le=525600)
    disabled: bool | None = None


class Seats(Input):
    seats_per_time_slot: int = Field(ge=1, le=1000)
    show_attendee_info: bool = False
    show_availability_count: bool = True


class NoticeThreshold(Input):
    unit: Literal["minutes", "hours"]
    count: int = Field(ge=1)


class ConfirmationPolicy(Input):
    type: Literal["always", "time"]
    notice_threshold: NoticeThreshold | None = None
    block_unconfirmed_bookings_in_booker: bool = False


class Recurrence(Input):
    interval: int = Field(ge=1)
    occurrences: int = Field(ge=1)
    frequency: Literal["yearly", "monthly", "weekly"]


class Color(Input):
    light_theme_hex: Name
    dark_theme_hex: Name


class BookerLayouts(Input):
    default_layout: Literal["month", "week", "column"]
    enabled_layouts: list[Literal["month", "week", "column"]]


class DisableCancelling(Input):
    disabled: bool = False


class DisableRescheduling(Input):
    disabled: bool = False
    minutes_before: int | None = Field(None, ge=1, le=525_600)


class BookerActiveBookingsLimit(Input):
    maximum_active_bookings: int = Field(ge=1, le=10_000)
    offer_reschedule: bool | None = None


class CalVideoSettings(Input):
    disable_recording_for_organizer: bool | None = None
    disable_recording_for_guests: bool | None = None
    redirect_url_on_exit: str | None = Field(None, max_length=2048)
    enable_automatic_recording_for_organizer: bool | None = None
    enable_automatic_transcription: bool | None = None
    disable_transcription_for_guests: bool | None = None
    disable_transcription_for_organizer: bool | None = None
    send_transcription_emails: bool | None = None


class BookingField(Input):
    """A booking question. Kept as given; its shape is the 2024-06-14 output shape."""

    model_config = {**Input.model_config, "extra": "allow"}
    type: Name | None = None
    slug: Name | None = None


_LIMIT_KEYS = {"day": "PER_DAY", "week": "PER_WEEK", "month": "PER_MONTH", "year": "PER_YEAR"}

# Wire fields stored verbatim in EventType.settings (presentation only).
_SETTINGS_FIELDS = (
    "length_in_minutes_options",
    "disable_guests",
    "booker_layouts",
    "recurrence",
    "requires_booker_email_verification",
    "hide_calendar_notes",
    "color",
    "offset_start",
    "custom_name",
    "use_destination_calendar_email",
    "hide_calendar_event_details",
    "success_redirect_url",
    "hide_organizer_email",
    # Checked against the verified emails (services.verified_resources.check_reply_to).
    "custom_reply_to_email",
    "booking_requires_authentication",
    "interface_language",
    "allow_rescheduling_past_bookings",
    "allow_rescheduling_cancelled_bookings",
    "show_optimized_slots",
    "confirmation_policy",
    # Read by the booking service too (core/booking_rules.py), in this stored wire form.
    "disable_cancelling",
    "disable_rescheduling",
    "booker_active_bookings_limit",
    "cal_video_settings",
)


class _EventTypeFields(ChangesInput):
    length_in_minutes_options: list[int] | None = Field(None, max_length=50)
    description: str | None = Field(None, max_length=10_000)
    locations: list[LocationInput] | None = Field(None, max_length=50)
    booking_fields: list[Annotated[BookingField, BlobItems]] | None = Field(None, max_length=50)
    disable_guests: bool | None = None
    slot_interval: int | None = Field(None, ge=1, le=1440)
    minimum_booking_notice: int | None = Field(None, ge=0, le=525_600)
    before_event_buffer: int | None = Field(None, ge=0, le=1440)
    after_event_buffer: int | None = Field(None, ge=0, le=1440)
    schedule_id: BodyId | None = None
    booking_limits_count: BookingLimitsCount | Disabled | None = None
    only_show_first_available_slot: bool | None = None
    booking_limits_duration: BookingLimitsDuration | Disabled | None = None
    booking_window: BusinessDaysWindow | CalendarDaysWindow | RangeWindow | Disabled | None = None
    offset_start: int | None = Field(None, ge=0)
    booker_layouts: BookerLayouts | None = None
    confirmation_policy: ConfirmationPolicy | Disabled | None = None
    recurrence: Recurrence | Disabled | None = None
    requires_booker_email_verification: bool | None = None
    hide_calendar_notes: bool | None = None
    lock_time_zone_toggle_on_booking_page: bool | None = None
    color: Color | None = None
    seats: Seats | Disabled | None = None
    custom_name: Name | None = None
    use_destination_calendar_email: bool | None = None
    hide_calendar_event_details: bool | None = None
    success_redirect_url: Url | None = None
    hide_organizer_email: bool | None = None
    custom_reply_to_email: EmailStr | None = None
    hidden: bool | None = None
    booking_requires_authentication: bool | None = None
    interface_language: Locale | None = None
    allow_rescheduling_past_bookings: bool | None = None
    allow_rescheduling_cancelled_bookings: bool | None = None
    show_optimized_slots: bool | None = None
    disable_cancelling: DisableCancelling | None = None
    disable_rescheduling: DisableRescheduling | None = None
    booker_active_bookings_limit: BookerActiveBookingsLimit | Disabled | None = None
    cal_video_settings: CalVideoSettings | None = None

    def attribute_values(self) -> dict[str, Any]:
        """Translate the fields the client sent into EventType attributes."""
        given = self.given()
        values: dict[str, Any] = {}
        settings: dict[str, Any] = {}
        for name in given:
            value = getattr(self, name)
            if name in _SETTINGS_FIELDS:
                settings[name] = (
                    value.model_dump(mode="json", by_alias=True, exclude_none=True)
                    if isinstance(value, Input)
                    else value
                )
        simple = {
            "title": "title",
            "slug": "slug",
            "length_in_minutes": "length",
            "description": "description",
            "slot_interval": "slot_interval",
            "minimum_booking_notice": "minimum_booking_notice",
            "before_event_buffer": "before_event_buffer",
            "after_event_buffer": "after_event_buffer",
            "schedule_id": "schedule_id",
            "only_show_first_available_slot": "only_show_first_available_slot",
            "lock_time_zone_toggle_on_booking_page": "lock_time_zone_toggle",
            "hidden": "hidden",
        }
        nullable = {"description", "slot_interval", "schedule_id"}
        for wire, attr in simple.items():
            if wire in given:
                value = getattr(self, wire, None)
                if value is not None or wire in nullable:
                    values[attr] = value
        if "locations" in given and self.locations is not None:
            values["locations"] = [to_stored(loc) for loc in self.locations]
        if "booking_fields" in given and self.booking_fields is not None:
            values["booking_fields"] = [
                f.model_dump(mode="json", by_alias=True, exclude_none=True)
                for f in self.booking_fields
            ]
        if "booking_limits_count" in given:
            values["booking_limits"] = _limits(self.booking_limits_count)
        if "booking_limits_duration" in given:
            values["duration_limits"] = _limits(self.booking_limits_duration)
        if "booking_window" in given:
            values.update(_window(self.booking_window))
        if "confirmation_policy" in given:
            policy = self.confirmation_policy
            values["requires_confirmation"] = isinstance(policy, ConfirmationPolicy)
        if "seats" in given:
            seats = self.seats
            if isinstance(seats, Seats):
                values["seats_per_time_slot"] = seats.seats_per_time_slot
                values["seats_show_attendees"] = seats.show_attendee_info
                values["seats_show_availability_count"] = seats.show_availability_count
            else:
                values["seats_per_time_slot"] = None
        if settings:
            values["settings"] = settings
        return values


def _limits(limits: BookingLimitsCount | BookingLimitsDuration | Disabled | None) -> Any:
    if limits is None or isinstance(limits, Disabled) or getattr(limits, "disabled", False):
        return None
    stored = {
        key: getattr(limits, wire)
        for wire, key in _LIMIT_KEYS.items()
        if getattr(limits, wire) is not None
    }
    return stored or None


def _window(window: Any) -> dict[str, Any]:
    cleared = {
        "period_days": None,
        "period_count_calendar_days": None,
        "period_start_date": None,
        "period_end_date": None,
    }
    if isinstance(window, BusinessDaysWindow | CalendarDaysWindow):
        return {
            **cleared,
            "period_type": "ROLLING_WINDOW" if window.rolling else "ROLLING",
            "period_days": window.value,
            "period_count_calendar_days": isinstance(window, CalendarDaysWindow),
        }
    if isinstance(window, RangeWindow):
        return {
            **cleared,
            "period_type": "RANGE",
            "period_start_date": window.value[0],
            "period_end_date": window.value[1],
        }
    return {**cleared, "period_type": "UNLIMITED"}


class CreateEventTypeInput_2024_06_14(_EventTypeFields):
    length_in_minutes: int = Field(ge=1, le=1440)
    title: str = Field(min_length=1, max_length=255)
    slug: str = Field(min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")


class UpdateEventTypeInput_2024_06_14(_EventTypeFields):
    length_in_minutes: int | None = Field(None, ge=1, le=1440)
    title: str | None = Field(None, min_length=1, max_length=255)
    slug: str | None = Field(
        None, min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"
    )


class EventTypeUser(Output):
    id: int
    name: str | None
    username: str
    avatar_url: str | None
    week_start: str
    brand_color: str | None = None
    dark_brand_color: str | None = None
    metadata: dict[str, Any] = {}


class EventTypeOutput_2024_06_14(Output):
    id: int
    owner_id: int | None
    length_in_minutes: int
    length_in_minutes_options: Omittable[list[int]] = None
    title: str
    slug: str
    description: str
    locations: list[dict[str, Any]]
    booking_fields: list[dict[str, Any]]
    disable_guests: bool
    slot_interval: int | None
    minimum_booking_notice: int
    before_event_buffer: int
    after_event_buffer: int
    recurrence: dict[str, Any] | None
    metadata: dict[str, Any]
    price: int
    currency: str
    lock_time_zone_toggle_on_booking_page: bool
    seats_per_time_slot: int | None
    forward_params_success_redirect: bool | None
    success_redirect_url: str | None
    is_instant_event: bool
    seats_show_availability_count: bool | None
    schedule_id: int | None
    booking_limits_count: Omittable[dict[str, Any]] = None
    booking_limits_duration: Omittable[dict[str, Any]] = None
    booking_window: Omittable[dict[str, Any]] = None
    only_show_first_available_slot: bool
    booker_layouts: Omittable[dict[str, Any]] = None
    confirmation_policy: Omittable[dict[str, Any]] = None
    requires_booker_email_verification: bool
    hide_calendar_notes: bool
    color: Omittable[dict[str, Any]] = None
    seats: Omittable[dict[str, Any]] = None
    offset_start: int
    custom_name: Omittable[str] = None
    use_destination_calendar_email: bool
    hide_calendar_event_details: bool
    hide_organizer_email: bool
    custom_reply_to_email: Omittable[str] = None
    hidden: bool
    booking_requires_authentication: bool
    interface_language: str | None = None
    allow_rescheduling_past_bookings: bool
    allow_rescheduling_cancelled_bookings: bool
    show_optimized_slots: bool
    disable_cancelling: Omittable[dict[str, Any]] = None
    disable_rescheduling: Omittable[dict[str, Any]] = None
    booker_active_bookings_limit: Omittable[dict[str, Any]] = None
    cal_video_settings: Omittable[dict[str, Any]] = None
    users: list[EventTypeUser]
    booking_url: str

    @classmethod
    def of(
        cls, et: EventType, owner: User | None, booker_url: str, team_slug: str | None = None
    ) -> EventTypeOutput_2024_06_14:
        """``team_slug``: a team event type's team, whose page books it."""
        s = et.settings or {}
        return cls(
            id=et.id,
            owner_id=et.owner_id,
            length_in_minutes=et.length,
            length_in_minutes_options=s.get("length_in_minutes_options"),
            title=et.title,
            slug=et.slug,
            description=et.description or "",
            locations=[from_stored(loc) for loc in et.locations or []],
            booking_fields=merged_booking_fields(et.booking_fields),
            disable_guests=bool(s.get("disable_guests", False)),
            slot_interval=et.slot_interval,
            minimum_booking_notice=et.minimum_booking_notice,
            before_event_buffer=et.before_event_buffer,
            after_event_buffer=et.after_event_buffer,
            recurrence=s.get("recurrence"),
            metadata=et.metadata_ or {},
            price=0,
            currency="usd",
            lock_time_zone_toggle_on_booking_page=et.lock_time_zone_toggle,
            seats_per_time_slot=et.seats_per_time_slot,
            forward_params_success_redirect=True,
            success_redirect_url=s.get("success_redirect_url"),
            is_instant_event=False,
            seats_show_availability_count=et.seats_show_availability_count,
            schedule_id=et.schedule_id,
            booking_limits_count=_limits_out(et.booking_limits),
            booking_limits_duration=_limits_out(et.duration_limits),
            booking_window=_window_out(et),
            only_show_first_available_slot=et.only_show_first_available_slot,
            booker_layouts=s.get("booker_layouts"),
            confirmation_policy=s.get("confirmation_policy")
            or (
                {"type": "always", "blockUnconfirmedBookingsInBooker": False}
                if et.requires_confirmation
                else None
            ),
            requires_booker_email_verification=bool(s.get("requires_booker_email_verification")),
            hide_calendar_notes=bool(s.get("hide_calendar_notes")),
            color=s.get("color"),
            seats=(
                {
                    "seatsPerTimeSlot": et.seats_per_time_slot,
                    "showAttendeeInfo": et.seats_show_attendees,
                    "showAvailabilityCount": et.seats_show_availability_count,
                }
                if et.seats_per_time_slot
                else None
            ),
            offset_start=int(s.get("offset_start") or 0),
            custom_name=s.get("custom_name"),
            use_destination_calendar_email=bool(s.get("use_destination_calendar_email")),
            hide_calendar_event_details=bool(s.get("hide_calendar_event_details")),
            hide_organizer_email=bool(s.get("hide_organizer_email")),
            custom_reply_to_email=s.get("custom_reply_to_email"),
            hidden=et.hidden,
            booking_requires_authentication=bool(s.get("booking_requires_authentication")),
            interface_language=s.get("interface_language"),
            allow_rescheduling_past_bookings=bool(s.get("allow_rescheduling_past_bookings")),
            allow_rescheduling_cancelled_bookings=bool(
                s.get("allow_rescheduling_cancelled_bookings")
            ),
            show_optimized_slots=bool(s.get("show_optimized_slots")),
            disable_cancelling=s.get("disable_cancelling"),
            disable_rescheduling=s.get("disable_rescheduling"),
            booker_active_bookings_limit=_active_limit_out(s.get("booker_active_bookings_limit")),
            cal_video_settings=s.get("cal_video_settings"),
            users=[
                EventTypeUser(
                    id=owner.id,
                    name=owner.name,
                    username=owner.username,
                    avatar_url=owner.avatar_url,
                    week_start=owner.week_start,
                )
            ]
            if owner
            else [],
            booking_url=_booking_url(et, owner, booker_url, team_slug),
        )


def _booking_url(et: EventType, owner: User | None, booker_url: str, team_slug: str | None) -> str:
    # The booking pages' paths: /{username}/{slug}, /team/{teamSlug}/{slug}.
    home = f"team/{team_slug}" if team_slug is not None else (owner.username if owner else "")
    return f"{booker_url}/{home}/{et.slug}"


def _limits_out(stored: dict[str, int] | None) -> dict[str, Any] | None:
    if not stored:
        return None
    return {wire: stored[key] for wire, key in _LIMIT_KEYS.items() if key in stored}


def _active_limit_out(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    # A limit sent as {"disabled": true} is no limit: omitted, as when never set.
    return stored if stored and "maximumActiveBookings" in stored else None


def _window_out(et: EventType) -> dict[str, Any] | None:
    if et.period_type in ("ROLLING", "ROLLING_WINDOW"):
        return {
            "type": "calendarDays" if et.period_count_calendar_days else "businessDays",
            "value": et.period_days,
            "rolling": et.period_type == "ROLLING_WINDOW",
        }
    if et.period_type == "RANGE" and et.period_start_date and et.period_end_date:
        return {
            "type": "range",
            "value": [et.period_start_date.isoformat(), et.period_end_date.isoformat()],
        }
    return None


class Shapes:
    """Everything the event-types router needs for version 2024-06-14."""

    Create = CreateEventTypeInput_2024_06_14
    Update = UpdateEventTypeInput_2024_06_14

    @staticmethod
    def one(item: EventTypeItem) -> Any:
        return EventTypeOutput_2024_06_14.of(item.event_type, item.owner, item.booker_url)

    @staticmethod
    def many(ets: list[EventType], owner: User, booker_url: str) -> Any:
        return [EventTypeOutput_2024_06_14.of(et, owner, booker_url) for et in ets]

    @staticmethod
    def deleted(et: EventType) -> Any:
        return {"id": et.id, "lengthInMinutes": et.length, "title": et.title, "slug": et.slug}
