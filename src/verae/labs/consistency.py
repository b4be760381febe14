"""The values of one report checked against each other: an analyser calculates some from the others.

A haematology analyser measures haemoglobin, the red-cell count and either the haematocrit or the mean
cell volume, and calculates the rest (MCV = HCT/RBC, MCH = HGB/RBC, MCHC = HGB/HCT); a chemistry
analyser reports transferrin saturation as iron/TIBC and TIBC as iron + UIBC. So the printed values of
one report satisfy these identities up to the rounding of what is printed. An OCR digit misread that
nothing on its own row contradicts (a haematocrit 0.37 read as 0.378) breaks them.

Each identity whose members were all read, at least one of them by OCR, is checked with interval
arithmetic: a printed value stands for the interval its last printed decimal rounds from, and the
identity holds when the calculated member's interval meets the interval the others give. When some fail,
each OCR value is tried as the misread one: set aside, do the other values agree with each other, and
do all its identities still leave it some value? Exactly one such value is dropped (`value_inconsistent`);
when several could be the misread one (an identity with no other to tell its members apart), or none
alone explains the failures, those values are marked doubtful for review (`values_disagree`). No value is
ever computed in place of one read, and text-layer values are trusted as printed.
"""

from __future__ import annotations

import itertools
import math
import re
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
# The factors labs use to calculate a saturation from transferrin (µmol/L of iron per g/L).
SATURATION_FACTORS = (22.4, 25.6)

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Identity:
    """`target` = scale x product of inputs[i] ** powers[i] (each 1 or -1) x r, or for a difference
    (inputs[0] - inputs[1]) x r, in canonical units, where r lies within `ratio`: each member is monotonic
    in the others, so an interval's corners bound what the others allow."""

    target: str
    inputs: tuple[str, ...]
    powers: tuple[int, ...] = ()
    scale: float = 1.0
    difference: bool = False
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

    def solve(self, member: str, known: dict[str, float], r: float) -> float:
        """The value of `member` that the others' values and the ratio r give."""
        if self.difference:
            first, second = self.inputs
            if member == self.target:
                return (known[first] - known[second]) * r
            if member == first:
                return known[self.target] / r + known[second]
            return known[first] - known[self.target] / r
        product = self.scale * r
        for code, power in zip(self.inputs, self.powers, strict=True):
            if code != member:
                product = product * known[code] if power > 0 else product / known[code]
        if member == self.target:
            return product
        if self.powers[self.inputs.index(member)] > 0:
            return known[self.target] / product
        return product / known[self.target]


IDENTITIES = (
    # canonical units: HGB g/L, HCT %, RBC 10^12/L, MCV fL, MCH pg, MCHC g/L; iron, TIBC, UIBC µmol/L
    Identity("mcv", ("hematocrit", "rbc"), (1, -1), scale=10),
    Identity("mch", ("hemoglobin", "rbc"), (1, -1)),
    Identity("mchc", ("hemoglobin", "hematocrit"), (1, -1), scale=100),
    Identity(
        "transferrin_saturation",
        ("serum_iron", "tibc"),
        (1, -1),
        scale=100,
        # some labs calculate the saturation from transferrin even when they print a measured TIBC
        alternative=Identity(
            "transferrin_saturation",
            ("serum_iron", "transferrin"),
            (1, -1),
            scale=100,
            ratio=(1 / SATURATION_FACTORS[1], 1 / SATURATION_FACTORS[0]),
        ),
    ),
    Identity("uibc", ("tibc", "serum_iron"), difference=True),
    Identity("tibc", ("transferrin",), (1,), ratio=TIBC_PER_TRANSFERRIN),
)


@dataclass
class Checked:
    """What the checks found in one report (for the reader's figures and tests)."""

    confirmed: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)
    marked: set[str] = field(default_factory=set)


def _interval(value: LabValue) -> tuple[float, float]:
    """The canonical values a printed value may have been rounded from."""
    places = decimals(f"{value.value:.6f}".rstrip("0"))
    printed = _NUMBER.search(value.source_text or "")
    if printed and math.isclose(float(printed.group().replace(",", ".")), value.value):
        # as printed, with its trailing zeros ("0,340"); a repaired value (71,44 read for 71,4↓) as kept.
        # Decimals that are all zeros ("133.00") are a fixed-format column padding a whole number (an
        # analyser measures haemoglobin in whole g/L): they say nothing of the value's rounding.
        places = decimals(printed.group()) if value.value != round(value.value) else 0
    half = 0.5 * 10.0**-places
    if places == 0 and value.value >= 1000:
        # a count printed in cells ("5 260 000 /mm3") is rounded to its last non-zero digits
        digits = str(round(value.value))
        half = 0.5 * 10.0 ** (len(digits) - len(digits.rstrip("0")))
    factor = value.normalized_value / value.value if value.value else 1.0
    low, high = sorted(((value.value - half) * factor, (value.value + half) * factor))
    return low, high


def _allowed(
    identity: Identity, member: str, intervals: dict[str, tuple[float, float]]
) -> tuple[float, float]:
    """The values `member` may have for the identity to hold, given the others' intervals (exact at the
    corners, the identity being monotonic in each member)."""
    others = [code for code in identity.members if code != member]
    solved = [
        identity.solve(member, dict(zip(others, point, strict=True)), r)
        for point in itertools.product(*(intervals[code] for code in others))
        for r in identity.ratio
    ]
    return min(solved), max(solved)


def _meet(first: tuple[float, float], second: tuple[float, float]) -> tuple[float, float]:
    return max(first[0], second[0]), min(first[1], second[1])


def _holds(identity: Identity, intervals: dict[str, tuple[float, float]]) -> bool:
    low, high = _meet(intervals[identity.target], _allowed(identity, identity.target, intervals))
    return low <= high


def _excused(identity: Identity, intervals: dict[str, tuple[float, float]]) -> bool:
    """Whether the target agrees with another way labs calculate it."""
    other = identity.alternative
    return other is not None and all(code in intervals for code in other.members) and _holds(other, intervals)


def _explains(
    member: str, group: list[Identity], failing: list[Identity], intervals: dict[str, tuple[float, float]]
) -> bool:
    """Whether this one value being misread explains every failure: it is in each failing identity, and
    with it set aside all its identities still leave it a common value."""
    if not all(member in identity.members for identity in failing):
        return False
    allowed = (-math.inf, math.inf)
    for identity in group:
        if member in identity.members:
            allowed = _meet(allowed, _allowed(identity, member, intervals))
    return allowed[0] <= allowed[1]


def _separator_lost(
    member: str, group: list[Identity], intervals: dict[str, tuple[float, float]], value: LabValue
) -> bool:
    """Whether a value read as a whole number ("28") makes every identity of its group hold once a decimal
    separator is put back before its last digit or two (2,8 or 0,28): OCR loses a small comma far more
    often than it misreads a digit into one that lands the others' rounding exactly."""
    printed = value.source_text or ""
    if not printed.isdigit() or not math.isclose(float(printed), value.value):
        return False
    factor = value.normalized_value / value.value if value.value else 1.0
    for places in range(1, min(len(printed), 3)):
        half = 0.5 * 10.0**-places
        shifted = value.value / 10**places
        trial = {**intervals, member: ((shifted - half) * factor, (shifted + half) * factor)}
        if all(_holds(identity, trial) for identity in group):
            return True
    return False


def _read_by_ocr(value: LabValue) -> bool:
    return value.ocr_confidence is not None


def check_consistency(
    values: list[LabValue], warnings: list[ReportWarning]
) -> tuple[list[LabValue], Checked]:
    """The values with a misread one dropped or the disagreeing ones marked doubtful, and what was found."""
    # a bound ("< 5") stands for no one number: it takes part in no identity
    by_code = {value.analyte: value for value in values if value.qualifier is None and value.value > 0}
    intervals = {code: _interval(value) for code, value in by_code.items()}
    checked = Checked()
    active = []
    for identity in IDENTITIES:
        members = [by_code.get(code) for code in identity.members]
        if not all(members) or not any(_read_by_ocr(value) for value in members if value):
            continue
        holds = _holds(identity, intervals)
        if holds and identity.confirms:
            checked.confirmed.update(code for code in identity.members if _read_by_ocr(by_code[code]))
        if holds or not _excused(identity, intervals):
            active.append((identity, holds))
    for group in _connected([identity for identity, _ in active]):
        failing = [identity for identity, holds in active if identity in group and not holds]
        if not failing:
            continue
        suspects = sorted(
            {code for identity in failing for code in identity.members if _read_by_ocr(by_code[code])}
        )
        culprits = [code for code in suspects if _explains(code, group, failing, intervals)]
        # of several values that could each be the misread one, one whose decimal separator OCR lost
        shifted = [code for code in culprits if _separator_lost(code, group, intervals, by_code[code])]
        if len(culprits) > 1 and len(shifted) == 1:
            culprits = shifted
        if len(culprits) == 1:
            misread = culprits[0]
            checked.dropped.add(misread)
            others = sorted({code for identity in group for code in identity.members} - {misread})
            warnings.append(
                ReportWarning.of(
                    "value_inconsistent", analyte=misread, page=by_code[misread].page, items=others
                )
            )
        elif suspects:
            doubted = culprits or suspects
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
    """Identities grouped by shared members: a misread value is in every identity of its group it breaks."""
    groups: list[list[Identity]] = []
    for identity in identities:
        joined = [
            group for group in groups if any(set(identity.members) & set(other.members) for other in group)
        ]
        merged = [identity, *(other for group in joined for other in group)]
        groups = [group for group in groups if group not in joined] + [merged]
    return groups
