"""The committed OpenAPI document is the contract the web app and partners build against."""

from __future__ import annotations

import json

from tests.conftest import REPO
from verae.app import create_app
from verae.config import Settings


def test_committed_openapi_matches_the_code() -> None:
    committed = json.loads((REPO / "docs" / "openapi.json").read_text(encoding="utf-8"))
    current = create_app(Settings(env="test")).openapi()
    assert current == committed, "The API contract changed: review it, then run `make openapi` and commit."
