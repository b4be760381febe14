import type { RiskTier } from "../api/types";
import { useI18n } from "../i18n/i18n";

export function RiskBadge({ tier }: { tier: RiskTier }) {
  const { t } = useI18n();
  return (
    <span className={`badge tier-${tier}`} data-tier={tier}>
      {t(`result.tier.${tier}`)}
    </span>
  );
}
