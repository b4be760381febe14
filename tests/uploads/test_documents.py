"""PDF reports go through the document reader in the worker, like CSV and JSON do."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import accepted_upload, job
from tests.labs.corpus.layouts import make_document
from verae.worker import Worker


def test_a_text_pdf_report_is_read_and_estimated(
    client: TestClient, user_headers: dict[str, str], worker: Worker
) -> None:
    document = make_document("us_lab", 3)
    accepted = accepted_upload(client, user_headers, document.pdf, "report.pdf")
    worker.run_pending()
    done = job(client, user_headers, accepted["job_id"])
    assert done["status"] == "done", done
    result = client.get(f"/api/v1/results/{done['result_id']}", headers=user_headers).json()
    read = {value["analyte"]: value["normalized_value"] for value in result["report"]["values"]}
    expected = document.truth.values
    assert set(read) == set(expected)
    for analyte, truth in expected.items():
        assert read[analyte] == pytest.approx(truth.normalized_value, rel=1e-3), analyte
    assert result["report"]["sex"] == document.truth.sex


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.7\n" + b"\x00garbage" * 200, "corrupted_file"),
        (make_document("uk_nhs", 1).pdf[:600], "corrupted_file"),
    ],
)
def test_unreadable_pdfs_fail_at_once_with_their_code(
    client: TestClient, user_headers: dict[str, str], worker: Worker, content: bytes, code: str
) -> None:
    accepted = accepted_upload(client, user_headers, content, "report.pdf")
    worker.run_pending()
    failed = job(client, user_headers, accepted["job_id"])
    assert (failed["status"], failed["error_code"], failed["attempts"]) == ("failed", code, 1)
    assert failed["failure_diagnostic"]
