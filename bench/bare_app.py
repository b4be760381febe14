"""The ceiling of this stack for bench/load.py: a bare FastAPI route that reads one `jobs` row.

Same process model as `verae serve` (one uvicorn process, the same `uvicorn.run` settings), the same
`Database` (engine, pool size and idle-ping settings from verae.kit) and the same threadpool size, but
no middleware, no authentication, no response model: a SQLAlchemy session `get` of one row by primary
key, returned as a small dict.

    VERAE_DATABASE_URL=postgresql://... uv run python bench/bare_app.py --port 8100
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI, HTTPException

from verae.config import Settings
from verae.kit.db import Database
from verae.kit.deps import limit_request_threads, pool_size_for
from verae.models import Job


def create_bare_app(settings: Settings) -> FastAPI:
    db = Database(settings.database_url, pool_size=pool_size_for(settings, embedded_workers=0))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        limit_request_threads(settings)
        yield
        db.dispose()

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/jobs/{job_id}")
    def get_job(job_id: uuid.UUID) -> dict[str, str]:
        with db.new_session(write=False) as session:
            job = session.get(Job, job_id)
            if job is None:
                raise HTTPException(404)
            return {"id": str(job.id), "state": job.state}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args()
    app = create_bare_app(Settings())
    # The settings `verae serve` passes to uvicorn (src/verae/cli/serve.py).
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
