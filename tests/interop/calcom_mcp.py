"""Cal.com's MCP server (npm `@calcom/cal-mcp`), run unchanged against a calgate URL.

Its tools carry Cal.com's URLs (`https://api.cal.com/v2/...`) verbatim; `redirect.mjs`, loaded
with `node --import`, points its one axios instance at calgate instead, as a hosts-file entry
would, so the package's own code, schemas and defaults are what we exercise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

PACKAGE = "@calcom/cal-mcp"
VERSION = "0.0.6"
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / f"cal-mcp-{VERSION}"
ENTRY = CACHE / "node_modules" / "@calcom" / "cal-mcp" / "dist" / "index.js"
REDIRECT = Path(__file__).with_name("redirect.mjs")


def available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def install() -> Path:
    """Install the pinned package once (npm registry); later runs reuse the cache."""
    if ENTRY.exists():
        return ENTRY
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=CACHE.parent, prefix="cal-mcp-"))
    subprocess.run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(staging),
            f"{PACKAGE}@{VERSION}",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    try:
        staging.rename(CACHE)  # atomic: a concurrent installer either wins or finds it done
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return ENTRY


class ToolError(Exception):
    """The tool answered with isError (the API's error body, parsed when it is JSON)."""

    def __init__(self, body: Any) -> None:
        super().__init__(body)
        self.body = body


class CalMcp:
    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def tool_names(self) -> set[str]:
        return {t.name for t in (await self.session.list_tools()).tools}

    async def call(self, tool: str, **arguments: Any) -> Any:
        result = await self.session.call_tool(tool, arguments)
        text = "".join(getattr(c, "text", "") for c in result.content)
        try:
            body = json.loads(text)
        except ValueError:
            body = text
        if result.is_error:
            raise ToolError(body)
        return body


@asynccontextmanager
async def cal_mcp(api_key: str, base_url: str) -> AsyncIterator[CalMcp]:
    """The MCP server over stdio with every tool enabled (`--all-tools`), as a user runs it:
    `CAL_API_KEY` holds the key."""
    entry = install()
    # Beside the package, so its bare `import "axios"` finds the package's own axios.
    hook = CACHE / REDIRECT.name
    shutil.copyfile(REDIRECT, hook)
    params = StdioServerParameters(
        command="node",
        args=["--import", hook.as_uri(), str(entry), "--all-tools"],
        cwd=str(CACHE),
        env={**os.environ, "CAL_API_KEY": api_key, "CALGATE_TARGET": base_url},
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield CalMcp(session)
