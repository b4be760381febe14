import type { MessageKey } from "../i18n/en";
import type { Translate } from "../i18n/i18n";

/** The analytes a person may type in, with the unit labs print most often first (mirrors
 * src/verae/labs/catalog.py; the server converts any unit it knows). */
export interface AnalyteInfo {
  code: string;
  units: readonly string[];
}

export const ANALYTES: readonly AnalyteInfo[] = [
  { code: "hemoglobin", units: ["g/L", "g/dL", "mmol/L"] },
  { code: "mcv", units: ["fL"] },
  { code: "hematocrit", units: ["%", "L/L"] },
  { code: "rbc", units: ["10^12/L", "10^6/uL"] },
  { code: "mch", units: ["pg"] },
  { code: "mchc", units: ["g/L", "g/dL"] },
  { code: "rdw_cv", units: ["%"] },
  { code: "rdw_sd", units: ["fL"] },
  { code: "platelets", units: ["10^9/L", "10^3/uL"] },
  { code: "wbc", units: ["10^9/L", "10^3/uL"] },
  { code: "ferritin", units: ["ug/L", "ng/mL"] },
  { code: "serum_iron", units: ["umol/L", "ug/dL"] },
  { code: "tibc", units: ["umol/L", "ug/dL"] },
  { code: "uibc", units: ["umol/L", "ug/dL"] },
  { code: "transferrin", units: ["g/L", "mg/dL"] },
  { code: "transferrin_saturation", units: ["%"] },
  { code: "crp", units: ["mg/L", "mg/dL"] },
];

export const ANALYTE_BY_CODE: ReadonlyMap<string, AnalyteInfo> = new Map(ANALYTES.map((a) => [a.code, a]));

/** Fields that describe the person rather than a measurement. */
export const PERSON_FIELDS = ["sex", "age", "bmi", "height_cm", "weight_kg", "collected_at"] as const;

function analyteLabelKey(code: string): MessageKey | null {
  const key = `analyte.${code}`;
  return isKnownAnalyteKey(key) ? key : null;
}

/** The analyte's name in the reader's language; its code when the app has no name for it. */
export function analyteName(t: Translate, code: string): string {
  const key = analyteLabelKey(code);
  return key ? t(key) : code;
}

const KNOWN = new Set<string>([...ANALYTES.map((a) => `analyte.${a.code}`), "analyte.sex", "analyte.age", "analyte.bmi"]);

function isKnownAnalyteKey(key: string): key is MessageKey {
  return KNOWN.has(key);
}
