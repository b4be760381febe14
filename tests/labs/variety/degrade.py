"""Phone photos and scans made differently from `corpus.samples`: a perspective-warped page at about one
megapixel with a shadow across it, and a greyscale scan at 150 dpi with speckles."""

from __future__ import annotations

import io
import random

import numpy as np
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image, ImageFilter

from ..corpus.samples import Kind, Sample
from .documents import LAYOUTS, Report, make_report


def pages(pdf: bytes, dpi: float) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def _perspective(page: Image.Image, rng: random.Random) -> Image.Image:
    """The page as a phone held slightly off-axis sees it, on a darker table."""
    width, height = page.size
    margin = 0.06
    table = Image.new(
        "RGB", (round(width * (1 + 2 * margin)), round(height * (1 + 2 * margin))), (70, 62, 55)
    )
    table.paste(page, (round(width * margin), round(height * margin)))
    w, h = table.size

    def jitter(x: float, y: float) -> tuple[float, float]:
        return x + rng.uniform(-0.025, 0.025) * w, y + rng.uniform(-0.02, 0.02) * h

    corners = [jitter(0, 0), jitter(w, 0), jitter(w, h), jitter(0, h)]
    coefficients = _coefficients([(0, 0), (w, 0), (w, h), (0, h)], corners)
    return table.transform(table.size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC)


def _coefficients(target: list[tuple[float, float]], source: list[tuple[float, float]]) -> list[float]:
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    solution = np.linalg.solve(np.array(rows, dtype=float), np.array([c for point in source for c in point]))
    return [float(value) for value in solution]


def _shadow(image: Image.Image, rng: random.Random) -> Image.Image:
    """A soft shadow (a hand or the phone) falling across one side of the page."""
    pixels = np.asarray(image, dtype=np.float32)
    width = pixels.shape[1]
    columns = np.arange(width, dtype=np.float32)[None, :]
    edge = rng.uniform(0.55, 0.85) * width
    darkness = rng.uniform(0.45, 0.6)
    light = 1 - darkness / (1 + np.exp(-(columns - edge) / (0.04 * width)))
    shaded = pixels * light[..., None]
    return Image.fromarray(np.clip(shaded, 0, 255).astype(np.uint8))


def phone_photo(page: Image.Image, rng: random.Random) -> bytes:
    photographed = _shadow(_perspective(page, rng), rng)
    scale = (1_000_000 / (photographed.width * photographed.height)) ** 0.5  # about one megapixel
    small = photographed.resize(
        (round(photographed.width * scale), round(photographed.height * scale)), Image.Resampling.LANCZOS
    ).filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.6)))
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=rng.randint(60, 80))
    return buffer.getvalue()


def office_scan(report: Report, rng: random.Random) -> bytes:
    scanned = []
    for page in pages(report.pdf, 150):
        grey = np.asarray(page.convert("L"), dtype=np.float32)
        specks = np.random.default_rng(rng.randint(0, 2**32 - 1)).random(grey.shape) < 0.0003
        grey[specks] = 40
        scanned.append(Image.fromarray(grey.astype(np.uint8)).rotate(rng.uniform(-1.5, 1.5), fillcolor=255))
    buffer = io.BytesIO()
    scanned[0].save(buffer, format="PDF", save_all=True, append_images=scanned[1:], resolution=150)
    return buffer.getvalue()


def variety_samples(seeds: range, kinds: tuple[Kind, ...]) -> list[Sample]:
    made: list[Sample] = []
    for layout in LAYOUTS:
        for seed in seeds:
            report = make_report(layout, seed)
            rng = random.Random(f"variety-degrade-{layout}-{seed}")
            name = f"variety-{layout}-{seed}"
            if "text_pdf" in kinds:
                made.append(
                    Sample(
                        f"{name}.pdf",
                        "text_pdf",
                        layout,
                        report.pdf,
                        "application/pdf",
                        report.pages,
                        report.truth,
                        report.language,
                    )
                )
            if "scan_pdf" in kinds:
                made.append(
                    Sample(
                        f"{name}-scan.pdf",
                        "scan_pdf",
                        layout,
                        office_scan(report, rng),
                        "application/pdf",
                        report.pages,
                        report.truth,
                        report.language,
                    )
                )
            if "photo" in kinds:
                for number, page in enumerate(pages(report.pdf, 110), start=1):
                    made.append(
                        Sample(
                            f"{name}-photo{number}.jpg",
                            "photo",
                            layout,
                            phone_photo(page, rng),
                            "image/jpeg",
                            1,
                            report.truth.on_page(number),
                            report.language,
                        )
                    )
    return made
