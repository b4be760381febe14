"""Supply-chain check (`make audit`, SECURITY.md "Dependencies"): known vulnerabilities in what ships.

- Python: pip-audit on the locked runtime dependencies (`uv export --no-default-groups`: what the image
  installs), any finding fails.
- Web app: `npm audit --omit=dev` in web/ (what the built bundle contains), high or critical findings fail.

Accepted findings are listed, each with a reason and an expiry date, in audit-allowlist.toml at the
repository's root; an expired entry counts as a finding again.

Exit status: 1 findings; else 2 when an advisory database could not be asked (an audit that saw nothing
is never reported as clean); 0 nothing to act on.

    uv run python scripts/audit_deps.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ALLOWLIST = REPO / "audit-allowlist.toml"
PIP_AUDIT = ["uv", "tool", "run", "--from", "pip-audit==2.10.1", "pip-audit"]
FAILING_NPM_SEVERITIES = {"high", "critical"}


class CouldNotAudit(Exception):
    pass


def accepted_ids(allowlist: str, today: date) -> set[str]:
    entries = tomllib.loads(allowlist).get("accepted", [])
    return {str(entry["id"]) for entry in entries if date.fromisoformat(str(entry["expires"])) >= today}


def python_findings(accepted: set[str]) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "requirements.txt"
        report = Path(folder) / "audit.json"
        subprocess.run(
            ["uv", "export", "--frozen", "--no-default-groups", "--no-emit-project", "--format",
             "requirements-txt", "--output-file", str(requirements)],
            cwd=REPO, check=True, capture_output=True,
        )  # fmt: skip
        ran = subprocess.run(
            [*PIP_AUDIT, "--requirement", str(requirements), "--no-deps", "--disable-pip",
             "--progress-spinner", "off", "--format", "json", "--output", str(report)],
            cwd=REPO, capture_output=True, text=True,
        )  # fmt: skip
        if not report.exists():
            raise CouldNotAudit(f"pip-audit: {ran.stderr.strip()[-500:]}")
        dependencies: list[dict[str, Any]] = json.loads(report.read_text())["dependencies"]
    return python_findings_from(dependencies, accepted)


def python_findings_from(dependencies: list[dict[str, Any]], accepted: set[str]) -> list[str]:
    """From pip-audit's JSON `dependencies`: every vulnerability not accepted."""
    audited = [dependency for dependency in dependencies if "skip_reason" not in dependency]
    if not audited:
        raise CouldNotAudit(f"pip-audit could audit none of {len(dependencies)} packages (no advisory data)")
    return [
        f"{dependency['name']} {dependency['version']}: {vulnerability['id']} "
        f"(fixed in {', '.join(vulnerability.get('fix_versions') or ['nothing yet'])})"
        for dependency in audited
        for vulnerability in dependency.get("vulns", [])
        if not accepted & {vulnerability["id"], *vulnerability.get("aliases", [])}
    ]


def npm_findings(accepted: set[str]) -> list[str]:
    ran = subprocess.run(
        ["npm", "audit", "--omit=dev", "--json"], cwd=REPO / "web", capture_output=True, text=True
    )
    try:
        report: dict[str, Any] = json.loads(ran.stdout)
    except json.JSONDecodeError as error:
        raise CouldNotAudit(f"npm audit: {ran.stderr.strip()[-500:]}") from error
    if "error" in report:  # npm's own words are on standard error (e.g. the endpoint's status)
        raise CouldNotAudit(
            f"npm audit: {ran.stderr.strip().splitlines()[0] if ran.stderr.strip() else report}"
        )
    return npm_findings_from(report, accepted)


def npm_findings_from(report: dict[str, Any], accepted: set[str]) -> list[str]:
    """From `npm audit --json` (v7+): high and critical advisories not accepted."""
    if "error" in report or "vulnerabilities" not in report:
        raise CouldNotAudit(f"npm audit: {json.dumps(report.get('error', report))[:500]}")
    findings = []
    for name, finding in report["vulnerabilities"].items():
        advisories = [item for item in finding.get("via", []) if isinstance(item, dict)]
        open_advisories = [
            advisory
            for advisory in advisories
            if advisory.get("severity") in FAILING_NPM_SEVERITIES
            and not accepted & {str(advisory.get("source")), str(advisory.get("url"))}
        ]
        findings += [f"{name}: {advisory['severity']} {advisory.get('url')}" for advisory in open_advisories]
    return findings


def main() -> int:
    accepted = accepted_ids(ALLOWLIST.read_text(encoding="utf-8"), date.today())
    found = unaudited = False
    for ecosystem, audit in (("Python (uv.lock, runtime)", python_findings), ("web (npm)", npm_findings)):
        try:
            findings = audit(accepted)
        except CouldNotAudit as error:
            print(f"COULD NOT AUDIT {ecosystem}: {error}")
            unaudited = True
            continue
        print(f"{'FAIL' if findings else 'PASS'} {ecosystem}: {len(findings)} findings")
        for finding in findings:
            print(f"  {finding}")
        found = found or bool(findings)
    return 1 if found else 2 if unaudited else 0


if __name__ == "__main__":
    sys.exit(main())
