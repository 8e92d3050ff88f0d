"""/v2/verified-resources: request and check one-time codes; a user's verified emails and
phones (Cal.com's UserVerifiedResourcesController). The routes are `routes.add_routes`'s."""

from __future__ import annotations

from fastapi import APIRouter

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import Output
from calgate.api.verified_resources.routes import EMAILS, PHONES, Listed, Summaries, add_routes
from calgate.services import verified_resources as vr
from calgate.store.models import VerifiedEmail, VerifiedPhone

router = APIRouter(prefix="/v2/verified-resources", tags=["Verified resources"])


class VerifiedEmailOutput(Output):
    id: int
    email: str
    user_id: int

    @classmethod
    def of(cls, row: VerifiedEmail) -> VerifiedEmailOutput:
        return cls(id=row.id, email=row.email, user_id=row.user_id)


class VerifiedPhoneOutput(Output):
    id: int
    phone_number: str
    user_id: int

    @classmethod
    def of(cls, row: VerifiedPhone) -> VerifiedPhoneOutput:
        return cls(id=row.id, phone_number=row.phone_number, user_id=row.user_id)


def _own(principal: CurrentPrincipal) -> vr.Owner:
    return vr.Owner(principal.user.id)


add_routes(
    router,
    _own,
    [
        Listed(
            EMAILS,
            VerifiedEmailOutput.of,
            Summaries("Verify an email", "Get list of verified emails", "Get verified email by id"),
        ),
        Listed(
            PHONES,
            VerifiedPhoneOutput.of,
            Summaries(
                "Verify a phone number",
                "Get list of verified phone numbers",
                "Get verified phone number by id",
            ),
        ),
    ],
)
