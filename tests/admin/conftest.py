"""Staff accounts for the admin API tests: registered like anyone, then given a role by `verae users grant`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.helpers import Register
from tests.processes import environment
from verae.cli import app as verae_cli
from verae.config import Settings


@dataclass(frozen=True)
class Person:
    id: str
    email: str
    headers: dict[str, str]


def run_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    """`verae …` in this process (a subprocess costs a second of start-up), with the test's settings."""
    with monkeypatch.context() as patched:
        for key, value in environment(settings).items():
            if key.startswith("VERAE_"):
                patched.setenv(key, value)
        return CliRunner().invoke(verae_cli, list(args))


@pytest.fixture
def person(register: Register) -> Callable[[], Person]:
    def _person() -> Person:
        body = register()
        return Person(id=body["user"]["id"], email=body["user"]["email"], headers=body["headers"])

    return _person


@pytest.fixture
def staff(
    person: Callable[[], Person], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], Person]:
    def _staff(role: str) -> Person:
        someone = person()
        granted = run_cli(settings, monkeypatch, "users", "grant", someone.email, role)
        assert granted.exit_code == 0, granted.output
        return someone

    return _staff
