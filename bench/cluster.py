"""The production shape on one machine, for `make prod-like` (bench/prod_like.py) and bench/capacity.py:
a throw-away PostgreSQL cluster, moto's S3 server, nginx (deploy/nginx/verae-proxy.conf, the same file
the containers use) in front of `verae serve --no-worker` processes, and `verae worker` processes.

Everything listens on 127.0.0.1 on free ports and lives in one temporary folder, removed on exit.
PostgreSQL refuses to run as root, so as root its cluster belongs to the `postgres` user (as in
scripts/test-postgres.sh, which starts it).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import boto3
import httpx
import psycopg

REPO = Path(__file__).resolve().parent.parent
VERAE = [sys.executable, "-m", "verae.cli"]
PROXY_CONF = REPO / "deploy" / "nginx" / "verae-proxy.conf"
BUCKET = "verae-documents"
# Debian installs it in /usr/sbin, which is not on every PATH.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")


def answers(url: str, status: int = 200) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == status
        except httpx.HTTPError:
            return False

    return check


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def signal(self, number: int) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(number)

    def wait(self, timeout: float) -> int:
        assert self.popen is not None
        return self.popen.wait(timeout)

    def stop(self, timeout: float = 30) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """Start with `with Cluster(api=2, workers=2) as cluster:`; `cluster.url` is nginx."""

    api: int = 2
    workers: int = 2
    worker_concurrency: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="verae-prod-like-")))
    apis: list[Process] = field(default_factory=list)
    worker_processes: list[Process] = field(default_factory=list)
    _others: list[Process] = field(default_factory=list)
    # Seconds since the start at which each part was up, for the report.
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.chmod(0o711)  # PostgreSQL's own user must reach its cluster folder inside
        self.pg_port = free_port()
        self.pg_dir = self.root / "pg"
        self.s3_port = free_port()
        self.nginx_port = free_port()
        self.nginx_conf = self.root / "nginx" / "nginx.conf"
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres"
        self.database_url = f"postgresql://postgres@127.0.0.1:{self.pg_port}/verae"
        self.env = self._environment()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def _environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("VERAE_")}
        env.update(
            VERAE_ENV="production",
            VERAE_DATABASE_URL=self.database_url,
            VERAE_JWT_SECRET=secrets.token_urlsafe(32),
            VERAE_CORS_ORIGINS="https://verae.example",
            VERAE_METRICS_TOKEN=secrets.token_urlsafe(16),
            VERAE_S3_BUCKET=BUCKET,
            VERAE_S3_ENDPOINT_URL=f"http://127.0.0.1:{self.s3_port}",
            VERAE_FORWARDED_ALLOW_IPS="127.0.0.1",
            # Every request here comes from one address; the per-address limits are not under test.
            VERAE_REGISTRATION_MAX_PER_IP_PER_HOUR="100000",
            # A killed worker's jobs are taken over when their lease ends: short, so the run stays short.
            VERAE_JOB_LEASE_SECONDS="5",
            VERAE_JOB_RETRY_BASE_SECONDS="0.2",
            VERAE_LOG_LEVEL="WARNING",
            AWS_ACCESS_KEY_ID="prod-like",
            AWS_SECRET_ACCESS_KEY="prod-like",  # moto accepts any
            AWS_DEFAULT_REGION="us-east-1",
        )
        env.update(self.extra_env)
        return env

    # -- start and stop ------------------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        began = time.monotonic()
        self.start_postgres()
        self.timings["postgres"] = time.monotonic() - began
        self.create_database("verae")
        moto = Process(
            "s3",
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.s3_port)],
            self.env,
            self.root / "s3.log",
        )
        moto.start()
        self._others.append(moto)
        wait_for(answers(f"http://127.0.0.1:{self.s3_port}/moto-api/"), 60, "the S3 server")
        self.timings["s3"] = time.monotonic() - began
        boto3.client(
            "s3",
            endpoint_url=self.env["VERAE_S3_ENDPOINT_URL"],
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
            region_name=self.env["AWS_DEFAULT_REGION"],
        ).create_bucket(Bucket=BUCKET)
        self.upgrade()
        self.timings["migrations"] = time.monotonic() - began
        for number in range(1, self.api + 1):
            self.apis.append(self._api_process(number))
        for number in range(1, self.workers + 1):
            self.worker_processes.append(self._worker_process(number))
        for process in (*self.apis, *self.worker_processes):
            process.start()
        for process in self.apis:
            wait_for(answers(f"{process.url}/ready"), 90, f"{process.name} to be ready")
        self.timings["processes"] = time.monotonic() - began
        self.write_nginx_conf()
        nginx = Process(
            "nginx",
            [NGINX, "-c", str(self.nginx_conf), "-g", "daemon off;"],
            self.env,
            self.root / "nginx.log",
        )
        nginx.start()
        self._others.append(nginx)
        wait_for(answers(f"{self.url}/ready"), 30, "nginx")

    def start_postgres(self) -> None:
        subprocess.run(
            [str(REPO / "scripts" / "test-postgres.sh")],
            env={
                **os.environ,
                "VERAE_TEST_PG_PORT": str(self.pg_port),
                "VERAE_TEST_PG_DIR": str(self.pg_dir),
            },
            check=True,
            capture_output=True,
        )

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}".encode())
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"

    def upgrade(self, database_url: str | None = None) -> None:
        """The one-shot migration, as a deployment runs it before starting the new version."""
        env = {**self.env, "VERAE_DATABASE_URL": database_url or self.database_url}
        subprocess.run([*VERAE, "db", "upgrade"], env=env, check=True, capture_output=True)

    def _api_process(self, number: int, env: dict[str, str] | None = None) -> Process:
        port = free_port()
        return Process(
            f"api-{number}",
            [*VERAE, "serve", "--no-worker", "--port", str(port)],
            env or self.env,
            self.root / f"api-{number}.log",
            port=port,
        )

    def _worker_process(self, number: int) -> Process:
        return Process(
            f"worker-{number}",
            [*VERAE, "worker", "--concurrency", str(self.worker_concurrency)],
            self.env,
            self.root / f"worker-{number}.log",
        )

    def replace_api(self, index: int) -> Process:
        """A new API process in place of a stopped one, on the same port (nginx's upstream names it)."""
        old = self.apis[index]
        new = Process(old.name, old.args, old.env, old.log, port=old.port)
        new.start()
        wait_for(answers(f"{new.url}/ready"), 90, f"{new.name} to be ready again")
        self.apis[index] = new
        return new

    def replace_worker(self, index: int) -> Process:
        old = self.worker_processes[index]
        new = Process(old.name, old.args, old.env, old.log)
        new.start()
        self.worker_processes[index] = new
        return new

    def write_nginx_conf(self, down: frozenset[int] = frozenset()) -> None:
        """Upstream and listener here; the proxying itself is deploy/nginx/verae-proxy.conf."""
        temp = self.root / "nginx" / "temp"
        temp.mkdir(parents=True, exist_ok=True)
        temp.chmod(0o777)  # nginx's workers drop to `nobody` when started as root
        servers = "\n".join(
            f"    server 127.0.0.1:{api.port} max_fails=1 fail_timeout=2s{' down' if i in down else ''};"
            for i, api in enumerate(self.apis)
        )
        user = "user nobody nogroup;" if os.geteuid() == 0 else ""
        self.nginx_conf.write_text(
            f"""{user}
worker_processes 1;
pid {self.root}/nginx/nginx.pid;
error_log {self.root}/nginx/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  upstream verae {{
{servers}
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{self.nginx_port};
    include {PROXY_CONF};
  }}
}}
"""
        )

    def reload_nginx(self, down: frozenset[int] = frozenset()) -> None:
        """A graceful reload: old nginx workers finish the requests they hold."""
        self.write_nginx_conf(down)
        subprocess.run([NGINX, "-c", str(self.nginx_conf), "-s", "reload"], check=True, capture_output=True)

    def close(self) -> None:
        for process in (*self.apis, *self.worker_processes, *reversed(self._others)):
            process.stop(timeout=10)
        bin_dir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(self.pg_dir), "-m", "immediate", "stop"],
            capture_output=True,
        )
        if os.environ.get("VERAE_PROD_LIKE_KEEP") is None:
            shutil.rmtree(self.root, ignore_errors=True)
