import { useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../api/errors";
import type { InvalidField, JobValues, LabReport, ReviewedValues, Sex } from "../api/types";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../components/ErrorNotice";
import { PagePreview, type ValueSource } from "../components/PagePreview";
import { SexSelect } from "../components/SexSelect";
import { WarningList } from "../components/WarningList";
import { isMessageKey, useI18n } from "../i18n/i18n";
import { ANALYTES, ANALYTE_BY_CODE, analyteName } from "../lib/analytes";
import { parseDecimal } from "../lib/format";
import { useResource } from "../lib/useResource";
import { navigate } from "../router";

interface Row {
  key: number;
  analyte: string;
  value: string;
  unit: string;
  original: string | null;
  /** The reader doubts the value it read: the person is asked to check it against the page. */
  doubt: { printed: string; page: number | null } | null;
  /** Where the document printed the value read for this analyte (none for typed or structured values). */
  source: ValueSource | null;
}

interface Draft {
  rows: Row[];
  sex: Sex | "";
  age: string;
  collectedAt: string;
}

let rowKey = 0;
const nextKey = () => (rowKey += 1);

function emptyRow(analyte: string): Row {
  return { key: nextKey(), analyte, value: "", unit: ANALYTE_BY_CODE.get(analyte)?.units[0] ?? "", original: null, doubt: null, source: null };
}

/** The form starts from the values in use (or those read from the document); with nothing read, from empty
 * rows for the two values the estimate cannot do without. */
export function draftFrom(values: JobValues): Draft {
  const report: LabReport | null = values.current ?? values.original;
  const read = values.original?.values ?? [];
  const originals = new Map(read.map((v) => [v.analyte, `${v.value} ${v.unit ?? ""}`.trim()]));
  const doubts = new Map(
    read.filter((v) => v.doubtful).map((v) => [v.analyte, { printed: v.source_text ?? String(v.value), page: v.page ?? null }]),
  );
  const sources = new Map(
    read.flatMap((v) => (v.page != null && v.bbox?.length === 4 ? [[v.analyte, { page: v.page, bbox: v.bbox }] as const] : [])),
  );
  const rows: Row[] = (report?.values ?? []).map((v) => ({
    key: nextKey(),
    analyte: v.analyte,
    value: String(v.value),
    unit: v.unit ?? v.normalized_unit,
    original: originals.get(v.analyte) ?? null,
    doubt: doubts.get(v.analyte) ?? null,
    source: sources.get(v.analyte) ?? null,
  }));
  return {
    rows: rows.length ? rows : [emptyRow("hemoglobin"), emptyRow("mcv")],
    sex: report?.sex ?? "",
    age: report?.age === null || report?.age === undefined ? "" : String(report.age),
    collectedAt: report?.collection_date ?? "",
  };
}

/** The row whose page is shown: the one last focused or pointed at, else the first doubtful one, else the
 * first one; only rows with a place in the document count. */
export function rowInFocus(rows: Row[], focused: number | null): Row | null {
  const placed = rows.filter((row) => row.source);
  return placed.find((row) => row.key === focused) ?? placed.find((row) => row.doubt) ?? placed[0] ?? null;
}

export function reviewedBody(draft: Draft): ReviewedValues {
  const body: ReviewedValues = {
    values: draft.rows
      .filter((row) => row.value.trim() !== "")
      .map((row) => ({ analyte: row.analyte, value: parseDecimal(row.value) ?? row.value.trim(), unit: row.unit || null })),
  };
  if (draft.sex) body.sex = draft.sex;
  const age = parseDecimal(draft.age);
  if (age !== null) body.age = age;
  if (draft.collectedAt) body.collected_at = draft.collectedAt;
  return body;
}

export function ReviewScreen({ jobId }: { jobId: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const values = useResource(
    (signal) => api.call("get", "/api/v1/jobs/{job_id}/values", { path: { job_id: jobId }, signal }),
    jobId,
  );
  const [draft, setDraft] = useState<Draft | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [invalid, setInvalid] = useState<InvalidField[]>([]);
  const [noValues, setNoValues] = useState(false);
  const [focused, setFocused] = useState<number | null>(null);

  useEffect(() => {
    if (values.data) setDraft(draftFrom(values.data));
  }, [values.data]);

  if (values.error) return <ErrorNotice error={values.error} onRetry={values.reload} />;
  if (!draft || !values.data) return <p className="muted">{t("common.loading")}</p>;
  const typedIn = !values.data.original?.values?.length;

  const setRow = (key: number, change: Partial<Row>) =>
    setDraft((d) => d && { ...d, rows: d.rows.map((row) => (row.key === key ? { ...row, ...change } : row)) });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setInvalid([]);
    const body = reviewedBody(draft);
    setNoValues(body.values.length === 0);
    if (body.values.length === 0) return;
    setBusy(true);
    try {
      await api.call("put", "/api/v1/jobs/{job_id}/values", { path: { job_id: jobId }, body });
      navigate(`/jobs/${jobId}`);
    } catch (caught) {
      if (caught instanceof ApiError && Array.isArray(caught.details.invalid_fields)) {
        setInvalid(caught.details.invalid_fields as InvalidField[]);
      }
      setError(caught);
      setBusy(false);
    }
  };

  const label = (code: string) => analyteName(t, code);
  const used = new Set(draft.rows.map((row) => row.analyte));
  const nextAnalyte = ANALYTES.find((a) => !used.has(a.code))?.code;
  const inFocus = rowInFocus(draft.rows, focused);

  return (
    <section className="card" aria-labelledby="review-title">
      <h1 id="review-title">{t("review.title")}</h1>
      <p>{t(typedIn ? "review.introTyped" : "review.intro")}</p>
      {/* Why a value printed in the document may be missing below (no unit, implausible, misread). */}
      <WarningList warnings={values.data.original?.warnings ?? []} level="h2" />
      {/* On a wide screen the page stays beside the form while the person moves through the values. */}
      <div className={inFocus?.source ? "review-layout with-page" : "review-layout"}>
        {inFocus?.source && <PagePreview jobId={jobId} source={inFocus.source} name={label(inFocus.analyte)} />}
        <form onSubmit={submit}>
          <fieldset>
            <legend>{t("review.person")}</legend>
            <div className="grid-form">
              <div className="field">
                <label htmlFor="review-sex">{t("field.sex")}</label>
                <SexSelect id="review-sex" value={draft.sex} onChange={(sex) => setDraft({ ...draft, sex })} />
              </div>
              <div className="field">
                <label htmlFor="review-age">{t("field.age")}</label>
                <input id="review-age" inputMode="decimal" value={draft.age} onChange={(e) => setDraft({ ...draft, age: e.target.value })} />
              </div>
              <div className="field">
                <label htmlFor="review-date">{t("field.collected_at")}</label>
                <input
                  id="review-date"
                  type="date"
                  value={draft.collectedAt}
                  onChange={(e) => setDraft({ ...draft, collectedAt: e.target.value })}
                />
              </div>
            </div>
          </fieldset>
          <fieldset>
            <legend>{t("review.values")}</legend>
            <ul className="review-rows">
              {draft.rows.map((row) => {
                const analyte = ANALYTE_BY_CODE.get(row.analyte);
                const rowInvalid = invalid.filter((item) => item.field === row.analyte);
                return (
                  <li
                    key={row.key}
                    className={[
                      "review-row",
                      row.doubt ? "doubtful" : "",
                      row.source && row.key === inFocus?.key ? "in-focus" : "",
                    ].join(" ").trim()}
                    data-analyte={row.analyte}
                    onFocus={() => setFocused(row.key)}
                    onMouseEnter={() => setFocused(row.key)}
                  >
                    <div className="field">
                      <label htmlFor={`analyte-${row.key}`}>{t("field.analyte")}</label>
                      <select
                        id={`analyte-${row.key}`}
                        value={row.analyte}
                        onChange={(e) => setRow(row.key, { analyte: e.target.value, unit: ANALYTE_BY_CODE.get(e.target.value)?.units[0] ?? row.unit })}
                      >
                        {!analyte && <option value={row.analyte}>{row.analyte}</option>}
                        {ANALYTES.map((a) => (
                          <option key={a.code} value={a.code} disabled={a.code !== row.analyte && used.has(a.code)}>
                            {label(a.code)}
                          </option>
                        ))}
                      </select>
                    </div>
                    <div className="field">
                      <label htmlFor={`value-${row.key}`}>{`${t("field.value")} (${label(row.analyte)})`}</label>
                      <input
                        id={`value-${row.key}`}
                        inputMode="decimal"
                        value={row.value}
                        aria-invalid={rowInvalid.length > 0 || undefined}
                        onChange={(e) => setRow(row.key, { value: e.target.value })}
                      />
                    </div>
                    <div className="field">
                      <label htmlFor={`unit-${row.key}`}>{`${t("field.unit")} (${label(row.analyte)})`}</label>
                      <input
                        id={`unit-${row.key}`}
                        list={`units-${row.key}`}
                        value={row.unit}
                        onChange={(e) => setRow(row.key, { unit: e.target.value })}
                      />
                      <datalist id={`units-${row.key}`}>
                        {(analyte?.units ?? []).map((unit) => (
                          <option key={unit} value={unit} />
                        ))}
                      </datalist>
                    </div>
                    <button
                      type="button"
                      className="button link remove"
                      aria-label={t("review.removeRow", { name: label(row.analyte) })}
                      onClick={() => setDraft({ ...draft, rows: draft.rows.filter((r) => r.key !== row.key) })}
                    >
                      ✕
                    </button>
                    {row.original && <p className="muted small row-note">{t("review.original", { value: row.original })}</p>}
                    {row.doubt && (
                      <p className="row-note doubt-note">
                        {row.doubt.page === null
                          ? t("review.doubtful", { printed: row.doubt.printed })
                          : t("review.doubtfulOnPage", { printed: row.doubt.printed, page: row.doubt.page })}
                      </p>
                    )}
                    {rowInvalid.map((item) => {
                      const reason = `invalid.${item.code}`;
                      return (
                        <p key={item.code} className="field-error row-note" role="alert">
                          {isMessageKey(reason) ? t(reason) : item.message}
                        </p>
                      );
                    })}
                  </li>
                );
              })}
            </ul>
            {nextAnalyte && (
              <button
                type="button"
                className="button secondary"
                onClick={() => setDraft({ ...draft, rows: [...draft.rows, emptyRow(nextAnalyte)] })}
              >
                {t("review.addRow")}
              </button>
            )}
          </fieldset>
          {noValues && (
            <p className="notice notice-error" role="alert">
              {t("review.needValue")}
            </p>
          )}
          {error !== null &&
            (error instanceof ApiError && error.code === "job_busy" ? (
              <p className="notice notice-warn" role="alert">
                {t("review.busy")}
              </p>
            ) : (
              <ErrorNotice error={error} />
            ))}
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={busy}>
              {t("review.submit")}
            </button>
          </div>
        </form>
      </div>
    </section>
  );
}
