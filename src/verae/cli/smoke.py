"""Demo scenarios against a running server (`verae smoke`): each prints PASS or FAIL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from verae.cli.common import console

if TYPE_CHECKING:
    import httpx

SAMPLE_CSV = (
    "analyte,value,unit\nsex,female,\nage,34,\nhemoglobin,10.9,g/dL\nmcv,74,fL\nmch,24.1,pg\nrdw_cv,16.2,%\n"
)


class ScenarioFailed(Exception):
    pass


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ScenarioFailed(message)


def happy_path(client: httpx.Client, timeout: float) -> str:
    email = f"smoke-{uuid.uuid4().hex[:12]}@example.com"
    registered = client.post("/api/v1/auth/register", json={"email": email, "password": "smoke-test-123"})
    _expect(registered.status_code == 201, f"register answered {registered.status_code}")
    headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
    uploaded = client.post(
        "/api/v1/uploads", files={"file": ("report.csv", SAMPLE_CSV, "text/csv")}, headers=headers
    )
    _expect(uploaded.status_code == 202, f"upload answered {uploaded.status_code}")
    job_url = uploaded.headers["Location"]
    deadline = time.monotonic() + timeout
    job = client.get(job_url, headers=headers).json()
    while job["status"] in ("queued", "processing") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = client.get(job_url, headers=headers).json()
    _expect(job["status"] == "done", f"job ended {job['status']} ({job.get('error_code')})")
    result = client.get(f"/api/v1/results/{job['result_id']}", headers=headers)
    _expect(result.status_code == 200, f"result answered {result.status_code}")
    risk = result.json()["risk"]
    history = client.get("/api/v1/results", headers=headers).json()
    _expect(any(item["id"] == job["result_id"] for item in history["items"]), "result missing from history")
    return f"risk {risk['risk_percent']:g}% ({risk['risk_tier']}, {risk['model_version']})"


def unsupported_file(client: httpx.Client, _timeout: float) -> str:
    email = f"smoke-{uuid.uuid4().hex[:12]}@example.com"
    registered = client.post("/api/v1/auth/register", json={"email": email, "password": "smoke-test-123"})
    headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
    executable = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256))
    uploaded = client.post(
        "/api/v1/uploads", files={"file": ("report.pdf", executable, "application/pdf")}, headers=headers
    )
    _expect(uploaded.status_code == 415, f"expected 415, got {uploaded.status_code}")
    code = uploaded.json()["error"]["code"]
    _expect(code == "unsupported_media_type", f"expected unsupported_media_type, got {code}")
    return "415 unsupported_media_type"


def no_token(client: httpx.Client, _timeout: float) -> str:
    answered = client.get("/api/v1/results")
    _expect(answered.status_code == 401, f"expected 401, got {answered.status_code}")
    code = answered.json()["error"]["code"]
    _expect(code == "missing_token", f"expected missing_token, got {code}")
    return "401 missing_token"


SCENARIOS: tuple[tuple[str, Callable[[httpx.Client, float], str]], ...] = (
    ("happy path: register → upload CSV → poll → result → history", happy_path),
    ("unsupported file → 415", unsupported_file),
    ("no token → 401", no_token),
)


def smoke(
    base_url: Annotated[str, typer.Option(help="Where the API runs")] = "http://127.0.0.1:8000",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for a job")] = 60.0,
) -> None:
    """Demo scenarios against a running server: happy path, unsupported file (415), no token (401)."""
    raise typer.Exit(0 if run_smoke(base_url, timeout) else 1)


def run_smoke(base_url: str, timeout: float) -> bool:
    import httpx

    passed = True
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        for name, scenario in SCENARIOS:
            try:
                outcome = scenario(client, timeout)
                console.print(f"[green]PASS[/green] {name}: {outcome}")
            except (ScenarioFailed, httpx.HTTPError, KeyError, ValueError) as error:
                passed = False
                console.print(f"[red]FAIL[/red] {name}: {error}")
    return passed
