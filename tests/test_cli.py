"""The `verae` command as a person runs it: db upgrade, serve with embedded workers, smoke, refusals."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.processes import VERAE, environment, free_port, verae_process, wait_until_serving
from verae.config import Settings

pytestmark = pytest.mark.slow


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VERAE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_smoke_passes_against_a_served_instance_with_embedded_workers(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    env = environment(settings)
    with verae_process(
        ["serve", "--port", str(port), "--embedded-workers", "2"], env, tmp_path / "serve.log"
    ):
        base_url = f"http://127.0.0.1:{port}"
        wait_until_serving(base_url)
        smoke = _run(["smoke", "--base-url", base_url, "--timeout", "60"], env)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert smoke.stderr.count("PASS") == 3


def test_smoke_fails_with_a_nonzero_exit_when_the_server_is_unreachable(settings: Settings) -> None:
    smoke = _run(
        ["smoke", "--base-url", f"http://127.0.0.1:{free_port()}", "--timeout", "1"], environment(settings)
    )
    assert smoke.returncode == 1
    assert "FAIL" in smoke.stderr


def test_db_upgrade_creates_the_schema_on_a_new_sqlite_file(settings: Settings, tmp_path: Path) -> None:
    database = tmp_path / "new" / "verae.db"
    upgraded = _run(["db", "upgrade"], environment(settings, VERAE_DATABASE_URL=f"sqlite:///{database}"))
    assert upgraded.returncode == 0, upgraded.stderr
    assert database.exists()


def test_production_refuses_to_start_with_insecure_defaults(settings: Settings) -> None:
    env = environment(settings, VERAE_ENV="production", VERAE_JWT_SECRET="short", VERAE_CORS_ORIGINS="*")
    refused = _run(["serve", "--port", str(free_port())], env)
    assert refused.returncode == 2
    assert "VERAE_JWT_SECRET" in refused.stderr
    assert "VERAE_CORS_ORIGINS" in refused.stderr


def test_serve_on_a_public_address_refuses_the_development_secret(settings: Settings) -> None:
    env = environment(settings, VERAE_JWT_SECRET="verae-development-secret-change-me-0000000000")
    env.pop("VERAE_ENV", None)
    refused = _run(["serve", "--host", "0.0.0.0", "--port", str(free_port())], env)
    assert refused.returncode == 2
    assert "VERAE_JWT_SECRET" in refused.stderr


def test_db_prune_purges_expired_personal_data_on_demand(settings: Settings, tmp_path: Path) -> None:
    env = environment(settings, VERAE_DATABASE_URL=f"sqlite:///{tmp_path / 'verae.db'}")
    assert _run(["db", "upgrade"], env).returncode == 0
    pruned = _run(["db", "prune"], env)
    assert pruned.returncode == 0, pruned.stderr
    assert "deleted 0 login attempts older than 30 days" in pruned.stderr
