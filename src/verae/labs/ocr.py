"""Scans and photos to positioned words: clean the image up for Tesseract, then run it with a time limit."""

from __future__ import annotations

import os
import types

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from verae.labs.errors import ReportUnreadable
from verae.labs.layout import Word

# Tesseract's OpenMP threads fight each other on small machines (twice as slow on 2 cores), and a worker
# reads pages one at a time anyway; an operator can still override it in the environment.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANGUAGES = "rus+eng"
# An A4 page 300 dpi wide: Tesseract reads best at cap heights of 20-40 px.
TARGET_WIDTH = 2480
MAX_UPSCALE = 3.0
_SKEW_COARSE = np.arange(-8.0, 8.01, 0.5)
_SKEW_FINE = np.arange(-0.4, 0.41, 0.1)


def _otsu_threshold(pixels: np.ndarray) -> float:
    histogram = np.bincount(pixels.astype(np.uint8).ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(histogram)
    mass = np.cumsum(histogram * levels)
    total_weight, total_mass = weight[-1], mass[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mass * weight / total_weight - mass) ** 2 / (weight * (total_weight - weight))
    if np.isnan(between).all():  # a single grey level (a blank page): nothing to separate
        return float(pixels.mean())
    return float(np.nanargmax(between))


def _crop_to_paper(image: Image.Image) -> Image.Image:
    """Cut away the desk around a photographed page: its edges otherwise come out of OCR as stray
    letters glued to the start of rows, and cost time. A scan, all paper, is left as it is."""
    factor = 8
    small = np.asarray(image.reduce(factor), dtype=np.float32)
    bright = small > _otsu_threshold(small)
    rows = np.flatnonzero(bright.mean(axis=1) > 0.3)
    columns = np.flatnonzero(bright.mean(axis=0) > 0.3)
    if not rows.size or not columns.size:
        return image
    box = (columns[0] * factor, rows[0] * factor, (columns[-1] + 1) * factor, (rows[-1] + 1) * factor)
    area = (box[2] - box[0]) * (box[3] - box[1])
    if area < 0.3 * image.width * image.height or area > 0.95 * image.width * image.height:
        return image
    return image.crop(box)


def _flatten_light(image: Image.Image) -> Image.Image:
    """Divide out uneven lighting: the paper's brightness is estimated from a blurred max-filtered copy
    (which erases the dark text), so shadows and gradients become white and the text keeps its contrast."""
    small = image.reduce(8)
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(6))
    background = np.asarray(paper.resize(image.size, Image.Resampling.BILINEAR), dtype=np.float32)
    pixels = np.asarray(image, dtype=np.float32)
    flat = np.clip(pixels / np.maximum(background, 1.0) * 255.0, 0, 255).astype(np.uint8)
    return ImageOps.autocontrast(Image.fromarray(flat), cutoff=(1, 0))


def _ink(image: Image.Image) -> Image.Image:
    small = image.reduce(max(1, image.width // 800))
    return small.point(lambda value: 255 if value < 150 else 0)


def _profile_score(ink: Image.Image, angle: float) -> float:
    rotated = np.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST), dtype=np.float32)
    rows = rotated.sum(axis=1)
    return float(np.square(np.diff(rows)).sum())


def skew_angle(image: Image.Image) -> float:
    """The rotation that makes text lines horizontal: the row-sum profile of the ink is sharpest when
    lines are level (projection-profile deskew), searched coarsely then finely."""
    ink = _ink(image)
    coarse = max(_SKEW_COARSE, key=lambda angle: _profile_score(ink, float(angle)))
    return float(max(coarse + _SKEW_FINE, key=lambda angle: _profile_score(ink, float(angle))))


def _runs(ink: np.ndarray, length: int) -> np.ndarray:
    """Pixels that belong to a horizontal run of ink at least `length` long (prefix sums: a run starts
    where `length` pixels in a row are all ink; a pixel is covered by any start within `length` before it)."""
    height, width = ink.shape
    if width <= length:
        return np.zeros_like(ink)
    prefix = np.zeros((height, width + 1), dtype=np.int32)
    np.cumsum(ink, axis=1, out=prefix[:, 1:])
    starts = np.zeros((height, width), dtype=np.int32)
    starts[:, : width - length + 1] = (prefix[:, length:] - prefix[:, : width - length + 1]) == length
    started = np.zeros((height, width + length), dtype=np.int32)
    np.cumsum(starts, axis=1, out=started[:, length:])
    return (started[:, length:] - started[:, :width]) > 0


def remove_rules(image: Image.Image) -> Image.Image:
    """Erase table rules: Tesseract reads a vertical rule beside a cell as "|", "[" or "I" glued to the
    value, and a ruled grid can make it drop whole rows. A rule is a straight run of ink longer than any
    glyph (a 25th of the page width, three times a large letter at 300 dpi)."""
    pixels = np.asarray(image, dtype=np.uint8)
    ink = pixels < 180
    length = max(40, image.width // 25)
    rules = _runs(ink, length) | _runs(ink.T, length).T
    if not rules.any():
        return image
    # the rule's anti-aliased edge is lighter than the threshold: widen the erased band by a pixel
    rules[1:] |= rules[:-1].copy()
    rules[:-1] |= rules[1:].copy()
    rules[:, 1:] |= rules[:, :-1].copy()
    rules[:, :-1] |= rules[:, 1:].copy()
    cleaned = pixels.copy()
    cleaned[rules] = 255
    return Image.fromarray(cleaned)


def prepare(image: Image.Image) -> Image.Image:
    """Greyscale, ~300 dpi, even light, level lines, no table rules."""
    grey = _crop_to_paper(ImageOps.exif_transpose(image).convert("L"))
    scale = min(MAX_UPSCALE, TARGET_WIDTH / grey.width)
    if abs(scale - 1) > 0.1:
        size = (round(grey.width * scale), round(grey.height * scale))
        grey = grey.resize(size, Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
    flat = _flatten_light(grey)
    angle = skew_angle(flat)
    if abs(angle) >= 0.1:
        flat = flat.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    return remove_rules(flat)


def _tesseract() -> types.ModuleType:
    # pytesseract imports pandas at import time when it is installed (it is, for model training), which
    # costs every process a second at start-up; only processes that really run OCR pay it.
    import pytesseract

    module: types.ModuleType = pytesseract
    return module


def recognize(image: Image.Image, *, timeout: float, page: int, languages: str = LANGUAGES) -> list[Word]:
    pytesseract = _tesseract()
    try:
        data = pytesseract.image_to_data(
            image,
            lang=languages,
            config="--psm 6 --dpi 300",
            output_type=pytesseract.Output.DICT,
            timeout=timeout,
        )
    except pytesseract.TesseractError as error:
        raise ReportUnreadable("parse_failed", f"Page {page} could not be processed as an image.") from error
    except RuntimeError as error:
        raise _timeout(page, timeout) from error
    words = []
    for text, conf, left, top, width, height in zip(
        data["text"], data["conf"], data["left"], data["top"], data["width"], data["height"], strict=True
    ):
        if text.strip() and float(conf) >= 0:
            words.append(Word(text.strip(), left, top, left + width, top + height, float(conf) / 100))
    return words


def upright_rotation(image: Image.Image, *, timeout: float, page: int) -> int:
    """Degrees to turn the page clockwise so its text stands upright, from Tesseract's orientation model;
    0 when it cannot tell (too little text)."""
    pytesseract = _tesseract()
    try:
        osd = pytesseract.image_to_osd(
            image, config="--psm 0", output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except pytesseract.TesseractError:
        return 0
    except RuntimeError as error:
        raise _timeout(page, timeout) from error
    return int(osd.get("rotate", 0)) % 360


def _timeout(page: int, seconds: float) -> ReportUnreadable:
    return ReportUnreadable(
        "page_timeout",
        f"Page {page} could not be read within {seconds:.0f} seconds. Try a sharper photo or a text PDF.",
    )
