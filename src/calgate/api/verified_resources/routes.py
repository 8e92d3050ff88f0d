"""The four routes of a verified-resource list (request a code, verify, list, get one), written
once for both kinds (emails, phones) and both owners (a user's own list, a team's).

No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations, and
those name the owner dependency each list is built with, which only this closure knows."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import EmailStr, Field

from calgate.api.schema import Input, Output, PathId
from calgate.api.versions import body_schema, parse_body
from calgate.config import Settings
from calgate.services import verified_resources as vr
from calgate.web.envelope import ok
from calgate.web.state import State

Take = Annotated[int, Query(ge=1, le=250, description="How many to return")]
Skip = Annotated[int, Query(ge=0, le=2_147_483_647, description="How many to skip")]
Code = Annotated[str, Field(min_length=1, max_length=16)]
Phone = Annotated[str, Field(min_length=1, max_length=32)]


class RequestEmailInput(Input):
    email: EmailStr

    @property
    def target(self) -> str:
        return self.email


class RequestPhoneInput(Input):
    phone: Phone

    @property
    def target(self) -> str:
        return self.phone


class VerifyEmailInput(RequestEmailInput):
    code: Code


class VerifyPhoneInput(RequestPhoneInput):
    code: Code


@dataclass(frozen=True)
class Resource:
    """One kind of verified resource as the wire shows it, whoever's list it is on."""

    kind: vr.Kind[Any]
    path: str
    # Endpoint names (`request_email_code`, `verify_email`, ...): the OpenAPI operation ids.
    name: str
    request_input: type[RequestEmailInput] | type[RequestPhoneInput]
    verify_input: type[VerifyEmailInput] | type[VerifyPhoneInput]
    request_summary: str


EMAILS = Resource(
    vr.EMAIL,
    "emails",
    "email",
    RequestEmailInput,
    VerifyEmailInput,
    "Request email verification code",
)
PHONES = Resource(
    vr.PHONE,
    "phones",
    "phone",
    RequestPhoneInput,
    VerifyPhoneInput,
    "Request phone number verification code",
)


class Summaries(NamedTuple):
    verify: str
    list: str
    get: str


class Listed(NamedTuple):
    """A resource on one owner's list: how its rows are presented and what its routes say."""

    resource: Resource
    # Read off the row's attributes: the team's rows, the only ones its list holds, have a team.
    output: type[Output]
    summaries: Summaries


def _row_id(id: PathId) -> int:
    return id


# A dependency, not a plain parameter: FastAPI lists an endpoint's own path parameters before its
# dependencies', and the document names the team (`team_id`) before the row, as Cal.com's does.
RowId = Annotated[int, Depends(_row_id)]


def sender(settings: Settings) -> vr.Sender:
    return vr.Sender(settings.secret_key, email=settings.sends_email, sms=settings.sends_sms)


def sent() -> JSONResponse:
    # RequestEmailVerificationOutput: a status and nothing else.
    return JSONResponse({"status": "success"})


def add_routes(
    router: APIRouter, owner_of: Callable[..., vr.Owner], listed: Sequence[Listed]
) -> None:
    """Add each resource's routes to `router`, the list being `owner_of`'s (a dependency)."""
    owner_type = Annotated[vr.Owner, Depends(owner_of)]

    def request_code(it: Listed) -> Callable[..., Any]:
        async def endpoint(request: Request, owner: owner_type, state: State) -> JSONResponse:
            body = await parse_body(request, it.resource.request_input)
            await vr.request_code(
                state.db, sender(state.settings), owner, it.resource.kind, body.target
            )
            return sent()

        return endpoint

    def verify(it: Listed) -> Callable[..., Any]:
        async def endpoint(request: Request, owner: owner_type, state: State) -> JSONResponse:
            body = await parse_body(request, it.resource.verify_input)
            row = await vr.verify(
                state.db, state.settings.secret_key, owner, it.resource.kind, body.target, body.code
            )
            return ok(it.output.model_validate(row, from_attributes=True))

        return endpoint

    def list_all(it: Listed) -> Callable[..., Any]:
        async def endpoint(
            owner: owner_type, state: State, take: Take = 250, skip: Skip = 0
        ) -> JSONResponse:
            rows = await vr.list_verified(state.db, owner, it.resource.kind, take=take, skip=skip)
            return ok([it.output.model_validate(r, from_attributes=True) for r in rows])

        return endpoint

    def get_one(it: Listed) -> Callable[..., Any]:
        async def endpoint(owner: owner_type, id: RowId, state: State) -> JSONResponse:
            row = await vr.get_verified(state.db, owner, it.resource.kind, id)
            return ok(it.output.model_validate(row, from_attributes=True))

        return endpoint

    def add(path: str, method: str, name: str, endpoint: Any, summary: str, body: Any) -> None:
        extra = body_schema(body) if body is not None else None
        router.add_api_route(
            path, endpoint, methods=[method], name=name, summary=summary, openapi_extra=extra
        )

    # Route by route, each for every resource: the order the OpenAPI document lists them in.
    for it in listed:
        r = it.resource
        path, name = f"/{r.path}/verification-code/request", f"request_{r.name}_code"
        add(path, "POST", name, request_code(it), r.request_summary, r.request_input)
    for it in listed:
        r = it.resource
        path, name = f"/{r.path}/verification-code/verify", f"verify_{r.name}"
        add(path, "POST", name, verify(it), it.summaries.verify, r.verify_input)
    for it in listed:
        r = it.resource
        add(f"/{r.path}", "GET", f"list_{r.path}", list_all(it), it.summaries.list, None)
    for it in listed:
        r = it.resource
        add(f"/{r.path}/{{id}}", "GET", f"get_{r.name}", get_one(it), it.summaries.get, None)
