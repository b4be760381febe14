"""Security headers (SECURITY.md, "Headers"): each asserted on the kind of response it protects. The
headers do not depend on the database, so these run on SQLite only."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import REPO, TEST_JWT_SECRET
from verae.app import create_app
from verae.config import Settings
from verae.kit.headers import API_POLICY, WEB_APP_POLICY

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CSV = b"analyte,value,unit\nsex,female,\nage,34,\nhemoglobin,10.9,g/dL\nmcv,74,fL\n"


def _assert_common(headers: Any) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "camera=()" in headers["permissions-policy"]
    assert "geolocation=()" in headers["permissions-policy"]


@SQLITE_ONLY
def test_api_responses_with_health_data_are_never_stored(
    client: TestClient, user_headers: dict[str, str], worker: Any
) -> None:
    uploaded = client.post(
        "/api/v1/uploads", files={"file": ("r.csv", CSV, "text/csv")}, headers=user_headers
    )
    worker.run_pending()
    job = client.get(uploaded.headers["Location"], headers=user_headers).json()
    assert job["status"] == "done"
    for response in (
        uploaded,
        client.get(f"/api/v1/jobs/{job['id']}/values", headers=user_headers),
        client.get(f"/api/v1/results/{job['result_id']}", headers=user_headers),
        client.get("/api/v1/results", headers=user_headers),
        client.get("/api/v1/results/00000000-0000-0000-0000-000000000000", headers=user_headers),
    ):
        assert response.headers["cache-control"] == "no-store", response.request.url
        assert response.headers["content-security-policy"] == API_POLICY
        _assert_common(response.headers)
    # Not in development or test: HSTS would pin a browser to https on a plain-http local server.
    assert "strict-transport-security" not in uploaded.headers


@SQLITE_ONLY
def test_the_web_app_gets_its_policy_and_keeps_its_cache(settings: Settings, tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text('<!doctype html><script type="module" src="/assets/a.js"></script>')
    (web / "assets" / "a.js").write_text("export {}")
    with TestClient(create_app(settings, web_dir=web)) as client:
        for path in ("/", "/results/some-id", "/assets/a.js"):
            response = client.get(path)
            assert response.status_code == 200
            assert response.headers["content-security-policy"] == WEB_APP_POLICY
            assert "unsafe-inline" not in response.headers["content-security-policy"]
            assert "cache-control" not in response.headers
            _assert_common(response.headers)


@SQLITE_ONLY
def test_production_adds_strict_transport_security(database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        env="production",
        database_url=database_url,
        allow_sqlite_in_production=True,
        blob_dir=tmp_path / "blobs",
        jwt_secret=TEST_JWT_SECRET + "-and-much-longer-for-production-9f8e7d6c5b4a",
        cors_origins=["https://verae.example"],
        log_level="WARNING",
    )
    with TestClient(create_app(settings)) as client:
        for response in (client.get("/health"), client.get("/api/v1/results")):
            assert response.headers["strict-transport-security"].startswith("max-age=63072000")
            _assert_common(response.headers)


class _InlineFinder(HTMLParser):
    """Everything in a page that a CSP without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        self.problems += [f"<{tag} {name}>" for name in names if name.startswith("on") or name == "style"]
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script":
            self._in_inline_script = "src" not in names
        for name in ("src", "href"):
            target = names.get(name) or ""
            if target.startswith(("http:", "https:", "//")):
                self.problems.append(f"<{tag} {name}={target}> from another origin")

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.problems.append("inline <script>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False


def test_the_web_app_page_needs_nothing_the_policy_forbids() -> None:
    # The build only swaps the entry script for its bundle and adds a stylesheet link; the browser tests
    # (web/e2e) run the built app under the policy, where a blocked script or style would break them.
    finder = _InlineFinder()
    finder.feed((REPO / "web" / "index.html").read_text(encoding="utf-8"))
    assert finder.problems == []


def test_the_inline_finder_sees_what_the_policy_would_block() -> None:
    finder = _InlineFinder()
    finder.feed(
        '<script>alert(1)</script><a onclick="x()" style="a"></a><script src="https://cdn/x.js"></script>'
    )
    assert len(finder.problems) == 4
