"""Generated reports shared by the reader tests (rendering and degrading them takes a few seconds)."""

from __future__ import annotations

import pytest

from .corpus.samples import Sample, corpus, samples_for


@pytest.fixture(scope="session")
def text_pdfs() -> list[Sample]:
    return corpus(range(3), ("text_pdf",))


@pytest.fixture(scope="session")
def ocr_samples() -> list[Sample]:
    """One scan and the photos of every layout, plus an upside-down photo (seed 4 turns page one over)."""
    return [*corpus(range(1), ("scan_pdf", "photo")), *samples_for("uk_nhs", 4, ("photo",))]
