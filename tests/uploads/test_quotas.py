"""Per-person upload quotas: one account cannot fill the shared queue or the disk."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ANAEMIC_CSV, Register, upload


@pytest.mark.parametrize("settings_overrides", [{"upload_max_waiting_jobs_per_user": 2}])
def test_a_person_with_many_waiting_jobs_is_asked_to_wait_and_others_are_not(
    client: TestClient, register: Register
) -> None:
    busy = register()["headers"]
    for _ in range(2):
        assert upload(client, busy, ANAEMIC_CSV).status_code == 202
    refused = upload(client, busy, ANAEMIC_CSV)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_waiting_uploads"
    assert "Retry-After" in refused.headers
    assert upload(client, register()["headers"], ANAEMIC_CSV).status_code == 202


@pytest.mark.parametrize("settings_overrides", [{"upload_max_bytes_per_day": len(ANAEMIC_CSV)}])
def test_a_person_over_the_daily_bytes_is_refused_until_the_day_has_passed(
    client: TestClient, user_headers: dict[str, str]
) -> None:
    assert upload(client, user_headers, ANAEMIC_CSV).status_code == 202
    refused = upload(client, user_headers, ANAEMIC_CSV)
    assert refused.status_code == 429
    body = refused.json()["error"]
    assert (body["code"], body["details"]["limit_bytes"]) == ("daily_upload_quota_exceeded", len(ANAEMIC_CSV))
    assert 23 * 3600 < int(refused.headers["Retry-After"]) <= 24 * 3600
