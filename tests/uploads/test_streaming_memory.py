"""Uploads stream to the blob store: a 20 MiB upload barely moves the API process's peak memory."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.processes import environment, free_port, verae_process, wait_until_serving
from verae.config import Settings

pytestmark = pytest.mark.slow
MIB = 1024 * 1024


def _peak_rss(pid: int) -> int:
    """The process's high-water mark (VmHWM): a buffered body would raise it even if freed afterwards."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_20_mib_upload_grows_the_api_process_by_less_than_30_mib(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    with verae_process(
        ["serve", "--port", str(port), "--no-worker"], environment(settings), tmp_path / "api.log"
    ) as api:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_serving(base_url)
        with httpx.Client(base_url=base_url, timeout=120) as client:
            token = client.post(
                "/api/v1/auth/register", json={"email": "big@example.com", "password": "heavy-upload-123"}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            small = b"analyte,value,unit\nhemoglobin,120,g/L\n"
            assert (
                client.post("/api/v1/uploads", files={"file": ("s.csv", small)}, headers=headers).status_code
                == 202
            )
            before = _peak_rss(api.pid)
            big = small + b"mcv,80,fL\n" * ((20 * MIB - len(small) - 4096) // 10)
            answer = client.post("/api/v1/uploads", files={"file": ("big.csv", big)}, headers=headers)
            assert answer.status_code == 202, answer.text
            growth = _peak_rss(api.pid) - before
    assert growth < 30 * MIB, f"RSS grew by {growth / MIB:.1f} MiB"
