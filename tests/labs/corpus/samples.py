"""Samples of three kinds from each rendered report: the text PDF, an image-only scan, phone photos."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image, ImageFilter

from .layouts import LAYOUTS, Document, Truth, make_document

# the last three are drawn by the second generator only (tests/labs/variety/degrade.py)
Kind = Literal["text_pdf", "scan_pdf", "photo", "photo_curled", "photo_monitor", "screenshot"]
KINDS: tuple[Kind, ...] = ("text_pdf", "scan_pdf", "photo")


@dataclass(frozen=True)
class Sample:
    name: str
    kind: Kind
    layout: str
    data: bytes
    media_type: str
    pages: int
    truth: Truth
    # the report's language (ISO 639-1), for figures per language
    language: str = ""


def render(pdf: bytes, dpi: float) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()


def _noise(image: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    noisy = pixels + np.random.default_rng(rng.randint(0, 2**32 - 1)).normal(0, sigma, pixels.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def scan(document: Document, rng: random.Random) -> bytes:
    """An office scanner's image-only PDF: 200 dpi greyscale, a slight tilt, sensor noise."""
    pages = []
    for page in render(document.pdf, 200):
        tilted = page.rotate(rng.uniform(-1.0, 1.0), resample=Image.Resampling.BICUBIC, fillcolor=255)
        pages.append(_noise(tilted.filter(ImageFilter.GaussianBlur(0.4)), rng, 6))
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=200)
    return buffer.getvalue()


def photo(page: Image.Image, rng: random.Random, *, upside_down: bool = False) -> bytes:
    """A phone photo of a printed page: low resolution, tilt, uneven light, blur, JPEG artefacts."""
    width = rng.randint(1150, 1500)
    small = page.resize((width, round(page.height * width / page.width)), Image.Resampling.LANCZOS)
    desk = Image.new("L", (int(small.width * 1.12), int(small.height * 1.08)), 90)
    desk.paste(small, ((desk.width - small.width) // 2, (desk.height - small.height) // 2))
    tilted = desk.rotate(rng.uniform(-5.0, 5.0), resample=Image.Resampling.BICUBIC, fillcolor=90)
    if upside_down:
        tilted = tilted.rotate(180)
    pixels = np.asarray(tilted, dtype=np.float32)
    rows, cols = np.mgrid[0 : pixels.shape[0], 0 : pixels.shape[1]]
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * cols / pixels.shape[1] + np.sin(angle) * rows / pixels.shape[0] + 1) / 2
    light = rng.uniform(0.55, 0.7) + rng.uniform(0.25, 0.35) * ramp
    lit = Image.fromarray(np.clip(pixels * light, 0, 255).astype(np.uint8))
    blurred = _noise(lit.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0))), rng, 5)
    tint = (rng.randint(235, 255), rng.randint(225, 245), rng.randint(200, 225))
    colour = Image.merge("RGB", [blurred.point(lambda v, c=c: v * c // 255) for c in tint])
    buffer = io.BytesIO()
    colour.save(buffer, format="JPEG", quality=rng.randint(45, 70))
    return buffer.getvalue()


def samples_for(layout: str, seed: int, kinds: tuple[Kind, ...] = KINDS) -> list[Sample]:
    document = make_document(layout, seed)
    rng = random.Random(f"degrade-{layout}-{seed}")
    name = f"{layout}-{seed}"
    made: list[Sample] = []
    if "text_pdf" in kinds:
        made.append(
            Sample(
                f"{name}.pdf",
                "text_pdf",
                layout,
                document.pdf,
                "application/pdf",
                document.pages,
                document.truth,
            )
        )
    if "scan_pdf" in kinds:
        made.append(
            Sample(
                f"{name}-scan.pdf",
                "scan_pdf",
                layout,
                scan(document, rng),
                "application/pdf",
                document.pages,
                document.truth,
            )
        )
    if "photo" in kinds:
        for number, page in enumerate(render(document.pdf, 150), start=1):
            upside_down = seed % 5 == 4 and number == 1
            made.append(
                Sample(
                    f"{name}-photo{number}.jpg",
                    "photo",
                    layout,
                    photo(page, rng, upside_down=upside_down),
                    "image/jpeg",
                    1,
                    document.truth.on_page(number),
                )
            )
    return made


def corpus(seeds: range, kinds: tuple[Kind, ...] = KINDS) -> list[Sample]:
    return [sample for layout in LAYOUTS for seed in seeds for sample in samples_for(layout, seed, kinds)]
