"""Authlib's (synchronous) OAuth 2.0 AuthorizationServer bound to one sync DB session.

A server instance lives for one HTTP request: the web layer builds an ``OAuthHttpRequest``
from Starlette's request, then runs the server in a worker thread (``anyio.to_thread``) with a
sync SQLAlchemy session on the same database. ``handle_response`` returns a plain
``OAuthResponse`` that the web layer turns into a Starlette response.

Endpoints: the token endpoint (authorization_code + PKCE, refresh_token grants) and RFC 7009
token revocation (``RevocationEndpoint``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidRequestError,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from calgate.config import Settings
from calgate.oauth import scopes as scope_names
from calgate.oauth.service import (
    check_client_secret,
    lock_token_owner,
    new_token_response,
    save_token_pair,
)
from calgate.security import keys
from calgate.store.models import OAuthClient, OAuthCode, OAuthToken, User, utcnow

# The scheme is only checked by Authlib (InsecureTransportError); TLS is the deployment's job.
_INTERNAL_URI = "https://calgate.internal/oauth2"


@dataclass
class OAuthResponse:
    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def location(self) -> str | None:
        for name, value in self.headers:
            if name.lower() == "location":
                return value
        return None


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._data: dict[str, str] = {}
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._data.setdefault(key, value)
            self._datalist[key].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class OAuthHttpRequest(OAuth2Request):  # type: ignore[misc]
    """What Authlib needs of an HTTP request: method, headers and the parameters."""

    def __init__(
        self, method: str, headers: Mapping[str, str], items: Sequence[tuple[str, str]]
    ) -> None:
        super().__init__(method, _INTERNAL_URI, headers=headers)
        self.payload = _Payload(items)

    @property
    def args(self) -> dict[str, str]:
        return dict(self.payload.data)

    @property
    def form(self) -> dict[str, str]:
        return dict(self.payload.data)


class ClientAdapter(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: OAuthClient) -> None:
        self.row = row
        self.client_id = row.client_id
        self.name = row.name
        self.is_public = row.is_public

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.row.redirect_uris[0] if self.row.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        try:
            return scope_names.normalise(scope)
        except ValueError:
            return ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match, as Cal.com does.
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return not self.is_public and check_client_secret(
            self.row.client_secret_hash, client_secret
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return bool(method == "none")
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return bool(response_type == "code")

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


class CodeAdapter(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, row: OAuthCode) -> None:
        self.row = row
        self.id = row.id
        self.user_id = row.user_id
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str | None:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class TokenAdapter(TokenMixin):  # type: ignore[misc]
    def __init__(self, row: OAuthToken) -> None:
        self.row = row

    def check_client(self, client: ClientAdapter) -> bool:
        return bool(self.row.client_id == client.client_id)

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return max(0, int((self.row.access_expires_at - utcnow()).total_seconds()))

    def is_expired(self) -> bool:
        return bool(self.row.access_expires_at <= utcnow())

    def is_revoked(self) -> bool:
        return bool(self.row.revoked)


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE with S256 only; a challenge is mandatory for public clients and, once sent by a
    confidential client, enforced at the token endpoint like any other."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        challenge = data.get("code_challenge")
        method = data.get("code_challenge_method")
        if grant.request.client.is_public and not challenge:
            raise InvalidRequestError("PKCE is required: send code_challenge with method S256.")
        if (challenge or method) and method != "S256":
            raise InvalidRequestError("code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
_AS_INVALID_REQUEST = frozenset({"unsupported_grant_type", "unauthorized_client"})


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS
    server: CalgateAuthorizationServer

    def save_authorization_code(self, code: str, request: OAuthHttpRequest) -> None:
        data = request.payload.data
        server = self.server
        server.session.add(
            OAuthCode(
                code_hash=keys.digest(server.settings.secret_key, code),
                client_id=request.client.client_id,
                user_id=request.user.id,
                redirect_uri=data.get("redirect_uri"),
                scope=request.scope or "",
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                expires_at=server.now + timedelta(seconds=server.settings.oauth_code_ttl),
                created_at=server.now,
            )
        )
        server.session.flush()

    def query_authorization_code(self, code: str, client: ClientAdapter) -> CodeAdapter | None:
        server = self.server
        row = server.session.scalar(
            select(OAuthCode)
            .where(
                OAuthCode.code_hash == keys.digest(server.settings.secret_key, code),
                OAuthCode.client_id == client.client_id,
            )
            # NO KEY UPDATE: serialises exchanges of this code without blocking a concurrent
            # refresh, whose new token row references the code (a KEY SHARE lock).
            .with_for_update(key_share=True)
        )
        if row is None:
            return None
        if row.used_at is not None:
            # RFC 6749 4.1.2: a replayed code revokes what was issued from it.
            server.session.execute(
                update(OAuthToken)
                .where(OAuthToken.code_id == row.id)
                .values(revoked=True, refresh_token_hash=None, refresh_expires_at=None)
                .execution_options(synchronize_session=False)
            )
            return None
        if row.expires_at <= server.now:
            return None
        return CodeAdapter(row)

    def delete_authorization_code(self, authorization_code: CodeAdapter) -> None:
        # Kept (marked used) rather than deleted, so a replay can be recognised.
        authorization_code.row.used_at = self.server.now
        self.server.session.flush()

    def authenticate_user(self, authorization_code: CodeAdapter) -> User | None:
        return self.server.session.get(User, authorization_code.user_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: CalgateAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> TokenAdapter | None:
        server = self.server
        digest = keys.digest(server.settings.secret_key, refresh_token)
        owner = server.session.scalar(
            select(OAuthToken.user_id).where(OAuthToken.refresh_token_hash == digest)
        )
        if owner is None:
            return None
        # User first, then the token row: the order save_token_pair's clean-up relies on.
        lock_token_owner(server.session, owner)
        row = server.session.scalar(
            select(OAuthToken).where(OAuthToken.refresh_token_hash == digest).with_for_update()
        )
        if row is None or row.revoked:
            return None
        if row.refresh_expires_at is None or row.refresh_expires_at <= server.now:
            return None
        return TokenAdapter(row)

    def authenticate_user(self, refresh_token: TokenAdapter) -> User | None:
        return self.server.session.get(User, refresh_token.row.user_id)

    def revoke_old_credential(self, refresh_token: TokenAdapter) -> None:
        # save_token already cleared (or deleted, if its access token had expired) the old row;
        # a Core statement keeps that true without tripping over a deleted ORM row.
        self.server.session.execute(
            update(OAuthToken)
            .where(OAuthToken.id == refresh_token.row.id)
            .values(refresh_token_hash=None, refresh_expires_at=None)
            .execution_options(synchronize_session=False)
        )


@dataclass
class RevocableToken:
    """A token row found by the revocation endpoint, and which of its two tokens was sent."""

    row: OAuthToken
    is_refresh: bool


class RevocationEndpoint(_RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009 token revocation, with the token endpoint's client authentication.

    Only the authenticated client's tokens are looked up, so a token issued to another client
    is treated like an unknown one: 200 and nothing changes (RFC 7009 2.2), and a client learns
    nothing about other clients' tokens. Either token revokes its whole row: the access token
    and, if that row still holds the live refresh token, the refresh token. A refresh token also
    revokes every access token of its lineage (RFC 7009 2.1 SHOULD): the rows of the same client
    and user that descend from the same authorization code.
    """

    CLIENT_AUTH_METHODS = _AUTH_METHODS
    server: CalgateAuthorizationServer

    def check_params(self, request: OAuthHttpRequest, client: ClientAdapter) -> None:
        # An empty token is as missing as an absent one; an unknown token_type_hint is ignored
        # (RFC 7009 2.2), rather than refused as Authlib does.
        if not request.form.get("token"):
            raise InvalidRequestError("token is required.")

    def authenticate_token(
        self, request: OAuthHttpRequest, client: ClientAdapter
    ) -> RevocableToken | None:
        self.check_params(request, client)
        form = request.form
        return self.query_client_token(form["token"], form.get("token_type_hint"), client)

    def query_client_token(
        self, raw: str, hint: str | None, client: ClientAdapter
    ) -> RevocableToken | None:
        """Authlib's ``query_token``, scoped to ``client`` (its hook gets no client)."""
        server = self.server
        session = server.session
        digest = keys.digest(server.settings.secret_key, raw)
        columns = [OAuthToken.access_token_hash, OAuthToken.refresh_token_hash]
        if hint == "refresh_token":
            columns.reverse()  # the hint only orders the search (RFC 7009 2.1)
        for column in columns:
            match = (column == digest, OAuthToken.client_id == client.client_id)
            owner = session.scalar(select(OAuthToken.user_id).where(*match))
            if owner is None:
                continue
            # User first, then the token row, as for a refresh: a revocation racing a refresh
            # of the same token waits for it (and then finds the rotated token gone).
            lock_token_owner(session, owner)
            row = session.scalar(select(OAuthToken).where(*match).with_for_update())
            if row is not None:
                return RevocableToken(row, column is OAuthToken.refresh_token_hash)
        return None

    def revoke_token(self, token: RevocableToken, request: OAuthHttpRequest) -> None:
        row = token.row
        targets = OAuthToken.id == row.id
        if token.is_refresh:
            same_code = (
                OAuthToken.code_id == row.code_id
                if row.code_id is not None
                else OAuthToken.code_id.is_(None)
            )
            lineage = (
                (OAuthToken.client_id == row.client_id)
                & (OAuthToken.user_id == row.user_id)
                & same_code
            )
            targets = or_(targets, lineage)
        self.server.session.execute(
            update(OAuthToken)
            .where(targets)
            .values(revoked=True, refresh_token_hash=None, refresh_expires_at=None)
            .execution_options(synchronize_session=False)
        )


class CalgateAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, session: Session, settings: Settings, now: datetime | None = None) -> None:
        super().__init__(scopes_supported=list(scope_names.ALL_SCOPES))
        self.session = session
        self.settings = settings
        self.now = now or utcnow()
        self.register_token_generator("default", self._generate_token)
        self.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(RevocationEndpoint)

    def _generate_token(
        self,
        grant_type: str,
        client: ClientAdapter,
        user: User | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        return new_token_response(self.settings, scope or "")

    def query_client(self, client_id: str) -> ClientAdapter | None:
        if not client_id or len(client_id) > 64:
            return None
        row = self.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
        return ClientAdapter(row) if row is not None else None

    def save_token(self, token: dict[str, Any], request: OAuthHttpRequest) -> None:
        code_id: int | None = None
        if request.authorization_code is not None:
            code_id = request.authorization_code.id
        elif request.refresh_token is not None:
            code_id = request.refresh_token.row.code_id
        save_token_pair(
            self.session,
            self.settings,
            token,
            client_id=request.client.client_id,
            user_id=request.user.id,
            code_id=code_id,
            now=self.now,
        )

    def create_oauth2_request(self, request: OAuthHttpRequest) -> OAuthHttpRequest:
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON-request endpoints are registered")

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> OAuthResponse:
        if isinstance(body, dict):
            error = body.get("error")
            if error == "invalid_client":
                status = 401  # Cal.com answers 401 however the client authenticated.
            elif error in _AS_INVALID_REQUEST:
                # Cal.com's token endpoint names every malformed request invalid_request.
                body = {**body, "error": "invalid_request"}
        return OAuthResponse(status, body, list(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None
