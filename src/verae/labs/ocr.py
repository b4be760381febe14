"""Scans and photos to positioned words: clean the image up for Tesseract, then run it with a time limit."""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import NamedTuple

import cv2
import numpy as np
import tesserocr
from PIL import Image, ImageOps

from verae.labs import dewarp, screens
from verae.labs.errors import ReportUnreadable
from verae.labs.layout import Word
from verae.labs.tokens import STOPPED_NUMBER

cv2.setNumThreads(1)  # and OpenCV's own thread pool

LANGUAGES = "rus+eng"
# An A4 page 300 dpi wide: Tesseract reads best at cap heights of 20-40 px.
TARGET_WIDTH = 2480
MAX_UPSCALE = 3.0
# The median letter's height (`text_height`) a page is scaled into when the width alone would leave it
# outside: small type is enlarged, large type not enlarged for nothing (pixels cost Tesseract time). The
# floor is ordinary body type at 300 dpi (24.5-34 px on generated scans and photos): Tesseract's accuracy
# drops below 10 points at 300 dpi (its documentation), and 7.5-point pages photographed on a monitor,
# at 20-22 px after the width's scale, read more values and fewer wrong ones at 24.
TEXT_HEIGHT = (24.0, 40.0)
# ...within two A4 pages' pixels at 300 dpi at most (Tesseract's time and the memory a page takes, under
# labs/isolation.py's cap, grow with the pixels).
MAX_PIXELS = 2 * 2480 * 3508
# Ink once the light is evened out: a pixel holding less than half the paper's brightness.
INK_LEVEL = 128
# A prepared page's ink components beyond which its paper's texture has become ink (`_texture_made_ink`):
# generated pages of every kind hold under 900, the real photos 650-7,650 (a dense, noisy one)
MOST_COMPONENTS = 20_000
_SKEW_COARSE = np.arange(-8.0, 8.01, 0.5)
_SKEW_FINE = np.arange(-0.4, 0.41, 0.1)
# A photographed sheet covers between these shares of the picture; outside them it is a scan or a
# screenshot (all paper) or no sheet was seen.
PAGE_AREA = (0.3, 0.95)
# The rims either side of a sheet's outline compared by `_stands_out`: 4 px of the 800-px copy it looks at
RIM = 9
# The band further in, past the outline's own blur (8 px more), is the sheet's own paper: at least this
# share of the sheet's brightness (chosen sheets of every generated kind: 0.81-1.0; a desk or bezel band
# framing a screen, taken for the sheet: 0.36-0.41)
INNER_RIM = 17
MARGIN_PAPER = 0.6
# The grey level below which a dot may belong to a dotted rule (letters: below 180)
FAINT_DOTS = 215
# Dot leaders: at least this many dots in a run (an ellipsis is three), at most this many letter heights
# apart (a monospace cell is about 0.6-0.9 of one)
LEADER_RUN = 4
LEADER_STEP = 1.5
# A number as OCR reads it, checked digit by digit against the holes the page shows (`misshapen_digits`),
# with the stray full stop or colon a value may end in (`tokens._VALUE`): OCR reads the first letter of a
# unit glued on as a digit and a point after it (`2,40 g/L` read `2.409.`)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*[.:;]?")
# Such a number with one letter glued after it, a flag as OCR reads it (`18.0 H` read `18.8H`)
_FLAGGED_NUMBER = re.compile(rf"(?:{_NUMBER.pattern})[^\W\d_]")
# A number, range or date as OCR reads it, whose 6, 9 and @ are looked at for a dotted zero (`dotted_zeros`):
# digits, brackets, slashes and a glued H or L flag (one glyph each, as tall as the word) and separators
# (small)
_NUMERAL_TEXT = re.compile(r"[\d().,\-/{}\[\]@]*[69@][\d().,\-/{}\[\]@]*(?:[HL]\.?)?")
_TALL_CHARACTERS = frozenset("0123456789(){}[]/@HL")
# The least width of a dotted zero's outline between its two holes, as a share of its widths across them:
# an 8's two bowls pinch in between them (0.72-0.85 on monitor photos), a zero's oval does not (0.95-1.1)
ZERO_WAIST = 0.9
# The least area of a dotted zero's smaller hole as a share of its larger: the dot halves the ring's hole
# (0.5-1.0 drawn), a 6's or 9's closed tail is a small second hole beside its bowl (0.28-0.29 drawn)
ZERO_HALVES = 0.4
# The least outline width across one of a zero's two stacked holes as a share of its width across the
# other: a zero's ring is as wide at both (0.93-1.0 drawn in every DejaVu mono face, 20-41 px, blurred
# 0.8-3.2 px; 0.90-1.0 on photos), a 9's tail or a 6's hook closed into a second hole is narrower there
# than across its bowl (0.67-0.72 on curled photos of serif type)
ZERO_SYMMETRY = 0.8
# The least outline width between a digit's two stacked holes, as a share of the chord between its widths
# across the holes' middle rows, for the holes to be a ring's (`_ring`): an oval is convex, so its width
# between two rows is at least the chord's, less a pixel's rounding. Dotted zeros read as 8: -0.05 to +0.12
# off the chord drawn in the DejaVu mono faces (20-41 px, blurred 0.8-3.2 px), -0.02 to +0.07 on 11 of 12
# on monitor photos (one at -0.10); an 8 pinches in at its waist: at least 0.08 under the chord drawn in
# every DejaVu face, 0.16-0.33 under it on 113 read on monitor photos
RING_CHORD = 0.95
# A fraction's leading zero as OCR misreads a dotted or slashed zero (`repairs.restore_leading_zero`)
_LEADING_SIX_OR_NINE = re.compile(r"[69][.,]\d+[^\W\d_]?")
MOST_HOLES = {"0": 2, "1": 0, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 0, "8": 2, "9": 1}
# The least share of a digit's box a hole covers (a dotted zero's two: 2.2-4.4 % on 1-MP photos)
HOLE = 0.015
# The narrowest a digit's share of a joined component is, in digit heights (a bold wide zero: 0.7)
NARROWEST = 0.4
# The narrowest piece of a digit broken in two by blur, in digit heights (a 5's bar or bowl: about half
# the height wide); a decimal point or a scan's speck is narrower, and stacked over a digit is not one
BROKEN_PIECE = 0.3
# The narrowest gap between two words, in the tallest glyph's heights (digits stand closer: 0.16 on scans)
WORD_SPACE = 0.4
# The widest ink gap between two digits of one number, in the tallest glyph's heights: drawn in every DejaVu
# face at 20-40 px, upright digits stand at most 0.36 apart (a serif 1's), italic ones 0.45; a word space
# with its side bearings leaves 0.38 and more, a flag arrow on the generated photos 0.66-0.7
NUMBER_GAP = 0.5
# How far a digit's glyph may reach below the word's other digits' lowest baseline, or start below their
# lowest top, in digit heights: lining digits share both lines (drawn in the 18 DejaVu faces at 20-41 px,
# blurred 0.8-3.2 px, each digit its own component: 23 of 4560 numbers past it, all serif, blurred 2.4-3.2
# px, a thin stroke faded off a 7 or 4); a unit's first letter OCR glued on as a digit reaches lower (g, p,
# µ) or starts at x-height (m, n): 0.25-0.35
OFF_THE_LINE = 0.2
# How far right of a number's last digit, in digit heights, a digit after a decimal point would end: the
# point with its side bearings (0.2-0.4 in the DejaVu faces) and the digit (0.55-0.65), with room to spare
DIGIT_AFTER_STOP = 1.3
# The least height of a digit, in the tallest digit's: lining figures stand as tall as each other (blurred
# scans: +-2 px of 30), a lowercase letter at x-height (0.75 in the DejaVu faces)
DIGIT_TALL = 0.9
# A decimal separator as read between two digits
DECIMAL_SEPARATOR = re.compile(r"(?<=\d)[.,](?=\d)")


def _reduced(grey: np.ndarray, longest: int) -> tuple[np.ndarray, float]:
    """A copy at most `longest` pixels on its longer side (page-level shapes need no detail), and the
    factor back to full size."""
    factor = max(grey.shape) / max(longest, 1)
    if factor <= 1:
        return grey, 1.0
    size = (max(1, round(grey.shape[1] / factor)), max(1, round(grey.shape[0] / factor)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA), factor


def _page_quad(grey: np.ndarray) -> np.ndarray | None:
    """The four corners of a photographed sheet, or None when no sheet stands out from its surroundings.

    The sheet is the largest convex four-cornered outline among the image's edges (Canny on a reduced,
    blurred copy, so print and paper texture give no long edges). Edges, unlike a brightness threshold,
    survive a shadow across the page: paper and desk differ in brightness on both sides of it."""
    small, factor = _reduced(grey, 800)
    edges = cv2.Canny(cv2.GaussianBlur(small, (5, 5), 0), 30, 90)
    # a page edge broken by the blur or a shadow is joined again
    edges = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    image_area = small.shape[0] * small.shape[1]
    best: np.ndarray | None = None
    best_area = 0.0
    for contour in contours:
        hull = cv2.convexHull(contour)
        area = cv2.contourArea(hull)
        # a sheet is most of the picture, but not the picture's own border (a scan or a screenshot)
        if not PAGE_AREA[0] * image_area <= area <= PAGE_AREA[1] * image_area or area <= best_area:
            continue
        corners = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(corners) == 4 and cv2.isContourConvex(corners) and _stands_out(small, corners):
            best, best_area = corners.reshape(4, 2).astype(np.float32) * factor, area
    return best


def _stands_out(small: np.ndarray, corners: np.ndarray) -> bool:
    """Paper is brighter than what it lies on: a frame drawn on a page or a screen (a table's border in a
    screenshot) has the same white around it and is no sheet. And the sheet's own margin, just inside
    its outline, is brighter than what lies just outside it: a monitor's dark bezel is a bright
    outline's inside (the screen is lit) on a lighter desk, and taken for the sheet it left a black band
    along the page that pulled Tesseract's global threshold under the screen's grey letters.

    Past that rim the band further in is paper too, nearly as bright as the sheet: an outline around
    the desk a monitor stands on (the photo's own corners darker still) holds the desk and the bezel
    there, and taken for the sheet it kept them beside the screen, tilted the page and bent its rows."""
    inside = np.zeros(small.shape, np.uint8)
    cv2.fillConvexPoly(inside, corners.reshape(-1, 2), 255)
    paper = float(np.percentile(small[inside > 0], 90))
    surroundings = float(np.median(small[inside == 0]))
    if surroundings >= 0.8 * paper:
        return False
    rim = np.ones((RIM, RIM), np.uint8)
    within = cv2.erode(inside, rim)
    margin = float(np.median(small[(inside > 0) & (within == 0)]))
    beside = float(np.median(small[(inside == 0) & (cv2.dilate(inside, rim) > 0)]))
    if beside >= 0.8 * margin:
        return False
    further_in = (within > 0) & (cv2.erode(within, np.ones((INNER_RIM, INNER_RIM), np.uint8)) == 0)
    return float(np.median(small[further_in])) >= MARGIN_PAPER * paper


def _ordered(corners: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    total = corners.sum(axis=1)
    difference = np.diff(corners, axis=1).ravel()
    return np.array(
        [
            corners[np.argmin(total)],
            corners[np.argmin(difference)],
            corners[np.argmax(total)],
            corners[np.argmax(difference)],
        ],
        dtype=np.float32,
    )


def _unwarp(grey: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Perspective correction: the sheet's quadrilateral mapped onto an upright rectangle whose sides are
    the mean lengths of the opposite edges, so letters keep their size."""
    top_left, top_right, bottom_right, bottom_left = _ordered(corners)
    width = (np.linalg.norm(top_right - top_left) + np.linalg.norm(bottom_right - bottom_left)) / 2
    height = (np.linalg.norm(bottom_left - top_left) + np.linalg.norm(bottom_right - top_right)) / 2
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(_ordered(corners), target)
    return cv2.warpPerspective(
        grey, transform, (max(1, round(width)), max(1, round(height))), flags=cv2.INTER_CUBIC, borderValue=255
    )


def _crop_to_paper(grey: np.ndarray) -> np.ndarray:
    """Cut away the desk around a photographed page: its edges otherwise come out of OCR as stray
    letters glued to the start of rows, and cost time. A sheet seen whole is also straightened; a sheet
    running off the picture is cut to its bright part (Otsu); a scan, all paper, is left as it is."""
    corners = _page_quad(grey)
    if corners is not None:
        return _unwarp(grey, corners)
    small, factor = _reduced(grey, 800)
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    rows = np.flatnonzero((bright > 0).mean(axis=1) > 0.3)
    columns = np.flatnonzero((bright > 0).mean(axis=0) > 0.3)
    if not rows.size or not columns.size:
        return grey
    top, bottom = round(rows[0] * factor), round((rows[-1] + 1) * factor)
    left, right = round(columns[0] * factor), round((columns[-1] + 1) * factor)
    area = (bottom - top) * (right - left)
    if not PAGE_AREA[0] * grey.size <= area <= PAGE_AREA[1] * grey.size:
        return grey
    return grey[top:bottom, left:right]


def _flatten_light(grey: np.ndarray, stretch_ink_only: bool = False) -> Image.Image:
    """Divide out uneven lighting: the paper's brightness is estimated from a blurred, dilated (max-
    filtered) copy, which erases the dark text, so shadows and gradients become white and the text keeps
    its contrast. Then the darkest 1 % goes black, or with `stretch_ink_only` no more than the page's ink
    (pixels under half the paper's brightness). Always stretching to the ink only was measured and lost
    values on every kind of sparse page (the 1 % darkens their letters' grey edges)."""
    small, _ = _reduced(grey, max(grey.shape) // 8)
    paper = cv2.GaussianBlur(cv2.dilate(small, np.ones((5, 5), np.uint8)), (0, 0), 6)
    background = cv2.resize(paper, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(grey, np.maximum(background, 1), scale=255)
    darkest = 1.0
    if stretch_ink_only:
        darkest = min(darkest, 100 * np.count_nonzero(flat < INK_LEVEL) / flat.size)
    return ImageOps.autocontrast(Image.fromarray(flat), cutoff=(darkest, 0))


def _ink(image: Image.Image) -> np.ndarray:
    small = image.reduce(max(1, image.width // 800))
    return np.asarray(small.point(lambda value: 255 if value < 150 else 0), dtype=np.uint8)


def _profile_score(ink: np.ndarray, angle: float) -> float:
    """How sharp the row-sum profile of the ink is once turned `angle` degrees counter-clockwise about
    its middle, each pixel taken from the nearest one (OpenCV's warp: half the time of Pillow's rotation,
    the same angle found on every development page)."""
    height, width = ink.shape
    turn = cv2.getRotationMatrix2D((width / 2 - 0.5, height / 2 - 0.5), angle, 1.0)
    rotated = cv2.warpAffine(ink, turn, (width, height), flags=cv2.INTER_NEAREST)
    rows = rotated.sum(axis=1, dtype=np.int64).astype(np.float32)
    return float(np.square(np.diff(rows)).sum())


def skew_angle(image: Image.Image) -> float:
    """The rotation that makes text lines horizontal: the row-sum profile of the ink is sharpest when
    lines are level (projection-profile deskew), searched coarsely then finely."""
    ink = _ink(image)
    coarse = max(_SKEW_COARSE, key=lambda angle: _profile_score(ink, float(angle)))
    return float(max(coarse + _SKEW_FINE, key=lambda angle: _profile_score(ink, float(angle))))


def _below(pixels: np.ndarray, level: int) -> np.ndarray:
    """The mask (255) of the pixels darker than `level`."""
    return cv2.threshold(pixels, level - 1, 255, cv2.THRESH_BINARY_INV)[1]


_PAINTED_ROWS = 128


def _painted(labels: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The mask (255) of the components whose label is `chosen` (a boolean per label)."""
    shade = np.where(chosen, 255, 0).astype(np.uint8)
    painted = np.empty(labels.shape, np.uint8)
    # a block of rows at a time: the labels widened to indexes stay in the cache (a quarter less time)
    for top in range(0, labels.shape[0], _PAINTED_ROWS):
        shade.take(labels[top : top + _PAINTED_ROWS], out=painted[top : top + _PAINTED_ROWS])
    return painted


def _rules_along(ink: np.ndarray, dots: np.ndarray, length: int, gap: int, *, vertical: bool) -> np.ndarray:
    """Rules in an ink mask (255 = ink) across the page, or down it when `vertical`: solid runs at least
    `length` long (a morphological opening), and dotted or dashed rules, whose dots lie at most `gap`
    apart along a line that long; a row of dot leaders is one too, and carries nothing. A run through
    bold or blurred words, whose letters touch, is no rule: much of it crosses ink taller than any rule
    is thick (letter stems), where a rule crosses only the odd letter or rule it touches."""

    def kernel(along: int, across: int) -> np.ndarray:
        return np.ones((along, across) if vertical else (across, along), np.uint8)

    line = kernel(length, 1)
    joined = cv2.morphologyEx(dots, cv2.MORPH_CLOSE, kernel(gap + 1, 1))
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, line)
    dotted = cv2.bitwise_and(cv2.morphologyEx(joined, cv2.MORPH_OPEN, line), dots)
    runs = cv2.bitwise_or(solid, dotted)
    # Runs cross a few percent of the page's rows (columns when `vertical`): only those are labelled,
    # stacked into a compact copy with a blank row between bands so that no two components join that
    # are apart on the page; labelling and painting the whole page took two thirds of this function.
    along = runs.T if vertical else runs
    order = _bands(np.flatnonzero(runs.max(axis=0 if vertical else 1)))
    if not order.size:
        return runs
    page_rows = order >= 0
    compact = np.zeros((order.size, along.shape[1]), np.uint8)
    compact[page_rows] = along[order[page_rows]]
    count, labels, stats = dewarp.components(compact)
    tall = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel(1, 2 * gap)) > 0
    tall_rows = (tall.T if vertical else tall)[order]
    tall_rows[~page_rows] = False
    # label 0 (no run) is counted too, and never a rule
    crossing = np.bincount(labels[tall_rows], minlength=count)
    rule = crossing <= 0.2 * stats[:, cv2.CC_STAT_AREA]
    rule[0] = False
    rules = np.zeros_like(runs)
    (rules.T if vertical else rules)[order[page_rows]] = _painted(labels, rule)[page_rows]
    return rules


def _bands(held: np.ndarray) -> np.ndarray:
    """The rows of a compact copy of a page: the page's rows `held` (ascending), with -1 (a blank row)
    between two that are not neighbours on the page."""
    return np.insert(held, np.flatnonzero(np.diff(held) > 1) + 1, -1)


def _small(stats: np.ndarray, gap: int) -> np.ndarray:
    """Which components (their stats) are at most `gap` across both ways; never the background."""
    small = (stats[:, cv2.CC_STAT_WIDTH] <= gap) & (stats[:, cv2.CC_STAT_HEIGHT] <= gap)
    small[0] = False
    return small


def _leader_dots(labels: np.ndarray, stats: np.ndarray, letter: float) -> np.ndarray:
    """The mask (255) of the dot leaders among the components (`labels`, `stats`) of an ink mask taken at
    the dots' lighter threshold: runs
    of at least `LEADER_RUN` solid dots under half a letter's height (`letter`) both ways, each on its
    neighbour's baseline and of its size (to an eighth of a letter), evenly spaced (every step within a
    quarter of the run's middle one, at most `LEADER_STEP` letters), with only paper between neighbours
    from a letter's height above their baseline to a quarter below it. Spaced a monospace cell apart, they
    are no dotted rule, and each is as large as a decimal point, yet Tesseract reads them as letters glued
    to a row's name and value. A decimal point, a colon or an i's dot has letters beside it on its line,
    so it is in no run. A dot is erased with the paper around it, a quarter of the way to its neighbours,
    so its lighter rim leaves no ring to be read."""
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    bottom = top + height
    dot = (
        (np.minimum(width, height) >= 2)
        & (np.maximum(width, height) <= 0.5 * letter)
        & (np.maximum(width, height) <= 2 * np.minimum(width, height))
        & (stats[:, cv2.CC_STAT_AREA] >= 0.5 * width * height)
    )
    dot[0] = False  # the background
    erased = np.zeros(labels.shape, np.uint8)
    dots = np.flatnonzero(dot)
    if dots.size < LEADER_RUN:
        return erased
    tolerance = letter / 8
    following = _nearest_followers(dots, stats, letter, tolerance)
    # Many pages have no dot with a like dot after it: the page-sized masks below, most of this function's
    # time, are then not made.
    if not following.size:
        return erased
    # the ink of everything larger than a dot, summed over rectangles: whether no letter lies between two
    # dots (a speck of noise may)
    larger = np.maximum(width, height) > 0.5 * letter
    larger[0] = False
    letters = _painted(labels, larger)
    # only paper between a dot and the one it follows, from a letter's height above their baseline to a
    # quarter below it: a speck of noise may lie there, a letter may not
    inked = cv2.integral(letters)
    leaders, followers = following[:, 0], following[:, 1]
    gap_left, gap_right = left[leaders] + width[leaders], left[followers]
    baseline = np.maximum(bottom[leaders], bottom[followers])
    above = np.maximum(0, np.round(baseline - letter)).astype(np.int64)
    below = np.minimum(labels.shape[0], np.round(baseline + letter / 4)).astype(np.int64)
    ink_between = (
        inked[below, gap_right] - inked[above, gap_right] - inked[below, gap_left] + inked[above, gap_left]
    )
    following = following[ink_between == 0]
    after = {int(leader): int(follower) for leader, follower in following}
    followed = set(after.values())
    for first in after:
        if first in followed:
            continue
        chain = [first]
        while chain[-1] in after:
            chain.append(after[chain[-1]])
        for run in _evenly_spaced(chain, left):
            step = float(np.median(np.diff(left[run])))
            for member in run:
                margin = max(0, round(0.25 * (step - int(width[member]))))
                x0, y0 = max(0, int(left[member]) - margin), max(0, int(top[member]) - margin)
                erased[y0 : int(bottom[member]) + margin, x0 : int(left[member] + width[member]) + margin] = (
                    255
                )
    if not cv2.countNonZero(erased):
        return erased
    # the paper around a dot, never a letter's edge
    return cv2.bitwise_and(erased, cv2.bitwise_not(cv2.dilate(letters, np.ones((3, 3), np.uint8))))


def _nearest_followers(dots: np.ndarray, stats: np.ndarray, letter: float, tolerance: float) -> np.ndarray:
    """Pairs (dot, the nearest dot to its right on about its baseline and of about its size: bottoms,
    widths and heights within `tolerance`, a step over its width and at most `LEADER_STEP` letters), as
    an array of label pairs. Found for every dot at once: a monitor photo's moiré makes thousands of dots,
    too many for a search dot by dot. Dots are sorted by baseline band (`tolerance` tall) and left edge,
    so each dot's candidates are three slices of that order, one per neighbouring band."""
    left, width = stats[dots, cv2.CC_STAT_LEFT], stats[dots, cv2.CC_STAT_WIDTH]
    height = stats[dots, cv2.CC_STAT_HEIGHT]
    bottom = stats[dots, cv2.CC_STAT_TOP] + height
    band = np.floor(bottom / tolerance).astype(np.int64)
    span = int(left.max()) + int(LEADER_STEP * letter) + 2
    key = band * span + left
    order = np.argsort(key, kind="stable")
    keys = key[order]
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for shift in (-1, 0, 1):
        base = (band + shift) * span
        start = np.searchsorted(keys, base + left + width + 1, "left")
        stop = np.searchsorted(keys, base + left + int(LEADER_STEP * letter), "right")
        counts = np.maximum(stop - start, 0)
        own = np.repeat(np.arange(dots.size), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        pairs.append((own, order[np.repeat(start, counts) + offsets]))
    own = np.concatenate([first for first, _ in pairs])
    other = np.concatenate([second for _, second in pairs])
    alike = (
        (np.abs(bottom[other] - bottom[own]) <= tolerance)
        & (np.abs(width[other] - width[own]) <= tolerance)
        & (np.abs(height[other] - height[own]) <= tolerance)
    )
    own, other = own[alike], other[alike]
    # the nearest: the least left edge, ties to the lower baseline, then the lower label
    nearest = np.lexsort((dots[other], bottom[other], left[other], own))
    own, other = own[nearest], other[nearest]
    first = np.ones(own.size, bool)
    first[1:] = own[1:] != own[:-1]
    return np.stack((dots[own[first]], dots[other[first]]), axis=1)


def _evenly_spaced(chain: list[int], left: np.ndarray) -> list[list[int]]:
    """The runs of at least `LEADER_RUN` dots of a chain whose steps are within a quarter of the chain's
    middle step (a chain broken where a step is not)."""
    if len(chain) < LEADER_RUN:
        return []
    steps = np.diff(left[chain])
    middle = float(np.median(steps))
    runs: list[list[int]] = [[chain[0]]]
    for label, step in zip(chain[1:], steps, strict=True):
        if abs(step - middle) <= 0.25 * middle:
            runs[-1].append(label)
        else:
            runs.append([label])
    return [run for run in runs if len(run) >= LEADER_RUN]


def remove_rules(image: Image.Image) -> Image.Image:
    """Erase table rules, solid or dotted, and specks: Tesseract reads a vertical rule beside a cell as
    "|", "[" or "I" glued to the value, and a ruled grid or a speckled scan can make it drop whole rows
    or read a table as noise. A rule is a run of ink longer than any glyph (a 25th of the page width,
    three times a large letter at 300 dpi).

    Specks of dust or scanner noise are ink components smaller than a letter (at most `gap` across, a fifth
    of a letter at 300 dpi) with no larger ink within about a letter's height: Tesseract reads a speck on
    a row as a stray letter or "|" and a field of them as rows of noise, while a decimal point, a colon or
    an i's dot stands beside its letters, even in a monospace font's wide cell."""
    pixels = np.asarray(image, dtype=np.uint8)
    ink = _below(pixels, 180)
    length = max(40, image.width // 25)
    gap = max(3, image.width // 250)
    count, labels, stats = dewarp.components(ink)
    small = _small(stats, gap)
    dots = _painted(labels, small)
    # A dotted rule's dots, small and blurred, print lighter than letters: at the letters' threshold its
    # dots break up or vanish, yet Tesseract, binarising a band of the page on its own, reads them as
    # letters between a name and its value. They are looked for at a lighter threshold too.
    faint = _below(pixels, FAINT_DOTS)
    _, faint_labels, faint_stats = dewarp.components(faint)
    faint_dots = cv2.bitwise_or(dots, _painted(faint_labels, _small(faint_stats, gap)))
    rules = cv2.bitwise_or(
        _rules_along(ink, faint_dots, length, gap, vertical=False),
        _rules_along(ink, faint_dots, length, gap, vertical=True),
    )
    letters = cv2.bitwise_and(ink, cv2.bitwise_not(cv2.bitwise_or(dots, rules)))
    reach = 4 * gap + 1
    near = cv2.bitwise_and(cv2.dilate(letters, np.ones((reach, reach), np.uint8)), dots)
    touching = np.bincount(labels[near > 0], minlength=count)
    speck = small & (touching == 0)
    # the rule's anti-aliased edge is lighter than the threshold: widen the erased band by a pixel
    erased = cv2.bitwise_or(cv2.dilate(rules, np.ones((3, 3), np.uint8)), _painted(labels, speck))
    letter = dewarp.letter_height_of(stats, ink.shape[0], widest=2, without_dots=True)
    if letter is not None:
        erased = cv2.bitwise_or(erased, _leader_dots(faint_labels, faint_stats, letter))
    if not cv2.countNonZero(erased):
        return image
    return Image.fromarray(cv2.max(pixels, erased))


class PreparedPage(NamedTuple):
    image: Image.Image
    # the light levelled only as far as the ink, because the usual levelling made the paper's texture
    # ink (`_texture_made_ink`); the review's page picture is levelled the same way (`levelled`)
    levelled_to_ink: bool


def prepare(image: Image.Image) -> PreparedPage:
    """Greyscale, the sheet found and straightened, ~300 dpi, even light, level lines, no table rules."""
    with opencv_memory_errors():
        # a page enlarged from few pixels (a monitor photo, a screenshot) loses its pixel-scale patterns
        page = remove_rules(screens.sharpened(levelled(image), image))
        if not _texture_made_ink(page):
            return PreparedPage(page, levelled_to_ink=False)
        page = remove_rules(screens.sharpened(levelled(image, stretch_ink_only=True), image))
        return PreparedPage(page, levelled_to_ink=True)


@contextlib.contextmanager
def opencv_memory_errors() -> Iterator[None]:
    """OpenCV reports a failed allocation as its own error (`StsNoMem`, or C++'s `std::bad_alloc` passed
    on with no code); here it is the memory cap a document is read or drawn under (labs/isolation.py), so
    it is raised as what it is, a `MemoryError`."""
    try:
        yield
    except cv2.error as error:
        if error.code == cv2.Error.StsNoMem or "std::bad_alloc" in str(error):
            raise MemoryError(str(error)) from error
        raise


def _texture_made_ink(page: Image.Image) -> bool:
    """Whether the paper's texture became ink: `_flatten_light` takes the darkest 1 % of a page to black,
    and on a sparse page (an iron panel alone, under 1 % ink) on a textured paper (a monitor's moiré) that
    reaches into the paper, whose texture is then stretched into tens of thousands of specks, which
    Tesseract read as text for over a minute (a development monitor photo: 47,000 components where
    generated pages of every kind hold under 900). Counted at full size (about 20 ms; a reduced copy
    averages the texture away)."""
    grey = np.asarray(page.convert("L"), dtype=np.uint8)
    ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    return cv2.connectedComponents(ink, connectivity=8)[0] > MOST_COMPONENTS


def levelled(image: Image.Image, *, stretch_ink_only: bool = False) -> Image.Image:
    """The page in the frame OCR reads it in (value boxes are fractions of it): greyscale, the sheet found
    and straightened, ~300 dpi, even light, level and straight lines (a curl or fold flattened,
    `dewarp`); `prepare` then erases the rules. `stretch_ink_only`: as `_flatten_light`."""
    grey = _crop_to_paper(np.asarray(ImageOps.exif_transpose(image).convert("L"), dtype=np.uint8))
    height, width = grey.shape
    scale = page_scale(grey)
    if abs(scale - 1) > 0.1:
        size = (round(width * scale), round(height * scale))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    flat = _flatten_light(grey, stretch_ink_only)
    angle = skew_angle(flat)
    if abs(angle) >= 0.1:
        flat = flat.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    return dewarp.straightened(flat)


def page_scale(grey: np.ndarray) -> float:
    """The factor to ~300 dpi: the page's width to an A4 page's, unless that leaves its type outside
    `TEXT_HEIGHT`, then the type into it (a page of 7.5-point type, or a large-print one)."""
    height, width = int(grey.shape[0]), int(grey.shape[1])
    scale = min(MAX_UPSCALE, TARGET_WIDTH / width)
    letters = text_height(grey)
    if letters is None:
        return scale
    low, high = TEXT_HEIGHT
    if letters * scale < low:
        return max(scale, min(low / letters, math.sqrt(MAX_PIXELS / (width * height))))
    if letters * scale > high:
        return high / letters
    return scale


def text_height(grey: np.ndarray) -> float | None:
    """The median height of the page's letters in pixels, or None when it shows too few: ink found
    against its neighbourhood's brightness (so a shadow is no ink), cut into connected components,
    those of a letter's proportions kept (not specks, rules or blotches). Measured on a copy at most
    2000 px long, which keeps even small type several pixels tall."""
    small, factor = _reduced(grey, 2000)
    block = max(15, max(small.shape) // 40) | 1
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)
    letters = dewarp.letter_height(ink, widest=2)
    return None if letters is None else letters * factor


def turned(image: Image.Image, degrees: int) -> Image.Image:
    """The prepared page turned `degrees` clockwise (as `upright_rotation` asks), on white."""
    return image.rotate(-degrees, expand=True, fillcolor=255)


# Tesseract runs in this process through its library: a run of the command line spent 0.12-0.25 s of
# its CPU loading the language models before reading anything (a photo's page runs it two to four
# times), and it was handed the page through a file on disk. One engine per set of languages, loaded on
# first use, serves every later run: the reader's forkserver loads the usual ones (`load_engines`), so
# each document's child starts with them, and loads any other once a document. The lock keeps two
# threads off one engine.
_ENGINE_LOCK = threading.Lock()


@functools.cache
def _engine(languages: str) -> tesserocr.PyTessBaseAPI:
    engine = tesserocr.PyTessBaseAPI(lang=languages, psm=tesserocr.PSM.SINGLE_BLOCK)
    engine.SetVariable("user_defined_dpi", "300")
    return engine


def load_engines() -> None:
    """The engines of the first reading of every page (`LANGUAGES`) and of the English re-readings
    (`labs.confirm`), loaded now rather than on first use."""
    _engine(LANGUAGES)
    _engine("eng")


@functools.cache
def _orientation_engine() -> tesserocr.PyTessBaseAPI:
    return tesserocr.PyTessBaseAPI(lang="osd", psm=tesserocr.PSM.OSD_ONLY)


def _give(engine: tesserocr.PyTessBaseAPI, grey: np.ndarray) -> None:
    """The page's grey pixels as they are: tesserocr's `SetImage` encodes a picture in its own format
    first, a JPEG's as JPEG again."""
    height, width = grey.shape
    engine.SetImageBytes(np.ascontiguousarray(grey).tobytes(), width, height, 1, width)


def recognize(
    image: Image.Image, *, timeout: float, page: int, languages: str = LANGUAGES, characters: str = ""
) -> list[Word]:
    """The words Tesseract reads in `image`; `characters`, when given, the only ones it may read."""
    grey = np.asarray(image.convert("L"), dtype=np.uint8)
    with _ENGINE_LOCK:
        engine = _engine(languages)
        engine.SetVariable("tessedit_char_whitelist", characters)
        _give(engine, grey)
        started = time.monotonic()
        if not engine.Recognize(timeout=max(1, round(timeout * 1000))):
            # stopped by its deadline, or failed on the image before it
            if time.monotonic() - started >= timeout:
                raise _timeout(page, timeout)
            raise ReportUnreadable("parse_failed", f"Page {page} could not be processed as an image.")
        table = engine.GetTSVText(0)
    words = []
    for row in table.splitlines():
        # level, page, block, paragraph, line, word, left, top, width, height, confidence, text
        *_, left, top, width, height, confidence, text = row.split("\t")
        # Whole percents, as Tesseract's command line printed them when every threshold was measured.
        percent = int(float(confidence))
        if text.strip() and percent >= 0:
            x0, y0 = int(left), int(top)
            word = Word(
                text=text.strip(),
                x0=x0,
                top=y0,
                x1=x0 + int(width),
                bottom=y0 + int(height),
                confidence=percent / 100,
            )
            words.append(checked(grey, word))
    return words


def checked(grey: np.ndarray, word: Word) -> Word:
    """An OCR word as its pixels correct or mark it: a decimal point Tesseract dropped put back
    (`with_decimal_point`), digits the pixels cannot hold marked misshapen (`misshapen_digits`), and among
    those a fraction whose leading 6 or 9 holds a zero's holes marked so (`zero_shaped_lead`). A dotted
    zero read as 6 or 9 is first read as the zero its outline shows (`dotted_zeros`).

    The checks change the word's text but not its box: the box's ink is found once for all of them (a
    word no check reads as a number has none to find)."""
    ink = _box_ink(grey, word) if _NUMERAL_TEXT.fullmatch(word.text) or _NUMBER.fullmatch(word.text) else None
    word = dotted_zeros(grey, word, ink=ink)
    word = with_decimal_point(grey, word)
    gap = digits_before_gap(grey, word, ink=ink)
    if gap != word.digits_before_gap:
        word = replace(word, digits_before_gap=gap)
    if not misshapen_digits(grey, word, ink=ink):
        return word
    return replace(word, misshapen=True, zero_shaped_lead=zero_shaped_lead(grey, word, ink=ink))


def dotted_zeros(grey: np.ndarray, word: Word, *, ink: BoxInk | None = None) -> Word:
    """A number, range or date with the digits OCR read as 6 or 9 (or as @) that are a dotted zero read
    as 0.

    A monospace font's dotted (or barred) zero, blurred, joins its inner dot to the ring: the ring's one
    hole becomes two, stacked, and Tesseract reads a 6 or 9 (`(80.0-100.0)` read `(86.6-166.0)`, `2024`
    read `2624`), which can hold one hole at most (bar a small one its blurred tail closes on its stem):
    the reading is wrong, and the glyph is a 0 or an 8. Or it reads the ring with something inside as @
    (`0.354L` read `@.354L`), which is no digit at all: the same outline tells the zero.
    An 8's two holes are two bowls, which pinch in between them on both sides (its waist) in every
    typeface; a zero's are one oval split by its dot, whose outline is as wide between the holes as
    across them. A glyph read 6 or 9 with exactly two holes one above the other and no waist
    (`ZERO_WAIST`) is a zero. A glyph Tesseract read as 8 is never changed: an 8 in small blurred type
    may lose its waist too (a French monitor photo's `3,8` would become `3,0`); and where an 8 read has
    no waist the word is left as read, as another dotted zero in it may be that 8 (`20/07/2024` read
    `28/07/2624` must not become the valid, wrong `28/07/2024`). The glyphs are the word's
    components as tall as it, one per digit, bracket or slash read, and a component of touching digits
    is cut into as many equal slices as its width holds typical glyphs; otherwise nothing is decided.
    `ink`: the box's ink (`_box_ink`) when already found."""
    found = _number_ink(grey, word, _NUMERAL_TEXT, ink)
    if found is None:
        return word
    count, labels, stats = found
    tallest = int(stats[1:, cv2.CC_STAT_HEIGHT].max(initial=0))
    glyphs = sorted(
        (label for label in range(1, count) if stats[label, cv2.CC_STAT_HEIGHT] >= 0.5 * tallest),
        key=lambda label: int(stats[label, cv2.CC_STAT_LEFT]),
    )
    places = [index for index, character in enumerate(word.text) if character in _TALL_CHARACTERS]
    if not glyphs or len(glyphs) > len(places):
        return word
    # touching digits are one component, holding as many glyphs as its width holds typical ones
    widths = np.array([int(stats[label, cv2.CC_STAT_WIDTH]) for label in glyphs])
    held = np.maximum(1, np.rint(widths / np.median(widths)).astype(int))
    if len(glyphs) == len(places):
        held[:] = 1
    if held.sum() != len(places):
        return word
    text = list(word.text)
    start = 0
    for label, share in zip(glyphs, held, strict=True):
        left, top, width, tall = (int(value) for value in stats[label, :4])
        glyph = labels[top : top + tall, left : left + width] == label
        cuts = [round(width * step / share) for step in range(share + 1)]
        for place, (cut, end) in zip(places[start : start + share], itertools.pairwise(cuts), strict=True):
            if text[place] in "689@" and _zero_shaped(glyph[:, cut:end]):
                if text[place] == "8":
                    return word  # a dotted zero read as 8, or an 8 without its waist: the word stays in doubt
                text[place] = "0"
        start += share
    return replace(word, text="".join(text))


def _zero_shaped(inked: np.ndarray) -> bool:
    """Whether a glyph's ink (a mask of its box) is a blurred dotted zero: two holes, one above the other,
    of like size, and an outline no narrower between them than across them (`dotted_zeros`). The dot
    splits the ring's hole into halves of like size (the smaller at least half the larger in every DejaVu
    face, 16-40 px, blurred 0.8-3.2 px); a 6 or 9 whose blurred tail closes on its stem encloses a second
    hole far smaller than its bowl's (under a third), which is no zero."""
    holes = _holes(inked)
    if len(holes) != 2:
        return False
    upper, lower = holes
    if upper.past > lower.first:
        return False  # side by side or overlapping: no stacked counters
    if min(upper.area, lower.area) < ZERO_HALVES * max(upper.area, lower.area):
        return False
    if abs(upper.centre_x - lower.centre_x) > inked.shape[1] / 4:
        return False
    widths = _outline_widths(inked)
    above, below = round(upper.centre_y), round(lower.centre_y)
    return bool(widths[(above + below) // 2] >= ZERO_WAIST * (widths[above] + widths[below]) / 2)


def misshapen_digits(grey: np.ndarray, word: Word, *, ink: BoxInk | None = None) -> bool:
    """Whether a number's digits, in the pixels, enclose more holes than the digits read can in any
    typeface: Tesseract read a monospace font's dotted zero, blurred in a 1-MP photo so that its dot joins
    the ring in two holes, as a 6 (`21.0` as `21.6`, beside a flag and a unit that vouch for the row).

    The digits are found as `with_decimal_point` finds them, components as tall as the word; where fewer
    stand than were read, digits touch, and each joined component is cut into the column slices of the
    digits it holds (`_digit_slices`). Where the digits cannot be placed, a number read with more digits
    than its glyphs hold is misread too (the dotted zero read as `60`, `_more_digits_than_glyphs`). A
    hole is paper enclosed by a digit's slice (`_holes`). A digit may show fewer holes than it has (blur
    fills them) but not more: `MOST_HOLES` allows a 0 two (dotted or slashed, as wide across both:
    `_lopsided`), an 8 two, a 2, 3 or 5 one (a blurred tail closing a loop), a 4, 6 or 9 one, a 1 or 7
    none. `ink`: the box's ink when already
    found. A flag letter glued after the digits (`18.8H`) is left out of the ink (`_without_flag`)."""
    components = _number_ink(grey, word, _NUMBER, ink) or _without_flag(grey, word, ink)
    if components is None:
        return False
    count, labels, stats = components
    height = word.bottom - word.top
    digits = sorted(
        (label for label in range(1, count) if stats[label, cv2.CC_STAT_HEIGHT] >= 0.5 * height),
        key=lambda label: int(stats[label, cv2.CC_STAT_LEFT]),
    )
    read = [character for character in word.text if character.isdigit()]
    # a digit broken in two stacked pieces is one glyph when counting them (its holes are not judged)
    glyphs = _rejoined(stats[1:count])
    standing = int((glyphs[:, cv2.CC_STAT_HEIGHT] >= 0.5 * height).sum())
    if standing != len(read) and (
        _more_digits_than_glyphs(glyphs, len(read)) or _fewer_digits_than_glyphs(glyphs, len(read))
    ):
        return True
    separators = len(DECIMAL_SEPARATOR.findall(word.text))
    if len(digits) == len(read) and _glyph_off_the_line(stats[1:count], separators):
        return True
    slices = _digit_slices(stats, digits, len(read))
    if slices is None:
        return False
    for (label, left, right), digit in zip(slices, read, strict=True):
        top, tall = int(stats[label, cv2.CC_STAT_TOP]), int(stats[label, cv2.CC_STAT_HEIGHT])
        inked = labels[top : top + tall, left:right] == label
        holes = _holes(inked)
        whole = right - left == int(stats[label, cv2.CC_STAT_WIDTH])
        if (
            len(holes) > MOST_HOLES[digit]
            or (digit == "8" and _ring(inked, holes, whole=whole))
            or (digit == "0" and whole and _lopsided(inked, holes))
        ):
            return True
    return False


def _rejoined(parts: np.ndarray) -> np.ndarray:
    """A word's ink components (their stats) with each pair standing one above the other, sharing most of
    their columns and together no taller than the tallest component, joined into one: a digit whose thin
    stroke the blur or a monitor's glare erased (a 5's joint between its bar and its bowl, small type
    photographed off a screen), which would otherwise count as two glyphs (`125` read right and refused
    as a digit lost). Digits on a line stand side by side, never stacked, so no two digits are joined."""
    # (left, top, right, bottom, area) of each component
    boxes = [(int(x), int(y), int(x + w), int(y + h), int(area)) for x, y, w, h, area in parts[:, :5]]
    tallest = max((bottom - top for _, top, _, bottom, _ in boxes), default=0)
    pair = _broken_digit(boxes, tallest)
    while pair is not None:
        (x0, y0, x1, y1, a), (u0, v0, u1, v1, b) = boxes[pair[0]], boxes[pair[1]]
        union = (min(x0, u0), min(y0, v0), max(x1, u1), max(y1, v1), a + b)
        boxes = [box for index, box in enumerate(boxes) if index not in pair] + [union]
        pair = _broken_digit(boxes, tallest)
    return np.array(
        [(left, top, right - left, bottom - top, area) for left, top, right, bottom, area in boxes],
        dtype=parts.dtype,
    ).reshape(-1, parts.shape[1])


def _broken_digit(boxes: list[tuple[int, int, int, int, int]], tallest: int) -> tuple[int, int] | None:
    """Two boxes that are the pieces of one digit (`_rejoined`), or None."""
    for first, second in itertools.combinations(range(len(boxes)), 2):
        upper, lower = sorted((boxes[first], boxes[second]), key=lambda box: box[1])
        narrower = min(upper[2] - upper[0], lower[2] - lower[0])
        shared = min(upper[2], lower[2]) - max(upper[0], lower[0])
        stacked = lower[1] > upper[1] + (upper[3] - upper[1]) / 2
        if (
            stacked
            and shared >= narrower / 2
            and max(upper[3], lower[3]) - upper[1] <= tallest
            # a point or a speck above or below a digit is narrower than any piece of one
            and narrower >= BROKEN_PIECE * tallest
        ):
            return first, second
    return None


class BoxInk(NamedTuple):
    """The ink in a word's box (Otsu's threshold of the box): its connected components' count, label
    image and stats."""

    number: int  # of components, the background (label 0) counted
    labels: np.ndarray
    stats: np.ndarray


def _box_ink(grey: np.ndarray, word: Word, *, beyond: float = 0) -> BoxInk | None:
    """The ink in the word's box, widened `beyond` pixels to its right; None for a word without a box."""
    crop = grey[
        max(0, round(word.top)) : round(word.bottom) + 1,
        max(0, round(word.x0)) : round(word.x1 + beyond) + 1,
    ]
    if crop.size == 0:
        return None
    _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return BoxInk(count, labels, stats)


def _number_ink(
    grey: np.ndarray, word: Word, numeral: re.Pattern[str] = _NUMBER, ink: BoxInk | None = None
) -> BoxInk | None:
    """The ink of a word read as a number (or as the text `numeral` matches), in its box (`ink` when
    already found); None for a word that is no number or has no box."""
    if not numeral.fullmatch(word.text):
        return None
    return ink if ink is not None else _box_ink(grey, word)


def _without_flag(grey: np.ndarray, word: Word, ink: BoxInk | None = None) -> BoxInk | None:
    """The ink of a number read with a letter glued after it (`18.8H`, a flag OCR joined to the value),
    less that letter: where the components as tall as the word outnumber the digits read by exactly one,
    the rightmost is the letter, and it is left out (its label painted as paper) so that the digits are
    judged as a number read alone would be. Otherwise (None) the letter cannot be told from the digits,
    and nothing is decided. `ink`: the box's ink when already found."""
    if not _FLAGGED_NUMBER.fullmatch(word.text):
        return None
    found = ink if ink is not None else _box_ink(grey, word)
    if found is None:
        return None
    count, labels, stats = found
    standing = [
        label
        for label in range(1, count)
        if stats[label, cv2.CC_STAT_HEIGHT] >= 0.5 * (word.bottom - word.top)
    ]
    if len(standing) != sum(character.isdigit() for character in word.text) + 1:
        return None
    flag = max(
        standing, key=lambda label: int(stats[label, cv2.CC_STAT_LEFT] + stats[label, cv2.CC_STAT_WIDTH])
    )
    # the labels past the letter's move down one, as `connectedComponentsWithStats` numbers them
    kept = np.where(labels == flag, 0, labels - (labels > flag))
    return BoxInk(count - 1, kept, np.delete(stats, flag, axis=0))


def digits_before_gap(grey: np.ndarray, word: Word, *, ink: BoxInk | None = None) -> int | None:
    """How many digits of a number read with one glyph per digit stand before a gap of a word space
    (`NUMBER_GAP`) with nothing in it; None where no such gap stands. The digits of one number stand
    closer, so what follows belongs to another word OCR glued on: a flag arrow read as a digit (`7 ↓` read
    `74`, the arrow's stem and head a 4). `rows.parse_row` refuses the value unless the arrow repair cut
    the glued part off. A gap where the text reads a separator (its point too faint to be a component),
    or holding ink of its own (a point or comma), is the number's; so is a space before whole groups of
    three digits ("5 260 000"). Decided only where `_glyphs` can tell. `ink`: the box's ink when already
    found."""
    components = _number_ink(grey, word, _NUMBER, ink)
    if components is None:
        return None
    count, _, stats = components
    parts = stats[1:count]
    found = _glyphs(parts)
    read = sum(character.isdigit() for character in word.text)
    if found is None or int(found[0].sum()) != read:
        return None
    glyphs, tallest = found
    starts = parts[:, cv2.CC_STAT_LEFT]
    ends = starts + parts[:, cv2.CC_STAT_WIDTH]
    centres = (starts + ends) / 2
    digits = sorted(np.flatnonzero(glyphs), key=lambda index: int(starts[index]))
    # where the text reads a separator, counted in digits before it ("2,7": 1)
    separated = {
        sum(map(str.isdigit, word.text[: match.start()])) for match in DECIMAL_SEPARATOR.finditer(word.text)
    }
    for place, (left, right) in enumerate(itertools.pairwise(digits), start=1):
        reach, next_start = int(ends[left]), int(starts[right])
        empty = not ((centres > reach) & (centres < next_start)).any()
        if (
            next_start - reach > NUMBER_GAP * tallest
            and empty
            and place not in separated
            and (read - place) % 3
        ):
            return place
    return None


def _digit_slices(stats: np.ndarray, digits: list[int], read: int) -> list[tuple[int, int, int]] | None:
    """Each digit read, left to right, as its component's label and the columns it spans: a component of
    its own, or a slice of a component that holds several touching digits (`409` with the 0 and 9 joined).
    A joined component holds the digits its share of the components' total width does, cut into equal
    slices; None (nothing decided) where the shares do not add up to the digits read, or where more
    components stand than digits were read (a digit broken into pieces, or the box took in a mark)."""
    if not digits or len(digits) > read:
        return None
    widths = np.array([int(stats[label, cv2.CC_STAT_WIDTH]) for label in digits])
    held = np.ones(len(digits), dtype=int) if len(digits) == read else np.rint(read * widths / widths.sum())
    if held.min() < 1 or held.sum() != read:
        return None
    slices: list[tuple[int, int, int]] = []
    for label, width, share in zip(digits, widths, held.astype(int), strict=True):
        left = int(stats[label, cv2.CC_STAT_LEFT])
        cuts = [left + round(width * step / share) for step in range(share + 1)]
        slices.extend((label, start, end) for start, end in itertools.pairwise(cuts))
    return slices


class _Hole(NamedTuple):
    first: int  # its first row
    past: int  # the row past its last
    centre_x: float
    centre_y: float
    area: int


def _holes(inked: np.ndarray) -> list[_Hole]:
    """The holes a digit's ink (a mask of its box or its slice of a joined component) encloses, top to
    bottom: paper not 4-connected to the box's edge, at least `HOLE` of the box (a blur's pinhole in a
    stroke is none). A hole that a slice's cut opens to its edge is none: two touching 8s enclose the paper
    between their waists, which belongs to neither."""
    tall, width = inked.shape
    # the box framed in paper a pixel wide (numpy's pad took most of this function's time)
    paper = np.ones((tall + 2, width + 2), np.uint8)
    paper[1:-1, 1:-1] = ~inked
    count, parts, areas, centres = cv2.connectedComponentsWithStats(paper, connectivity=4)
    holes = [
        # less the padding's row and column
        _Hole(
            top - 1,
            top - 1 + int(areas[part, cv2.CC_STAT_HEIGHT]),
            centres[part][0] - 1,
            centres[part][1] - 1,
            int(areas[part, cv2.CC_STAT_AREA]),
        )
        for part in range(1, count)
        if part != parts[0, 0] and areas[part, cv2.CC_STAT_AREA] >= HOLE * width * tall
        for top in [int(areas[part, cv2.CC_STAT_TOP])]
    ]
    return sorted(holes)


def _outline_widths(inked: np.ndarray) -> np.ndarray:
    """Each row's outline width, from its first to its last ink pixel (0 on a row without ink)."""
    columns = np.arange(inked.shape[1])
    widths: np.ndarray = (
        np.where(inked, columns, -1).max(axis=1) - np.where(inked, columns, inked.shape[1]).min(axis=1) + 1
    )
    return widths.clip(min=0)


def _ring(inked: np.ndarray, holes: list[_Hole], *, whole: bool) -> bool:
    """Whether a digit's holes are the inside of a ring, which an 8 never shows: an 8 is two bowls stacked
    on a waist, each hole in its bowl, its outline narrower between them than across either's middle row.
    A dotted zero, blurred in a photo, shows one hole across its middle third (the dot an island in it, or
    joined to the ring at one end), or two holes split by the dot joined to both sides, its outline between
    them no narrower than the chord between its widths across them (`RING_CHORD`: an oval is convex, and
    a slanted or off-centre dot leaves it a pixel narrower there than across one hole). Drawn in the 18 DejaVu
    faces, digits 20-41 px tall (the `TEXT_HEIGHT` pages are scaled to) blurred 0.8-3.2 px, no 8 tells as
    a ring, while most zeros read as 8 do. The waist is judged only on a digit that is its own component:
    a slice's cut through a neighbour's ink hides its outline. (`dotted_zeros` judges a 6 or 9 whose two
    holes are of like size by a looser waist: such holes refute the 6 or 9, and only a 0 or an 8 is left.)"""
    tall = int(inked.shape[0])
    if len(holes) == 1:
        (hole,) = holes
        spans = hole.first < tall / 3 and hole.past > 2 * tall / 3
        # an 8 whose blurred waist opened its two holes into one still pinches in there; a zero's oval is
        # widest at mid-height (judged on a digit that is its own component only)
        return spans and not (whole and _waisted(inked, hole))
    if len(holes) != 2 or holes[1].first <= holes[0].past or not whole:
        return False
    widths = _outline_widths(inked)
    # across a hole's middle row an 8's bowl is at its widest; a zero's oval is wider still between them
    (upper, upper_width), (lower, lower_width) = (
        (middle, int(widths[middle])) for hole in holes for middle in [(hole.first + hole.past - 1) // 2]
    )
    between = np.arange(holes[0].past, holes[1].first)
    chord = upper_width + (lower_width - upper_width) * (between - upper) / (lower - upper)
    return bool((widths[between] >= RING_CHORD * chord).all())


def _lopsided(inked: np.ndarray, holes: list[_Hole]) -> bool:
    """Whether a digit read as 0 with two holes, one above the other, is narrower across one than across
    the other (`ZERO_SYMMETRY`): a zero is as wide at the top as at the bottom, and a dotted one's dot
    splits its hole into halves at like heights from its middle, while a 9 whose tail curls back onto its
    stem in small blurred type closes a second hole under its bowl, where the glyph narrows (and a 6 above
    its bowl, under its hook). Tesseract read such 9s and 6s as zeros on curled photos (`4,91` as `4,01`,
    `8,6` as `8,0`) as surely as it reads anything. Judged on a digit that is its own component only: a
    slice's cut through a neighbour's ink hides its outline."""
    if len(holes) != 2 or holes[0].past > holes[1].first:
        return False
    widths = _outline_widths(inked)
    upper, lower = (int(widths[round(hole.centre_y)]) for hole in holes)
    return min(upper, lower) < ZERO_SYMMETRY * max(upper, lower)


def _waisted(inked: np.ndarray, hole: _Hole) -> bool:
    """Whether a digit's outline across its one hole's middle row is narrower (`ZERO_WAIST`) than across
    the rows a quarter of the hole in from its top and bottom: an 8's waist, whose two holes blur or small
    type opened into one (a French monitor photo's `84` read right and refused as a dotted zero)."""
    widths = _outline_widths(inked)
    reach = hole.past - hole.first
    upper, lower = hole.first + reach // 4, hole.past - 1 - reach // 4
    middle = (hole.first + hole.past - 1) // 2
    return bool(widths[middle] < ZERO_WAIST * (widths[upper] + widths[lower]) / 2)


def zero_shaped_lead(grey: np.ndarray, word: Word, *, ink: BoxInk | None = None) -> bool:
    """Whether a fraction read with a leading 6 or 9 ("6.453") that its pixels cannot hold
    (`misshapen_digits`) holds them once that digit is a zero: a monospace font's dotted zero, blurred,
    shows two holes, which no 6 or 9 has and a zero may. `ink`: the box's ink when already found."""
    return bool(_LEADING_SIX_OR_NINE.fullmatch(word.text)) and not misshapen_digits(
        grey, replace(word, text="0" + word.text[1:]), ink=ink
    )


def _more_digits_than_glyphs(parts: np.ndarray, read: int) -> bool:
    """Whether more digits were read than the ink components (their stats) can hold: digits that touch are
    one component, holding as many as fit in its width at `NARROWEST` of the tallest's height each. Decided
    only where `_glyphs` can tell."""
    found = _glyphs(parts)
    if found is None:
        return False
    glyphs, tallest = found
    widths = parts[glyphs, cv2.CC_STAT_WIDTH]
    return read > int(np.maximum(1, widths // (NARROWEST * tallest)).sum())


def _glyph_off_the_line(parts: np.ndarray, separators: int) -> bool:
    """Whether a glyph read as a digit, each digit its own component, reaches below the other digits'
    baseline or starts below their tops by more than `OFF_THE_LINE` of their height: lining digits stand
    between the same two lines, a unit's first letter glued on as a digit does not (`2,40 g/L` read
    `2.409.`, the `g/L` joined into one glyph read as the 9, its descender 0.25 digit heights below the
    digits' baseline). Judged only where `_glyphs` can tell and each separator read between digits is a
    component of its own: a comma joined to its digit, blurred, hangs below the baseline."""
    found = _glyphs(parts)
    if found is None:
        return False
    glyphs, _ = found
    if len(parts) - int(glyphs.sum()) < separators:
        return False
    tops = parts[glyphs, cv2.CC_STAT_TOP]
    bottoms = tops + parts[glyphs, cv2.CC_STAT_HEIGHT]
    heights = parts[glyphs, cv2.CC_STAT_HEIGHT]
    for index in range(len(tops)):
        others = np.arange(len(tops)) != index
        if not others.any():
            return False
        reach = OFF_THE_LINE * float(np.median(heights[others]))
        if bottoms[index] > bottoms[others].max() + reach or tops[index] > tops[others].max() + reach:
            return True
    return False


def _glyphs(parts: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Which of a word's ink components (their stats) are glyphs, at least half the tallest's height, and
    that height; None when one is neither a glyph nor a separator (at most a third of it each way): a
    digit broken into pieces (a monitor photo's moiré) decides nothing."""
    if not len(parts):
        return None
    heights, widths = parts[:, cv2.CC_STAT_HEIGHT], parts[:, cv2.CC_STAT_WIDTH]
    tallest = int(heights.max())
    glyphs = heights >= 0.5 * tallest
    separators = (heights <= tallest / 3) & (widths <= tallest / 3)
    if not (glyphs | separators).all():
        return None
    return glyphs, tallest


def _fewer_digits_than_glyphs(parts: np.ndarray, read: int) -> bool:
    """Whether the word's box holds more glyphs side by side, each a component of its own, than digits
    were read: Tesseract read `11` as `1` (its box around both), a digit lost that no range or flag can
    tell. Glyphs count only while each stands within `WORD_SPACE` of the tallest's height of the last: the
    box may take in the next word (`41 %` read as `41`). Decided only where `_glyphs` can tell."""
    found = _glyphs(parts)
    if found is None:
        return False
    glyphs, tallest = found
    # glyphs left to right while each stands within a digit's spacing of the last; a gap that holds a
    # decimal point may be as wide as a word space in a proportional font, so it ends the count too
    spans = sorted(
        (int(part[cv2.CC_STAT_LEFT]), int(part[cv2.CC_STAT_LEFT] + part[cv2.CC_STAT_WIDTH]))
        for part in parts[glyphs]
    )
    counted = 1
    for (_, reach), (left, _) in itertools.pairwise(spans):
        if left - reach > WORD_SPACE * tallest:
            break
        counted += 1
    return counted > read


def with_decimal_point(grey: np.ndarray, word: Word) -> Word:
    """A number read without the decimal point printed in it ("12.3" read as "123"), with the point put
    back where the page shows one: Tesseract drops a small point between digits, and the value is then
    refused or, with no range to refuse it by, read ten or a hundred times too large.

    The point is looked for in the pixels, not guessed from the value: in the word's box (and a little
    below, where a comma hangs), the digits are the components as tall as the word, one per digit; a
    point is a small component at least half as dark as their strokes (a faint speck is not; a letter
    is taller), in the lower half of the digits and reaching their baseline (a speck of a scan's noise
    under it is none), in the gap between two neighbouring digits. Exactly one place must hold one."""
    if not (word.text.isdigit() and 2 <= len(word.text) <= 5):
        return word
    height = word.bottom - word.top
    top, bottom = max(0, round(word.top)), round(word.bottom + 0.4 * height)
    crop = grey[top:bottom, max(0, round(word.x0)) : round(word.x1) + 1]
    if crop.size == 0:
        return word
    _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    parts = [(int(x), int(y), int(w), int(h)) for x, y, w, h, _ in stats[1:]]
    digits = sorted((part for part in parts if part[3] >= 0.5 * height), key=lambda part: part[0])
    if len(digits) != len(word.text):
        return word
    digit_top = min(part[1] for part in digits)
    baseline = max(part[1] + part[3] for part in digits)
    size = baseline - digit_top
    # a printed point, blurred, is lighter than the strokes but at least half as dark; a faint speck is not
    strokes = crop[np.isin(labels, [index for index in range(1, count) if stats[index][3] >= 0.5 * height])]
    darkest = (float(np.median(strokes)) + float(np.median(crop[ink == 0]))) / 2
    places: set[int] = set()
    for label, (x, y, width, tall) in enumerate(parts, start=1):
        # a bold comma hangs below the baseline to 0.4 of the digits' height; a point is smaller
        if (
            min(width, tall) < 2
            or width > 0.35 * size
            or tall > 0.45 * size
            or crop[labels == label].min() > darkest
        ):
            continue
        # on the line the digits stand on: a point ends at it, a comma hangs from it, a speck under it is none
        if y < digit_top + 0.55 * size or y > baseline or y + tall < baseline - 0.2 * size:
            continue
        centre = x + width / 2
        places.update(
            index + 1
            for index in range(len(digits) - 1)
            if digits[index][0] + digits[index][2] - 1 <= centre <= digits[index + 1][0] + 1
        )
    if len(places) != 1:
        return word
    (place,) = places
    return replace(word, text=f"{word.text[:place]}.{word.text[place:]}")


def stop_ends_number(grey: np.ndarray, word: Word) -> bool:
    """Whether a whole number read with a stop (or colon) after it ("156.", "12:") is that number: the page
    shows a mark right of its last digit and nothing as tall as a digit where one after a decimal point
    would stand. A speck of a scan's noise, or a full stop printed after the number, reads so; a decimal
    whose digits OCR lost ("15.6" read "15.") shows them there, as ink, and is left to a second reading
    (`labs.confirm`).

    In the word's box, the digits are the glyphs (`_glyphs`), one per digit read, and the stop a speck right
    of the last digit; no speck stands between two digits in their lower half (a point read out of place,
    "15.6" read "156."). Right of the last digit, within `DIGIT_AFTER_STOP` digit heights, no component is
    `DIGIT_TALL` of the digits' height: digits are lining figures, all as tall as each other, while the
    letters of a unit one space on ("12 ug/L") stand at x-height. Undecided (False) where a component in the
    box is neither glyph nor speck (a rule, a dash) or touching digits are one component."""
    if not STOPPED_NUMBER.fullmatch(word.text):
        return False
    left = max(0, round(word.x0))
    ink = _box_ink(grey, word, beyond=DIGIT_AFTER_STOP * (word.bottom - word.top))
    if ink is None:
        return False
    parts = ink.stats[1 : ink.number]
    starts = parts[:, cv2.CC_STAT_LEFT]
    centres = starts + parts[:, cv2.CC_STAT_WIDTH] / 2
    inside = starts <= word.x1 - left
    found = _glyphs(parts[inside])
    read = len(word.text) - 1
    if found is None or int(found[0].sum()) != read:
        return False
    glyphs, tallest = found
    digits, marks = parts[inside][glyphs], parts[inside][~glyphs]
    first = int(digits[:, cv2.CC_STAT_LEFT].min())
    reach = int((digits[:, cv2.CC_STAT_LEFT] + digits[:, cv2.CC_STAT_WIDTH]).max())
    baseline = int((digits[:, cv2.CC_STAT_TOP] + digits[:, cv2.CC_STAT_HEIGHT]).max())
    mark_centres = marks[:, cv2.CC_STAT_LEFT] + marks[:, cv2.CC_STAT_WIDTH] / 2
    lower = marks[:, cv2.CC_STAT_TOP] + marks[:, cv2.CC_STAT_HEIGHT] >= baseline - 0.5 * tallest
    if not (mark_centres > reach).any() or (lower & (mark_centres > first) & (mark_centres < reach)).any():
        return False
    room = (centres > reach) & (starts < reach + DIGIT_AFTER_STOP * tallest)
    return not (room & (parts[:, cv2.CC_STAT_HEIGHT] >= DIGIT_TALL * tallest)).any()


def upright_rotation(image: Image.Image) -> int:
    """Degrees to turn the page clockwise so its text stands upright, from Tesseract's orientation model;
    0 when it cannot tell (too little text). It looks at a few hundred letters, so it needs no time limit
    of its own beyond the document's."""
    with _ENGINE_LOCK:
        engine = _orientation_engine()
        _give(engine, np.asarray(image.convert("L"), dtype=np.uint8))
        found = engine.DetectOrientationScript()
    # Tesseract reports how far the text is turned clockwise; the page turns back the rest of the circle.
    return 0 if found is None else (360 - int(found["orient_deg"])) % 360


def _timeout(page: int, seconds: float) -> ReportUnreadable:
    return ReportUnreadable(
        "page_timeout",
        f"Page {page} could not be read within {seconds:.0f} seconds. Try a sharper photo or a text PDF.",
    )
