import { useState, type FormEvent } from "react";
import type { ShareAccess, ShareLink, ShareLinkCreated } from "../api/types";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../components/ErrorNotice";
import { useI18n } from "../i18n/i18n";
import { useResource } from "../lib/useResource";

/** Link lifetimes offered, in hours (the API takes 1 hour to 90 days). */
export const EXPIRY_HOURS = [1, 24, 168, 720, 2160] as const;
const PIN_PATTERN = /^[0-9]{4,8}$/;

/** Hand a downloaded file to the browser as a file to save. */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = filename;
  anchor.rel = "noopener";
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The owner's side of sharing: create a link (to one result, or to all results without `resultId`), see the
 * links with their status and how often they were opened, read each one's access log, revoke. */
export function SharePanel({ resultId }: { resultId?: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [version, setVersion] = useState(0);
  const [created, setCreated] = useState<ShareLinkCreated | null>(null);
  const links = useResource(
    (signal) => api.call("get", "/api/v1/shares", { query: resultId ? { result_id: resultId } : {}, signal }),
    `${resultId ?? "history"}:${version}`,
  );
  const refresh = () => setVersion((n) => n + 1);

  return (
    <section className="card share" aria-labelledby="share-title">
      <h2 id="share-title">{t("share.title")}</h2>
      <p>{t(resultId ? "share.introResult" : "share.introHistory")}</p>
      <CreateShareForm
        resultId={resultId}
        onCreated={(link) => {
          setCreated(link);
          refresh();
        }}
      />
      {created && <CreatedLink link={created} />}
      <h3>{t("share.links")}</h3>
      {links.error !== null && <ErrorNotice error={links.error} onRetry={links.reload} />}
      {links.data && links.data.items.length === 0 && <p className="muted">{t("share.none")}</p>}
      {links.data && links.data.items.length > 0 && (
        <ul className="share-links">
          {links.data.items.map((link) => (
            <ShareLinkRow key={link.id} link={link} onRevoked={refresh} />
          ))}
        </ul>
      )}
    </section>
  );
}

function CreateShareForm({ resultId, onCreated }: { resultId?: string; onCreated: (link: ShareLinkCreated) => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [hours, setHours] = useState<number>(168);
  const [pin, setPin] = useState("");
  const [label, setLabel] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const pinInvalid = pin !== "" && !PIN_PATTERN.test(pin);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (pinInvalid) return;
    setBusy(true);
    setError(null);
    try {
      const link = await api.call("post", "/api/v1/shares", {
        body: { result_id: resultId ?? null, expires_in_hours: hours, pin: pin || null, label: label.trim() || null },
      });
      setPin("");
      setLabel("");
      onCreated(link);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="grid-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="share-expiry">{t("share.expiry")}</label>
        <select id="share-expiry" value={hours} onChange={(event) => setHours(Number(event.target.value))}>
          {EXPIRY_HOURS.map((value) => (
            <option key={value} value={value}>
              {t(`share.expiry.${value}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="share-pin">{t("share.pin")}</label>
        <input
          id="share-pin"
          inputMode="numeric"
          autoComplete="off"
          maxLength={8}
          value={pin}
          aria-invalid={pinInvalid}
          aria-describedby="share-pin-hint"
          onChange={(event) => setPin(event.target.value.trim())}
        />
        <p id="share-pin-hint" className={pinInvalid ? "field-error" : "hint"}>
          {t(pinInvalid ? "share.pinInvalid" : "share.pinHint")}
        </p>
      </div>
      <div className="field">
        <label htmlFor="share-label">{t("share.label")}</label>
        <input id="share-label" maxLength={80} value={label} onChange={(event) => setLabel(event.target.value)} />
      </div>
      {error !== null && <ErrorNotice error={error} />}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy || pinInvalid}>
          {t("share.create")}
        </button>
      </div>
    </form>
  );
}

function CreatedLink({ link }: { link: ShareLinkCreated }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const url = `${window.location.origin}${link.path}`;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      // No clipboard (an insecure origin, a refused permission): the link stays selectable in the field.
    }
  };
  return (
    <div className="notice notice-ok" role="status">
      <p>{t("share.created")}</p>
      <div className="field">
        <label htmlFor="share-url">{t("share.linkLabel")}</label>
        <input id="share-url" readOnly value={url} data-testid="share-url" onFocus={(event) => event.target.select()} />
      </div>
      <button type="button" className="button secondary" onClick={() => void copy()}>
        {t(copied ? "share.copied" : "share.copy")}
      </button>
    </div>
  );
}

function ShareLinkRow({ link, onRevoked }: { link: ShareLink; onRevoked: () => void }) {
  const { t, formatDateTime } = useI18n();
  const { api } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const revoke = async () => {
    setError(null);
    try {
      await api.call("delete", "/api/v1/shares/{link_id}", { path: { link_id: link.id } });
      setConfirming(false);
      onRevoked();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <li className="share-link" data-status={link.status} data-testid="share-link">
      <p>
        <strong>{link.label || t(`share.scope.${link.scope}`)}</strong>{" "}
        <span className={`badge share-status-${link.status}`}>{t(`share.status.${link.status}`)}</span>
      </p>
      <p className="muted small">
        {[
          link.label ? t(`share.scope.${link.scope}`) : null,
          t("share.expires", { date: formatDateTime(link.expires_at) }),
          link.has_pin ? t("share.withPin") : null,
          t("share.opened", { count: link.access_count }),
        ]
          .filter(Boolean)
          .join(" · ")}
      </p>
      {error !== null && <ErrorNotice error={error} />}
      <div className="form-actions">
        <button type="button" className="button secondary" aria-expanded={showLog} onClick={() => setShowLog(!showLog)}>
          {t(showLog ? "share.logHide" : "share.log")}
        </button>
        {link.status === "active" && !confirming && (
          <button type="button" className="button danger" onClick={() => setConfirming(true)}>
            {t("share.revoke")}
          </button>
        )}
      </div>
      {confirming && (
        <div className="notice notice-warn" role="alertdialog" aria-label={t("share.revoke")}>
          <p>{t("share.revokeConfirm")}</p>
          <div className="form-actions">
            <button type="button" className="button danger" onClick={() => void revoke()}>
              {t("share.revoke")}
            </button>
            <button type="button" className="button secondary" onClick={() => setConfirming(false)}>
              {t("common.cancel")}
            </button>
          </div>
        </div>
      )}
      {showLog && <AccessLog linkId={link.id} />}
    </li>
  );
}

function AccessLog({ linkId }: { linkId: string }) {
  const { t, formatDateTime } = useI18n();
  const { api } = useSession();
  const accesses = useResource(
    (signal) => api.call("get", "/api/v1/shares/{link_id}/accesses", { path: { link_id: linkId }, signal }),
    linkId,
  );
  if (accesses.error !== null) return <ErrorNotice error={accesses.error} onRetry={accesses.reload} />;
  if (!accesses.data) return <p className="muted">{t("common.loading")}</p>;
  if (accesses.data.items.length === 0) return <p className="muted">{t("share.logEmpty")}</p>;
  return (
    <table className="values-table access-log">
      <thead>
        <tr>
          <th scope="col">{t("share.log.at")}</th>
          <th scope="col">{t("share.log.what")}</th>
          <th scope="col">{t("share.log.client")}</th>
          <th scope="col">{t("share.log.network")}</th>
        </tr>
      </thead>
      <tbody>
        {accesses.data.items.map((access: ShareAccess, index) => (
          <tr key={`${access.at}-${index}`} data-outcome={access.outcome}>
            <td data-label={t("share.log.at")}>{formatDateTime(access.at)}</td>
            <td data-label={t("share.log.what")}>
              {t(`share.outcome.${access.outcome}`)} ({t(`share.view.${access.view}`)})
            </td>
            <td data-label={t("share.log.client")}>{access.client ?? "—"}</td>
            <td data-label={t("share.log.network")}>{access.network ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Downloads of a result: the printable PDF report and the FHIR bundle. */
export function ResultDownloads({ resultId }: { resultId: string }) {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const [error, setError] = useState<unknown>(null);
  const fetchFile = async (kind: "pdf" | "fhir") => {
    setError(null);
    try {
      // The PDF is drawn in the reader's language; FHIR is data, the same in every language.
      const query = kind === "pdf" ? `?lang=${lang}` : "";
      const blob = await api.download(`/api/v1/results/${encodeURIComponent(resultId)}/${kind}${query}`);
      saveFile(blob, kind === "pdf" ? `verae-${resultId}.pdf` : `verae-${resultId}.fhir.json`);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section className="card" aria-labelledby="downloads-title">
      <h2 id="downloads-title">{t("export.title")}</h2>
      {error !== null && <ErrorNotice error={error} />}
      <div className="form-actions">
        <button type="button" className="button secondary" onClick={() => void fetchFile("pdf")}>
          {t("export.pdf")}
        </button>
        <button type="button" className="button secondary" onClick={() => void fetchFile("fhir")}>
          {t("export.fhir")}
        </button>
      </div>
    </section>
  );
}
