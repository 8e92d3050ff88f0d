"""ORM models. Import from here so Alembic and the app see every table."""

from calgate.store.models.base import Base, utcnow
from calgate.store.models.bookings import (
    BLOCKING_STATUSES,
    ENDED_STATUSES,
    Attendee,
    Booking,
    BookingBlock,
    BookingStatus,
    SlotReservation,
)
from calgate.store.models.calendars import (
    Calendar,
    CalendarCredential,
    CalendarWrite,
    ConferencingApp,
)
from calgate.store.models.event_types import EventType, Host
from calgate.store.models.gateway import Connection, GatewayEvent, GatewayKey
from calgate.store.models.oauth import OAuthClient, OAuthCode, OAuthToken
from calgate.store.models.private_links import PrivateLink
from calgate.store.models.schedules import Availability, Schedule
from calgate.store.models.teams import Membership, MembershipRole, Team, TeamInvite
from calgate.store.models.users import ApiKey, User
from calgate.store.models.verification import (
    OutboundMessage,
    VerificationCode,
    VerifiedEmail,
    VerifiedPhone,
)
from calgate.store.models.webhooks import Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "BLOCKING_STATUSES",
    "ENDED_STATUSES",
    "ApiKey",
    "Attendee",
    "Availability",
    "Base",
    "Booking",
    "BookingBlock",
    "BookingStatus",
    "Calendar",
    "CalendarCredential",
    "CalendarWrite",
    "ConferencingApp",
    "Connection",
    "EventType",
    "GatewayEvent",
    "GatewayKey",
    "Host",
    "Membership",
    "MembershipRole",
    "OAuthClient",
    "OAuthCode",
    "OAuthToken",
    "OutboundMessage",
    "PrivateLink",
    "Schedule",
    "SlotReservation",
    "Team",
    "TeamInvite",
    "User",
    "VerificationCode",
    "VerifiedEmail",
    "VerifiedPhone",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "utcnow",
]
