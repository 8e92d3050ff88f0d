"""`POST /v2/bookings/{bookingUid}/reassign[/{userId}]`: round-robin reassignment."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import Input, PathId
from calgate.services import reassign
from calgate.services.reassign import Reassigned
from calgate.web.envelope import ok
from calgate.web.state import Db

router = APIRouter(prefix="/v2/bookings/{booking_uid}/reassign", tags=["Bookings"])


class ReassignInput(Input):
    reason: str | None = Field(None, max_length=1000)


def _out(done: Reassigned) -> dict[str, object]:
    host = done.host
    return {
        "bookingUid": done.booking_uid,
        "reassignedTo": {
            "id": host.id,
            "name": host.name or host.username,
            "email": host.email,
            "displayEmail": host.email,
        },
    }


@router.post("", summary="Reassign a booking to the next round-robin host")
async def reassign_booking(booking_uid: str, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    return ok(_out(await reassign.reassign(db, principal.user.id, booking_uid[:255])))


@router.post("/{user_id}", summary="Reassign a booking to a specific host")
async def reassign_booking_to(
    booking_uid: str,
    user_id: PathId,
    principal: CurrentPrincipal,
    db: Db,
    body: ReassignInput | None = None,
) -> JSONResponse:
    reason = body.reason if body is not None else None
    done = await reassign.reassign(db, principal.user.id, booking_uid[:255], user_id, reason=reason)
    return ok(_out(done))
