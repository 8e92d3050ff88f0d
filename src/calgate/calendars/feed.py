"""Reading an ICS feed over HTTP(S), conditionally (ETag / Last-Modified)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx2

from calgate.calendars.ics import InvalidCalendar

# A calendar feed past this size is refused rather than parsed: parsing is the expensive part.
MAX_FEED_BYTES = 10 * 1024 * 1024


class FeedError(Exception):
    """The feed could not be read (network, status, size or content)."""


@dataclass(frozen=True)
class Feed:
    # None when the server answered 304: what was read last time still holds.
    body: bytes | None
    etag: str | None
    last_modified: str | None


def webcal(url: str) -> str:
    """Calendar apps hand out webcal:// links; they are HTTP(S) feeds."""
    if url.lower().startswith("webcals://"):
        return "https://" + url[len("webcals://") :]
    if url.lower().startswith("webcal://"):
        return "https://" + url[len("webcal://") :]
    return url


async def read(
    client: httpx2.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Feed:
    headers = {"Accept": "text/calendar"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with client.stream("GET", webcal(url), headers=headers) as response:
            if response.status_code == 304:
                return Feed(None, etag, last_modified)
            if response.status_code != 200:
                raise FeedError(f"the feed answered HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_FEED_BYTES:
                    raise FeedError("the feed is larger than 10 MiB")
                chunks.append(chunk)
            body = b"".join(chunks)
            if b"BEGIN:VCALENDAR" not in body[:4096].upper():
                raise FeedError(str(InvalidCalendar("the feed is not an iCalendar file")))
            return Feed(body, response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except httpx2.HTTPError as exc:
        raise FeedError(f"the feed could not be read: {exc}") from exc
