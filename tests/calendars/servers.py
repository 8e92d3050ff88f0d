"""Real calendar servers on loopback for the calendar tests: Radicale (CalDAV), started as a
subprocess on a temporary storage folder, and a tiny HTTP server serving ICS feeds."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import defusedxml.ElementTree as SafeET
import httpx2
import icalendar

from tests.support.server import free_port, wait_for_process


class Radicale:
    """A Radicale process; `stop()` and `start()` again keep its port and storage."""

    def __init__(self, storage: Path) -> None:
        self.storage = storage
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radicale",
                "--server-hosts",
                f"127.0.0.1:{self.port}",
                "--storage-filesystem-folder",
                str(self.storage),
                "--auth-type",
                "none",
                "--logging-level",
                "error",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        process = self.process
        wait_for_process(
            process, self._answers, timeout=20, log=lambda: "(output discarded)", what="radicale"
        )

    def _answers(self) -> bool:
        try:
            httpx2.request("OPTIONS", self.url, timeout=1)
        except httpx2.TransportError:
            return False
        return True

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def make_calendar(self, user: str, name: str) -> str:
        url = f"{self.url}{user}/{name}/"
        r = httpx2.request("MKCALENDAR", url, auth=(user, "secret"))
        assert r.status_code == 201, r.text
        return url

    def put(self, calendar_url: str, uid: str, ics: str, user: str) -> None:
        r = httpx2.put(
            f"{calendar_url}{uid}.ics",
            content=ics.encode(),
            headers={"Content-Type": "text/calendar"},
            auth=(user, "secret"),
        )
        assert r.status_code in (201, 204), r.text

    def get(self, calendar_url: str, uid: str, user: str) -> httpx2.Response:
        return httpx2.get(f"{calendar_url}{uid}.ics", auth=(user, "secret"))

    def events(self, calendar_url: str, user: str) -> dict[str, icalendar.Calendar]:
        """Every event resource of the calendar (a calendar-query REPORT), by resource name."""
        r = httpx2.request(
            "REPORT",
            calendar_url,
            content=_ALL_EVENTS,
            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
            auth=(user, "secret"),
        )
        assert r.status_code == 207, r.text
        found: dict[str, icalendar.Calendar] = {}
        for response in SafeET.fromstring(r.content).iter("{DAV:}response"):
            href = response.findtext("{DAV:}href") or ""
            data = response.findtext(".//{urn:ietf:params:xml:ns:caldav}calendar-data")
            if data:
                found[href.rstrip("/").rsplit("/", 1)[-1]] = icalendar.Calendar.from_ical(data)
        return found


_ALL_EVENTS = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter>
  </C:filter>
</C:calendar-query>"""


@contextmanager
def radicale(storage: Path) -> Iterator[Radicale]:
    server = Radicale(storage)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Feeds:
    """ICS files served over HTTP with ETags; `hits` counts requests, `not_modified` 304s."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.hits = 0
        self.not_modified = 0
        self.url = ""

    def add(self, path: str, body: str) -> str:
        self.files[path] = body
        return self.url + path


@contextmanager
def ics_server() -> Iterator[Feeds]:
    feeds = Feeds()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            feeds.hits += 1
            body = feeds.files.get(self.path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                feeds.not_modified += 1
                self.send_response(304)
                self.end_headers()
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    feeds.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield feeds
    finally:
        server.shutdown()
        server.server_close()
