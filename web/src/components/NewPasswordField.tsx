import { useId } from "react";
import { useI18n } from "../i18n/i18n";

/** A new password with the rules the server applies, stated under the field. */
export function NewPasswordField(props: { id: string; value: string; onChange: (value: string) => void }) {
  const { t } = useI18n();
  const hintId = useId();
  return (
    <div className="field">
      <label htmlFor={props.id}>{t("profile.password.new")}</label>
      <input
        id={props.id}
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        maxLength={128}
        aria-describedby={hintId}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <p id={hintId} className="hint">
        {t("auth.passwordHint")}
      </p>
    </div>
  );
}
