"""A test stuck past its timeout ends its process with every thread's stack printed.

pytest-timeout (SIGALRM, 120 s) fails a slow test and the run goes on. But its alarm fires
once: a test whose clean-up then blocks (a server thread that never stops, a lifespan waiting
on a task) held a CI run until the CI's own limit, with nothing printed. Each phase (set-up,
call, tear-down) here arms faulthandler's watchdog, which dumps the stacks of all threads to
the terminal and exits; under xdist the run goes on without that worker and reports the test
as crashed. Armed per phase because pytest cancels faulthandler's watchdog when a phase fails.
"""

from __future__ import annotations

import faulthandler
from collections.abc import Generator

import pytest
from _pytest.faulthandler import fault_handler_stderr_fd_key

# Past pytest-timeout's 120 s, so a merely slow test still fails the ordinary way.
STUCK_AFTER = 240.0


def _watch(item: pytest.Item) -> Generator[None, object, object]:
    # pytest's own copy of the terminal's stderr: the test's captured fd 2 would be discarded.
    faulthandler.dump_traceback_later(
        STUCK_AFTER, exit=True, file=item.config.stash[fault_handler_stderr_fd_key]
    )
    try:
        return (yield)
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _watch(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _watch(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _watch(item))
