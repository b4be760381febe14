"""Preparing photos and scans for OCR, mostly without Tesseract: the sheet found and straightened, rules and
specks erased, letters and decimal points kept. Small synthetic images, so these run in milliseconds."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from verae.labs import ocr

PAGE = (420, 594)  # A4 proportions
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"


def page_with_text() -> np.ndarray:
    page = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(page)
    for row in range(12):
        draw.text((30, 40 + row * 40), f"Haemoglobin {120 + row}.5 g/L  115-165", fill=0)
    return np.asarray(page)


def photographed(page: np.ndarray, corners: np.ndarray, shadow: bool) -> np.ndarray:
    """The page warped onto a darker desk, as a phone held off-axis sees it, optionally half in shadow."""
    height, width = page.shape
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(source, corners)
    desk = cv2.warpPerspective(page, transform, (640, 760), borderValue=70)
    if shadow:
        light = np.linspace(1.0, 0.45, desk.shape[1], dtype=np.float32)[None, :]
        desk = (desk * light).astype(np.uint8)
    return desk


CORNERS = np.array([[90, 60], [540, 95], [575, 700], [60, 680]], dtype=np.float32)


def test_a_photographed_sheet_is_found_by_its_four_corners_even_half_in_shadow() -> None:
    for shadow in (False, True):
        found = ocr._page_quad(photographed(page_with_text(), CORNERS, shadow))
        assert found is not None
        # each true corner has a found corner within a few pixels (the outline is traced on a reduced copy)
        distances = np.linalg.norm(found[:, None, :] - CORNERS[None, :, :], axis=2)
        assert distances.min(axis=0).max() < 8, found


def test_the_sheet_is_straightened_to_about_its_own_proportions() -> None:
    straightened = ocr._crop_to_paper(photographed(page_with_text(), CORNERS, shadow=True))
    height, width = straightened.shape
    # the mean lengths of opposite sides: near the true proportions (exact ones need the camera's focal
    # length), and OCR needs letters of a sensible shape, not exact ones
    assert abs(height / width - PAGE[1] / PAGE[0]) < 0.2
    # no desk left along the edges: the borders are paper (bright), not the dark desk
    assert np.median(straightened[:, :5]) > 100
    assert np.median(straightened[:5, :]) > 100


def test_a_framed_table_in_a_screenshot_is_not_taken_for_a_sheet() -> None:
    screenshot = np.full((600, 700), 255, np.uint8)
    cv2.rectangle(screenshot, (20, 20), (680, 420), 0, 2)
    screenshot[60:400:30, 40:660] = 0  # table rows inside the frame
    assert ocr._page_quad(screenshot) is None
    assert ocr._crop_to_paper(screenshot).shape == screenshot.shape


BEZEL = 30


def _monitor() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A page shown on a monitor with a dark bezel: the picture, its outline's corners and its lit
    screen's corners."""
    screen = np.pad(page_with_text(), BEZEL, constant_values=18)
    height, width = screen.shape
    outline = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    lit = np.array(
        [[BEZEL, BEZEL], [width - BEZEL, BEZEL], [width - BEZEL, height - BEZEL], [BEZEL, height - BEZEL]],
        dtype=np.float32,
    )
    return screen, outline, lit


def _assert_corners_near(found: np.ndarray | None, expected: np.ndarray) -> None:
    assert found is not None
    distances = np.linalg.norm(found[:, None, :] - expected[None, :, :], axis=2)
    assert distances.min(axis=0).max() < 8, found


def test_a_photographed_monitor_is_cut_to_its_lit_screen_not_to_its_dark_bezel() -> None:
    screen, outline, lit = _monitor()
    transform = cv2.getPerspectiveTransform(outline, CORNERS)
    expected = cv2.perspectiveTransform(lit[None], transform)[0]
    _assert_corners_near(ocr._page_quad(photographed(screen, CORNERS, shadow=False)), expected)


def test_a_monitor_on_a_desk_is_cut_to_its_screen_not_to_the_desk_framed_by_the_photo_corners() -> None:
    screen, outline, lit = _monitor()
    on_desk = cv2.getPerspectiveTransform(outline, CORNERS)
    desk = cv2.warpPerspective(screen, on_desk, (640, 760), borderValue=55)
    # the desk itself seen off-axis, the photo's corners beyond it black: the desk's outline is a bright
    # four-cornered outline too, larger than the screen's, with darker corners around it
    desk_outline = np.array([[0, 0], [640, 0], [640, 760], [0, 760]], dtype=np.float32)
    desk_corners = np.array([[60, 30], [660, 50], [640, 790], [40, 770]], dtype=np.float32)
    in_photo = cv2.getPerspectiveTransform(desk_outline, desk_corners)
    photo = cv2.warpPerspective(desk, in_photo, (700, 820), borderValue=0)
    expected = cv2.perspectiveTransform(lit[None], in_photo @ on_desk)[0]
    _assert_corners_near(ocr._page_quad(photo), expected)


def test_dotted_and_solid_rules_and_lone_specks_are_erased_while_text_and_decimal_points_stay() -> None:
    image = Image.new("L", (2480, 400), 255)  # an A4 page's width at 300 dpi
    draw = ImageDraw.Draw(image)
    draw.line((20, 50, 2400, 50), fill=0, width=3)  # a solid rule
    for x in range(20, 2400, 9):  # a dotted rule: 3-pixel dots 6 pixels apart ...
        draw.rectangle((x, 150, x + 2, 152), fill=0)
    draw.rectangle((1000, 115, 1012, 145), fill=0)  # ... passing just under a letter
    draw.rectangle((100, 250, 112, 280), fill=0)  # a digit-sized stroke ...
    draw.rectangle((126, 275, 129, 280), fill=0)  # ... its decimal point, a monospace cell away
    draw.rectangle((600, 330, 602, 332), fill=0)  # a speck, far from any letter
    cleaned = np.asarray(ocr.remove_rules(image))
    assert cleaned[48:53, 20:2400].min() == 255
    assert cleaned[150:153, 20:2400].min() == 255
    assert cleaned[330:333, 600:603].min() == 255
    assert cleaned[115:146, 1000:1013].max() == 0
    assert cleaned[250:281, 100:113].max() == 0
    assert cleaned[275:281, 126:130].max() == 0


def test_a_light_grey_dotted_rule_under_a_row_is_erased_while_its_digits_stay() -> None:
    """A dotted rule photographed lighter than the letters (grey 200, past the letters' threshold of 180)
    is still a rule: Tesseract reads it as letters between a name and its value."""
    image = Image.new("L", (2480, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.text((1300, 60), "42,8", fill=0, font_size=40)
    for x in range(20, 2400, 9):
        draw.rectangle((x, 110, x + 2, 112), fill=200)
    cleaned = np.asarray(ocr.remove_rules(image))
    assert cleaned[110:113, 20:2400].min() == 255
    assert (cleaned[50:108, 1290:1400] < 180).sum() == (np.asarray(image)[50:108, 1290:1400] < 180).sum()


def test_a_bold_word_whose_letters_touch_is_not_erased_as_a_rule() -> None:
    image = Image.new("L", (1200, 200), 255)
    # a run of touching letter stems, longer than a rule must be: ink 20 pixels tall is letters, not a rule
    ImageDraw.Draw(image).rectangle((100, 80, 400, 100), fill=0)
    assert np.asarray(ocr.remove_rules(image))[80:101, 100:401].max() == 0


def test_pictures_of_a_few_pixels_are_prepared_without_failing() -> None:
    """A blank 1x1 JPEG or a one-pixel-high strip is a valid upload: it reads as nothing, not as a crash."""
    for size in ((1, 1), (2, 2), (500, 1), (1, 500)):
        prepared, _ = ocr.prepare(Image.new("L", size, 255))
        assert min(prepared.size) >= 1


def textured_sparse_page() -> Image.Image:
    """Three grey rows on grey paper with a fine texture (a monitor's moiré, ±8 grey levels): far less than
    1 % ink."""
    page = Image.new("L", (1100, 1550), 200)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 16)
    for row in range(3):
        draw.text((80, 100 + 30 * row), f"Ferritin, ng/mL   {20 + row},4   15-150", font=font, fill=90)
    rows, columns = np.mgrid[0:1550, 0:1100]
    texture = 8 * np.sin(rows * 2 * np.pi / 3) * np.sin(columns * 2 * np.pi / 3.3)
    return Image.fromarray(np.clip(np.asarray(page, dtype=np.float32) + texture, 0, 255).astype(np.uint8))


def test_a_sparse_pages_paper_texture_is_not_stretched_into_ink() -> None:
    """Stretching the darkest 1 % of a sparse textured page to black turned the texture into some 200,000
    specks, which Tesseract read as text for over a minute. The paper stays paper, the rows read."""
    prepared, levelled_to_ink = ocr.prepare(textured_sparse_page())
    assert levelled_to_ink
    paper = np.asarray(prepared)[prepared.height // 3 :, :]  # well below the rows
    assert np.count_nonzero(paper < 200) < 0.001 * paper.size  # 8 % before
    words = [word.text for word in ocr.recognize(prepared, timeout=20, page=1)]
    assert words.count("ng/mL") == 3
    assert {"20,4", "21,4", "22,4"} <= set(words)


def typed_page(width: int, size: int, shadow: bool = False) -> np.ndarray:
    """Rows of a report in `size`-pixel type on a page `width` pixels wide, optionally in a side shadow."""
    page = Image.new("L", (width, round(width * 1.4)), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, size)
    for row in range(round(width * 1.4) // (2 * size) - 1):
        draw.text((size, size + row * 2 * size), f"Ferritin {20 + row},4 ng/mL  15-150", font=font, fill=0)
    pixels = np.asarray(page, dtype=np.float32)
    if shadow:
        pixels *= np.linspace(1.0, 0.5, width, dtype=np.float32)[None, :]
    return np.asarray(pixels, dtype=np.uint8)


def test_the_text_height_follows_the_type_size_even_in_a_shadow() -> None:
    small = ocr.text_height(typed_page(1200, 14, shadow=True))
    large = ocr.text_height(typed_page(1200, 42))
    assert small is not None
    assert large is not None
    assert 2.6 < large / small < 3.4
    assert ocr.text_height(np.full((600, 400), 255, np.uint8)) is None


def test_small_type_is_enlarged_large_type_reduced_and_ordinary_type_scaled_by_the_page_width() -> None:
    low, high = ocr.TEXT_HEIGHT
    width = ocr.TARGET_WIDTH // 2
    for size in (12, 24, 60):
        page = typed_page(width, size)
        letters = ocr.text_height(page)
        assert letters is not None
        scale = ocr.page_scale(page)
        assert scale**2 * page.size <= ocr.MAX_PIXELS
        if size == 24:
            assert scale == ocr.TARGET_WIDTH / width
        else:
            assert low * 0.99 <= letters * scale <= high * 1.01


def test_dot_leaders_a_cell_apart_are_erased_while_the_values_and_their_decimal_points_stay() -> None:
    """A monospace letter's dot leaders, each dot as large as the decimal point in the value beside it and
    one character cell from the next (too far apart for a dotted rule, too large for a speck); more dots
    than letters on the page, so the median mark is a dot and the letters' height must be found without
    them."""
    font = ImageFont.truetype(MONO, 40)
    image = Image.new("L", (1300, 700), 255)
    draw = ImageDraw.Draw(image)
    for row, (name, value) in enumerate([("Haemoglobin", "98.5"), ("RDW", "13.9"), ("Platelets", "386")] * 4):
        draw.text((20, 20 + 55 * row), f"{name:<12}{'.' * 20} {value} g/L", fill=0, font=font)
    cleaned = np.asarray(ocr.remove_rules(image))
    cell = font.getlength("x")
    for row in range(12):
        dots = (round(20 + 12 * cell), 20 + 55 * row, round(20 + 32 * cell), 20 + 55 * row + 50)
        assert (np.asarray(image.crop(dots)) < 180).any()
        assert np.asarray(Image.fromarray(cleaned).crop(dots)).min() == 255
        beside = (round(20 + 33 * cell), 20 + 55 * row, 1300, 20 + 55 * row + 50)
        assert (np.asarray(Image.fromarray(cleaned).crop(beside)) == np.asarray(image.crop(beside))).all()
