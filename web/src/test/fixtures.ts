import type { Job, Result, User } from "../api/types";
import type { StoredTokens } from "../auth/tokens";

export const USER: User = {
  id: "11111111-1111-4111-8111-111111111111",
  email: "anna@example.org",
  role: "user",
  created_at: "2024-01-01T10:00:00Z",
  sex: "female",
  birth_date: "1990-05-17",
  height_cm: 168,
  weight_kg: 61.5,
};

export const VALID_TOKENS: StoredTokens = {
  accessToken: "access-1",
  accessExpiresAt: Date.now() + 10 * 60_000,
};

export function job(overrides: Partial<Job> = {}): Job {
  return {
    id: "22222222-2222-4222-8222-222222222222",
    upload_id: "33333333-3333-4333-8333-333333333333",
    status: "queued",
    progress_stage: null,
    attempts: 0,
    max_attempts: 3,
    error_code: null,
    failure_diagnostic: null,
    missing_required_fields: [],
    invalid_fields: [],
    result_id: null,
    created_at: "2024-03-01T09:00:00Z",
    started_at: null,
    finished_at: null,
    next_attempt_at: null,
    ...overrides,
  };
}

export const RESULT: Result = {
  id: "44444444-4444-4444-8444-444444444444",
  job_id: "22222222-2222-4222-8222-222222222222",
  upload_id: "33333333-3333-4333-8333-333333333333",
  source_filename: "march-cbc.pdf",
  created_at: "2024-03-02T08:30:00Z",
  collection_date: "2024-03-01",
  risk: {
    iron_index: -1.2,
    risk_percent: 78.4,
    risk_tier: "HIGH",
    clinical_action: { en: "Discuss a ferritin test with your doctor soon.", ru: "Обсудите с врачом анализ на ферритин." },
    disclaimer: { en: "This is an automated estimate, not a diagnosis.", ru: "Это автоматическая оценка, а не диагноз." },
    explanations: [
      { feature: "rdw_cv", value: 16.2, unit: "%", contribution: 0.4, direction: "raises", text: { en: "RDW is high", ru: "RDW повышен" } },
      { feature: "mcv", value: 74, unit: "fL", contribution: 1.1, direction: "raises", text: { en: "MCV is low", ru: "MCV снижен" } },
      { feature: "age", value: 34, unit: "years", contribution: -0.2, direction: "lowers", text: { en: "Age lowers it", ru: "Возраст снижает" } },
    ],
    confidence: "high",
    model_version: "catboost-2024.03",
    measured_iron_status: null,
  },
  report: {
    values: [
      {
        analyte: "hemoglobin",
        value: 10.9,
        unit: "g/dL",
        normalized_value: 109,
        normalized_unit: "g/L",
        reference_range: "12.0-15.5",
        flag: "L",
        confidence: 1,
        doubtful: false,
      },
      { analyte: "mcv", value: 74, unit: "fL", normalized_value: 74, normalized_unit: "fL", reference_range: "80-100", flag: null, confidence: 1, doubtful: false },
    ],
    collection_date: "2024-03-01",
    sex: "female",
    age: 34,
    warnings: [],
  },
};
