"""scripts/audit_deps.py (`make audit`): what fails, what the allow-list accepts, and that an audit which
could ask no advisory database is never reported clean. The reports are in the tools' JSON formats."""

from __future__ import annotations

import importlib.util
from datetime import date
from types import ModuleType

import pytest

from tests.conftest import REPO


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", REPO / "scripts" / "audit_deps.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = _load()

PIP_AUDIT = [
    {"name": "jinja2", "version": "3.1.2", "vulns": [
        {"id": "PYSEC-2024-1", "aliases": ["GHSA-h5c8-rqwp-cp95"], "fix_versions": ["3.1.3"]}]},
    {"name": "httpx", "version": "0.28.1", "vulns": []},
    {"name": "private-thing", "skip_reason": "Dependency not found on PyPI and could not be audited"},
]  # fmt: skip
NPM = {
    "vulnerabilities": {
        "left-pad": {
            "via": [{"source": 1001, "url": "https://github.com/advisories/GHSA-a", "severity": "high"}]
        },
        "tiny": {"via": [{"source": 1002, "url": "https://github.com/advisories/GHSA-b", "severity": "low"}]},
        "wrapper": {"via": ["left-pad"]},
    }
}


def test_findings_fail_unless_accepted_by_any_of_their_ids() -> None:
    assert audit.python_findings_from(PIP_AUDIT, set()) == ["jinja2 3.1.2: PYSEC-2024-1 (fixed in 3.1.3)"]
    assert audit.python_findings_from(PIP_AUDIT, {"GHSA-h5c8-rqwp-cp95"}) == []
    assert audit.npm_findings_from(NPM, set()) == ["left-pad: high https://github.com/advisories/GHSA-a"]
    assert audit.npm_findings_from(NPM, {"1001"}) == []


def test_an_audit_that_could_ask_nothing_is_not_clean() -> None:
    with pytest.raises(audit.CouldNotAudit):
        audit.python_findings_from([PIP_AUDIT[2]], set())
    with pytest.raises(audit.CouldNotAudit):
        audit.npm_findings_from({"error": {"summary": "405 Method Not Allowed"}}, set())


def test_allowlist_entries_expire() -> None:
    allowlist = """
[[accepted]]
id = "GHSA-h5c8-rqwp-cp95"
package = "jinja2"
reason = "test"
accepted_by = "test"
expires = 2027-01-31
"""
    assert audit.accepted_ids(allowlist, date(2027, 1, 31)) == {"GHSA-h5c8-rqwp-cp95"}
    assert audit.accepted_ids(allowlist, date(2027, 2, 1)) == set()
    committed = audit.accepted_ids((REPO / "audit-allowlist.toml").read_text(), date(2000, 1, 1))
    assert isinstance(committed, set)  # the committed file parses
