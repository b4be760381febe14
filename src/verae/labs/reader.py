"""Reading a lab report from a PDF, a scan or a phone photo: the entry point a worker calls.

`read_document` is synchronous and self-limiting: it refuses too many pages and oversized images,
gives each OCR run a deadline (Tesseract is killed when it passes), and stops the whole document at a
total budget, so a hostile file cannot hang or exhaust a worker. Every refusal is a `ReportUnreadable`
with a stable code and a sentence a person can act on.
"""

from __future__ import annotations

import functools
import io
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile

from verae.labs import confirm, ocr, pdf, reread
from verae.labs.consistency import check_consistency
from verae.labs.errors import ReportUnreadable
from verae.labs.extract import Reading, count_labels, names_on_line, read_values, settle_duplicates
from verae.labs.isolation import MIB, address_space_left
from verae.labs.languages import (
    UKRAINIAN,
    cyrillic_on_latin_page,
    cyrillic_page,
    page_language,
    read_as_cyrillic,
    read_as_latin,
)
from verae.labs.layout import Line, group_lines
from verae.labs.person import person_named, read_person, sex_unread
from verae.labs.schemas import LabReport, LabValue
from verae.labs.structured import parse_csv, parse_json

MEDIA_TYPES = ("application/pdf", "image/png", "image/jpeg")
MAX_PAGES = 20
MAX_IMAGE_PIXELS = 60_000_000
OCR_PAGE_SECONDS = 20.0
DOCUMENT_SECONDS = 120.0
# Below this mean word confidence an unreadable photo is reported as too blurry rather than as empty.
BLURRY_CONFIDENCE = 0.6
# An upright page of a lab report names at least this many analytes; fewer suggests a turned page.
UPRIGHT_LABELS = 3
# glibc reserves a new malloc arena's 64 MiB of address space at once
_ARENA_BYTES = 64 * MIB


# What a person is told the reader looked for when it found nothing.
LOOKED_FOR = (
    "the blood count: haemoglobin, haematocrit, red cells, MCV, MCH, MCHC, RDW, platelets, white cells; "
    "the iron panel: ferritin, serum iron, TIBC, UIBC, transferrin, transferrin saturation; and CRP"
)


@dataclass
class Pages:
    lines: list[Line] = field(default_factory=list)
    ocr_pages: set[int] = field(default_factory=set)
    ocr_confidences: list[float] = field(default_factory=list)
    turns: dict[int, int] = field(default_factory=dict)
    levelled_to_ink: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class LastPass:
    """A last reading, with the page's own Tesseract model `model`, of the lines still without their value
    and of those holding a word `wrong_script` finds read in the other script."""

    model: str
    wrong_script: Callable[[str], bool]


@dataclass
class Budget:
    started: float = field(default_factory=time.monotonic)

    def seconds_for_page(self, page: int) -> float:
        remaining = DOCUMENT_SECONDS - (time.monotonic() - self.started)
        if remaining <= 1:
            raise ReportUnreadable(
                "page_timeout",
                f"Reading stopped at page {page}: the document takes longer than {DOCUMENT_SECONDS:.0f} "
                "seconds to read. Upload only the pages with blood results, or a text PDF.",
            )
        return min(OCR_PAGE_SECONDS, remaining)


def read_report(data: bytes, media_type: str) -> LabReport:
    """Any accepted upload: a structured CSV or JSON file, or a PDF, PNG or JPEG document."""
    if media_type == "text/csv":
        return parse_csv(data)
    if media_type == "application/json":
        return parse_json(data)
    return read_document(data, media_type)


def read_document(data: bytes, media_type: str) -> LabReport:
    """The lab values, collection date, sex and age printed in a PDF, PNG or JPEG report."""
    budget = Budget()
    pages = Pages()
    if media_type == "application/pdf":
        _read_pdf(data, pages, budget)
    elif media_type in ("image/png", "image/jpeg"):
        _read_image_page(open_image(data), 1, pages, budget)
    else:
        raise ReportUnreadable("unsupported_media_type", "Only PDF, PNG and JPEG reports can be read.")
    reading = read_values(pages.lines, ocr_pages=frozenset(pages.ocr_pages))
    report = LabReport(page_turns=pages.turns, pages_levelled_to_ink=pages.levelled_to_ink)
    read_person(pages.lines, report)
    report.values = settle_duplicates(reading.values, report.warnings)
    report.warnings.extend(reading.warnings)
    # the values checked against each other: the red-cell indices and the iron panel are calculated
    report.values, _ = check_consistency(report.values, report.warnings)
    if not report.values:
        raise ReportUnreadable("parse_failed", _nothing_found(pages, reading.labels_seen))
    return report


def _nothing_found(pages: Pages, labels_seen: int) -> str:
    if pages.ocr_confidences:
        confidence = statistics.mean(pages.ocr_confidences)
        if confidence < BLURRY_CONFIDENCE:
            return (
                f"The photo is too blurry or dark to read (OCR confidence {confidence:.0%}). "
                "Take it again in good light, holding the phone parallel to the page."
            )
    if labels_seen:
        return "Blood-test names were found, but none of their values could be read."
    return f"No blood-test values were found in the document (looked for {LOOKED_FOR})."


def _read_pdf(data: bytes, pages: Pages, budget: Budget) -> None:
    with pdf.open_pdf(data) as document, pdf.open_text_layer(data) as plumber:
        count = len(document)
        if count == 0:
            raise ReportUnreadable("corrupted_file", "The PDF has no pages.")
        if count > MAX_PAGES:
            raise ReportUnreadable(
                "too_many_pages",
                f"The PDF has {count} pages; at most {MAX_PAGES} can be read. "
                "Upload only the pages with results.",
            )
        for index in range(count):
            number = index + 1
            pdf.check_page_size(document, index)
            words = pdf.text_words(plumber, index)
            if words is not None:
                pages.lines.extend(group_lines(words, number, pdf.page_size(document, index)))
                continue
            budget.seconds_for_page(number)
            _read_image_page(pdf.render_page(document, index), number, pages, budget)


def open_image(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise _too_large(image.width, image.height)
            decoding_needs = _decoding_memory(image)
            # JPEG decodes straight at a reduced scale: a 48-megapixel photo needs no more than ~300 dpi.
            image.draft("L", (ocr.TARGET_WIDTH, round(ocr.TARGET_WIDTH * image.height / max(image.width, 1))))
            try:
                image.load()
            except OSError as error:
                # libjpeg and zlib report an allocation refused under the reading's memory cap as broken data
                if address_space_left() < decoding_needs:
                    raise MemoryError("decoding the image needs more memory than is left") from error
                raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_large(0, 0) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ReportUnreadable(
            "corrupted_file", "The image file is damaged or is not a PNG or JPEG."
        ) from error
    return image


def _decoding_memory(image: Image.Image) -> int:
    """At most what decoding `image` allocates beside the picture itself: a progressive JPEG keeps every
    component's DCT coefficients (two bytes each, one per pixel of the component) until its last scan;
    other images decode a few rows at a time. With room for a memory allocator's fresh arena."""
    working = 64 * image.width * len(image.getbands()) * 2
    if isinstance(image, JpegImageFile) and image.info.get("progressive"):
        widest = max(horizontal for _, horizontal, _, _ in image.layer)
        tallest = max(vertical for _, _, vertical, _ in image.layer)
        working = sum(
            2 * (image.width * horizontal // widest + 16) * (image.height * vertical // tallest + 16)
            for _, horizontal, vertical, _ in image.layer
        )
    return working + _ARENA_BYTES


def _too_large(width: int, height: int) -> ReportUnreadable:
    size = f" ({width}×{height} pixels)" if width else ""
    return ReportUnreadable(
        "image_too_large",
        f"The image is too large to read{size}; "
        f"at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels are accepted.",
    )


def _read_image_page(image: Image.Image, number: int, pages: Pages, budget: Budget) -> None:
    prepared, levelled_to_ink = ocr.prepare(image)
    if levelled_to_ink:
        pages.levelled_to_ink.append(number)
    words = ocr.recognize(prepared, timeout=budget.seconds_for_page(number), page=number)
    lines = group_lines(words, number, prepared.size)
    if count_labels(lines) < UPRIGHT_LABELS:
        rotation = ocr.upright_rotation(prepared)
        if rotation:
            turned = ocr.turned(prepared, rotation)
            turned_words = ocr.recognize(turned, timeout=budget.seconds_for_page(number), page=number)
            turned_lines = group_lines(turned_words, number, turned.size)
            if count_labels(turned_lines) > count_labels(lines):
                prepared, words, lines = turned, turned_words, turned_lines
                pages.turns[number] = rotation
    language = page_language(word.text for word in words)
    languages = ocr.LANGUAGES
    values_read, names_seen = _yield(lines, number)
    # The page's own language model reads its names and units, at the cost of a Tesseract run: only when
    # the first reading left names without values; kept when it reads at least as much.
    if language is not None and values_read < max(names_seen, UPRIGHT_LABELS):
        second = f"{language}+eng"
        retried = ocr.recognize(
            prepared, timeout=budget.seconds_for_page(number), page=number, languages=second
        )
        retried_lines = group_lines(retried, number, prepared.size)
        if _yield(retried_lines, number) >= (values_read, names_seen):
            words, lines, languages = retried, retried_lines, second
    # An English page whose words rus+eng read as Cyrillic ("Iron" as "гоп", which names nothing): those
    # lines alone are read again with English, far cheaper than the whole page once more.
    english = (
        [index for index, line in enumerate(lines) if any(read_as_cyrillic(word.text) for word in line.words)]
        if language is None and cyrillic_on_latin_page(word.text for word in words)
        else []
    )
    last: LastPass | None = None
    if language in (None, UKRAINIAN):
        if cyrillic_page(word.text for word in words):
            last = LastPass(language or "rus", read_as_latin)
    elif languages != f"{language}+eng":
        # the page's own model read the page as a whole worse than `rus+eng`, yet it may read a line that
        # gave nothing better ("µg/L" that `rus+eng` made Cyrillic "рол."): those lines alone get it
        last = LastPass(f"{language}+eng", read_as_cyrillic)
    # an English page's own model is English alone, as for its words read as Cyrillic
    own_model = "eng" if language is None else languages
    lines = _read_again(prepared, lines, number, budget, languages, english, last=last, own_model=own_model)
    lines = _read_units(prepared, lines, number, budget)
    pages.lines.extend(_confirm_extremes(prepared, lines, number, budget))
    pages.ocr_pages.add(number)
    pages.ocr_confidences.extend(word.confidence for word in words)


def _read_again(
    prepared: Image.Image,
    lines: list[Line],
    number: int,
    budget: Budget,
    languages: str,
    english: list[int],
    *,
    last: LastPass | None,
    own_model: str,
) -> list[Line]:
    """The page's lines, those naming an analyte without giving its value read a second time, and those
    with words read as Cyrillic on an English page read in English (`labs.reread`: a Tesseract run over
    those lines only, none when there are none). Then, with `last`, the lines still without their value
    that name an analyte, and those holding a word read in the wrong script (a two-column line may have
    given its other column's value), are read once more with the page's own model: on a Russian page
    `rus` alone (on a Ukrainian one `ukr`), as `rus+eng` reads a short Cyrillic unit or a word as Latin
    letters (a unit's Cyrillic letters as other Latin ones), which no unit repair or name match can undo;
    on a French, Spanish, Portuguese, German, Italian or Turkish page whose model was not kept for the
    whole page, that model with English, as `rus+eng` reads a Latin unit as Cyrillic ("µg/L" as "рол.")."""

    def values(page_lines: list[Line]) -> list[LabValue]:
        return _page_reading(page_lines, number).values

    indexes = reread.targets(lines, values(lines), names_on_line)
    english = [index for index in english if index not in indexes][: reread.MAX_LINES]
    merged = lines
    if indexes or english:
        timeout = budget.seconds_for_page(number)
        again = reread.read_again(prepared, lines, indexes, timeout=timeout, page=number, languages=languages)
        again |= reread.read_again(prepared, lines, english, timeout=timeout, page=number, languages="eng")
        merged = reread.merge(lines, dict(sorted(again.items())), values)[0]
        merged = _person_lines(merged, again, values)
    if last is None:
        # a person's sex misread ("Sex: Е" for F, "Sex: 4" for M): its line alone, read with the page's own
        # model, replaces the first reading as below
        people = [index for index, line in enumerate(merged) if sex_unread(line.text)]
        if not people:
            return merged
        again = reread.read_again(
            prepared,
            merged,
            people,
            timeout=budget.seconds_for_page(number),
            page=number,
            languages=own_model,
        )
        return _person_lines(merged, again, values)
    read = values(merged)
    # a word read in the wrong script (a Russian word in Latin look-alikes) names nothing, so its line is
    # no target of the first kind; a line of two columns may have given the other column's value
    misread = [
        index for index, line in enumerate(merged) if any(last.wrong_script(word.text) for word in line.words)
    ]
    still = sorted({*reread.targets(merged, read, names_on_line), *misread})[: reread.MAX_LINES]
    # a person's sex misread the same way ("Sex: Е" for "Sex: F") is read in the same run; its line
    # replaces the first reading when it then names a sex and the page keeps every value it gave
    people = [index for index, line in enumerate(merged) if index not in still and sex_unread(line.text)]
    if not still and not people:
        return merged
    again = reread.read_again(
        prepared,
        merged,
        [*still, *people],
        timeout=budget.seconds_for_page(number),
        page=number,
        languages=last.model,
    )
    merged = reread.merge(merged, {index: line for index, line in again.items() if index in still}, values)[0]
    return _person_lines(merged, again, values)


def _person_lines(
    lines: list[Line], again: dict[int, Line], values: Callable[[list[Line]], list[LabValue]]
) -> list[Line]:
    """The page's lines, each line read again put in where it names more of the person's fields (sex,
    age) than the line it replaces and the page keeps every value it gave. A person line gives no value,
    so `reread.merge` never takes it; a word in it read in the wrong script ("Аде: 63" for "Age: 63",
    "Sex: Е" for "Sex: F") names nothing, and the reading in the page's own script is judged only by what
    it then names."""
    for index, line in again.items():
        if person_named(line.text) <= person_named(lines[index].text):
            continue
        trial = [*lines[:index], line, *lines[index + 1 :]]
        if {reread.value_key(value) for value in values(lines)} <= {
            reread.value_key(value) for value in values(trial)
        }:
            lines = trial
    return lines


def _read_units(prepared: Image.Image, lines: list[Line], number: int, budget: Budget) -> list[Line]:
    """The page's lines, the unreadable unit words of rows whose value fits several units read again from
    their own boxes in English (`confirm.read_units`: one Tesseract run over those boxes, none when there
    are none)."""
    garbles = _page_reading(lines, number).unit_unread
    if not garbles:
        return lines
    return confirm.read_units(prepared, lines, garbles, timeout=budget.seconds_for_page(number), page=number)


def _confirm_extremes(prepared: Image.Image, lines: list[Line], number: int, budget: Budget) -> list[Line]:
    """The page's lines, the values refused only for lying far outside their range, or for being read
    unsure on a row that vouches for nothing, and those printed without a range, read again from their
    own boxes (`labs.confirm`: one Tesseract run over those boxes, none when there are none)."""
    reading = _page_reading(lines, number)
    without_specks = confirm.without_specks(prepared, lines, reading.unconfirmed)
    if without_specks is not lines:
        lines, reading = without_specks, _page_reading(without_specks, number)
    if not (reading.unconfirmed or reading.unsure or reading.unranged or reading.read_unsure):
        return lines
    timeout = budget.seconds_for_page(number)
    return confirm.confirm(
        prepared,
        lines,
        reading.unconfirmed,
        timeout=timeout,
        page=number,
        unsure=reading.unsure,
        unranged=reading.unranged,
        read_unsure=reading.read_unsure,
    )


def _yield(lines: list[Line], page: int) -> tuple[int, int]:
    """How much a reading of a page gives: values read, then analyte names seen (parsing is milliseconds,
    so two OCR readings of a page are compared by what they yield)."""
    return len(_page_reading(lines, page).values), count_labels(lines)


def _page_reading(lines: list[Line], page: int) -> Reading:
    return _reading_of(tuple(lines), page)


# Several steps parse the same lines of a page (how much a reading yields, which lines to read again, the
# page before each line a second reading may replace, which values to confirm): the last readings are
# kept, keyed by the lines themselves, and shared read-only. A parse is ~10-60 ms a page.
@functools.lru_cache(maxsize=4)
def _reading_of(lines: tuple[Line, ...], page: int) -> Reading:
    return read_values(list(lines), ocr_pages=frozenset({page}))
