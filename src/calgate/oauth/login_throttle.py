"""Failed sign-ins at ``POST /auth/oauth2/login``, counted on the shared rate-limit store.

Two limits, each a fixed window of ``oauth_login_window`` seconds: failures per (client IP,
email), which stops guessing one account's password, and failures per client IP whatever the
email, which stops one password sprayed over many accounts. Counts live in the process's
`RateLimitStore`, so with Redis storage every server process sees the same count. A successful
sign-in clears its (IP, email) count, never the IP's.
"""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond

from calgate.web.ratelimit import RateLimitStore


@dataclass(frozen=True)
class LoginThrottle:
    store: RateLimitStore
    per_account: RateLimitItem
    per_ip: RateLimitItem

    @classmethod
    def of(
        cls, store: RateLimitStore, *, per_account: int, per_ip: int, window: int
    ) -> LoginThrottle:
        return cls(
            store,
            RateLimitItemPerSecond(per_account, window),
            RateLimitItemPerSecond(per_ip, window),
        )

    def _account(self, ip: str, email: str) -> tuple[str, ...]:
        # The email is hashed like a credential: the store never holds it in clear.
        return ("login", ip, self.store.identity(email.lower()))

    async def retry_after(self, ip: str, email: str) -> int:
        """Seconds to wait before this sign-in may be tried; 0 when it may be tried now."""
        wait = 0
        for item, ids in (
            (self.per_account, self._account(ip, email)),
            (self.per_ip, ("login-ip", ip)),
        ):
            verdict = await self.store.peek(item, *ids)
            if not verdict.allowed:
                wait = max(wait, verdict.retry_after)
        return wait

    async def failed(self, ip: str, email: str) -> None:
        await self.store.hit(self.per_account, *self._account(ip, email))
        await self.store.hit(self.per_ip, "login-ip", ip)

    async def succeeded(self, ip: str, email: str) -> None:
        await self.store.clear(self.per_account, *self._account(ip, email))
