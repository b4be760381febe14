import type { Sex } from "../api/types";
import { useI18n } from "../i18n/i18n";

/** The person's sex as a select: unset, female or male (the profile and the review form). */
export function SexSelect({ id, value, onChange }: { id: string; value: Sex | ""; onChange: (sex: Sex | "") => void }) {
  const { t } = useI18n();
  return (
    <select id={id} value={value} onChange={(event) => onChange(event.target.value as Sex | "")}>
      <option value="">{t("profile.sex.unset")}</option>
      <option value="female">{t("profile.sex.female")}</option>
      <option value="male">{t("profile.sex.male")}</option>
    </select>
  );
}
