"""Markdown from the model card's data: the template model_card.md.j2 and its number filters.

Only jinja2 and the standard library, so `verae model card` re-renders docs/model-card.md from
docs/model-card.json without loading the training stack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

TEMPLATE = "model_card.md.j2"


def _f(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _ci(metrics: dict[str, Any]) -> str:
    interval = metrics.get("auroc_ci95")
    return (
        f"{_f(metrics.get('auroc'))} ({_f(interval[0])}–{_f(interval[1])})"
        if interval
        else _f(metrics.get("auroc"))
    )


def _verdict(reached: bool) -> str:
    return "✅ reached" if reached else "❌ **not reached**"


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=False,  # Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,  # a key missing from the data is an error, never a blank
    )
    environment.filters["f"] = _f
    environment.filters["pct"] = _pct
    environment.filters["ci"] = _ci
    environment.globals["verdict"] = _verdict
    return environment


def render_card(data: dict[str, Any]) -> str:
    """The Markdown card from its data (as written by `modelcard.card_data`, or read back from its file)."""
    return _environment().get_template(TEMPLATE).render(data)


def render_card_file(data_path: Path, card_path: Path) -> None:
    """Re-render a card from its data file (`verae model card`)."""
    data = json.loads(data_path.read_text(encoding="utf-8"))
    card_path.write_text(render_card(data), encoding="utf-8")
