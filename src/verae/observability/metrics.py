"""Prometheus metrics, exposed at /metrics."""

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter("verae_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("verae_http_request_seconds", "HTTP request latency", ["method", "route"])
JOBS_FINISHED = Counter("verae_jobs_finished_total", "Jobs that ended an attempt", ["kind", "outcome"])
JOB_SECONDS = Histogram("verae_job_seconds", "Time to process one job attempt", ["kind"])
