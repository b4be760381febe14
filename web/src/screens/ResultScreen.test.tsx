import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { memoryTokenStore } from "../auth/tokens";
import type { ReportWarning, Result } from "../api/types";
import { I18nProvider, type Lang } from "../i18n/i18n";
import { SessionProvider } from "../auth/session";
import { RESULT, VALID_TOKENS } from "../test/fixtures";
import { fakeServer, ok, apiError } from "../test/fakeServer";
import { flagKind, ResultScreen, ResultView } from "./ResultScreen";

function renderResult(lang: Lang, result: Result = RESULT) {
  return render(
    <I18nProvider lang={lang}>
      <SessionProvider tokens={memoryTokenStore(VALID_TOKENS)} fetchImpl={fakeServer({ "GET /api/v1/me": [ok({})] }).fetch}>
        <ResultView result={result} />
      </SessionProvider>
    </I18nProvider>,
  );
}

describe("ResultView", () => {
  it("shows the risk, tier, next step, explanations, values, dates, model version and disclaimer", () => {
    renderResult("en");
    expect(screen.getByTestId("risk-percent")).toHaveTextContent("78%");
    expect(screen.getByText("High")).toHaveAttribute("data-tier", "HIGH");
    expect(screen.getByTestId("next-step")).toHaveTextContent("Discuss a ferritin test");
    expect(screen.getByTestId("model-version")).toHaveTextContent("catboost-2024.03");
    expect(screen.getByTestId("source-file")).toHaveTextContent("march-cbc.pdf");
    expect(screen.getByText("1 Mar 2024")).toBeInTheDocument();
    expect(screen.getByTestId("disclaimer")).toHaveTextContent("not a diagnosis");

    // Biggest contribution first; direction drives the side of the bar.
    const bars = screen.getAllByRole("listitem").filter((item) => item.classList.contains("bar-row"));
    expect(bars.map((bar) => bar.dataset.feature)).toEqual(["mcv", "rdw_cv", "age"]);
    expect(bars[2]).toHaveAttribute("data-direction", "lowers");
    expect(bars[0]?.querySelector(".bar-raises")).toHaveStyle({ width: "100%" });

    const hemoglobin = screen.getByRole("row", { name: /Hemoglobin/ });
    expect(within(hemoglobin).getByText(/10\.9 g\/dL/)).toBeInTheDocument();
    expect(within(hemoglobin).getByText("12.0-15.5")).toBeInTheDocument();
    expect(within(hemoglobin).getByText(/Low/)).toBeInTheDocument();
    expect(hemoglobin).toHaveTextContent("(= 109 g/L)");
  });

  it("renders in Russian with the server's Russian texts", () => {
    renderResult("ru");
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Ваш результат");
    expect(screen.getByText("Высокий")).toBeInTheDocument();
    expect(screen.getByTestId("next-step")).toHaveTextContent("Обсудите с врачом");
    expect(screen.getByTestId("disclaimer")).toHaveTextContent("не диагноз");
    expect(screen.getByText("MCV снижен")).toBeInTheDocument();
  });

  it("shows the reading's warnings in the reader's language, and a stored English note as it is", () => {
    const warnings: ReportWarning[] = [
      { code: "unit_not_accepted", message: "ferritin on page 2: unit 'mg/dl' is not…", analyte: "ferritin", page: 2, unit: "mg/dl", items: [] },
      { code: "several_collection_dates", message: "Several…", items: ["2024-03-01", "2024-03-05"] },
      { code: "from_profile", message: "Taken from your profile: sex, age", items: ["sex", "age"] },
      { code: "value_inconsistent", message: "tibc on page 1: …", analyte: "tibc", page: 1, items: ["serum_iron", "uibc"] },
      { code: "values_disagree", message: "hematocrit, mchc disagree…", items: ["hematocrit", "mchc"] },
      { code: "value_not_read", message: "ferritin on page 1: the name is printed…", analyte: "ferritin", page: 1, items: [] },
      { code: "note", message: "An older note, in English", items: [] },
    ];
    renderResult("ru", { ...RESULT, report: { ...RESULT.report, warnings } });
    const shown = within(screen.getByRole("heading", { name: "Примечания" }).parentElement!).getAllByRole("listitem");
    expect(shown.map((item) => item.textContent)).toEqual([
      "Ферритин (стр. 2): «mg/dl» — не единица измерения этого показателя; не использовано",
      "Напечатано несколько дат взятия (1 мар. 2024 г., 5 мар. 2024 г.); использована последняя",
      "Взято из вашего профиля: Пол, Возраст",
      "ОЖСС (стр. 1): значение не сходится с показателями Сывороточное железо, ЛЖСС, с которыми анализатор его рассчитывает, и, похоже, прочитано неверно; не использовано",
      "Гематокрит, MCHC: эти значения не сходятся друг с другом (анализатор рассчитывает одно из других), одно из них, вероятно, прочитано неверно; проверьте их",
      "Ферритин (стр. 1): название напечатано, но значение прочитать не удалось; введите его при проверке значений",
      "An older note, in English",
    ]);
  });

  it("shows the measured iron panel beside the estimate, and inputs beyond the training range", () => {
    const measured: Result = {
      ...RESULT,
      risk: {
        ...RESULT.risk,
        pattern: {
          code: "microcytosis_high_rbc",
          mentzer_index: 10.8,
          text: { en: "can also be thalassaemia trait", ru: "может быть и носительство талассемии" },
        },
        outside_training_range: [
          {
            feature: "mcv",
            value: 35.4,
            training_low: 56.2,
            training_high: 107.8,
            text: { en: "MCV 35.4 fL is outside the range the model was trained on", ru: "MCV 35,4 фл вне диапазона" },
          },
        ],
        measured_iron_status: {
          basis: "measured",
          ferritin_ug_l: 60,
          status: "likely_deficient",
          threshold_ug_l: 70,
          inflammation: true,
          ferritin_unreliable: true,
          readings: [
            { analyte: "ferritin", value: 60, unit: "µg/L", reading: "low", threshold: 70, text: { en: "Ferritin 60 µg/L is below 70 µg/L", ru: "Ферритин 60 мкг/л ниже 70 мкг/л" } },
            { analyte: "transferrin_saturation", value: 12, unit: "%", reading: "low", threshold: 16, text: { en: "Transferrin saturation 12% is below 16%", ru: "Насыщение трансферрина 12% ниже 16%" } },
          ],
          text: { en: "Ferritin 60 µg/L is below 70 µg/L", ru: "Ферритин 60 мкг/л ниже 70 мкг/л" },
        },
      },
    };
    renderResult("ru", measured);
    const panel = screen.getByTestId("measured-panel");
    expect(panel).toHaveTextContent("Измерено: дефицит железа вероятен");
    expect(panel).toHaveTextContent("СРБ указывает на воспаление");
    expect(within(panel).getAllByRole("listitem").map((item) => item.textContent)).toEqual([
      "Ферритин 60 мкг/л ниже 70 мкг/л",
      "Насыщение трансферрина 12% ниже 16%",
    ]);
    // the model's estimate stays shown beside the measurement
    expect(screen.getByTestId("risk-percent")).toHaveTextContent("78%");
    expect(screen.getByTestId("outside-training-range")).toHaveTextContent("MCV 35,4 фл вне диапазона");
    expect(screen.getByTestId("blood-pattern")).toHaveTextContent("носительство талассемии");
  });

  it("says when the estimate is a weak signal at the person's age, and only then", () => {
    const child: Result = {
      ...RESULT,
      risk: {
        ...RESULT.risk,
        confidence: "medium",
        age_caveat: { en: "At ages 1 to 5 a blood count says little", ru: "В возрасте от 1 до 5 лет общий анализ крови мало говорит" },
      },
    };
    renderResult("ru", child);
    expect(screen.getByTestId("age-caveat")).toHaveTextContent("от 1 до 5 лет");
    expect(screen.getByTestId("risk-percent")).toHaveTextContent("78%");
  });

  it("shows no age note for an adult's result", () => {
    renderResult("en");
    expect(screen.queryByTestId("age-caveat")).toBeNull();
  });

  it("reads printed flags", () => {
    expect(flagKind("H")).toBe("high");
    expect(flagKind("↓")).toBe("low");
    expect(flagKind("*")).toBe("abnormal");
    expect(flagKind(" ")).toBeNull();
    expect(flagKind(null)).toBeNull();
  });
});

describe("ResultScreen", () => {
  it("says so when the result is not ready, with the reference for support", async () => {
    const server = fakeServer({ "GET /api/v1/me": [ok({})], "GET /api/v1/results/:id": [apiError(409, "result_not_ready")] });
    render(
      <I18nProvider lang="en">
        <SessionProvider tokens={memoryTokenStore(VALID_TOKENS)} fetchImpl={server.fetch}>
          <ResultScreen resultId="r-1" />
        </SessionProvider>
      </I18nProvider>,
    );
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The result is not ready yet.");
    expect(alert).toHaveTextContent("Reference for support: cid-result_not_ready");
  });
});
