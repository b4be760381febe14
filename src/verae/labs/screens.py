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
"""

from __future__ import annotations

from PIL import Image, ImageFilter

# The page went through at least this enlargement on its way to ~300 dpi (the source had fewer than
# two thirds of an A4 page's 300-dpi pixels across).
MIN_ENLARGEMENT = 1.5


def sharpened(page: Image.Image, source_width: int) -> Image.Image:
    """The levelled page cleaned of pixel-scale patterns and re-sharpened, when it was drawn from few
    pixels; otherwise the page itself."""
    if page.width < MIN_ENLARGEMENT * max(source_width, 1):
        return page
    smooth = page.filter(ImageFilter.GaussianBlur(1.5))
    return smooth.filter(ImageFilter.UnsharpMask(radius=3, percent=150, threshold=2))
