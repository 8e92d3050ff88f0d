"""/v2/verified-resources: request and check one-time codes; a user's verified emails and
phones (Cal.com's UserVerifiedResourcesController). The routes are `routes.add_routes`'s."""

from __future__ import annotations

from fastapi import APIRouter

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import Output
from calgate.api.verified_resources.routes import EMAILS, PHONES, Listed, Summaries, add_routes
from calgate.services import verified_resources as vr

router = APIRouter(prefix="/v2/verified-resources", tags=["Verified resources"])


class VerifiedEmailOutput(Output):
    id: int
    email: str
    user_id: int


class VerifiedPhoneOutput(Output):
    id: int
    phone_number: str
    user_id: int


def _own(principal: CurrentPrincipal) -> vr.Owner:
    return vr.Owner(principal.user.id)


add_routes(
    router,
    _own,
    [
        Listed(
            EMAILS,
            VerifiedEmailOutput,
            Summaries("Verify an email", "Get list of verified emails", "Get verified email by id"),
        ),
        Listed(
            PHONES,
            VerifiedPhoneOutput,
            Summaries(
                "Verify a phone number",
                "Get list of verified phone numbers",
                "Get verified phone number by id",
            ),
        ),
    ],
)
