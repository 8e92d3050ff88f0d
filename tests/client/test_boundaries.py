"""The SDK stands alone: it imports no server package, and no server package imports it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure  # no database

SRC = Path(__file__).resolve().parents[2] / "src" / "calgate"
SERVER_PACKAGES = (
    "api",
    "services",
    "store",
    "gateway",
    "oauth",
    "web",
    "core",
    "config",
    "webhooks",
    "net",
    "security",
    "errors",
    "app",
    "allinone",
    "asgi",
    "demo",
)

PROBE = """
import sys
import calgate.client, calgate.client.cli, calgate.client.mcp
server = set(sys.argv[1].split(","))
leaked = sorted(m for m in sys.modules if m.split(".")[0] == "calgate"
                and len(m.split(".")) > 1 and m.split(".")[1] in server)
heavy = sorted(m for m in ("sqlalchemy", "fastapi", "alembic", "authlib") if m in sys.modules)
print(leaked + heavy)
"""


def test_importing_the_client_loads_no_server_module() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(SERVER_PACKAGES)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


COMMAND_PROBE = """
import sys
import calgate.cli
print(sorted(m for m in ("sqlalchemy", "fastapi", "alembic", "authlib", "uvicorn")
             if m in sys.modules))
"""


def test_the_command_loads_the_server_only_for_server_commands() -> None:
    # `calgate me`, `calgate book`, ... start a process each: the database and web stacks
    # (about 0.4 s of imports) load only in the commands that serve or touch the database.
    out = subprocess.run(
        [sys.executable, "-c", COMMAND_PROBE], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_server_packages_never_import_the_client() -> None:
    offenders = []
    for name in SERVER_PACKAGES:
        paths = [SRC / f"{name}.py"] if (SRC / f"{name}.py").exists() else []
        paths += sorted((SRC / name).rglob("*.py")) if (SRC / name).is_dir() else []
        for path in paths:
            if any(m.split(".")[:2] == ["calgate", "client"] for m in _imports(path)):
                offenders.append(str(path.relative_to(SRC)))
    assert offenders == []


def test_public_surface() -> None:
    import calgate.client as sdk

    assert sorted(sdk.__all__) == sdk.__all__
    assert {"Client", "AsyncClient", "ApiError", "NotSupported", "ClientConfig"} <= set(sdk.__all__)
    for name in sdk.__all__:
        assert getattr(sdk, name).__module__.startswith("calgate.client"), name
