"""Reading a document in a child process under a memory cap, so no file can take memory from the worker.

PDF libraries inflate whole Flate streams, parse whole object streams and decode whole images: a
few hundred kilobytes of PDF can ask for gigabytes (docs/reliability.md, "Compression bombs"). Rather
than guess every shape of bomb, each PDF, PNG or JPEG is read in a child forked from a warm forkserver
(it has `verae.labs.reader` imported), which caps its own address space with `RLIMIT_AS` and its CPU
time with `RLIMIT_CPU` before reading; Tesseract, started by the child, inherits both. A child that
runs out of memory — a `MemoryError`, or death by a signal when an allocation fails in C code — fails
the document with `document_too_complex`. The worker process is never forked itself (it has threads),
and the child's death can neither take the worker down nor hang it: the parent waits with a deadline
and kills the child when it passes. CSV and JSON are cheap and bounded by their parsers: they are read
in-process.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import resource
import signal
import threading
from dataclasses import dataclass
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerProcess, set_spawning_popen
from multiprocessing.process import BaseProcess
from typing import Any

from verae.labs.errors import ReportUnreadable
from verae.labs.reader import DOCUMENT_SECONDS, MEDIA_TYPES, read_report
from verae.labs.schemas import LabReport

MIB = 1024 * 1024
# The reader stops itself at DOCUMENT_SECONDS; these only catch a child stuck in C code.
WALL_SECONDS_MARGIN = 30.0
CPU_SECONDS_MARGIN = 30
_KILL_WAIT_SECONDS = 10.0

_context = multiprocessing.get_context("forkserver")
# pytesseract imports pandas (about a second): loaded once in the server, not in every child.
_PRELOAD = ["verae.labs.reader", "pytesseract"]
_preload_lock = threading.Lock()
_preloaded = False


@dataclass(frozen=True)
class ReadLimits:
    """What one document may use. `memory_bytes` caps the child's address space (and each Tesseract
    run's); the defaults of the time limits sit just past the reader's own document budget."""

    memory_bytes: int
    cpu_seconds: int = int(DOCUMENT_SECONDS) + CPU_SECONDS_MARGIN
    wall_seconds: float = DOCUMENT_SECONDS + WALL_SECONDS_MARGIN


def read_report_isolated(data: bytes, media_type: str, limits: ReadLimits) -> LabReport:
    """`read_report`, with PDF, PNG and JPEG documents read in a memory-capped child process.

    Raises `ReportUnreadable` as `read_report` does, plus `document_too_complex` (out of memory) and
    `page_timeout` (the child passed its time limits); an unexpected error in the child is a
    `RuntimeError`, which the worker retries as it would an in-process bug.
    """
    if media_type not in MEDIA_TYPES:
        return read_report(data, media_type)
    _preload()
    receiver, sender = _context.Pipe(duplex=False)
    child = _ReaderProcess(
        target=_read_in_child,
        args=(sender, data, media_type, limits.memory_bytes, limits.cpu_seconds),
        name="verae-document-reader",
        daemon=True,
    )
    try:
        child.start()
        sender.close()
        message = _receive(receiver, limits.wall_seconds)
    finally:
        if child.is_alive():
            child.kill()
        child.join(_KILL_WAIT_SECONDS)
        receiver.close()
    return _outcome(message, child.exitcode, limits)


def _preload() -> None:
    global _preloaded
    with _preload_lock:
        if not _preloaded:
            _context.set_forkserver_preload(_PRELOAD)
            _preloaded = True


class _ReaderPopen(popen_forkserver.Popen):
    """The standard forkserver launch (CPython 3.11's `_launch`), minus re-importing the parent's
    `__main__` in every child: the child needs only this module, already loaded in the server, and a
    main module (the `verae` command, pytest, a benchmark) would add 0.1-0.2 s to each document."""

    def _launch(self, process_obj: BaseProcess) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)  # type: ignore[attr-defined]
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
        parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))  # type: ignore[attr-defined]
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _ReaderProcess(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: BaseProcess) -> _ReaderPopen:
        return _ReaderPopen(process_obj)


def _receive(receiver: Connection, seconds: float) -> tuple[Any, ...] | None:
    """The child's message; None when it died without one, ("timeout",) when it ran out of time."""
    if not receiver.poll(seconds):
        return ("timeout",)
    try:
        message: tuple[Any, ...] = receiver.recv()
    except (EOFError, OSError):
        return None
    return message


def _outcome(message: tuple[Any, ...] | None, exitcode: int | None, limits: ReadLimits) -> LabReport:
    kind = message[0] if message else None
    if kind == "report":
        assert message is not None
        return LabReport.model_validate(message[1])
    if kind == "unreadable":
        assert message is not None
        raise ReportUnreadable(message[1], message[2])
    if kind == "timeout" or exitcode == -signal.SIGXCPU:
        raise ReportUnreadable(
            "page_timeout",
            f"Reading stopped: the document takes longer than {DOCUMENT_SECONDS:.0f} seconds to read. "
            "Upload only the pages with blood results, or a text PDF.",
        )
    if kind == "error":
        assert message is not None
        raise RuntimeError(f"the document reader failed with {message[1]}")
    # Out of memory: a MemoryError, or a child killed by a signal / exiting without a word after an
    # allocation failed in C code.
    raise ReportUnreadable(
        "document_too_complex",
        "The document is too complex to read: reading it needs more than the "
        f"{limits.memory_bytes // MIB} MiB allowed for one document (it may hold compressed content far "
        "larger than a lab report). Upload only the pages with results, as a text PDF or a photo.",
    )


def _read_in_child(
    connection: Connection, data: bytes, media_type: str, memory_bytes: int, cpu_seconds: int
) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    message: tuple[Any, ...]
    try:
        report = read_report(data, media_type)
        message = ("report", report.model_dump(mode="json"))
    except ReportUnreadable as unreadable:
        message = ("unreadable", unreadable.code, unreadable.diagnostic)
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
