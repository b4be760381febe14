"""OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, a real `verae serve` exports the upload request, the
job it queued (in the same trace) and the job's stages, each with the correlation id, which the log lines
carry together with the trace id. Without it, the SDK is not even imported."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.helpers import ANAEMIC_CSV
from tests.processes import VERAE, environment, free_port, verae_process, wait_for, wait_until_serving
from verae.config import Settings

pytestmark = pytest.mark.slow
CORRELATION_ID = "trace-test-0001"
STAGES = {"stage parsing", "stage normalizing", "stage inference", "stage persisting"}


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver: keeps every exported span."""

    spans: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                for span in scope.spans:
                    self.server.spans.append(  # type: ignore[attr-defined]
                        {
                            "name": span.name,
                            "trace_id": span.trace_id.hex(),
                            "span_id": span.span_id.hex(),
                            "parent_id": span.parent_span_id.hex(),
                            "attributes": {item.key: item.value.string_value for item in span.attributes},
                        }
                    )
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.spans = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def test_a_request_its_job_and_the_stages_are_one_trace_joined_to_the_logs(
    settings: Settings, collector: ThreadingHTTPServer, tmp_path: Path
) -> None:
    subprocess.run([*VERAE, "db", "upgrade"], env=environment(settings), check=True, capture_output=True)
    port = free_port()
    env = environment(
        settings,
        VERAE_LOG_LEVEL="INFO",
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{collector.server_address[1]}",
        OTEL_BSP_SCHEDULE_DELAY="100",
    )
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    spans: list[dict[str, Any]] = collector.spans  # type: ignore[attr-defined]
    with verae_process(["serve", "--port", str(port), "--embedded-workers", "1"], env, log):
        wait_until_serving(base)
        registered = httpx.post(
            f"{base}/api/v1/auth/register",
            json={"email": "traced@example.com", "password": "correct-horse-42"},
        ).json()
        headers = {"Authorization": f"Bearer {registered['access_token']}"}
        accepted = httpx.post(
            f"{base}/api/v1/uploads",
            files={"file": ("r.csv", ANAEMIC_CSV, "text/csv")},
            headers={**headers, "x-correlation-id": CORRELATION_ID},
        ).json()
        wait_for(
            lambda: (
                httpx.get(f"{base}/api/v1/jobs/{accepted['job_id']}", headers=headers).json()["status"]
                == "done"
            ),
            60,
            "the job",
        )
        # A parent span ends after its children, so it can reach the collector in a later batch: wait for all.
        wanted = {"POST /api/v1/uploads", "job process_upload", *STAGES}
        wait_for(lambda: wanted <= {span["name"] for span in spans}, 30, "the spans")

    request = next(span for span in spans if span["name"] == "POST /api/v1/uploads" and not span["parent_id"])
    job = next(span for span in spans if span["name"] == "job process_upload")
    stages = {span["name"]: span for span in spans if span["name"].startswith("stage ")}
    assert request["attributes"]["verae.correlation_id"] == CORRELATION_ID
    assert request["attributes"]["http.route"] == "/api/v1/uploads"
    in_request = {span["span_id"] for span in spans if span["trace_id"] == request["trace_id"]}
    assert job["trace_id"] == request["trace_id"]
    assert job["parent_id"] in in_request  # queued inside the request
    assert job["attributes"]["verae.correlation_id"] == CORRELATION_ID
    assert set(stages) == STAGES
    assert {span["parent_id"] for span in stages.values()} == {job["span_id"]}
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    logged = next(
        line for line in lines if line.get("event") == "request" and line.get("route") == "/api/v1/uploads"
    )
    assert (logged["correlation_id"], logged["trace_id"]) == (CORRELATION_ID, request["trace_id"])


def test_without_an_endpoint_neither_the_sdk_nor_the_exporter_is_loaded() -> None:
    # FastAPI imports the OpenTelemetry API itself whenever it is installed; the SDK stays out.
    probe = (
        "import sys, verae.app, verae.worker; "
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk', 'opentelemetry.exporter'))))"
    )
    loaded = subprocess.run([*VERAE[:1], "-c", probe], capture_output=True, text=True, check=True, env={})
    assert loaded.stdout.strip() == "[]"
