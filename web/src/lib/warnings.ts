import type { ReportWarning } from "../api/types";
import { isMessageKey, type Translate } from "../i18n/i18n";
import { analyteName } from "./analytes";

/** A report warning in the reader's language, from its code and fields. A code this app does not know yet,
 * or a `note` stored before codes existed, shows the server's English text. */
export function warningText(warning: ReportWarning, t: Translate, formatDate: (iso: string) => string): string {
  const key = `warning.${warning.code}`;
  if (!isMessageKey(key)) return warning.message;
  const items = warning.items ?? [];
  const listed =
    warning.code === "several_collection_dates" ? items.map(formatDate) : items.map((field) => analyteName(t, field));
  return t(key, {
    analyte: warning.analyte ? analyteName(t, warning.analyte) : "",
    page: warning.page ?? "",
    unit: warning.unit ?? "",
    items: listed.join(", "),
  });
}
