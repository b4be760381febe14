"""Reading a document in a child process under a memory cap, so no file can take memory from the worker.

PDF libraries inflate whole Flate streams, parse whole object streams and decode whole images: a
few hundred kilobytes of PDF can ask for gigabytes (docs/reliability.md, "Compression bombs"). Rather
than guess every shape of bomb, each PDF, PNG or JPEG is read in a child forked from a warm forkserver
(it has `verae.labs.reader` imported; the worker itself never imports the reader), which caps its own address space with `RLIMIT_AS` and its CPU
time with `RLIMIT_CPU` before reading; Tesseract, started by the child, inherits both. A child that
runs out of memory — a `MemoryError`, or death by a signal when an allocation fails in C code — fails
the document with `document_too_complex`. The worker process is never forked itself (it has threads),
and the child's death can neither take the worker down nor hang it: the parent waits with a deadline
and kills the child when it passes. CSV and JSON are cheap and bounded by their parsers: they are read
in-process. A page shown to a person (`render_page_isolated`, labs/pages.py) is drawn in the same kind of
child, so an API process never decodes a document itself.
"""

from __future__ import annotations

import math
import multiprocessing
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import psutil

from verae.labs.errors import ReaderStarved, ReportUnreadable
from verae.labs.schemas import LabReport, PageFrame
from verae.labs.structured import parse_csv, parse_json

MIB = 1024 * 1024
# The reader stops itself after its own budget (reader.DOCUMENT_SECONDS, 120 s); these limits only
# catch a child stuck in C code.
DOCUMENT_CPU_SECONDS = 150
DOCUMENT_WALL_SECONDS = 150.0
# Cheap and bounded by their parsers: read in the worker itself.
_IN_PROCESS: dict[str, Callable[[bytes], LabReport]] = {"text/csv": parse_csv, "application/json": parse_json}
_KILL_WAIT_SECONDS = 10.0

_context = multiprocessing.get_context("forkserver")
# The reader's imports (OpenCV, pdfium, Tesseract's library): loaded once in the server, not in every child.
_DRAWING_PRELOAD = ["verae.labs.reader", "verae.labs.pages"]
# A process that reads documents also loads Tesseract's usual language models there (~30 MiB), which an
# API process that only draws pages for the review screen never needs.
_READING_PRELOAD = [*_DRAWING_PRELOAD, "verae.labs.forkserver_warmup"]
# Drawing a page is a fraction of reading it: a child stuck longer is stopped.
PAGE_SECONDS = 30
# A reading stopped by its time limits while it got less than this share of a core was starved by a busy
# machine (the limits count wall-clock time), not slowed by its document.
STARVED_CPU_SHARE = 0.5
_preload_lock = threading.Lock()
_preloaded = False


@dataclass(frozen=True)
class ReadLimits:
    """What one document may use. `memory_bytes` caps the child's address space (and each Tesseract
    run's); the defaults of the time limits sit just past the reader's own document budget."""

    memory_bytes: int
    cpu_seconds: int = DOCUMENT_CPU_SECONDS
    wall_seconds: float = DOCUMENT_WALL_SECONDS


def read_report_isolated(data: bytes, media_type: str, limits: ReadLimits) -> LabReport:
    """`read_report`, with PDF, PNG and JPEG documents read in a memory-capped child process.

    Raises `ReportUnreadable` as `read_report` does, plus `document_too_complex` (out of memory) and
    `page_timeout` (the child passed its time limits; `ReaderStarved` when it got less than
    `STARVED_CPU_SHARE` of a core meanwhile); an unexpected error in the child is a `RuntimeError`, which
    the worker retries as it would an in-process bug.
    """
    if (parse := _IN_PROCESS.get(media_type)) is not None:
        return parse(data)
    return LabReport.model_validate(_in_child(data, media_type, None, PageFrame(), limits))


def render_page_isolated(
    data: bytes, media_type: str, page: int, frame: PageFrame, memory_bytes: int
) -> bytes:
    """`pages.page_image` (a PNG of the page, prepared in `frame` as the reader prepared it) in a
    memory-capped child; raises as `read_report_isolated`."""
    limits = ReadLimits(memory_bytes, cpu_seconds=PAGE_SECONDS, wall_seconds=PAGE_SECONDS)
    image: bytes = _in_child(data, media_type, page, frame, limits)
    return image


def prepare_for_reading() -> None:
    """For a process that reads documents (a worker), before its first use of this module: its forkserver
    will hold Tesseract's models even when the first thing it does is draw a page."""
    _preload(_READING_PRELOAD)


def _in_child(data: bytes, media_type: str, page: int | None, frame: PageFrame, limits: ReadLimits) -> Any:
    """What the child sends back: the report read (page None), or the PNG of `page`."""
    _preload(_READING_PRELOAD if page is None else _DRAWING_PRELOAD)
    receiver, sender = _context.Pipe(duplex=False)
    child = _context.Process(
        target=_read_in_child,
        args=(sender, data, media_type, page, frame, limits.memory_bytes, limits.cpu_seconds),
        name="verae-document-reader",
        daemon=True,
    )
    try:
        child.start()
        sender.close()
        message = _receive(receiver, limits.wall_seconds)
        if message == ("timeout",):
            message = ("timeout", _cpu_seconds(child.pid), limits.wall_seconds)
    finally:
        if child.is_alive():
            child.kill()
        child.join(_KILL_WAIT_SECONDS)
        receiver.close()
    return _outcome(message, child.exitcode, limits)


def _preload(modules: list[str]) -> None:
    """The forkserver's modules, set by its first use: once started, it keeps what it has."""
    global _preloaded
    with _preload_lock:
        if not _preloaded:
            _context.set_forkserver_preload(modules)
            _preloaded = True


def _cpu_seconds(pid: int | None) -> float:
    """The CPU time the running child has had, Tesseract's threads included; 0 when it cannot be read (the
    child just ended), which counts the reading as starved: one more attempt, never a lost document."""
    if pid is None:  # psutil would read this process instead
        return 0.0
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def _receive(receiver: Connection, seconds: float) -> tuple[Any, ...] | None:
    """The child's message; None when it died without one, ("timeout",) when it ran out of time."""
    if not receiver.poll(seconds):
        return ("timeout",)
    try:
        message: tuple[Any, ...] = receiver.recv()
    except (EOFError, OSError):
        return None
    return message


def _outcome(message: tuple[Any, ...] | None, exitcode: int | None, limits: ReadLimits) -> Any:
    kind = message[0] if message else None
    if kind == "done":
        assert message is not None
        return message[1]
    if kind == "unreadable":
        assert message is not None
        code, diagnostic, cpu_seconds, wall_seconds = message[1:]
        raise _unreadable(code, diagnostic, cpu_seconds, wall_seconds)
    if kind == "timeout" or exitcode == -signal.SIGXCPU:
        diagnostic = (
            f"Reading stopped: the document takes longer than {limits.wall_seconds:.0f} seconds to read. "
            "Upload only the pages with blood results, or a text PDF."
        )
        # past RLIMIT_CPU the child had all the CPU it may use: never starved
        cpu_seconds, wall_seconds = message[1:] if kind == "timeout" and message else (1.0, 1.0)
        raise _unreadable("page_timeout", diagnostic, cpu_seconds, wall_seconds)
    if kind == "error":
        assert message is not None
        raise RuntimeError(f"the document reader failed with {message[1]}")
    if kind is None and exitcode is not None and exitcode >= 0:
        # It ended normally without a word: it never got to read (say, it could not start), which
        # says nothing about the document. Retried like any other failure of ours.
        raise RuntimeError(f"the document reader exited with code {exitcode} before answering")
    # Out of memory: a MemoryError, or a child killed by a signal after an allocation failed in C code.
    raise ReportUnreadable(
        "document_too_complex",
        "The document is too complex to read: reading it needs more than the "
        f"{limits.memory_bytes // MIB} MiB allowed for one document (it may hold compressed content far "
        "larger than a lab report). Upload only the pages with results, as a text PDF or a photo.",
    )


def _unreadable(code: str, diagnostic: str, cpu_seconds: float, wall_seconds: float) -> ReportUnreadable:
    if code == "page_timeout" and cpu_seconds < STARVED_CPU_SHARE * wall_seconds:
        return ReaderStarved(code, diagnostic)
    return ReportUnreadable(code, diagnostic)


def address_space_left() -> float:
    """What this process's memory cap still allows it to map, in bytes; infinite when it has no cap."""
    cap = resource.getrlimit(resource.RLIMIT_AS)[0]
    if cap == resource.RLIM_INFINITY:
        return math.inf
    return float(cap - psutil.Process().memory_info().vms)


def _read_in_child(
    connection: Connection,
    data: bytes,
    media_type: str,
    page: int | None,
    frame: PageFrame,
    memory_bytes: int,
    cpu_seconds: int,
) -> None:
    # imported already in the forkserver this child came from
    from verae.labs.pages import page_image
    from verae.labs.reader import read_report

    started = time.monotonic()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    message: tuple[Any, ...]
    try:
        if page is None:
            message = ("done", read_report(data, media_type).model_dump(mode="json"))
        else:
            message = ("done", page_image(data, media_type, page, frame))
    except ReportUnreadable as unreadable:
        # a fork starts with no CPU time of its own: process_time is this reading's, threads included
        elapsed = time.monotonic() - started
        message = ("unreadable", unreadable.code, unreadable.diagnostic, time.process_time(), elapsed)
    except MemoryError:
        message = ("out_of_memory",)
    except Exception as error:  # reported to the parent, which handles it like an in-process error
        message = ("error", type(error).__name__)
    try:
        connection.send(message)
    except MemoryError:
        connection.send(("out_of_memory",))
    finally:
        connection.close()
