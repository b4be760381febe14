"""A page of a job's document as a picture, in the frame of its values' boxes (the review screen's view)."""

from __future__ import annotations

import io
import subprocess
import sys
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlalchemy import select

from tests.helpers import ANAEMIC_CSV, Register, accepted_upload, job
from tests.labs.corpus.layouts import make_document
from tests.labs.corpus.samples import samples_for
from tests.uploads import bombs
from tests.uploads.test_compression_bombs import MAX_PARENT_GROWTH, _peak_rss, _reset_peak_rss
from verae.kit.deps import Services
from verae.labs.isolation import MIB
from verae.labs.pages import LONGEST_SIDE
from verae.models import AuditLog, Job
from verae.worker import Worker


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # the cap a page is drawn under: a bomb meets it sooner (drawing these pages, and reading the text PDF,
    # needs far less; reading a photo with OCR does not fit, hence the one test below with the default cap)
    return {"document_memory_limit_mib": 512}


def _page(client: TestClient, headers: dict[str, str], job_id: str, page: int) -> Image.Image:
    response = client.get(f"/api/v1/jobs/{job_id}/pages/{page}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert "no-store" in response.headers["cache-control"]
    return Image.open(io.BytesIO(response.content))


def test_a_text_pdf_page_is_shown_to_its_owner_with_each_value_inside_its_box(
    client: TestClient, register: Register, worker: Worker, services: Services
) -> None:
    owner, stranger = register(), register()
    document = make_document("us_lab", 3)
    job_id = accepted_upload(client, owner["headers"], document.pdf, "report.pdf")["job_id"]
    worker.run_pending()
    assert job(client, owner["headers"], job_id)["status"] == "done"

    image = _page(client, owner["headers"], job_id, 1)
    assert max(image.size) == LONGEST_SIDE
    assert image.width / image.height == pytest.approx(595.28 / 841.89, rel=0.01)  # A4
    grey = image.convert("L")
    values = client.get(f"/api/v1/jobs/{job_id}/values", headers=owner["headers"]).json()["original"][
        "values"
    ]
    for value in (v for v in values if v["page"] == 1):
        left, top, right, bottom = value["bbox"]
        box = grey.crop((left * image.width, top * image.height, right * image.width, bottom * image.height))
        assert min(box.tobytes()) < 100, value["analyte"]  # the printed value is there: dark ink in its box

    pages = f"/api/v1/jobs/{job_id}/pages"
    assert client.get(f"{pages}/1", headers=stranger["headers"]).json()["error"]["code"] == "job_not_found"
    missing = client.get(f"{pages}/{document.pages + 1}", headers=owner["headers"])
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "page_not_found")
    assert client.get(f"{pages}/0", headers=owner["headers"]).status_code == 422
    assert client.get(f"{pages}/1").status_code == 401
    with services.db.unit_of_work(write=False) as session:
        viewed = session.scalars(select(AuditLog).where(AuditLog.action == "job.page_viewed")).all()
    # the owner's views are audited (a page asked for and missing too); the stranger's are not
    assert sorted((entry.object_id, entry.details["page"]) for entry in viewed) == [
        (job_id, 1),
        (job_id, document.pages + 1),
    ]


def test_a_photo_is_shown_as_prepared_for_ocr_and_a_csv_has_no_pages(
    client: TestClient, user_headers: dict[str, str]
) -> None:
    # a sheet on a dark desk: the page shown is the sheet, cut out of the photo as OCR reads it
    photo = Image.new("L", (900, 900), 40)
    ImageDraw.Draw(photo).rectangle((200, 100, 699, 807), fill=235)
    buffer = io.BytesIO()
    photo.save(buffer, format="PNG")
    job_id = accepted_upload(client, user_headers, buffer.getvalue(), "photo.png")["job_id"]
    image = _page(client, user_headers, job_id, 1)
    assert max(image.size) == LONGEST_SIDE
    assert image.width / image.height == pytest.approx(500 / 708, rel=0.03)
    missing = client.get(f"/api/v1/jobs/{job_id}/pages/2", headers=user_headers)
    assert missing.json()["error"]["code"] == "page_not_found"

    csv_job = accepted_upload(client, user_headers, ANAEMIC_CSV)["job_id"]
    response = client.get(f"/api/v1/jobs/{csv_job}/pages/1", headers=user_headers)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "no_page_images")


def test_a_compression_bomb_is_not_drawn_and_the_api_process_keeps_its_memory(
    client: TestClient, user_headers: dict[str, str]
) -> None:
    job_id = accepted_upload(client, user_headers, bombs.content_stream_bomb(), "report.pdf")["job_id"]
    _reset_peak_rss()
    before = _peak_rss()
    response = client.get(f"/api/v1/jobs/{job_id}/pages/1", headers=user_headers)
    assert _peak_rss() - before < MAX_PARENT_GROWTH
    assert (response.status_code, response.json()["error"]["code"]) == (404, "no_page_images")
    assert "too complex" in response.json()["error"]["message"]


def _darkest_in_boxes(image: Image.Image, values: list[dict[str, Any]]) -> list[int]:
    grey = image.convert("L")
    darkest = []
    for value in values:
        left, top, right, bottom = value["bbox"]
        box = grey.crop((left * image.width, top * image.height, right * image.width, bottom * image.height))
        darkest.append(min(box.tobytes()))
    return darkest


# read with OCR first: the default memory cap (the module's is too small for Tesseract)
@pytest.mark.parametrize("settings_overrides", [{}], ids=["default_memory_cap"])
def test_a_page_the_reader_turned_upright_is_shown_turned_and_an_old_report_unturned(
    client: TestClient, user_headers: dict[str, str], worker: Worker, services: Services
) -> None:
    (upside_down,) = [
        sample for sample in samples_for("uk_nhs", 4, ("photo",)) if sample.name.endswith("1.jpg")
    ]
    job_id = accepted_upload(client, user_headers, upside_down.data, "photo.jpg")["job_id"]
    worker.run_pending()
    assert job(client, user_headers, job_id)["status"] == "done"
    original = client.get(f"/api/v1/jobs/{job_id}/values", headers=user_headers).json()["original"]
    assert original["page_turns"] == {"1": 180}
    placed = [value for value in original["values"] if value["bbox"]]
    assert len(placed) >= 3
    # each value's digits: dark ink in its box on the page as shown
    assert max(_darkest_in_boxes(_page(client, user_headers, job_id, 1), placed)) < 110

    # a report stored before turns were recorded: it still loads, and the page is shown as prepared
    with services.db.unit_of_work(write=True) as session:
        stored = session.get_one(Job, uuid.UUID(job_id))
        assert stored.extraction is not None
        stored.extraction = {key: item for key, item in stored.extraction.items() if key != "page_turns"}
    values = client.get(f"/api/v1/jobs/{job_id}/values", headers=user_headers)
    assert values.status_code == 200
    assert values.json()["original"]["page_turns"] == {}
    assert min(_darkest_in_boxes(_page(client, user_headers, job_id, 1), placed)) > 180


_FORKSERVER_MEMORY = """
import io, sys
import psutil
from PIL import Image
from verae.labs import isolation
from verae.labs.schemas import PageFrame

if sys.argv[1] == "worker":
    isolation.prepare_for_reading()
picture = io.BytesIO()
Image.new("L", (600, 800), 255).save(picture, format="PNG")
isolation.render_page_isolated(picture.getvalue(), "image/png", 1, PageFrame(), 512 * isolation.MIB)
(server,) = [child for child in psutil.Process().children() if "forkserver" in " ".join(child.cmdline())]
print(server.memory_info().rss)
"""


def test_an_api_process_draws_pages_from_a_forkserver_without_tesseracts_models() -> None:
    """A worker's forkserver holds the OCR models its children read with; an API process's, which only
    draws pages, does not carry them (each process started fresh: the forkserver is one per process)."""

    def forkserver_rss(role: str) -> int:
        run = subprocess.run(
            [sys.executable, "-c", _FORKSERVER_MEMORY, role], capture_output=True, text=True, check=True
        )
        return int(run.stdout)

    # measured: 32 MiB (rus+eng and eng)
    assert forkserver_rss("worker") - forkserver_rss("api") > 16 * MIB
