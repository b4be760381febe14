"""Phone photos and scans made differently from `corpus.samples`: a perspective-warped page at about one
megapixel with a shadow across it, the same of a curled or folded sheet, a phone photo of the report on a
monitor, a portal's screenshot at screen resolution, and a greyscale scan at 150 dpi with speckles."""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFilter

from ..corpus.samples import KINDS, Kind, Sample
from .documents import LAYOUTS, Report, make_report


def pages(pdf: bytes, dpi: float) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def _perspective(
    page: Image.Image, rng: random.Random, background: tuple[int, int, int] = (70, 62, 55)
) -> Image.Image:
    """The page as a phone held slightly off-axis sees it, on a darker table."""
    width, height = page.size
    margin = 0.06
    table = Image.new("RGB", (round(width * (1 + 2 * margin)), round(height * (1 + 2 * margin))), background)
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
    return _camera_jpeg(photographed, 1.0, Image.Resampling.LANCZOS, (0.3, 0.6), (60, 80), rng)


def _camera_jpeg(
    image: Image.Image,
    megapixels: float,
    resample: Image.Resampling,
    blur: tuple[float, float],
    quality: tuple[int, int],
    rng: random.Random,
) -> bytes:
    """What the phone saves: the picture at its sensor's size, a little out of focus, as a JPEG."""
    scale = (megapixels * 1_000_000 / (image.width * image.height)) ** 0.5
    small = image.resize((round(image.width * scale), round(image.height * scale)), resample).filter(
        ImageFilter.GaussianBlur(rng.uniform(*blur))
    )
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=rng.randint(*quality))
    return buffer.getvalue()


def curled(page: Image.Image, rng: random.Random) -> Image.Image:
    """The sheet bent as a curled or folded page lies: its rows bow (a cylinder-like curl whose depth
    changes down the page, one side lifting more), and in half the pages a crease across the page tilts
    the rows above and below it in opposite directions."""
    pixels = np.asarray(page)
    height, width = pixels.shape[:2]
    columns, rows = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    across, down = columns / width, rows / height
    depth = rng.uniform(0.008, 0.016) * height * rng.choice([-1, 1])
    lift = rng.uniform(-0.4, 0.4)  # one side of the sheet curls more than the other
    shift = (
        depth
        * (4 * (across - 0.5) ** 2 + lift * (across - 0.5))
        * (1 + rng.uniform(-0.5, 0.5) * (down - 0.5))
    )
    if rng.random() < 0.5:
        crease = rng.uniform(0.35, 0.65)
        tilt = rng.uniform(0.006, 0.012) * height * rng.choice([-1, 1])
        shift += tilt * (across - 0.5) * np.abs(down - crease) / 0.5
    # the curl also foreshortens the side that lifts
    squeeze = rng.uniform(0.0, 0.02) * width * across**3
    bent = cv2.remap(
        pixels,
        columns + squeeze.astype(np.float32),
        rows + shift.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(255, 255, 255),
    )
    return Image.fromarray(bent)


def monitor_photo(report: Report, number: int, rng: random.Random) -> bytes:
    """A phone photo of the report open on a monitor: the page drawn at screen resolution (96-110 dpi), each
    screen pixel three coloured sub-pixels with dark gaps between them (the camera's own pixels beat with
    that grid into moiré), a glare brightening one corner, the screen seen off-axis in its dark bezel,
    shaken a little, JPEG."""
    page = pages(report.pdf, rng.uniform(96, 110))[number - 1]
    screen = np.asarray(page, dtype=np.float32)
    height, width = screen.shape[:2]
    cells = np.repeat(np.repeat(screen, 3, axis=0), 3, axis=1)
    stripes = np.zeros((3, 3, 3), np.float32)
    for channel in range(3):
        stripes[:2, channel, channel] = 1.0  # a sub-pixel column lit in its own colour, a dark row below
    grid = np.tile(stripes, (height, width, 1)) * 0.9 + 0.1
    lit = cells * grid * rng.uniform(2.6, 3.0)  # sub-pixels are brighter than the pixel they make
    rows, columns = np.mgrid[0 : lit.shape[0], 0 : lit.shape[1]].astype(np.float32)
    corner = (rng.uniform(0, 1) * lit.shape[1], rng.uniform(0, 0.5) * lit.shape[0])
    distance = np.hypot(columns - corner[0], rows - corner[1]) / max(lit.shape)
    glare = rng.uniform(25, 50) * np.exp(-np.square(distance / 0.45))
    shown = Image.fromarray(np.clip(lit + glare[..., None], 0, 255).astype(np.uint8))
    bezel = Image.new("RGB", (round(shown.width * 1.08), round(shown.height * 1.06)), (18, 18, 20))
    bezel.paste(shown, ((bezel.width - shown.width) // 2, (bezel.height - shown.height) // 2))
    photographed = _perspective(bezel, rng, background=(55, 50, 48))
    megapixels = rng.uniform(1.5, 3.0)
    return _camera_jpeg(photographed, megapixels, Image.Resampling.BILINEAR, (0.4, 0.8), (65, 85), rng)


def screenshot(report: Report, number: int, rng: random.Random) -> bytes:
    """A screenshot of a patient portal showing the report: the page drawn at 96 dpi (anti-aliased, as a
    browser's PDF viewer draws it) on the portal's grey, under a coloured title bar, saved as PNG."""
    page = pages(report.pdf, 96)[number - 1]
    bar = 48
    canvas = Image.new("RGB", (page.width + 2 * 40, page.height + bar + 2 * 24), (236, 239, 243))
    header = ImageDraw.Draw(canvas)
    header.rectangle((0, 0, canvas.width, bar), fill=(rng.randint(20, 60), rng.randint(70, 110), 150))
    header.text((16, bar // 2 - 6), "Patient portal  |  Results  |  Messages", fill=(255, 255, 255))
    canvas.paste(page, (40, bar + 24))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
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


# the second generator's own kinds, beside the three both generators draw
VARIETY_KINDS: tuple[Kind, ...] = (*KINDS, "photo_curled", "photo_monitor", "screenshot")
_PER_PAGE: dict[Kind, str] = {"photo_curled": "curled", "photo_monitor": "monitor", "screenshot": "screen"}


def _page_sample(report: Report, kind: Kind, number: int, rng: random.Random) -> tuple[bytes, str]:
    if kind == "photo_curled":
        return phone_photo(curled(pages(report.pdf, 110)[number - 1], rng), rng), "image/jpeg"
    if kind == "photo_monitor":
        return monitor_photo(report, number, rng), "image/jpeg"
    return screenshot(report, number, rng), "image/png"


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
            for kind, label in _PER_PAGE.items():
                if kind not in kinds:
                    continue
                # a generator of its own per kind, so adding a kind leaves the others' samples as they were
                own = random.Random(f"variety-{kind}-{layout}-{seed}")
                for number in range(1, report.pages + 1):
                    data, media_type = _page_sample(report, kind, number, own)
                    extension = "png" if media_type == "image/png" else "jpg"
                    made.append(
                        Sample(
                            f"{name}-{label}{number}.{extension}",
                            kind,
                            layout,
                            data,
                            media_type,
                            1,
                            report.truth.on_page(number),
                            report.language,
                        )
                    )
    return made
