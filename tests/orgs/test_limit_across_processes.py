"""A key's limit holds across API processes: two real `verae serve` share one count in the database."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.helpers import Register
from tests.orgs.partners import admin_headers, new_key, new_organisation
from tests.processes import environment, free_port, verae_process, wait_until_serving
from verae.config import Settings
from verae.kit.deps import Services

pytestmark = pytest.mark.slow

LIMIT = 5


# The scaled deployment's database (SQLite serves one process); starting the servers is most of the time.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_api_processes_enforce_one_limit_per_key(
    client: TestClient, register: Register, services: Services, settings: Settings, tmp_path: Path
) -> None:
    admin = admin_headers(register, services)
    key = new_key(client, admin, new_organisation(client, admin)["id"], ["results:read"], LIMIT)
    env = environment(settings)
    ports = [free_port(), free_port()]
    with (
        verae_process(["serve", "--no-worker", "--port", str(ports[0])], env, tmp_path / "a.log"),
        verae_process(["serve", "--no-worker", "--port", str(ports[1])], env, tmp_path / "b.log"),
    ):
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            wait_until_serving(url)
        statuses = [
            httpx.get(f"{urls[index % 2]}/api/v1/results", headers=key["headers"], timeout=30).status_code
            for index in range(12)
        ]
    # Counted per process, 6 per process would pass (12 in all). Shared, at most LIMIT per window and the
    # requests span at most two windows.
    assert set(statuses) <= {200, 429}
    assert statuses.count(200) <= 2 * LIMIT
    assert statuses.count(429) >= 12 - 2 * LIMIT
