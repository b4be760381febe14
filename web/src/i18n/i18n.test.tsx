import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { en } from "./en";
import { detectLang, I18nProvider, LANG_KEY, translate, useI18n } from "./i18n";
import { ru } from "./ru";

describe("i18n", () => {
  it("follows the browser's first known language", () => {
    expect(detectLang(["ru-RU", "en-US"])).toBe("ru");
    expect(detectLang(["de-DE", "en-GB", "ru"])).toBe("en");
    expect(detectLang(["uk-UA", "ru"])).toBe("ru");
    expect(detectLang(["fr-FR"])).toBe("en");
  });

  it("has a Russian text for every English key, and placeholders match", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(ru[key], key).toBeTruthy();
      const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(ru[key]), key).toEqual(names(en[key]));
    }
  });

  it("fills placeholders", () => {
    expect(translate("en", "job.attempt", { attempt: 2, max: 3 })).toBe("Attempt 2 of 3");
    expect(translate("ru", "job.attempt", { attempt: 2, max: 3 })).toBe("Попытка 2 из 3");
  });

  it("switches language, sets <html lang> and remembers the choice", async () => {
    function Probe() {
      const { t, setLang } = useI18n();
      return (
        <>
          <h1>{t("auth.login.title")}</h1>
          <button onClick={() => setLang("ru")}>ru</button>
        </>
      );
    }
    render(
      <I18nProvider>
        <Probe />
      </I18nProvider>,
    );
    expect(screen.getByRole("heading")).toHaveTextContent("Log in");
    await userEvent.click(screen.getByRole("button", { name: "ru" }));
    expect(screen.getByRole("heading")).toHaveTextContent("Вход");
    expect(document.documentElement.lang).toBe("ru");
    expect(window.localStorage.getItem(LANG_KEY)).toBe("ru");
  });
});
