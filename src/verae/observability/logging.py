"""JSON logs on standard error (standard output stays clean for CLI output such as `verae analyze --json`)
with correlation id, user_id and job_id. Never lab values, names or file contents."""

from __future__ import annotations

import logging
import sys

import structlog

from verae.observability.tracing import add_trace_ids


class _StandardError:
    """Whatever sys.stderr is when a line is written: a stream replaced after configuration (a test
    runner's capture that is closed later) must not take logging down with it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level.upper(), force=True)
    # httpx logs every request at INFO (URLs included); ours are logged by our own middleware.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            add_trace_ids,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(_StandardError()),  # type: ignore[arg-type]
        # Not cached: module-level loggers then follow a later configure_logging (another level, another
        # stream), at a cost of microseconds per line.
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
