"""`/docs` works without internet: Swagger UI's assets come from calgate, not a CDN."""

from __future__ import annotations

import re

from starlette.testclient import TestClient


def test_docs_page_loads_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    assert all(a.startswith("/") for a in assets), assets
    assert "cdn" not in page.text
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert client.get("/docs/oauth2-redirect").status_code == 200
    redoc = client.get("/redoc")
    assert "cdn" not in redoc.text
    assert "googleapis" not in redoc.text
    assert client.get("/openapi.json").json()["paths"]
