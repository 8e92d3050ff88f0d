"""Cal.com's own answers: every case in the shared slot-case file, run through the engine.

The file holds 250 cases (host zone, weekly hours in Cal.com's day numbers, overrides, busy
time, length, interval, notice, buffers, now, range, sometimes the booker's zone) with the slot
starts Cal.com's slot code returns once its DST defects are corrected. Each must match exactly.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from calgate.core import (
    DateOverride,
    EventRules,
    HostAvailability,
    Interval,
    Schedule,
    WeeklyWindow,
    compute_slots,
)

# A copy of the shared reference file (../shared/reference/calcom-slot-cases.json).
CASES_FILE = Path(__file__).parent / "data" / "calcom-slot-cases.json"


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def load_cases() -> list[dict[str, Any]]:
    return list(json.loads(CASES_FILE.read_text())["cases"])


def engine_input(case: dict[str, Any]) -> tuple[EventRules, HostAvailability]:
    """A case as the engine's input: its busy time is not a booking, so it carries no buffers
    of its own and this event type's buffers pad around it."""
    schedule = Schedule(
        case["timeZone"],
        tuple(
            WeeklyWindow(frozenset(w["days"]), _minutes(w["startTime"]), _minutes(w["endTime"]))
            for w in case["workingHours"]
        ),
        tuple(
            DateOverride(
                date.fromisoformat(o["date"]), _minutes(o["startTime"]), _minutes(o["endTime"])
            )
            for o in case["dateOverrides"]
        ),
    )
    busy = tuple(Interval(_instant(b["start"]), _instant(b["end"])) for b in case["busy"])
    rules = EventRules(
        length=case["length"],
        slot_interval=case["slotInterval"],
        minimum_booking_notice=case["minimumBookingNotice"],
        before_buffer=case["beforeEventBuffer"],
        after_buffer=case["afterEventBuffer"],
    )
    return rules, HostAvailability(1, schedule, busy=busy)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


CASES = load_cases()


@pytest.mark.parametrize(
    "entry", CASES, ids=[f"{n:03d}-{c['case']['id']}" for n, c in enumerate(CASES)]
)
def test_engine_matches_calcom(entry: dict[str, Any]) -> None:
    case = entry["case"]
    rules, host = engine_input(case)
    got = compute_slots(
        rules,
        [host],
        "single",
        _instant(case["start"]),
        _instant(case["end"]),
        _instant(case["now"]),
        booker_time_zone=case.get("inviteeTimeZone"),
    )
    assert [iso(s.start) for s in got] == entry["expected"]


def test_the_file_holds_every_case() -> None:
    assert len(CASES) == 250
