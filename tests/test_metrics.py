"""Metrics: a real job run by a separate `verae worker` process shows up on that process's metrics port; the
queue depth every API process reports is read from the database; the dashboard and the alerts query only
series the service exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import ANAEMIC_CSV, accepted_upload, job
from tests.processes import environment, free_port, verae_process, wait_for
from verae.app import create_app
from verae.config import Settings
from verae.kit.deps import Services
from verae.observability.metrics import DatabaseCollector

REPO = Path(__file__).resolve().parent.parent
DASHBOARD = REPO / "deploy" / "grafana" / "verae.json"
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
# Metric names in PromQL: identifiers not followed by "(" (functions) and not label names or keywords.
_IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_PROMQL_WORDS = {"sum", "by", "rate", "increase", "max", "min", "and", "or", "unless", "le", "time", "absent"}
_PROMQL_WORDS |= {"histogram_quantile", "clamp_min", "topk", "without", "on", "ignoring", "avg", "count"}


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_job_run_by_a_worker_process_is_on_its_metrics_port(
    client: TestClient, user_headers: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    accepted = accepted_upload(client, user_headers, ANAEMIC_CSV)
    port = free_port()
    log = tmp_path / "w.log"
    with verae_process(
        ["worker", "--concurrency", "1", "--metrics-port", str(port)],
        environment(settings, VERAE_LOG_LEVEL="INFO"),
        log,
    ):
        wait_for(lambda: job(client, user_headers, accepted["job_id"])["status"] == "done", 60, "the job")

        # The worker records its metrics after the job's outcome is committed, then logs that it is finished.
        wait_for(lambda: "job_attempt_finished" in log.read_text(), 30, "the worker to finish with the job")
        samples = _samples(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)

    assert _value(samples, "verae_jobs_finished_total", kind="process_upload", outcome="done") == 1
    for stage in ("parsing", "normalizing", "inference", "persisting"):
        assert _value(samples, "verae_job_stage_seconds_count", kind="process_upload", stage=stage) == 1
    assert _value(samples, "verae_job_end_to_end_seconds_count", kind="process_upload") == 1
    assert _value(samples, "verae_documents_read_total", kind="csv", outcome="read") == 1
    assert sum(value for (name, _), value in samples.items() if name == "verae_risk_tiers_total") == 1
    assert any(name == "verae_model_info" for name, _ in samples)
    assert _value(samples, "verae_worker_heartbeat_timestamp_seconds") > 0
    assert ("verae_db_pool_connections_in_use", frozenset()) in samples


@pytest.mark.parametrize("settings_overrides", [{"upload_max_waiting_jobs_per_user": 5}])
def test_every_api_process_reports_the_queue_from_the_database(
    client: TestClient, user_headers: dict[str, str], settings: Settings
) -> None:
    for _ in range(2):
        accepted_upload(client, user_headers, ANAEMIC_CSV)
    with TestClient(create_app(settings)) as other_process:  # another API process, same database
        for answering in (client, other_process):
            samples = _samples(answering.get("/metrics").text)
            assert _value(samples, "verae_queue_jobs", state="queued") == 2
            assert _value(samples, "verae_queue_jobs", state="running") == 0
            assert _value(samples, "verae_queue_oldest_ready_age_seconds") > 0
            assert _value(samples, "verae_metrics_database_up") == 1
            route = {"method": "POST", "route": "/api/v1/uploads", "status_class": "2xx"}
            assert _value(samples, "verae_http_requests_total", **route) >= 2


def _exported_names(services: Services) -> set[str]:
    """Every sample name the service can export, labelled series included before their first use."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "info": ("_info",),
        "gauge": ("",),
    }
    families = [*REGISTRY.collect(), *DatabaseCollector(services.db, queue=True).collect()]
    return {family.name + suffix for family in families for suffix in suffixes.get(family.type, ("",))}


def _metric_names(expression: str) -> set[str]:
    without_labels = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", "", expression)
    without_grouping = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", without_labels)
    return {
        name
        for name in _IDENTIFIER.findall(without_grouping)
        if name not in _PROMQL_WORDS and not re.fullmatch(r"[0-9e.]+", name)
    }


def test_the_dashboard_and_the_alerts_query_only_exported_metrics(services: Services) -> None:
    exported = _exported_names(services)
    rules = [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]
    recorded = {rule["record"] for rule in rules if "record" in rule}
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [rule["expr"] for rule in rules] + [
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"] if "expr" in target
    ]
    queried = set().union(*(_metric_names(expression) for expression in expressions))
    assert "verae_queue_oldest_ready_age_seconds" in queried  # the parser finds names at all
    assert queried - exported - recorded == set()
    alerts = {rule["alert"] for rule in rules if "alert" in rule}
    runbook = (REPO / "docs" / "operations.md").read_text()
    for alert in alerts:  # every alert has its runbook entry
        assert f"`{alert}`" in runbook, alert
    for panel in dashboard["panels"]:
        assert f"**{panel['title']}**" in runbook, panel["title"]
