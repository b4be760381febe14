import { useEffect, useRef, useState } from "react";
import { useSession } from "../auth/session";
import { useI18n } from "../i18n/i18n";

/** Where a value is printed: its page and its box, [left, top, right, bottom] as fractions of the page. */
export interface ValueSource {
  page: number;
  bbox: number[];
}

/** The box as CSS percentages of the image it is drawn over (the image is the page in the box's frame). */
export function boxStyle(bbox: number[]): { left: string; top: string; width: string; height: string } {
  const [left = 0, top = 0, right = 0, bottom = 0] = bbox;
  const percent = (fraction: number) => `${(fraction * 100).toFixed(2)}%`;
  return { left: percent(left), top: percent(top), width: percent(right - left), height: percent(bottom - top) };
}

/** The page a value was read from, with the value's box highlighted. Pages are fetched with the access token
 * (an <img> cannot send it) and kept as object URLs while the screen is open, one request per page. */
export function PagePreview({ jobId, source, name }: { jobId: string; source: ValueSource; name: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [urls, setUrls] = useState<Map<string, string | null>>(new Map());
  const made = useRef<string[]>([]);
  const path = `/api/v1/jobs/${encodeURIComponent(jobId)}/pages/${source.page}`;
  const url = urls.get(path);

  useEffect(() => {
    if (urls.has(path)) return;
    let stale = false;
    api
      .download(path)
      .then((blob) => URL.createObjectURL(blob))
      .catch(() => null) // no picture: the values can still be reviewed
      .then((found) => {
        if (stale) {
          if (found) URL.revokeObjectURL(found);
          return;
        }
        if (found) made.current.push(found);
        setUrls((known) => new Map(known).set(path, found));
      });
    return () => {
      stale = true;
    };
  }, [api, path, urls]);

  // revoked when the screen closes, not when another page arrives
  useEffect(() => () => made.current.forEach((known) => URL.revokeObjectURL(known)), []);

  if (url === null) return <p className="muted small">{t("review.pageUnavailable", { page: source.page })}</p>;
  return (
    <figure className="page-preview" aria-busy={url === undefined}>
      <figcaption className="muted small">{t("review.pageCaption", { page: source.page, name })}</figcaption>
      {url === undefined ? (
        <p className="muted">{t("common.loading")}</p>
      ) : (
        <div className="page-frame">
          <img src={url} alt={t("review.pageAlt", { page: source.page, name })} />
          <span className="value-box" data-testid="value-box" style={boxStyle(source.bbox)} aria-hidden="true" />
        </div>
      )}
    </figure>
  );
}
