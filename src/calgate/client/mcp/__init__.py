"""`calgate mcp`: an MCP server for AI agents, on the SDK (stdio, or streamable HTTP)."""

from __future__ import annotations

from calgate.client.config import ClientConfig, ConfigError
from calgate.client.mcp.server import build


def serve(
    *, profile: str | None = None, http_port: int | None = None, host: str = "127.0.0.1"
) -> None:
    config = ClientConfig.from_env(profile=profile)
    if not config.token:
        raise ConfigError("no credentials: set CALGATE_API_KEY or CALGATE_GATEWAY_KEY, or log in")
    server = build(config)
    if http_port is None:
        server.run()
    else:
        server.run("streamable-http", host=host, port=http_port)


__all__ = ["build", "serve"]
