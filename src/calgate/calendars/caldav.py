"""A small CalDAV client (RFC 4791) over the guarded httpx2 client.

Discovery (principal → calendar home → calendars), a time-range REPORT for busy time, and
PUT/DELETE of one event resource for write-back. Responses are parsed with defusedxml.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urljoin

import defusedxml.ElementTree as SafeET
import httpx2

from calgate.calendars import ics

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
ICAL = "http://apple.com/ns/ical/"
ICLOUD_URL = "https://caldav.icloud.com"


class CalDAVError(Exception):
    """The server could not be reached or refused the request."""


class Unauthorized(CalDAVError):
    """The server refused the credentials."""


class UidConflict(CalDAVError):
    """A PUT refused for its UID (RFC 4791 5.3.2.1, CALDAV:no-uid-conflict): another resource
    of the calendar holds an event with this UID, or the resource holds one with another."""


@dataclass(frozen=True)
class RemoteCalendar:
    url: str
    name: str
    read_only: bool
    time_zone: str | None


@dataclass(frozen=True)
class RemoteEvent:
    """One event resource: where it lives, its ETag (for a conditional update), its data."""

    url: str
    etag: str | None
    data: str


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _propfind(*props: tuple[str, str]) -> bytes:
    root = ET.Element(_q(DAV, "propfind"))
    prop = ET.SubElement(root, _q(DAV, "prop"))
    for ns, name in props:
        ET.SubElement(prop, _q(ns, name))
    return _xml(root)


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)  # type: ignore[no-any-return]


class CalDAVClient:
    def __init__(self, http: httpx2.AsyncClient, url: str, username: str, password: str) -> None:
        self.http = http
        self.url = url if url.endswith("/") else url + "/"
        self.auth = httpx2.BasicAuth(username, password)

    async def _call(
        self, method: str, url: str, body: bytes | None = None, **headers: str
    ) -> httpx2.Response:
        try:
            response = await self.http.request(
                method,
                url,
                content=body,
                headers={"Content-Type": "application/xml; charset=utf-8", **headers},
                auth=self.auth,
            )
        except httpx2.HTTPError as exc:
            raise CalDAVError(f"the CalDAV server could not be reached: {exc}") from exc
        if response.status_code in (403, 409) and b"no-uid-conflict" in response.content:
            raise UidConflict(f"the CalDAV server answered HTTP {response.status_code}: UID taken")
        if response.status_code in (401, 403):
            raise Unauthorized("the CalDAV server refused the username or password")
        if response.status_code >= 400:
            raise CalDAVError(f"the CalDAV server answered HTTP {response.status_code}")
        return response

    async def _multistatus(
        self, method: str, url: str, body: bytes, depth: str
    ) -> list[tuple[str, ET.Element]]:
        """(absolute href, its 200 <prop>) for each response of a multistatus answer."""
        response = await self._call(method, url, body, Depth=depth)
        try:
            root = SafeET.fromstring(response.content)
        except SafeET.ParseError as exc:
            raise CalDAVError("the CalDAV server answered with malformed XML") from exc
        found: list[tuple[str, ET.Element]] = []
        for item in root.iter(_q(DAV, "response")):
            href = item.findtext(_q(DAV, "href")) or ""
            for propstat in item.iter(_q(DAV, "propstat")):
                status = propstat.findtext(_q(DAV, "status")) or ""
                prop = propstat.find(_q(DAV, "prop"))
                if " 200 " in status and prop is not None:
                    found.append((urljoin(url, href), prop))
        return found

    async def _href(self, url: str, ns: str, name: str) -> str | None:
        for _, prop in await self._multistatus("PROPFIND", url, _propfind((ns, name)), "0"):
            href = prop.findtext(f"{_q(ns, name)}/{_q(DAV, 'href')}")
            if href:
                return urljoin(url, href.strip())
        return None

    async def calendars(self) -> list[RemoteCalendar]:
        principal = await self._href(self.url, DAV, "current-user-principal") or self.url
        home = await self._href(principal, CALDAV, "calendar-home-set") or principal
        body = _propfind(
            (DAV, "resourcetype"),
            (DAV, "displayname"),
            (DAV, "current-user-privilege-set"),
            (CALDAV, "calendar-timezone"),
            (CALDAV, "supported-calendar-component-set"),
        )
        found: list[RemoteCalendar] = []
        for href, prop in await self._multistatus("PROPFIND", home, body, "1"):
            kind = prop.find(_q(DAV, "resourcetype"))
            if kind is None or kind.find(_q(CALDAV, "calendar")) is None:
                continue
            components = prop.find(_q(CALDAV, "supported-calendar-component-set"))
            if (
                components is not None
                and len(components)
                and not any(c.get("name") == "VEVENT" for c in components)
            ):
                continue
            privileges = prop.find(_q(DAV, "current-user-privilege-set"))
            writable = privileges is None or any(
                p.find(_q(DAV, n)) is not None
                for p in privileges.iter(_q(DAV, "privilege"))
                for n in ("write", "write-content", "all")
            )
            name = (prop.findtext(_q(DAV, "displayname")) or "").strip()
            found.append(
                RemoteCalendar(
                    url=href,
                    name=name or href.rstrip("/").rsplit("/", 1)[-1],
                    read_only=not writable,
                    time_zone=_tzid(prop.findtext(_q(CALDAV, "calendar-timezone"))),
                )
            )
        return found

    async def events(self, calendar_url: str, start: datetime, end: datetime) -> list[str]:
        """The iCalendar data of every event resource with an instance in [start, end)."""
        root = ET.Element(_q(CALDAV, "calendar-query"))
        prop = ET.SubElement(root, _q(DAV, "prop"))
        ET.SubElement(prop, _q(CALDAV, "calendar-data"))
        filt = ET.SubElement(ET.SubElement(root, _q(CALDAV, "filter")), _q(CALDAV, "comp-filter"))
        filt.set("name", "VCALENDAR")
        event = ET.SubElement(filt, _q(CALDAV, "comp-filter"))
        event.set("name", "VEVENT")
        window = ET.SubElement(event, _q(CALDAV, "time-range"))
        window.set("start", _stamp(start))
        window.set("end", _stamp(end))
        body = _xml(root)
        return [
            data
            for _, found in await self._multistatus("REPORT", calendar_url, body, "1")
            if (data := found.findtext(_q(CALDAV, "calendar-data")))
        ]

    def _event_url(self, calendar_url: str, uid: str) -> str:
        base = calendar_url if calendar_url.endswith("/") else calendar_url + "/"
        return base + quote(uid, safe="") + ".ics"

    async def put_event(self, calendar_url: str, uid: str, ics: bytes) -> None:
        await self._call(
            "PUT",
            self._event_url(calendar_url, uid),
            ics,
            **{"Content-Type": "text/calendar; charset=utf-8"},
        )

    async def delete_event(self, calendar_url: str, uid: str) -> None:
        try:
            await self._call("DELETE", self._event_url(calendar_url, uid))
        except Unauthorized:
            raise
        except CalDAVError as exc:
            # Already gone is what a delete wants.
            if "HTTP 404" not in str(exc):
                raise

    async def get_event(self, calendar_url: str, uid: str) -> str | None:
        try:
            response = await self._call("GET", self._event_url(calendar_url, uid))
        except Unauthorized:
            raise
        except CalDAVError as exc:
            if "HTTP 404" in str(exc):
                return None
            raise
        return response.text

    async def find_event(self, calendar_url: str, uid: str) -> RemoteEvent | None:
        """The resource holding the event with this UID, or None: write-back names it
        `<uid>.ics`; events other clients made have names of their own, found by UID."""
        url = self._event_url(calendar_url, uid)
        try:
            response = await self._call("GET", url)
        except Unauthorized:
            raise
        except CalDAVError as exc:
            if "HTTP 404" not in str(exc):
                raise
        else:
            return RemoteEvent(url, response.headers.get("ETag"), response.text)
        root = ET.Element(_q(CALDAV, "calendar-query"))
        prop = ET.SubElement(root, _q(DAV, "prop"))
        ET.SubElement(prop, _q(DAV, "getetag"))
        ET.SubElement(prop, _q(CALDAV, "calendar-data"))
        filt = ET.SubElement(ET.SubElement(root, _q(CALDAV, "filter")), _q(CALDAV, "comp-filter"))
        filt.set("name", "VCALENDAR")
        event = ET.SubElement(filt, _q(CALDAV, "comp-filter"))
        event.set("name", "VEVENT")
        by_uid = ET.SubElement(event, _q(CALDAV, "prop-filter"))
        by_uid.set("name", "UID")
        match = ET.SubElement(by_uid, _q(CALDAV, "text-match"))
        match.set("collation", "i;octet")
        match.text = uid
        for href, found in await self._multistatus("REPORT", calendar_url, _xml(root), "1"):
            data = found.findtext(_q(CALDAV, "calendar-data"))
            if data and _has_uid(data, uid):
                return RemoteEvent(href, found.findtext(_q(DAV, "getetag")), data)
        return None

    async def remove_event(self, event: RemoteEvent) -> None:
        """DELETE the resource, only if it is unchanged since read (If-Match its ETag)."""
        headers = {"If-Match": event.etag} if event.etag else {}
        try:
            await self._call("DELETE", event.url, None, **headers)
        except Unauthorized:
            raise
        except CalDAVError as exc:
            if "HTTP 404" not in str(exc):
                raise

    async def replace_event(self, event: RemoteEvent, ics: bytes) -> None:
        """PUT over the resource, only if it is unchanged since read (If-Match its ETag)."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if event.etag:
            headers["If-Match"] = event.etag
        await self._call("PUT", event.url, ics, **headers)


def _has_uid(data: str, uid: str) -> bool:
    """text-match is a substring match: the resource's own UID must be exactly this one."""
    try:
        cal = ics.parse(data)
    except ics.InvalidCalendar:
        return False
    return any(str(e.get("UID", "")) == uid for e in cal.walk("VEVENT"))


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _tzid(vtimezone: str | None) -> str | None:
    """calendar-timezone holds a VCALENDAR with one VTIMEZONE: its TZID names the zone."""
    if not vtimezone:
        return None
    try:
        cal = ics.parse(vtimezone)
    except ics.InvalidCalendar:
        return None
    for zone in cal.walk("VTIMEZONE"):
        return str(zone.get("TZID"))
    return None
