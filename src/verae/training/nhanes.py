"""NHANES 2017–March 2020 ("P_" files) read into one row per participant, in our canonical units.

Used by training and by `verae model evaluate`; see data/nhanes/SOURCES.md for the files. Each file may be
stored plain or gzip-compressed (`P_CBC.XPT.gz`): hashes are of the uncompressed bytes, and a folder's
SHA256SUMS manifest, when present, is verified before anything is read.
The label rules (who counts for training and evaluation) live here so both use the same definition.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd

from verae.risk.features import CBC_CODES, FEATURE_NAMES

REQUIRED_FILES: tuple[str, ...] = ("P_DEMO.XPT", "P_CBC.XPT", "P_FERTIN.XPT", "P_HSCRP.XPT")
OPTIONAL_FILES: tuple[str, ...] = ("P_BMX.XPT", "laboratory_clean.csv", "anemia_from_rda.csv")
NHANES_1999_FILE = "anemia_from_rda.csv"
# the P_ files top-code age at 80; 1999-2000 top-coded at 85
TOP_CODED_AGE = 80.0
CRP_INFLAMMATION_MG_L = 5.0
GLUCOSE_MG_DL_TO_MMOL_L = 0.0555
CHOLESTEROL_MG_DL_TO_MMOL_L = 0.02586
# pandas reads exact zeros in some XPT columns as the smallest IBM float (5.4e-79)
_XPT_ZERO = 1e-70
MANIFEST_FILE = "SHA256SUMS"


class NhanesDataError(Exception):
    """The folder does not hold the NHANES files training or evaluation needs."""


def stored_path(directory: Path, name: str) -> Path | None:
    """The file `name` in `directory`, plain or as `name.gz`; None when neither is there."""
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def logical_name(path: Path) -> str:
    """The file's name without a trailing .gz (the name hashes and metadata record)."""
    return path.name.removesuffix(".gz")


def read_bytes(path: Path) -> bytes:
    """The file's content, decompressed when it is stored as .gz."""
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" else raw


def present_files(directory: Path) -> list[Path]:
    missing = [name for name in REQUIRED_FILES if stored_path(directory, name) is None]
    if missing:
        raise NhanesDataError(f"{directory} lacks the NHANES file(s) {', '.join(missing)}")
    paths = [stored_path(directory, name) for name in (*REQUIRED_FILES, *OPTIONAL_FILES)]
    present = [path for path in paths if path is not None]
    verify_manifest(directory, present)
    return present


def verify_manifest(directory: Path, paths: list[Path]) -> None:
    """When the folder has a SHA256SUMS manifest, every listed file present must match it."""
    manifest_path = directory / MANIFEST_FILE
    if not manifest_path.is_file():
        return
    expected: dict[str, str] = {}
    for line in manifest_path.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            expected[name] = digest
    for name, digest in files_sha256(paths).items():
        if name in expected and expected[name] != digest:
            raise NhanesDataError(f"{name} in {directory} does not match its sha256 in {MANIFEST_FILE}")


def files_sha256(paths: list[Path]) -> dict[str, str]:
    """sha256 of each file's uncompressed content, keyed by its name without .gz."""
    return {logical_name(path): hashlib.sha256(read_bytes(path)).hexdigest() for path in sorted(paths)}


def combined_sha256(file_hashes: dict[str, str]) -> str:
    """One hash for a set of files: sha256 over sorted "name sha256" lines."""
    lines = "".join(f"{name} {digest}\n" for name, digest in sorted(file_hashes.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def read_xpt(directory: Path, name: str) -> pd.DataFrame:
    """One CDC transport file of the directory, indexed by SEQN, with IBM-float zeros read as 0."""
    path = stored_path(directory, name)
    assert path is not None, f"{name} missing from {directory}"
    frame = pd.read_sas(io.BytesIO(read_bytes(path)), format="xport")
    numeric = frame.select_dtypes("number").columns
    frame[numeric] = frame[numeric].mask(frame[numeric].abs() < _XPT_ZERO, 0.0)
    return frame.set_index("SEQN")


def load_cohort(directory: Path) -> pd.DataFrame:
    """Participants with ferritin, a complete CBC, age and sex; one row each, indexed by SEQN.

    Columns: the model features (FEATURE_NAMES, canonical units), `ferritin` (µg/L), `pregnant`,
    `glucose` and `cholesterol` (mmol/L) and `stfr` (mg/L) where the chemistry file has them.
    """
    present_files(directory)
    demo = read_xpt(directory, "P_DEMO.XPT")
    cbc = read_xpt(directory, "P_CBC.XPT")
    ferritin = read_xpt(directory, "P_FERTIN.XPT")
    crp = read_xpt(directory, "P_HSCRP.XPT")
    body = (
        read_xpt(directory, "P_BMX.XPT")
        if stored_path(directory, "P_BMX.XPT") is not None
        else pd.DataFrame(index=demo.index, columns=["BMXBMI"])
    )
    chemistry_path = directory / "laboratory_clean.csv"
    chemistry = (
        pd.read_csv(chemistry_path).set_index("SEQN")
        if chemistry_path.is_file()
        else pd.DataFrame(
            index=demo.index,
            columns=["fasting_glucose_mg_dl", "total_cholesterol_mg_dl", "transferrin_receptor_mg_l"],
        )
    )
    joined = demo.join(cbc, how="inner").join(ferritin["LBXFER"], how="inner")
    joined = joined.join(crp["LBXHSCRP"]).join(body["BMXBMI"])
    joined = joined.join(
        chemistry[["fasting_glucose_mg_dl", "total_cholesterol_mg_dl", "transferrin_receptor_mg_l"]]
    )
    cohort = pd.DataFrame(
        {
            "sex": (joined["RIAGENDR"] == 2).astype(float).where(joined["RIAGENDR"].isin([1, 2])),
            "age": joined["RIDAGEYR"],
            "hemoglobin": joined["LBXHGB"] * 10.0,
            "hematocrit": joined["LBXHCT"],
            "rbc": joined["LBXRBCSI"],
            "mcv": joined["LBXMCVSI"],
            "mch": joined["LBXMCHSI"],
            "mchc": joined["LBXMC"] * 10.0,
            "rdw_cv": joined["LBXRDW"],
            "platelets": joined["LBXPLTSI"],
            "wbc": joined["LBXWBCSI"],
            "bmi": joined["BMXBMI"].astype(float),
            "crp": joined["LBXHSCRP"],
            "ferritin": joined["LBXFER"],
            "pregnant": joined["RIDEXPRG"] == 1,
            "glucose": joined["fasting_glucose_mg_dl"].astype(float) * GLUCOSE_MG_DL_TO_MMOL_L,
            "cholesterol": joined["total_cholesterol_mg_dl"].astype(float) * CHOLESTEROL_MG_DL_TO_MMOL_L,
            "stfr": joined["transferrin_receptor_mg_l"].astype(float),
        }
    )
    complete = cohort[["sex", "age", "ferritin", *CBC_CODES]].notna().all(axis=1) & (cohort["ferritin"] > 0)
    cohort = cohort[complete].sort_index()
    cohort.index = cohort.index.astype(np.int64)
    cohort.index.name = "seqn"
    assert list(cohort.columns[: len(FEATURE_NAMES)]) == list(FEATURE_NAMES)
    return cohort


def label_valid(cohort: pd.DataFrame) -> pd.Series:
    """Rows whose ferritin is a fair reference: not pregnant, hs-CRP measured and at most 5 mg/L.

    Ferritin is an acute-phase protein, so with inflammation a normal value does not exclude deficiency;
    pregnancy changes both ferritin and the blood count. Such rows are kept out of training and out of
    the headline metrics, and reported separately.
    """
    return ~cohort["pregnant"] & cohort["crp"].notna() & (cohort["crp"] <= CRP_INFLAMMATION_MG_L)


def without_crp(cohort: pd.DataFrame) -> pd.Series:
    """Non-pregnant rows with no hs-CRP result: their labels are not fair references for the headline
    figures, but a ferritin below 15 µg/L is low whatever the CRP, so the < 15 model trains on them too."""
    return ~cohort["pregnant"] & cohort["crp"].isna()


def load_nhanes_1999(directory: Path) -> pd.DataFrame:
    """NHANES 1999-2000 adults (see SOURCES.md: hemoglobin, RDW, WBC, ferritin; no MCV, no CRP) as rows
    with the model's feature columns (NaN where not measured) and `ferritin`; empty when the file is absent.

    These are other people than the 2017-2020 participants, so they can never be test rows.
    """
    path = directory / NHANES_1999_FILE
    if not path.is_file():
        return pd.DataFrame(columns=[*FEATURE_NAMES, "ferritin"], dtype=float)
    raw = pd.read_csv(path)
    rows = pd.DataFrame(np.nan, index=raw.index, columns=[*FEATURE_NAMES, "ferritin"])
    rows["sex"] = (raw["sex"] == "Female").astype(float)
    rows["age"] = raw["age"].clip(upper=TOP_CODED_AGE)
    rows["hemoglobin"] = raw["hgb"] * 10.0
    rows["rdw_cv"] = raw["rdw"]
    rows["wbc"] = raw["wbc"]
    rows["ferritin"] = raw["ferr"]
    return rows[rows["ferritin"] > 0]


def inflamed(cohort: pd.DataFrame) -> pd.Series:
    return ~cohort["pregnant"] & (cohort["crp"] > CRP_INFLAMMATION_MG_L)


def anaemia_cutoff_g_l(cohort: pd.DataFrame) -> pd.Series:
    """The WHO hemoglobin cut-off (g/L) for each row's age and sex (the same as rules.anaemia_threshold_g_l)."""
    age, female = cohort["age"], cohort["sex"] == 1.0
    threshold = np.select([age < 5, age < 12, (age < 15) | female], [110.0, 115.0, 120.0], default=130.0)
    return pd.Series(threshold, index=cohort.index)


def anaemic(cohort: pd.DataFrame) -> pd.Series:
    """Below the WHO hemoglobin cut-off for age and sex."""
    return cohort["hemoglobin"] < anaemia_cutoff_g_l(cohort)


def body_iron_mg_kg(cohort: pd.DataFrame) -> pd.Series:
    """Cook 2003 body iron from sTfR and ferritin, where sTfR was measured."""
    log_ratio = np.log10(cohort["stfr"].to_numpy() * 1000.0 / cohort["ferritin"].to_numpy())
    return pd.Series(-(log_ratio - 2.8229) / 0.1207, index=cohort.index)
