import { useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../api/errors";
import type { InvalidField, Job, SuppliedValue } from "../api/types";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../components/ErrorNotice";
import { isMessageKey, useI18n } from "../i18n/i18n";
import { ANALYTE_BY_CODE, analyteName } from "../lib/analytes";
import { parseDecimal } from "../lib/format";
import { useJobPolling, type PollingOptions } from "../lib/useJobPolling";
import { Link, navigate } from "../router";

const STEPS = ["queued", "parsing", "normalizing", "inference", "persisting", "done"] as const;
type Step = (typeof STEPS)[number];

function currentStep(job: Job): Step {
  if (job.status === "done") return "done";
  if (job.status === "queued") return "queued";
  return job.progress_stage ?? (job.status === "processing" ? "parsing" : "queued");
}

/** How long "done" stays on screen before the result opens, so the change is seen and announced. */
const OPEN_RESULT_DELAY_MS = 600;

export function JobScreen({ jobId, polling }: { jobId: string; polling?: PollingOptions }) {
  const { t } = useI18n();
  const { api } = useSession();
  const { job, error, reconnecting, restart } = useJobPolling(api, jobId, polling);

  useEffect(() => {
    if (job?.status !== "done" || !job.result_id) return;
    const timer = setTimeout(() => navigate(`/results/${job.result_id}`, { replace: true }), OPEN_RESULT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [job?.status, job?.result_id]);

  return (
    <section className="card" aria-labelledby="job-title">
      <h1 id="job-title">
        {job?.status === "failed" || job?.status === "needs_input" ? t("job.titleStopped") : t("job.title")}
      </h1>
      {error !== null && <ErrorNotice error={error} />}
      {reconnecting && (
        <p className="notice notice-warn" role="status">
          {t("job.reconnecting")}
        </p>
      )}
      {!job && error === null && <p className="muted">{t("common.loading")}</p>}
      {job && <JobProgress job={job} />}
      {job?.status === "done" && job.result_id && (
        <p>
          <Link to={`/results/${job.result_id}`} className="button primary">
            {t("job.viewResult")}
          </Link>
        </p>
      )}
      {job?.status === "needs_input" && <NeedsInputForm job={job} onRequeued={restart} />}
      {job?.status === "failed" && <JobFailed job={job} />}
    </section>
  );
}

function JobProgress({ job }: { job: Job }) {
  const { t } = useI18n();
  const step = currentStep(job);
  const reached = STEPS.indexOf(step);
  const halted = job.status === "failed" || job.status === "needs_input";
  const statusText =
    job.status === "done" ? t("job.openingResult") : t(`job.status.${job.status}`);
  return (
    <div className="job-progress" data-status={job.status} data-stage={job.progress_stage ?? ""}>
      <p className="job-status" role="status" aria-live="polite">
        <span className="muted">{t("job.status")}: </span>
        <strong data-testid="job-status">{statusText}</strong>
        {job.status === "processing" && job.progress_stage && (
          <span data-testid="job-stage"> — {t(`job.stage.${job.progress_stage}`)}</span>
        )}
      </p>
      {!halted && (
      <ol className="steps" aria-label={t("job.stages")}>
        {STEPS.map((name, index) => {
          const state =
            index < reached || (index === reached && name === "done") ? "complete" : index === reached ? "current" : "pending";
          return (
            <li key={name} className={`step step-${state}`} aria-current={state === "current" ? "step" : undefined}>
              <span className="step-dot" aria-hidden="true" />
              <span>{t(`job.stage.${name}`)}</span>
            </li>
          );
        })}
      </ol>
      )}
      {job.attempts > 1 && job.status !== "done" && (
        <p className="muted small">
          {t("job.attempt", { attempt: job.attempts, max: job.max_attempts })}
          {job.next_attempt_at && ` — ${t("job.retrying")}`}
        </p>
      )}
    </div>
  );
}

function JobFailed({ job }: { job: Job }) {
  const { t } = useI18n();
  const key = `error.${job.error_code ?? "internal_error"}`;
  const canTypeIn = job.upload_id !== null;
  return (
    <div className="notice notice-error" role="alert" data-error-code={job.error_code ?? ""}>
      <h2>{t("job.failed.title")}</h2>
      <p>{isMessageKey(key) ? t(key) : t("error.generic", { code: job.error_code ?? "failed" })}</p>
      {job.failure_diagnostic && <p className="muted small diagnostic">{job.failure_diagnostic}</p>}
      {canTypeIn && <p>{t("job.failed.typeInHint")}</p>}
      <div className="form-actions">
        {canTypeIn && (
          <Link to={`/jobs/${job.id}/review`} className="button primary">
            {t("job.failed.typeIn")}
          </Link>
        )}
        <Link to="/upload" className="button secondary">
          {t("job.failed.uploadAnother")}
        </Link>
      </div>
    </div>
  );
}

type Inputs = Record<string, { value: string; unit: string }>;

function NeedsInputForm({ job, onRequeued }: { job: Job; onRequeued: (job: Job) => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [serverInvalid, setServerInvalid] = useState<InvalidField[]>([]);
  const invalid = serverInvalid.length ? serverInvalid : job.invalid_fields;
  const fields = [...new Set([...job.missing_required_fields, ...invalid.map((item) => item.field)])];
  const [inputs, setInputs] = useState<Inputs>(() =>
    Object.fromEntries(fields.map((field) => [field, { value: "", unit: ANALYTE_BY_CODE.get(field)?.units[0] ?? "" }])),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const update = (field: string, part: "value" | "unit", text: string) =>
    setInputs((previous) => ({ ...previous, [field]: { value: "", unit: "", ...previous[field], [part]: text } }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body: Record<string, number | string | SuppliedValue> = {};
    for (const field of fields) {
      const entry = inputs[field];
      if (!entry || entry.value.trim() === "") continue;
      const number = parseDecimal(entry.value);
      if (ANALYTE_BY_CODE.has(field)) body[field] = { value: number ?? entry.value, unit: entry.unit || null };
      else body[field] = field === "sex" ? entry.value : (number ?? entry.value);
    }
    try {
      const requeued = await api.call("post", "/api/v1/jobs/{job_id}/inputs", { path: { job_id: job.id }, body });
      onRequeued(requeued);
    } catch (caught) {
      if (caught instanceof ApiError && Array.isArray(caught.details.invalid_fields)) {
        setServerInvalid(caught.details.invalid_fields as InvalidField[]);
      }
      setError(caught);
      setBusy(false);
    }
  };

  const label = (field: string) => {
    if (field === "sex") return t("field.sex");
    if (field === "age") return t("field.age");
    return analyteName(t, field);
  };

  return (
    <form onSubmit={submit} className="needs-input" aria-labelledby="needs-title">
      <h2 id="needs-title">{t("job.needsInput.title")}</h2>
      <p>{t("job.needsInput.text")}</p>
      {invalid.length > 0 && (
        <>
          <p>{t("job.needsInput.invalid")}</p>
          <ul className="invalid-list">
            {invalid.map((item) => {
              const reason = `invalid.${item.code}`;
              return (
                <li key={`${item.field}-${item.code}`}>
                  <strong>{label(item.field)}</strong>: {isMessageKey(reason) ? t(reason) : item.message}
                </li>
              );
            })}
          </ul>
        </>
      )}
      <div className="grid-form">
        {fields.map((field) => {
          const id = `input-${field}`;
          const analyte = ANALYTE_BY_CODE.get(field);
          if (field === "sex") {
            return (
              <div className="field" key={field}>
                <label htmlFor={id}>{label(field)}</label>
                <select id={id} required value={inputs[field]?.value ?? ""} onChange={(e) => update(field, "value", e.target.value)}>
                  <option value="">{t("profile.sex.unset")}</option>
                  <option value="female">{t("profile.sex.female")}</option>
                  <option value="male">{t("profile.sex.male")}</option>
                </select>
              </div>
            );
          }
          return (
            <div className="field" key={field}>
              <label htmlFor={id}>{label(field)}</label>
              <div className={analyte ? "value-unit" : undefined}>
                <input
                  id={id}
                  inputMode="decimal"
                  required
                  value={inputs[field]?.value ?? ""}
                  onChange={(e) => update(field, "value", e.target.value)}
                />
                {analyte && (
                  <>
                    <label htmlFor={`${id}-unit`} className="visually-hidden">
                      {`${label(field)}: ${t("field.unit")}`}
                    </label>
                    <select id={`${id}-unit`} value={inputs[field]?.unit ?? ""} onChange={(e) => update(field, "unit", e.target.value)}>
                      {analyte.units.map((unit) => (
                        <option key={unit} value={unit}>
                          {unit}
                        </option>
                      ))}
                    </select>
                  </>
                )}
              </div>
            </div>
          );
        })}
      </div>
      <p className="muted small">
        {t("job.needsInput.profileHint")} <Link to="/profile">{t("upload.profileLink")}</Link>
      </p>
      {error !== null && <ErrorNotice error={error} />}
      <button type="submit" className="button primary" disabled={busy}>
        {t("job.needsInput.submit")}
      </button>
    </form>
  );
}
