import type { ReportWarning } from "../api/types";
import { useI18n } from "../i18n/i18n";
import { warningText } from "../lib/warnings";

/** The notes on how a report was read, in the reader's language; nothing when there are none. */
export function WarningList({ warnings, level }: { warnings: readonly ReportWarning[]; level: "h2" | "h3" }) {
  const { t, formatDate } = useI18n();
  if (warnings.length === 0) return null;
  const Heading = level;
  return (
    <div className="warnings" data-testid="reading-notes">
      <Heading className="h4">{t("result.warnings")}</Heading>
      <ul>
        {warnings.map((warning, index) => (
          <li key={index} className="small muted">
            {warningText(warning, t, formatDate)}
          </li>
        ))}
      </ul>
    </div>
  );
}
