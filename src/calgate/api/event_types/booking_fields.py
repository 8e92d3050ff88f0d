"""Cal.com's default booking questions: defined in core (the booking service checks answers
against them too); re-exported here for the event-type shapes."""

from calgate.core.booking_fields import default_booking_fields, merged_booking_fields

__all__ = ["default_booking_fields", "merged_booking_fields"]
