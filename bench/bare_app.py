"""The ceiling of this stack for bench/load.py: a bare FastAPI route that reads one `jobs` row.

Same process model as `verae serve` (one uvicorn process, the same `uvicorn.run` settings), the same
`Database` (engine, pool and pre-ping settings from verae.kit.db) and the same sync-route threadpool, but
no middleware, no authentication, no response model: a SQLAlchemy session `get` of one row by primary
key, returned as a small dict.

    VERAE_DATABASE_URL=postgresql://... uv run python bench/bare_app.py --port 8100
"""

from __future__ import annotations

import argparse
import os
import uuid

import uvicorn
from fastapi import FastAPI, HTTPException

from verae.kit.db import Database
from verae.models import Job


def create_bare_app(database_url: str) -> FastAPI:
    db = Database(database_url)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

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
    app = create_bare_app(os.environ["VERAE_DATABASE_URL"])
    # The settings `verae serve` passes to uvicorn (src/verae/cli.py).
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
