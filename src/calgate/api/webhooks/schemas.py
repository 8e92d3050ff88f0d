"""Wire shapes of Cal.com's webhook endpoints (CreateWebhookInputDto & co.)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from calgate.api.schema import Input, Output, iso_z
from calgate.services.unset import UNSET
from calgate.services.webhooks import WebhookPatch, WebhookSpec
from calgate.store.models import Webhook, WebhookDelivery
from calgate.webhooks.triggers import Trigger

_TEMPLATE_EXAMPLE = (
    '{"content":"A new event has been scheduled","type":"{{type}}","name":"{{title}}",'
    '"organizer":"{{organizer.name}}","booker":"{{attendees.0.name}}"}'
)


def _unique(triggers: list[str]) -> list[str]:
    return list(dict.fromkeys(triggers))


class CreateWebhookInput(Input):
    subscriber_url: str = Field(max_length=2048)
    triggers: list[Trigger] = Field(max_length=64)
    # Required, as in Cal.com's CreateWebhookInputDto (`@IsBoolean() active!`).
    active: bool
    payload_template: str | None = Field(
        default=None, max_length=65536, examples=[_TEMPLATE_EXAMPLE]
    )
    secret: str | None = Field(default=None, max_length=1024)
    version: Literal["2021-10-20"] | None = None

    _dedupe = field_validator("triggers")(_unique)

    def to_spec(self) -> WebhookSpec:
        return WebhookSpec(
            subscriber_url=self.subscriber_url.strip(),
            triggers=tuple(self.triggers),
            active=self.active,
            payload_template=self.payload_template or None,
            secret=self.secret or None,
        )


class UpdateWebhookInput(Input):
    subscriber_url: str | None = Field(default=None, max_length=2048)
    triggers: list[Trigger] | None = Field(default=None, max_length=64)
    active: bool | None = None
    payload_template: str | None = Field(default=None, max_length=65536)
    secret: str | None = Field(default=None, max_length=1024)
    version: Literal["2021-10-20"] | None = None

    @field_validator("triggers")
    @classmethod
    def _dedupe(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique(value)

    def to_patch(self) -> WebhookPatch:
        # null leaves the url, triggers and active flag as they are; it clears the other two.
        given = self.given()
        return WebhookPatch(
            subscriber_url=UNSET if self.subscriber_url is None else self.subscriber_url.strip(),
            triggers=UNSET if self.triggers is None else tuple(self.triggers),
            active=UNSET if self.active is None else self.active,
            payload_template=(self.payload_template or None)
            if "payload_template" in given
            else UNSET,
            secret=(self.secret or None) if "secret" in given else UNSET,
        )


class _WebhookBase(Output):
    id: int
    subscriber_url: str
    triggers: list[str]
    active: bool
    # Present and null when no template is set: Cal.com answers its stored row through
    # class-transformer, which keeps the column's null (its document says a required string).
    payload_template: str | None

    @staticmethod
    def common(w: Webhook) -> dict[str, Any]:
        """The fields both shapes share (the secret is never among them)."""
        return {
            "id": w.id,
            "subscriber_url": w.subscriber_url,
            "triggers": list(w.triggers or []),
            "active": w.active,
            "payload_template": w.payload_template,
        }


class UserWebhookOutput(_WebhookBase):
    user_id: int | None

    @classmethod
    def of(cls, w: Webhook) -> UserWebhookOutput:
        return cls(**cls.common(w), user_id=w.user_id)


class EventTypeWebhookOutput(_WebhookBase):
    event_type_id: int | None

    @classmethod
    def of(cls, w: Webhook) -> EventTypeWebhookOutput:
        return cls(**cls.common(w), event_type_id=w.event_type_id)


class AttemptOutput(Output):
    attempt: int
    started_at: str
    duration_ms: int
    status_code: int | None
    error: str | None


class DeliveryOutput(Output):
    id: int
    event_id: str
    webhook_id: int
    trigger: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: str
    next_attempt_at: str | None
    delivered_at: str | None
    history: list[AttemptOutput]

    @classmethod
    def of(cls, d: WebhookDelivery) -> DeliveryOutput:
        return cls(
            id=d.id,
            event_id=d.event_id,
            webhook_id=d.webhook_id,
            trigger=d.trigger,
            status=d.status,
            attempts=d.attempts,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            created_at=iso_z(d.created_at),
            next_attempt_at=iso_z(d.not_before) if d.status == "pending" else None,
            delivered_at=iso_z(d.delivered_at) if d.delivered_at else None,
            history=[
                AttemptOutput(
                    attempt=a.attempt,
                    started_at=iso_z(a.started_at),
                    duration_ms=a.duration_ms,
                    status_code=a.status_code,
                    error=a.error,
                )
                for a in d.attempt_log
            ],
        )
