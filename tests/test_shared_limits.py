"""The predict limit holds across API processes: two real `verae serve --no-worker` on one database, as
behind nginx (`make prod-like`), each believing the proxy's X-Forwarded-For (--forwarded-allow-ips), so
the limit counts the client's address and not the proxy's."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.processes import environment, free_port, verae_process, wait_until_serving
from verae.config import Settings

LIMIT = 4
BODY = {
    "sex": "female",
    "age": 34,
    "values": [
        {"analyte": "hemoglobin", "value": 10.9, "unit": "g/dL"},
        {"analyte": "mcv", "value": 74, "unit": "fL"},
    ],
}


def _predict(base_url: str, client_address: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/api/v1/risk/predict",
        json=BODY,
        headers={"X-Forwarded-For": client_address},
        timeout=30,
    )


# PostgreSQL: the scaled deployment's database (SQLite is the one-process embedded mode).
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_predict_limit_holds_across_two_api_processes(settings: Settings, tmp_path: Path) -> None:
    env = environment(
        settings, VERAE_PREDICT_REQUESTS_PER_MINUTE=str(LIMIT), VERAE_FORWARDED_ALLOW_IPS="127.0.0.1"
    )
    urls = []
    with ExitStack() as stack:
        for number in (1, 2):
            port = free_port()
            stack.enter_context(
                verae_process(
                    ["serve", "--no-worker", "--port", str(port)], env, tmp_path / f"api-{number}.log"
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_until_serving(url)
        # Alternating between the processes: each alone would allow LIMIT, together they allow LIMIT.
        # The window is a fixed minute; a run that straddles two is run again from a new address.
        for address in ("203.0.113.7", "203.0.113.9"):
            began = time.time()
            allowed = [_predict(urls[n % 2], address) for n in range(LIMIT)]
            refused = [_predict(url, address) for url in urls]
            if began // 60 == time.time() // 60:
                break
        assert [response.status_code for response in allowed] == [200] * LIMIT
        for response in refused:
            assert response.status_code == 429
            assert response.json()["error"]["code"] == "rate_limited"
            assert 1 <= int(response.headers["Retry-After"]) <= 60
        # Counted per client address as the proxy states it, not per proxy (every request came from
        # 127.0.0.1): another address is not held back.
        assert _predict(urls[1], "203.0.113.8").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_untrusted_peer_cannot_choose_the_address_it_is_counted_on(
    settings: Settings, tmp_path: Path
) -> None:
    # No --forwarded-allow-ips (the default): X-Forwarded-For is ignored, every request is 127.0.0.1.
    env = environment(settings, VERAE_PREDICT_REQUESTS_PER_MINUTE="2")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with verae_process(["serve", "--no-worker", "--port", str(port)], env, tmp_path / "api.log"):
        wait_until_serving(url)
        for _attempt in range(2):  # again if the three straddled two windows
            began = time.time()
            codes = [_predict(url, f"198.51.100.{n}").status_code for n in range(3)]
            if began // 60 == time.time() // 60:
                break
    assert codes == [200, 200, 429]
