"""Verified emails and phones: one-time codes sent by email or SMS, and the verified lists of
users and of teams.

A list belongs to an `Owner`: the caller alone, or a team whose admins and owners manage it
(`/v2/teams/{teamId}/verified-resources`; other members get the teams' usual 404/403). Codes are
the caller's: a code proves the caller reads the address, whichever list it then lands in.

A code is 6 digits, lives 10 minutes, works once and is kept only as a keyed hash. Guessing is
bounded three ways: per code (5 wrong tries kill it), per address and per user (wrong tries
and codes sent within the last hour). Wrong tries are committed before the refusal is raised,
so a failing guess still counts. The message goes out through the outbox, in the transaction
that stored its code.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.email import messages
from calgate.email.locales import Words
from calgate.errors import BadRequest, NotFound, TooManyRequests
from calgate.security import keys
from calgate.services.teams import team_for
from calgate.store.db import Database
from calgate.store.models import (
    MembershipRole,
    User,
    VerificationCode,
    VerifiedEmail,
    VerifiedPhone,
    utcnow,
)
from calgate.webhooks import outbox

CODE_TTL = timedelta(minutes=10)
WINDOW = timedelta(hours=1)
MAX_TRIES_PER_CODE = 5
MAX_TRIES_PER_TARGET = 10
MAX_TRIES_PER_USER = 30
MAX_SENDS_PER_TARGET = 5
MAX_SENDS_PER_USER = 20

R = TypeVar("R")
M = TypeVar("M", VerifiedEmail, VerifiedPhone)

_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
_PHONE_NOISE = re.compile(r"[\s().-]")


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


@dataclass(frozen=True)
class Owner:
    """Whose list: the user's own (`team_id` None) or the team's, managed by this user."""

    user_id: int
    team_id: int | None = None


async def _allowed(session: AsyncSession, owner: Owner) -> None:
    if owner.team_id is not None:
        await team_for(session, owner.team_id, owner.user_id, MembershipRole.ADMIN)


def _of(model: type[VerifiedEmail] | type[VerifiedPhone], owner: Owner) -> Any:
    if owner.team_id is None:
        return (model.user_id == owner.user_id, model.team_id.is_(None))
    return (model.team_id == owner.team_id,)


@dataclass(frozen=True)
class Sender:
    """What the server can send: the router passes the settings' switches."""

    pepper: str
    email: bool
    sms: bool


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_phone(phone: str) -> str:
    number = _PHONE_NOISE.sub("", phone)
    if not _PHONE.match(number):
        raise BadRequest("phone must be an international number, e.g. +37255556666")
    return number


@dataclass(frozen=True)
class Kind(Generic[M]):
    """A kind of verified resource: its table, the column holding the address, the channel
    its codes go out on and the noun its refusals use."""

    model: type[M]
    field: str
    channel: Channel
    noun: str

    def normalize(self, raw: str) -> str:
        return normalize_phone(raw) if self.channel is Channel.SMS else normalize_email(raw)

    def column(self) -> Any:
        return getattr(self.model, self.field)


EMAIL = Kind(VerifiedEmail, "email", Channel.EMAIL, "email")
PHONE = Kind(VerifiedPhone, "phone_number", Channel.SMS, "phone")


def _hash(pepper: str, channel: Channel, target: str, code: str) -> str:
    return keys.digest(pepper, f"verification:{channel}:{target}:{code}")


async def _count(session: AsyncSession, column: Any, *where: Any) -> int:
    value = (await session.execute(select(column).where(*where))).scalar()
    return int(value or 0)


async def request_code(
    db: Database, sender: Sender, owner: Owner, kind: Kind[Any], raw_target: str
) -> None:
    """Store a fresh code for this address (older ones die) and queue the message with it."""
    user_id = owner.user_id
    channel = kind.channel
    target = kind.normalize(raw_target)
    # A 4xx: nothing failed on the server, it was set up without this channel.
    if channel is Channel.SMS and not sender.sms:
        raise BadRequest("Sending SMS is not configured on this server (CALGATE_SMS_URL)")
    if channel is Channel.EMAIL and not sender.email:
        raise BadRequest("Sending email is not configured on this server (CALGATE_SMTP_URL)")
    now = utcnow()
    since = now - WINDOW
    async with db.transaction() as session:
        await _allowed(session, owner)
        mine = (VerificationCode.user_id == user_id, VerificationCode.created_at > since)
        if await _count(session, func.count(VerificationCode.id), *mine) >= MAX_SENDS_PER_USER:
            raise TooManyRequests("Too many verification codes requested", retry_after=3600)
        same = (VerificationCode.channel == channel, VerificationCode.target == target)
        if await _count(session, func.count(VerificationCode.id), *mine, *same) >= (
            MAX_SENDS_PER_TARGET
        ):
            raise TooManyRequests("Too many verification codes requested", retry_after=3600)
        await session.execute(
            update(VerificationCode)
            .where(VerificationCode.user_id == user_id, *same, VerificationCode.expires_at > now)
            .values(expires_at=now)
        )
        code = f"{secrets.randbelow(10**6):06d}"
        session.add(
            VerificationCode(
                user_id=user_id,
                channel=channel,
                target=target,
                code_hash=_hash(sender.pepper, channel, target, code),
                attempts=0,
                expires_at=now + CODE_TTL,
                created_at=now,
            )
        )
        caller = await session.get(User, user_id)
        words = Words(caller.locale if caller is not None else None)
        content = messages.Content(
            subject=words("code.subject", code=code), text=words("code.text", code=code)
        )
        messages.queue(
            session, channel=channel, kind="verification", recipient=target, content=content
        )
        outbox.wake_on_commit(session)


async def _check_code(
    session: AsyncSession, pepper: str, user_id: int, channel: Channel, target: str, code: str
) -> str | None:
    """Use the code if it is right: None when it was, else why not (the try is counted)."""
    now = utcnow()
    since = now - WINDOW
    mine = (VerificationCode.user_id == user_id, VerificationCode.created_at > since)
    same = (VerificationCode.channel == channel, VerificationCode.target == target)
    tries = func.coalesce(func.sum(VerificationCode.attempts), 0)
    if (
        await _count(session, tries, *mine) >= MAX_TRIES_PER_USER
        or await _count(session, tries, *mine, *same) >= MAX_TRIES_PER_TARGET
    ):
        return "limit"
    current = (
        await session.execute(
            select(VerificationCode)
            .where(
                VerificationCode.user_id == user_id,
                *same,
                VerificationCode.used_at.is_(None),
                VerificationCode.expires_at > now,
            )
            .order_by(VerificationCode.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if current is None or current.attempts >= MAX_TRIES_PER_CODE:
        return "invalid"
    expected = current.code_hash
    if not secrets.compare_digest(expected, _hash(pepper, channel, target, code.strip())):
        current.attempts += 1
        return "invalid"
    current.used_at = now
    return None


async def verify(db: Database, pepper: str, owner: Owner, kind: Kind[M], raw: str, code: str) -> M:
    """Use the code and put the address on the owner's list (once: a known one is returned)."""
    target = kind.normalize(raw)
    async with db.transaction() as session:
        await _allowed(session, owner)
        refused = await _check_code(session, pepper, owner.user_id, kind.channel, target, code)
        found = None
        if refused is None:
            found = (
                await session.execute(
                    select(kind.model).where(*_of(kind.model, owner), kind.column() == target)
                )
            ).scalar_one_or_none()
            if found is None:
                found = kind.model(
                    user_id=owner.user_id,
                    team_id=owner.team_id,
                    created_at=utcnow(),
                    **{kind.field: target},
                )
                session.add(found)
                await session.flush()
    return _verified(refused, found)


def _verified(refused: str | None, found: R | None) -> R:
    # Raised after the commit: a wrong guess must stay counted.
    if refused == "limit":
        raise TooManyRequests(
            "Too many wrong verification codes; try again later", retry_after=3600
        )
    if refused is not None or found is None:
        raise BadRequest("Invalid verification code")
    return found


async def list_verified(
    db: Database, owner: Owner, kind: Kind[M], *, take: int, skip: int
) -> list[M]:
    async with db.session() as session:
        await _allowed(session, owner)
        rows = await session.execute(
            select(kind.model)
            .where(*_of(kind.model, owner))
            .order_by(kind.model.id)
            .offset(skip)
            .limit(take)
        )
        return list(rows.scalars())


async def get_verified(db: Database, owner: Owner, kind: Kind[M], row_id: int) -> M:
    async with db.session() as session:
        await _allowed(session, owner)
        row = (
            await session.execute(
                select(kind.model).where(kind.model.id == row_id, *_of(kind.model, owner))
            )
        ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"Verified {kind.noun} with id {row_id} not found")
    return row


REPLY_TO = "custom_reply_to_email"


async def check_reply_to(
    session: AsyncSession, user_id: int, team_id: int | None, settings: object
) -> None:
    """An event type's custom reply-to (`customReplyToEmail`, kept in its settings) must be a
    verified email: the user's own, or the team's for a team event type (as on Cal.com)."""
    email = settings.get(REPLY_TO) if isinstance(settings, dict) else None
    if not email:
        return
    owner = Owner(user_id, team_id)
    found = await session.execute(
        select(VerifiedEmail.id)
        .where(*_of(VerifiedEmail, owner), VerifiedEmail.email == normalize_email(str(email)))
        .limit(1)
    )
    if found.scalar_one_or_none() is None:
        whose = "the team's" if team_id is not None else "your"
        raise BadRequest(
            f"customReplyToEmail: {email} is not one of {whose} verified emails; verify it "
            "first (POST .../verified-resources/emails/verification-code/request)"
        )
