"""Process-wide services and the per-request unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from verae.config import Settings
from verae.kit.blobstore import BlobStore
from verae.kit.db import Database
from verae.kit.limiter import DatabaseLimiter

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UPLOAD_THREADS = 8


class Notifier(Protocol):
    """Wakes this process's idle workers when a job is queued (the queue's in-process Wakeup)."""

    def notify(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    db: Database
    blobs: BlobStore
    wakeup: Notifier
    # Uploads run their blocking steps on threads of their own, so that they never queue behind the many
    # short status polls on the shared threadpool.
    upload_threads: CapacityLimiter = field(default_factory=lambda: CapacityLimiter(UPLOAD_THREADS))
    # A request's session (SessionDep) holds its connection across threadpool hops, also while waiting
    # for a thread. Admitting at most `pool_size` of them leaves the other half of the pool (it has as
    # many overflow connections) for the single-hop users (request and upload threads, embedded workers),
    # so no thread ever waits for a connection that only a thread-starved request could give back.
    session_slots: CapacityLimiter = field(init=False)
    # Request limits that hold across every API process.
    limiter: DatabaseLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.session_slots = CapacityLimiter(self.db.pool_size)
        self.limiter = DatabaseLimiter(self.db)


def pool_size_for(settings: Settings, embedded_workers: int) -> int:
    """A pooled connection for every thread that may hold one at the same time (request threads, upload
    threads, each embedded worker thread and its lease keeper at most), so that connections are reused
    rather than opened and closed under load."""
    return settings.request_threads + UPLOAD_THREADS + 2 * embedded_workers


def limit_request_threads(settings: Settings) -> None:
    """Cap the threadpool that runs sync routes and `run_in_threadpool` (anyio's default limiter, one per
    event loop, so call it from the running loop). Past a few threads per core, more only contend for the
    GIL and the connection pool."""
    to_thread.current_default_thread_limiter().total_tokens = settings.request_threads


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def session_slot(request: Request) -> AsyncIterator[None]:
    async with get_services(request).session_slots:
        yield


# scope="function" here and on the sessions: the slot is given back as soon as the session is closed.
SessionSlot = Annotated[None, Depends(session_slot, scope="function")]


def get_session(request: Request, _: SessionSlot) -> Iterator[Session]:
    """Transactions at the edge: commit when the handler succeeds, roll back when it raises."""
    yield from _unit_of_work(request, write=request.method not in _READ_ONLY_METHODS)


def get_write_session(request: Request, _: SessionSlot) -> Iterator[Session]:
    """For a GET that also writes (e.g. an audit row): on SQLite it must take the write lock up front."""
    yield from _unit_of_work(request, write=True)


def _unit_of_work(request: Request, *, write: bool) -> Iterator[Session]:
    with get_services(request).db.unit_of_work(write=write) as session:
        yield session


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ServicesDep = Annotated[Services, Depends(get_services)]
# scope="function": commit before the response is sent, so a client that acts on a 2xx finds the rows.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]
