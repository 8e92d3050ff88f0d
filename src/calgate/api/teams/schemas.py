"""Wire shapes of `/v2/teams` (version-neutral on Cal.com) and its memberships."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from pydantic.alias_generators import to_camel

from calgate.api.schema import BodyId, Input, Output
from calgate.services.teams import MembershipChanges, MemberView, TeamChanges
from calgate.services.unset import UNSET
from calgate.store.models import MembershipRole, Team

Text = Annotated[str, Field(max_length=255)]
LongText = Annotated[str, Field(max_length=5000)]
Url = Annotated[str, Field(max_length=2048)]

# Presentation settings the scheduler never reads: stored under their wire names.
SETTING_FIELDS = (
    "logo_url",
    "cal_video_logo",
    "app_logo",
    "app_icon_logo",
    "hide_branding",
    "theme",
    "brand_color",
    "dark_brand_color",
    "banner_url",
    "time_format",
    "booking_limits",
    "include_managed_events_in_limits",
)
# Columns of the team, under their service names.
COLUMN_FIELDS = {
    "name": "name",
    "slug": "slug",
    "bio": "bio",
    "time_zone": "time_zone",
    "week_start": "week_start",
    "hide_book_a_team_member": "hide_book_a_team_member",
    "is_private": "is_private",
    "metadata": "metadata_",
}


class _TeamFields(Input):
    slug: Text | None = None
    logo_url: Url | None = None
    cal_video_logo: Url | None = None
    app_logo: Url | None = None
    app_icon_logo: Url | None = None
    bio: LongText | None = None
    hide_branding: bool | None = None
    is_private: bool | None = None
    hide_book_a_team_member: bool | None = None
    metadata: dict[str, Any] | None = Field(default=None, max_length=50)
    theme: Text | None = None
    brand_color: Text | None = None
    dark_brand_color: Text | None = None
    banner_url: Url | None = None
    time_format: int | None = Field(default=None, ge=12, le=24)
    time_zone: Text | None = None
    week_start: Text | None = None

    def to_changes(self) -> TeamChanges:
        given = self.given()
        columns = {
            service: getattr(self, wire)
            for wire, service in COLUMN_FIELDS.items()
            if wire in given and hasattr(self, wire)
        }
        if columns.get("metadata_", UNSET) is None:
            columns["metadata_"] = {}
        for nullable_off in ("hide_book_a_team_member", "is_private"):
            if columns.get(nullable_off, UNSET) is None:
                columns[nullable_off] = False
        for required in ("name", "time_zone", "week_start"):
            if required in columns and columns[required] is None:
                del columns[required]
        settings = {
            to_camel(name): getattr(self, name)
            for name in SETTING_FIELDS
            if name in given and hasattr(self, name)
        }
        return TeamChanges(**columns, settings=settings if settings else UNSET)


class CreateTeamInput(_TeamFields):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    auto_accept_creator: bool = True


class UpdateTeamInput(_TeamFields):
    name: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    booking_limits: dict[str, int] | None = None
    include_managed_events_in_limits: bool | None = None


class TeamOutput(Output):
    id: int
    parent_id: int | None = None
    name: str
    slug: str | None
    logo_url: str | None = None
    cal_video_logo: str | None = None
    app_logo: str | None = None
    app_icon_logo: str | None = None
    bio: str | None
    hide_branding: bool = False
    is_organization: bool = False
    is_private: bool
    hide_book_a_team_member: bool
    metadata: dict[str, Any]
    theme: str | None = None
    brand_color: str | None = None
    dark_brand_color: str | None = None
    banner_url: str | None = None
    time_format: int | None = None
    time_zone: str
    week_start: str

    @classmethod
    def of(cls, team: Team) -> TeamOutput:
        settings = team.settings or {}
        return cls(
            id=team.id,
            name=team.name,
            slug=team.slug,
            bio=team.bio,
            is_private=team.is_private,
            hide_book_a_team_member=team.hide_book_a_team_member,
            metadata=team.metadata_ or {},
            time_zone=team.time_zone,
            week_start=team.week_start,
            logo_url=settings.get("logoUrl"),
            cal_video_logo=settings.get("calVideoLogo"),
            app_logo=settings.get("appLogo"),
            app_icon_logo=settings.get("appIconLogo"),
            hide_branding=bool(settings.get("hideBranding", False)),
            theme=settings.get("theme"),
            brand_color=settings.get("brandColor"),
            dark_brand_color=settings.get("darkBrandColor"),
            banner_url=settings.get("bannerUrl"),
            time_format=settings.get("timeFormat"),
        )


class CreateMembershipInput(Input):
    user_id: BodyId
    accepted: bool = False
    role: MembershipRole = MembershipRole.MEMBER
    disable_impersonation: bool = False


class UpdateMembershipInput(Input):
    accepted: bool | None = None
    role: MembershipRole | None = None
    disable_impersonation: bool | None = None

    def to_changes(self) -> MembershipChanges:
        given = {k: v for k, v in self.model_dump().items() if k in self.given() and v is not None}
        return MembershipChanges(**given)


class AcceptInviteInput(Input):
    token: Annotated[str, Field(min_length=1, max_length=128)]


class MembershipUserOutput(Output):
    avatar_url: str | None
    username: str
    name: str | None
    email: str
    bio: str | None
    metadata: dict[str, Any] = Field(default_factory=dict)


class MembershipOutput(Output):
    id: int
    user_id: int
    team_id: int
    accepted: bool
    role: MembershipRole
    disable_impersonation: bool
    user: MembershipUserOutput

    @classmethod
    def of(cls, view: MemberView) -> MembershipOutput:
        m, u = view.membership, view.user
        return cls(
            id=m.id,
            user_id=m.user_id,
            team_id=m.team_id,
            accepted=m.accepted,
            role=MembershipRole(m.role),
            disable_impersonation=m.disable_impersonation,
            user=MembershipUserOutput(
                avatar_url=u.avatar_url, username=u.username, name=u.name, email=u.email, bio=u.bio
            ),
        )


class InviteOutput(Output):
    token: str
    invite_link: str
