"""Compression bombs cannot take memory from the worker: each document is read in a child process under
a memory cap, and a bomb fails its job at once with `document_too_complex` (or, for an image pdfium
refuses to decode under the cap, `parse_failed`), while the next document is read as usual."""

from __future__ import annotations

import contextlib
import functools
import os
import random
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from tests.helpers import accepted_upload, job
from tests.labs.corpus.layouts import make_document
from tests.labs.corpus.samples import photo, render
from tests.uploads import bombs
from verae.labs import isolation
from verae.labs.errors import ReaderStarved, ReportUnreadable
from verae.labs.isolation import DOCUMENT_WALL_SECONDS, MIB, ReadLimits, read_report_isolated
from verae.uploads import tasks
from verae.uploads.service import PROCESS_UPLOAD
from verae.worker import Worker

pytestmark = pytest.mark.slow
# The test process's peak may grow by this much while a bomb is read (it holds the file, the job rows
# and the pickled copy sent to the child); read in-process, the same files raised it by 536 MiB to 8.6 GiB.
MAX_PARENT_GROWTH = 100 * MIB

BOMBS: dict[str, tuple[Callable[[], bytes], set[str]]] = {
    "content stream inflating to 300 MB": (bombs.content_stream_bomb, {"document_too_complex"}),
    "nested object streams inflating to 2 x 200 MB": (bombs.object_stream_bomb, {"document_too_complex"}),
    "20,000 x 20,000 image": (bombs.image_bomb, {"document_too_complex", "parse_failed"}),
}


def _peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc")


def _reset_peak_rss() -> None:
    """Linux resets VmHWM to the current RSS on `5` (proc(5), clear_refs), so earlier tests' peaks do
    not hide this one's."""
    Path("/proc/self/clear_refs").write_text("5")


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_a_compression_bomb_fails_at_once_and_the_next_document_is_read(
    client: TestClient, user_headers: dict[str, str], worker: Worker, bomb: str
) -> None:
    build, codes = BOMBS[bomb]
    content = build()
    assert len(content) < 512 * 1024
    accepted = accepted_upload(client, user_headers, content, "report.pdf")
    _reset_peak_rss()
    before = _peak_rss()
    worker.run_pending()
    growth = _peak_rss() - before
    failed = job(client, user_headers, accepted["job_id"])
    assert (failed["status"], failed["attempts"]) == ("failed", 1), failed
    assert failed["error_code"] in codes, failed
    assert failed["failure_diagnostic"]
    assert growth < MAX_PARENT_GROWTH, f"peak RSS grew by {growth / MIB:.0f} MiB"

    report = make_document("us_lab", 3)
    following = accepted_upload(client, user_headers, report.pdf, "report.pdf")
    worker.run_pending()
    assert job(client, user_headers, following["job_id"])["status"] == "done"


def test_a_photo_is_read_in_the_child_like_in_process() -> None:
    document = make_document("uk_nhs", 2)
    jpeg = photo(render(document.pdf, 150)[0], random.Random(3))
    report = read_report_isolated(jpeg, "image/jpeg", ReadLimits(memory_bytes=1024 * MIB))
    assert {value.analyte for value in report.values} & set(document.truth.on_page(1).values)


def test_a_cap_too_small_for_a_photo_fails_it_as_too_complex() -> None:
    """A phone photo needs 256-384 MiB of address space (the reader's libraries alone map ~200 MiB)."""
    jpeg = photo(render(make_document("uk_nhs", 2).pdf, 150)[0], random.Random(3))
    with pytest.raises(ReportUnreadable) as raised:
        read_report_isolated(jpeg, "image/jpeg", ReadLimits(memory_bytes=256 * MIB))
    assert raised.value.code == "document_too_complex"
    assert "256 MiB" in raised.value.diagnostic


def test_a_child_past_its_deadline_is_killed_and_the_document_times_out() -> None:
    jpeg = photo(render(make_document("ru_lab", 2).pdf, 150)[0], random.Random(4))
    with pytest.raises(ReportUnreadable) as raised:
        read_report_isolated(jpeg, "image/jpeg", ReadLimits(memory_bytes=1024 * MIB, wall_seconds=0.2))
    assert raised.value.code == "page_timeout"


@contextlib.contextmanager
def reading_children_stopped(most: int = 1000) -> Iterator[None]:
    """Stops (SIGSTOP) the first `most` document-reading children while this thread waits for their
    answer, as a machine too busy to run them would. The children are the forkserver's, so the
    grandchildren of this process; one stopped before this thread has written it its document (in
    `start`) would leave the thread blocked."""
    reading_thread, done = threading.get_ident(), threading.Event()
    stopped: set[int] = set()

    def waiting_for_answer() -> bool:
        frame = sys._current_frames().get(reading_thread)
        while frame is not None and frame.f_code is not isolation._receive.__code__:
            frame = frame.f_back
        return frame is not None

    def stop_children() -> None:
        while not done.wait(0.005) and len(stopped) < most:
            if not waiting_for_answer():
                continue
            for process in psutil.Process().children(recursive=True):
                if process.ppid() != os.getpid() and process.pid not in stopped:
                    with contextlib.suppress(psutil.Error):
                        process.send_signal(signal.SIGSTOP)
                        stopped.add(process.pid)

    stopper = threading.Thread(target=stop_children, daemon=True)
    stopper.start()
    try:
        yield
    finally:
        done.set()
        stopper.join()


def _photo(seed: int) -> bytes:
    return photo(render(make_document("ru_lab", 2).pdf, 150)[0], random.Random(seed))


def test_a_reading_that_got_no_cpu_before_its_deadline_is_starved_not_slow() -> None:
    limits = ReadLimits(memory_bytes=1024 * MIB, wall_seconds=2.0)
    with reading_children_stopped(), pytest.raises(ReaderStarved) as starved:
        read_report_isolated(_photo(4), "image/jpeg", limits)
    assert starved.value.code == "page_timeout"
    # a deadline too short for the document with the CPU to use: slow, which is no starvation
    with pytest.raises(ReportUnreadable) as slow:
        read_report_isolated(_photo(4), "image/jpeg", ReadLimits(memory_bytes=1024 * MIB, wall_seconds=1.0))
    assert slow.value.code == "page_timeout"
    assert not isinstance(slow.value, ReaderStarved)


def test_a_starved_reading_is_retried_and_fails_only_after_the_last_attempt(
    client: TestClient, user_headers: dict[str, str], worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_walls = iter([2.0])
    monkeypatch.setattr(
        tasks,
        "ReadLimits",
        lambda memory_bytes: ReadLimits(memory_bytes, wall_seconds=next(short_walls, DOCUMENT_WALL_SECONDS)),
    )
    retries_before = _starved_retries()
    once = accepted_upload(client, user_headers, _photo(4), "photo.jpg")
    with reading_children_stopped(most=1):
        worker.run_pending()
    read = job(client, user_headers, once["job_id"])
    assert (read["status"], read["attempts"]) == ("done", 2), read
    assert _starved_retries() == retries_before + 1

    monkeypatch.setattr(tasks, "ReadLimits", functools.partial(ReadLimits, wall_seconds=2.0))
    always = accepted_upload(client, user_headers, _photo(5), "photo2.jpg")
    with reading_children_stopped():
        worker.run_pending()
    failed = job(client, user_headers, always["job_id"])
    assert (failed["status"], failed["attempts"], failed["error_code"]) == ("failed", 3, "page_timeout"), (
        failed
    )
    assert "longer than 2 seconds" in failed["failure_diagnostic"]


def _starved_retries() -> float:
    labels = {"kind": PROCESS_UPLOAD, "code": "page_timeout"}
    return REGISTRY.get_sample_value("verae_job_retries_total", labels) or 0.0


def test_csv_is_read_in_process() -> None:
    report = read_report_isolated(
        b"analyte,value,unit\nhemoglobin,120,g/L\n", "text/csv", ReadLimits(memory_bytes=1)
    )
    assert [value.analyte for value in report.values] == ["hemoglobin"]
