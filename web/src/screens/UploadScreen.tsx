import { useEffect, useRef, useState, type DragEvent, type FormEvent } from "react";
import { ApiError } from "../api/errors";
import {
  ACCEPT_ATTRIBUTE,
  checkFile,
  newIdempotencyKey,
  uploadFile,
  type FileProblem,
  type UploadHandle,
} from "../api/upload";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../components/ErrorNotice";
import { useI18n } from "../i18n/i18n";
import { formatBytes } from "../lib/format";
import { useResource } from "../lib/useResource";
import { Link, navigate } from "../router";

const PROBLEM_CODES: Record<FileProblem, string> = {
  unsupported_type: "unsupported_media_type",
  too_large: "payload_too_large",
  empty_file: "empty_file",
};

/** A file problem found in the browser, shown with the same words as the server's answer. */
function localProblem(problem: FileProblem, maxBytes: number | null): ApiError {
  const details = problem === "too_large" ? { max_bytes: maxBytes } : {};
  return new ApiError({ status: 0, code: PROBLEM_CODES[problem], message: problem, details });
}

export function UploadScreen() {
  const { t, lang } = useI18n();
  const { api, user } = useSession();
  const [file, setFile] = useState<File | null>(null);
  // one key per chosen file: trying the same file again after a failure cannot create a second upload
  const [idempotencyKey, setIdempotencyKey] = useState("");
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const handleRef = useRef<UploadHandle | null>(null);
  const [touch, setTouch] = useState(false);
  // an admin may change the limit at runtime, so it is asked for rather than built in
  const limits = useResource((signal) => api.call("get", "/api/v1/uploads/limits", { signal }), "upload-limits");
  const maxBytes = limits.data?.max_bytes ?? null;

  useEffect(() => {
    setTouch(window.matchMedia?.("(pointer: coarse)").matches ?? false);
    return () => handleRef.current?.abort();
  }, []);

  const choose = (chosen: File | undefined | null) => {
    setError(null);
    if (!chosen) return;
    const problem = checkFile(chosen, maxBytes);
    if (problem) {
      setFile(null);
      setError(localProblem(problem, maxBytes));
      return;
    }
    setFile(chosen);
    setIdempotencyKey(newIdempotencyKey());
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files[0]);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setError(null);
    setProgress(0);
    const handle = uploadFile(api, file, idempotencyKey, setProgress);
    handleRef.current = handle;
    try {
      const accepted = await handle.promise;
      navigate(`/jobs/${accepted.job_id}`);
    } catch (caught) {
      if (!(caught instanceof DOMException && caught.name === "AbortError")) setError(caught);
      setProgress(null);
    } finally {
      handleRef.current = null;
    }
  };

  const uploading = progress !== null;
  const percent = Math.round((progress ?? 0) * 100);
  const profileIncomplete = user !== null && (user.sex === null || user.birth_date === null);

  return (
    <section className="card" aria-labelledby="upload-title">
      <h1 id="upload-title">{t("upload.title")}</h1>
      <p className="muted">
        {t("upload.intro")}
        {maxBytes !== null && ` ${t("upload.limit", { size: formatBytes(maxBytes, lang) })}`}
      </p>
      {profileIncomplete && (
        <p className="notice notice-info">
          {t("upload.profileHint")} <Link to="/profile">{t("upload.profileLink")}</Link>
        </p>
      )}
      <form onSubmit={submit}>
        <div
          className={`dropzone${dragging ? " dragging" : ""}`}
          data-testid="dropzone"
          onDragEnter={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragOver={(event) => event.preventDefault()}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          {!touch && (
            <>
              <p className="drop-hint" aria-hidden="true">
                {t("upload.drop")}
              </p>
              <p className="muted small" aria-hidden="true">
                {t("upload.or")}
              </p>
            </>
          )}
          <div className="pickers">
            <input
              id="file-input"
              className="visually-hidden-input"
              type="file"
              accept={ACCEPT_ATTRIBUTE}
              disabled={uploading}
              onChange={(event) => {
                choose(event.target.files?.[0]);
                event.target.value = "";
              }}
            />
            <label className="button secondary file-label" htmlFor="file-input">
              {t("upload.choose")}
            </label>
            {touch && (
              <>
                <input
                  id="camera-input"
                  className="visually-hidden-input"
                  type="file"
                  accept="image/*"
                  capture="environment"
                  disabled={uploading}
                  onChange={(event) => {
                    choose(event.target.files?.[0]);
                    event.target.value = "";
                  }}
                />
                <label className="button secondary file-label" htmlFor="camera-input">
                  {t("upload.camera")}
                </label>
              </>
            )}
          </div>
          {file && (
            <p className="selected" data-testid="selected-file">
              {t("upload.selected", { name: file.name, size: formatBytes(file.size, lang) })}
            </p>
          )}
        </div>
        {uploading && (
          <div className="progress-wrap">
            <label htmlFor="upload-progress">{t("upload.uploading", { percent })}</label>
            <progress id="upload-progress" max={100} value={percent} />
          </div>
        )}
        {error !== null && <ErrorNotice error={error} />}
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={!file || uploading}>
            {t("upload.submit")}
          </button>
          {uploading && (
            <button type="button" className="button secondary" onClick={() => handleRef.current?.abort()}>
              {t("upload.cancel")}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
