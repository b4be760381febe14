"""Curl and fold flattening: a sheet photographed curled or folded bends its text rows, and Tesseract (and
the row grouping after it) loses the values on a bent row. The rows themselves show the bend.

Method. On a reduced copy of the levelled page, the ink (without vertical rules) is smeared along each row
so a row's words join into row pieces; each piece is sampled along its length (the median height of its
ink, band by band), and joined to the piece that continues it across a column gap when no other piece
could. The page's bend is a vertical displacement field D(x, y): a row is the curve y = c + D(x, y), with
its own height c. D is a tensor product of hat functions on a coarse grid (its knots a ninth of the page
apart), pinned to zero down the middle column so the heights c are defined, and kept smooth by a light
penalty on its second differences; c and D are fitted together by least squares, and again without the
samples that disagree most (a stray mark, a mis-joined piece). A fold is a crease across the page: D
bends at it, which hat functions follow and a single polynomial would not. Each output pixel then takes
the source pixel D below it (`cv2.remap`).

Flat pages pay a few tens of milliseconds and are returned unchanged: the field is used only when it
moves rows by a measurable share of a text height and explains most of their bend (the samples' spread
about their rows falls to well under half of what it is about straight rows); on a flat page the field
fits noise and clears neither bar.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

# The page is analysed at about this width: a text height is still 8-15 px there.
WORK_WIDTH = 1000
KNOTS = 9  # grid of the displacement field, across and down the page
SMOOTHNESS = 0.1
RIDGE = 0.01
# Used only when the field moves some row by this share of a text height...
MIN_BEND = 0.3
# ...and the rows' spread about their bent course is at most this share of their spread about straight
# lines (curled pages measured 0.08-0.29, flat ones 0.49-0.95).
MAX_RESIDUAL_SHARE = 0.4
MIN_ROWS = 6


def straightened(image: Image.Image) -> Image.Image:
    """The page with its rows straightened, or the page itself when they are straight already."""
    field = displacement(image)
    if field is None:
        return image
    height, width = field.shape
    columns, rows = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    pixels = np.asarray(image, dtype=np.uint8)
    return Image.fromarray(
        cv2.remap(
            pixels, columns, rows + field, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
        )
    )


def displacement(image: Image.Image) -> np.ndarray | None:
    """Per pixel of the page, how far below it (in pixels) the source of its straightened row lies; None
    when the rows are not measurably bent."""
    grey = np.asarray(image, dtype=np.uint8)
    factor = max(1.0, grey.shape[1] / WORK_WIDTH)
    size = (max(1, round(grey.shape[1] / factor)), max(1, round(grey.shape[0] / factor)))
    small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    samples = _row_samples(small)
    if samples is None:
        return None
    xs, ys, pieces, text_height = samples
    weights, bend, straight_spread, bent_spread = _fit(xs, ys, pieces, small.shape)
    if bend < MIN_BEND * text_height or bent_spread > MAX_RESIDUAL_SHARE * straight_spread:
        return None
    grid = _field(weights, small.shape)
    full = cv2.resize(
        grid.astype(np.float32) * factor, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR
    )
    # the source of an output row lies where the field is evaluated at the source, not the output:
    # one fixed-point step (the field changes slowly down the page)
    rows = np.arange(grey.shape[0], dtype=np.float32)[:, None] + full
    rows = np.clip(rows, 0, grey.shape[0] - 1).astype(np.int32)
    return np.take_along_axis(full, rows, axis=0)


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """A mask's 8-connected components: their count (the background is label 0), labels and stats.
    Grana's block-based labelling finds the same components as OpenCV's default and gives their stats in
    a third of the time (13 against 35 ms on a 2000 x 2700 photo), though it may number them in
    another order."""
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        mask, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    return count, labels, stats


def letter_height(ink: np.ndarray, widest: float, *, without_dots: bool = False) -> float | None:
    """The median height of the letters in an ink mask, or None when it shows too few: connected
    components of a letter's size (not specks, rules or blotches), at most `widest` times as wide as tall
    (glued letters pass at 4, not at 2). `without_dots` leaves out components under half as tall as the
    tallest tenth (digits, capitals, ascenders): dots, commas and hyphens, which on a page of dot leaders
    outnumber the letters and would be its median "letter"."""
    return letter_height_of(components(ink)[2], ink.shape[0], widest, without_dots=without_dots)


def letter_height_of(
    stats: np.ndarray, page_height: int, widest: float, *, without_dots: bool = False
) -> float | None:
    """`letter_height` from the stats of the ink mask's components, when they are already at hand."""
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    letters = heights[(heights >= 4) & (heights <= page_height // 20) & (widths <= widest * heights)]
    if without_dots and letters.size:
        letters = letters[letters >= 0.5 * np.percentile(letters, 90)]
    if letters.size < 50:
        return None
    return float(np.median(letters))


def _row_samples(small: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float] | None:
    """Points along the middle of each row piece (x, y, the piece they belong to) and the text height."""
    ink = np.where(small < 150, 255, 0).astype(np.uint8)
    text_height = letter_height(ink, widest=4)
    if text_height is None:
        return None
    # vertical rules would join rows into one tall piece
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((round(2.5 * text_height), 1), np.uint8))
    ink = np.where(vertical > 0, 0, ink).astype(np.uint8)
    # words of a row join; rows do not, the smear being along the row only
    smear = max(3, round(2.5 * text_height))
    joined = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, smear), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    band = max(4, round(1.5 * text_height))
    xs: list[float] = []
    ys: list[float] = []
    owners: list[int] = []
    # each piece: its first and last sample (x, y), to join it with the pieces of its row across columns
    ends: list[tuple[float, float, float, float]] = []
    for label in range(1, count):
        left, top, width, height = stats[label, :4]
        # the box of a bent row is taller than a row: its height is checked band by band below
        if height < 0.5 * text_height or width < text_height:
            continue
        mask = (labels[top : top + height, left : left + width] == label) & (
            ink[top : top + height, left : left + width] > 0
        )
        found: list[tuple[float, float]] = []
        for start in range(0, max(1, width - band // 2), band):
            rows = np.nonzero(mask[:, start : start + band])[0]
            if not rows.size:
                continue
            if rows.max() - rows.min() > 2 * text_height:
                break  # two rows touching: the piece would tell nothing about either
            # a band of dot leaders or a rule alone sits on the baseline, not the row's middle
            if rows.max() - rows.min() >= 0.6 * text_height:
                found.append((left + start + min(band, width - start) / 2, top + float(np.median(rows))))
        else:
            if found:
                xs.extend(x for x, _ in found)
                ys.extend(y for _, y in found)
                owners.extend([len(ends)] * len(found))
                ends.append((*found[0], *found[-1]))
    if not ends:
        return None
    rows_of = _rows(ends, text_height)
    owner = np.array([rows_of[piece] for piece in owners])
    # a row sampled once says nothing about the bend (its own height absorbs it)
    counts = np.bincount(owner)
    useful = counts[owner] >= 2
    if np.count_nonzero(counts >= 2) < MIN_ROWS:
        return None
    _, renumbered = np.unique(owner[useful], return_inverse=True)
    return np.array(xs)[useful], np.array(ys)[useful], renumbered, text_height


def _rows(ends: list[tuple[float, float, float, float]], text_height: float) -> list[int]:
    """The row of each piece: a piece is joined to the nearest piece that starts to its right within a
    table's column gap at about the height where it ends, so a table row across its columns is one row
    (a value alone in its column then tells where the row runs)."""
    parent = list(range(len(ends)))

    def root(piece: int) -> int:
        while parent[piece] != piece:
            parent[piece] = parent[parent[piece]]
            piece = parent[piece]
        return piece

    starts = np.array([(x, y) for x, y, _, _ in ends])
    for piece, (first_x, first_y, right, level) in enumerate(ends):
        gaps = starts[:, 0] - right
        # a bent row keeps going the way a long piece of it was heading (a short piece's slope is noise)
        slope = (level - first_y) / (right - first_x) if right - first_x >= 4 * text_height else 0.0
        expected = level + np.clip(slope, -0.1, 0.1) * np.clip(gaps, 0, None)
        offset = np.abs(starts[:, 1] - expected)
        ahead = (gaps > 0) & (gaps < 25 * text_height)
        near = ahead & (offset < 0.6 * text_height)
        if not near.any():
            continue
        nearest = int(np.flatnonzero(near)[np.argmin(gaps[near])])
        # joined only when no other piece about as near could be the row's continuation
        rivals = ahead & (gaps < gaps[nearest] + 2 * text_height) & (offset < 1.5 * text_height)
        if np.count_nonzero(rivals) == 1:
            parent[root(nearest)] = root(piece)
    return [root(piece) for piece in range(len(ends))]


def _hats(values: np.ndarray, length: int) -> np.ndarray:
    """Piecewise-linear basis: row i holds each value's weight on the KNOTS knots spread over `length`."""
    position = np.clip(values / max(length - 1, 1) * (KNOTS - 1), 0, KNOTS - 1)
    lower = np.minimum(np.floor(position).astype(int), KNOTS - 2)
    share = position - lower
    basis = np.zeros((values.size, KNOTS))
    basis[np.arange(values.size), lower] = 1 - share
    basis[np.arange(values.size), lower + 1] = share
    return basis


def _fit(
    xs: np.ndarray, ys: np.ndarray, pieces: np.ndarray, shape: tuple[int, ...]
) -> tuple[np.ndarray, float, float, float]:
    """Field weights (KNOTS x KNOTS, the middle column zero), how far the field moves the rows where they
    are (a high percentile, so one stray piece does not decide), and the samples' spread about their
    pieces before (level rows) and after (bent by the field)."""
    height, width = shape[0], shape[1]
    across, down = _hats(xs, width), _hats(ys, height)
    free = [(i, j) for j in range(KNOTS) for i in range(KNOTS) if i != KNOTS // 2]
    design_field = np.stack([across[:, i] * down[:, j] for i, j in free], axis=1)
    piece_count = int(pieces.max()) + 1
    # curvature is penalised, and a little the field itself, so it stays flat where no row tells otherwise
    scale = np.sqrt(xs.size / len(free))
    penalty = np.vstack([_second_differences(free) * SMOOTHNESS, np.eye(len(free)) * RIDGE]) * scale
    keep = np.ones(xs.size, bool)
    field = np.zeros(len(free))
    heights = np.zeros(piece_count)
    for _ in range(2):
        # each piece's own height is eliminated (samples taken about their piece's mean), so the least
        # squares has the field's 72 unknowns, not one more per piece: the same solution, and seconds
        # fewer on a page of many short pieces
        counts = np.bincount(pieces[keep], minlength=piece_count)
        field_means = np.zeros((piece_count, len(free)))
        np.add.at(field_means, pieces[keep], design_field[keep])
        field_means /= np.maximum(counts, 1)[:, None]
        y_means = np.bincount(pieces[keep], weights=ys[keep], minlength=piece_count) / np.maximum(counts, 1)
        centred = design_field[keep] - field_means[pieces[keep]]
        field, *_ = np.linalg.lstsq(
            np.vstack([centred, penalty]),
            np.concatenate([ys[keep] - y_means[pieces[keep]], np.zeros(len(penalty))]),
            rcond=None,
        )
        # a piece left without samples has no height, as the joint solution's minimum norm gave it
        heights = np.where(counts > 0, y_means - field_means @ field, 0.0)
        residual = np.abs(design_field @ field + heights[pieces] - ys)
        keep = residual <= max(np.percentile(residual, 90), 1.0)
    bent = float(np.sqrt(np.mean(np.square((design_field @ field + heights[pieces] - ys)[keep]))))
    straight = _straight_spread(ys[keep], pieces[keep], piece_count)
    weights = np.zeros((KNOTS, KNOTS))
    for (i, j), weight in zip(free, field, strict=True):
        weights[j, i] = weight
    bend = float(np.percentile(np.abs(design_field[keep] @ field), 95))
    return weights, bend, straight, bent


def _straight_spread(ys: np.ndarray, pieces: np.ndarray, piece_count: int) -> float:
    """Root-mean-square distance of the samples from their piece's mean height: each piece a level row."""
    totals = np.bincount(pieces, weights=ys, minlength=piece_count)
    counts = np.maximum(np.bincount(pieces, minlength=piece_count), 1)
    return float(np.sqrt(np.mean(np.square(ys - (totals / counts)[pieces]))))


def _second_differences(free: list[tuple[int, int]]) -> np.ndarray:
    """Rows penalising the field's curvature along both grid directions (the pinned column counts as 0)."""
    index = {knot: column for column, knot in enumerate(free)}
    rows = []
    for j in range(KNOTS):
        for i in range(KNOTS):
            for di, dj in ((1, 0), (0, 1)):
                if not (0 < i < KNOTS - 1 if di else 0 < j < KNOTS - 1):
                    continue
                row = np.zeros(len(free))
                for step, weight in ((-1, 1.0), (0, -2.0), (1, 1.0)):
                    knot = (i + step * di, j + step * dj)
                    if knot in index:
                        row[index[knot]] += weight
                rows.append(row)
    return np.array(rows)


def _field(weights: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The displacement at every pixel of the reduced page (bilinear between the knots)."""
    down = _hats(np.arange(shape[0], dtype=float), shape[0])
    across = _hats(np.arange(shape[1], dtype=float), shape[1])
    return np.asarray(down @ weights @ across.T)
