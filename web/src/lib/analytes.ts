import type { MessageKey } from "../i18n/en";
import type { Translate } from "../i18n/i18n";
import published from "./inputs.json";

/** An analyte a person may type in, with the units to offer, the one labs print most often first. */
export interface AnalyteInfo {
  code: string;
  units: readonly string[];
}

/** From what GET /api/v1/risk/inputs publishes (inputs.json is written by `make openapi` from the
 * catalog, and a test keeps it equal): the required analytes first, then the catalog's order. */
export const ANALYTES: readonly AnalyteInfo[] = [
  ...published.analytes.filter((analyte) => analyte.use === "required"),
  ...published.analytes.filter((analyte) => analyte.use !== "required"),
].map(({ code, units }) => ({ code, units }));

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
