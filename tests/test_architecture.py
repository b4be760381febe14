"""The import rules of docs/architecture.md, checked on the source: every import statement counts, also
the ones inside functions (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src" / "verae"
FEATURES = ("auth", "uploads", "jobs", "results", "admin", "orgs", "webhooks", "sharing", "export")
COMPOSITION = ("app", "cli", "worker", "retention")
# Lower layers, each with what it may not import (besides the features and the composition modules).
LOWER_LAYERS = {
    "kit": ("queue", "labs", "risk", "training", "observability"),
    "models": ("queue", "labs", "risk", "training"),
    "queue": ("labs", "risk", "training"),
    "labs": ("queue", "risk", "training"),
    "risk": ("queue", "training"),
    "observability": ("queue", "labs", "risk", "training"),
}
# Reading documents and scoring run anywhere (a worker, the CLI, a notebook): no web framework, no database.
NO_WEB_NOR_DATABASE = ("labs", "risk")
WEB_AND_DATABASE_LIBRARIES = ("fastapi", "starlette", "sqlalchemy", "alembic", "psycopg")
# risk/router.py is the model's HTTP face; it is the one module of risk that speaks HTTP.
HTTP_FACES = {"risk/router.py"}


def _modules_imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module)
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    return imported


def _package_files(package: str) -> list[Path]:
    root = SOURCE / package
    return sorted(root.rglob("*.py")) if root.is_dir() else [SOURCE / f"{package}.py"]


def _imports_any(imported: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        name for name in imported for prefix in prefixes if name == prefix or name.startswith(prefix + ".")
    )


@pytest.mark.parametrize("package", sorted(LOWER_LAYERS))
def test_lower_layers_import_no_feature_and_nothing_above_them(package: str) -> None:
    forbidden = tuple(f"verae.{name}" for name in (*FEATURES, *COMPOSITION, *LOWER_LAYERS[package]))
    for path in _package_files(package):
        offending = _imports_any(_modules_imported(path), forbidden)
        assert not offending, f"{path.relative_to(SOURCE)} imports {offending}"


@pytest.mark.parametrize("package", NO_WEB_NOR_DATABASE)
def test_reading_and_scoring_use_no_web_framework_nor_database(package: str) -> None:
    for path in _package_files(package):
        if str(path.relative_to(SOURCE)) in HTTP_FACES:
            continue
        offending = _imports_any(_modules_imported(path), WEB_AND_DATABASE_LIBRARIES)
        assert not offending, f"{path.relative_to(SOURCE)} imports {offending}"


def test_nothing_at_runtime_imports_the_training_package() -> None:
    runtime = [
        path
        for path in SOURCE.rglob("*.py")
        if path.relative_to(SOURCE).parts[0] != "training"
        and path.relative_to(SOURCE) != Path("cli/model.py")
    ]
    assert len(runtime) > 50
    for path in runtime:
        offending = _imports_any(_modules_imported(path), ("verae.training",))
        assert not offending, f"{path.relative_to(SOURCE)} imports {offending}"
