"""Pages drawn from few pixels: a photo of a monitor, a screenshot, a one-megapixel photo. OCR sees them
only after `ocr.levelled` has enlarged them to ~300 dpi, and enlarging keeps what the camera added at
the pixel scale: a monitor's pixel grid beating with the camera's into moiré stripes across the paper,
letters whose edges the camera and the JPEG blurred. Tesseract reads the stripes as strokes and the
blurred digits as their neighbours (8 as 3, 1 as 7).

So a page enlarged at least `MIN_ENLARGEMENT` times is smoothed below a letter stroke's width (a
Gaussian low-pass, sigma 1.5 px at 300 dpi: finer than any stroke, coarser than the grid's and the JPEG's
blocks, so it takes the moiré's fine pattern out) and then sharpened back at the scale of strokes (an
unsharp mask): the letters' edges come back, the stripes do not. A page drawn from enough pixels (a
scan, a sharp photo, a rendered PDF) is left as it is: there the low-pass would only blur real detail.
So is a picture whose paper is one flat value over much of it (a screenshot, an exported report image, a
photo whose paper the camera burnt out to white): moiré lives on the paper, and flat paper carries none,
while the small crisp letters of such a picture lose detail to the low-pass (a 600-px report image lost
values to it on the development set). This is the cheap test of a pattern on the paper; a spectral one (a peak in the
paper's spectrum) did not tell a monitor's pattern from sensor noise on generated and real photos.
"""

from __future__ import annotations

from PIL import Image, ImageFilter

# The page went through at least this enlargement on its way to ~300 dpi (the source had fewer than
# two thirds of an A4 page's 300-dpi pixels across).
MIN_ENLARGEMENT = 1.5
# Paper is flat when the picture's commonest grey covers more than this share of it (a monitor photo's
# moiré spreads it: its commonest grey covered under 0.2 on generated ones).
FLAT_SHARE = 0.3


def sharpened(page: Image.Image, source: Image.Image) -> Image.Image:
    """The levelled page cleaned of pixel-scale patterns and re-sharpened, when a camera took it with few
    pixels (`source` is the picture as uploaded); otherwise the page itself."""
    if page.width < MIN_ENLARGEMENT * max(source.width, 1) or _flat_paper(source):
        return page
    smooth = page.filter(ImageFilter.GaussianBlur(1.5))
    return smooth.filter(ImageFilter.UnsharpMask(radius=3, percent=150, threshold=2))


def _flat_paper(source: Image.Image) -> bool:
    histogram = source.convert("L").histogram()
    return max(histogram) > FLAT_SHARE * max(sum(histogram), 1)
