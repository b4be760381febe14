"""Small helpers shared by tests (import as `from tests.helpers import ...`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Register = Callable[..., dict[str, Any]]

ANAEMIC_CSV = (
    "analyte,value,unit\nsex,female,\nage,34,\nhemoglobin,10.9,g/dL\nmcv,74,fL\nmch,24.1,pg\nrdw_cv,16.2,%\n"
)


def report_json(**overrides: Any) -> bytes:
    document: dict[str, Any] = {
        "sex": "female",
        "age": 34,
        "collected_at": "2025-03-12",
        "values": [
            {"analyte": "hemoglobin", "value": 118, "unit": "g/L"},
            {"analyte": "mcv", "value": 79, "unit": "fL"},
            {"analyte": "rdw_cv", "value": 15.1, "unit": "%"},
        ],
    }
    document.update(overrides)
    return json.dumps(document).encode()


def upload(
    client: TestClient,
    headers: dict[str, str],
    content: bytes | str,
    filename: str = "report.csv",
    content_type: str = "application/octet-stream",
) -> Any:
    return client.post("/api/v1/uploads", files={"file": (filename, content, content_type)}, headers=headers)


def accepted_upload(
    client: TestClient, headers: dict[str, str], content: bytes | str, filename: str = "r.csv"
) -> Any:
    response = upload(client, headers, content, filename)
    assert response.status_code == 202, response.text
    return response.json()


def job(client: TestClient, headers: dict[str, str], job_id: str) -> Any:
    response = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def processed_result(client: TestClient, headers: dict[str, str], worker: Any, content: bytes | str) -> str:
    """Upload a structured report, let the real worker process it, and return the result's id."""
    accepted = accepted_upload(client, headers, content, "r.json" if isinstance(content, bytes) else "r.csv")
    worker.run_pending()
    done = job(client, headers, accepted["job_id"])
    assert done["status"] == "done", done
    result_id: str = done["result_id"]
    return result_id
