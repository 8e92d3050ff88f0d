"""/v2/teams/{teamId}/verified-resources: a team's verified emails and phones, managed by its
admins and owners (Cal.com's TeamsVerifiedResourcesController). The same codes and limits as a
user's own list; rows carry the team's id. The routes are `routes.add_routes`'s."""

from __future__ import annotations

from fastapi import APIRouter

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import Output, PathId
from calgate.api.verified_resources.routes import EMAILS, PHONES, Listed, Summaries, add_routes
from calgate.services import verified_resources as vr

router = APIRouter(
    prefix="/v2/teams/{team_id}/verified-resources", tags=["Teams / Verified resources"]
)


class TeamVerifiedEmailOutput(Output):
    id: int
    email: str
    team_id: int
    user_id: int | None


class TeamVerifiedPhoneOutput(Output):
    id: int
    phone_number: str
    team_id: int
    user_id: int | None


def _team(team_id: PathId, principal: CurrentPrincipal) -> vr.Owner:
    return vr.Owner(principal.user.id, team_id)


add_routes(
    router,
    _team,
    [
        Listed(
            EMAILS,
            TeamVerifiedEmailOutput,
            Summaries(
                "Verify an email for a team",
                "Get list of verified emails of a team",
                "Get verified email of a team by id",
            ),
        ),
        Listed(
            PHONES,
            TeamVerifiedPhoneOutput,
            Summaries(
                "Verify a phone number for an org team",
                "Get list of verified phone numbers of a team",
                "Get verified phone number of a team by id",
            ),
        ),
    ],
)
