"""The values of one report checked against each other: an analyser calculates some from the others.

A haematology analyser measures haemoglobin, the red-cell count and either the haematocrit or the mean
cell volume, and calculates the rest (MCV = HCT/RBC, MCH = HGB/RBC, MCHC = HGB/HCT); a chemistry
analyser reports transferrin saturation as iron/TIBC and TIBC as iron + UIBC. So the printed values of
one report satisfy these identities up to the rounding of what is printed. An OCR digit misread that
nothing on its own row contradicts (a haematocrit 0.37 read as 0.378) breaks them.

Each identity whose members were all read, at least one of them by OCR, is checked with interval
arithmetic: every printed value stands for the interval its last printed decimal rounds from, and the
identity holds when the calculated member's interval meets the interval the others give (plus a small
slack for a lab that calculates from values rounded differently). A holding identity confirms its
members. When identities fail, the one OCR value that every failing identity contains and no holding
identity confirms is the misread: with two identities for it (two failing, or one failing whose other
members are confirmed or printed in a text layer) it is dropped (`value_inconsistent`); otherwise every
value that could be the misread is marked doubtful for review (`values_disagree`). No value is ever
computed in place of one read. Text-layer values are trusted as printed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from verae.labs.repairs import decimals
from verae.labs.schemas import LabValue, ReportWarning

# Relative slack beyond rounding for the exact (calculated) identities. An analyser calculates from its
# unrounded measurements, so the printed values agree within their rounding intervals; every correct
# report of the development sets needed none. 0.1 % leaves room for floating point and a lab that rounds
# an intermediate value.
ROUNDING_SLACK = 0.001
# Iron-binding capacity of transferrin: 2 Fe per molecule of 79.6 kDa gives 25.1 µmol/L per g/L, but labs
# that calculate TIBC use factors from 22.4 (1.25 µg/dL per mg/dL) to 25.6 (1.43), and a TIBC measured
# chemically scatters around the transferrin-derived one: only a ratio outside 20-28 is a contradiction.
TIBC_PER_TRANSFERRIN = (20.0, 28.0)


@dataclass(frozen=True)
class Identity:
    """`target` = formula(*inputs), in canonical units; the formula is monotonic in each input."""

    target: str
    inputs: tuple[str, ...]
    formula: Callable[..., float]
    # the calculated value may lie between formula x low and formula x high, beyond rounding
    ratio: tuple[float, float] = (1 - ROUNDING_SLACK, 1 + ROUNDING_SLACK)
    # another way labs calculate the target: when it holds, this identity's failure proves nothing
    alternative: Identity | None = None

    @property
    def members(self) -> tuple[str, ...]:
        return (self.target, *self.inputs)

    @property
    def confirms(self) -> bool:
        """Only an identity as tight as rounding vouches for its members; a loose one can only accuse."""
        return self.ratio[1] - self.ratio[0] <= 2 * ROUNDING_SLACK + 1e-9


IDENTITIES = (
    # canonical units: HGB g/L, HCT %, RBC 10^12/L, MCV fL, MCH pg, MCHC g/L; iron, TIBC, UIBC µmol/L
    Identity("mcv", ("hematocrit", "rbc"), lambda hct, rbc: 10 * hct / rbc),
    Identity("mch", ("hemoglobin", "rbc"), lambda hgb, rbc: hgb / rbc),
    Identity("mchc", ("hemoglobin", "hematocrit"), lambda hgb, hct: 100 * hgb / hct),
    Identity(
        "transferrin_saturation",
        ("serum_iron", "tibc"),
        lambda iron, tibc: 100 * iron / tibc,
        # some labs calculate the saturation from transferrin even when they print a measured TIBC
        alternative=Identity(
            "transferrin_saturation",
            ("serum_iron", "transferrin"),
            lambda iron, transferrin: 100 * iron / transferrin,
            ratio=(1 / TIBC_PER_TRANSFERRIN[1], 1 / TIBC_PER_TRANSFERRIN[0]),
        ),
    ),
    Identity("uibc", ("tibc", "serum_iron"), lambda tibc, iron: tibc - iron),
    Identity("tibc", ("transferrin",), lambda transferrin: transferrin, ratio=TIBC_PER_TRANSFERRIN),
)


@dataclass
class Checked:
    """What the checks found in one report (for the reader's figures and tests)."""

    confirmed: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)
    marked: set[str] = field(default_factory=set)


def _interval(value: LabValue) -> tuple[float, float]:
    """The canonical values a printed value may have been rounded from."""
    shown = f"{value.value:.6f}".rstrip("0")
    places = min(decimals(value.source_text or shown), decimals(shown))
    half = 0.5 * 10.0**-places
    if places == 0 and value.value >= 1000:
        # a count printed in cells ("5 260 000 /mm3") is rounded to its last non-zero digits
        digits = str(round(value.value))
        half = 0.5 * 10.0 ** (len(digits) - len(digits.rstrip("0")))
    factor = value.normalized_value / value.value if value.value else 1.0
    low, high = sorted(((value.value - half) * factor, (value.value + half) * factor))
    return low, high


def _holds(identity: Identity, values: dict[str, LabValue]) -> bool:
    corners = [
        identity.formula(*point)
        for point in itertools.product(*(_interval(values[code]) for code in identity.inputs))
    ]
    low = min(corners) * identity.ratio[0]
    high = max(corners) * identity.ratio[1]
    target_low, target_high = _interval(values[identity.target])
    return target_low <= high and low <= target_high


def _excused(identity: Identity, values: dict[str, LabValue]) -> bool:
    """Whether the target agrees with another way labs calculate it."""
    other = identity.alternative
    return other is not None and all(code in values for code in other.members) and _holds(other, values)


def _read_by_ocr(value: LabValue) -> bool:
    return value.ocr_confidence is not None


def check_consistency(
    values: list[LabValue], warnings: list[ReportWarning]
) -> tuple[list[LabValue], Checked]:
    """The values with a misread one dropped or the disagreeing ones marked doubtful, and what was found."""
    # a bound ("< 5") stands for no one number: it takes part in no identity
    by_code = {value.analyte: value for value in values if value.qualifier is None and value.value > 0}
    checked = Checked()
    verdicts = [
        (identity, _holds(identity, by_code))
        for identity in IDENTITIES
        if all(code in by_code for code in identity.members)
        and any(_read_by_ocr(by_code[code]) for code in identity.members)
    ]
    vouched = {
        code for identity, holds in verdicts if holds and identity.confirms for code in identity.members
    }
    trusted = vouched | {code for code, value in by_code.items() if not _read_by_ocr(value)}
    checked.confirmed = {code for code in vouched if _read_by_ocr(by_code[code])}
    failing = [identity for identity, holds in verdicts if not holds and not _excused(identity, by_code)]
    for group in _connected(failing):
        suspects = [{code for code in identity.members if code not in trusted} for identity in group]
        common = set.intersection(*suspects)
        if len(common) == 1 and (len(group) >= 2 or len(suspects[0]) == 1):
            misread = common.pop()
            checked.dropped.add(misread)
            others = sorted({code for identity in group for code in identity.members} - {misread})
            value = by_code[misread]
            warnings.append(
                ReportWarning.of("value_inconsistent", analyte=misread, page=value.page, items=others)
            )
            continue
        doubted = sorted(common or set.union(*suspects))
        if doubted:
            checked.marked.update(doubted)
            warnings.append(ReportWarning.of("values_disagree", items=doubted))
    kept = []
    for value in values:
        if value.analyte in checked.dropped:
            continue
        if value.analyte in checked.marked:
            value = value.model_copy(update={"doubtful": True})
        kept.append(value)
    return kept, checked


def _connected(identities: list[Identity]) -> list[list[Identity]]:
    """Failing identities grouped by shared members: a misread breaks every identity it is a member of."""
    groups: list[list[Identity]] = []
    for identity in identities:
        joined = [
            group for group in groups if any(set(identity.members) & set(other.members) for other in group)
        ]
        merged = [identity, *(other for group in joined for other in group)]
        groups = [group for group in groups if group not in joined] + [merged]
    return groups
