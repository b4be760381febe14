import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ResultSummary } from "../api/types";
import { fakeServer, ok } from "../test/fakeServer";
import { job, USER } from "../test/fixtures";
import { renderWithApp } from "../test/render";
import { HistoryScreen, newestFirst, trendPoints } from "./HistoryScreen";

function summary(id: string, date: string, tier: ResultSummary["risk_tier"], keys: Record<string, number | null>): ResultSummary {
  return {
    id,
    job_id: `job-${id}`,
    created_at: `${date}T10:00:00Z`,
    collection_date: date,
    risk_percent: tier === "HIGH" ? 81 : 12,
    risk_tier: tier,
    model_version: "m1",
    key_values: keys,
    source_filename: `${id}.pdf`,
  };
}

const ITEMS = [
  summary("b", "2024-06-01", "LOW", { hemoglobin: 131, mcv: 86, ferritin: 40 }),
  summary("a", "2024-01-10", "HIGH", { hemoglobin: 104, mcv: 73, ferritin: null }),
];

describe("HistoryScreen", () => {
  it("lists results newest first and draws a trend per analyte", async () => {
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "GET /api/v1/results": [ok({ items: ITEMS, total: 2, limit: 100, offset: 0 })],
      "GET /api/v1/jobs": [ok({ items: [job({ status: "failed", error_code: "parse_failed" })], total: 1, limit: 20, offset: 0 })],
    });
    renderWithApp(<HistoryScreen />, { fetch: server.fetch });
    const list = await screen.findByTestId("history-list");
    const links = within(list).getAllByRole("link");
    expect(links.map((link) => link.getAttribute("href"))).toEqual(["/results/b", "/results/a"]);
    expect(links[0]).toHaveAccessibleName("Open result from 1 Jun 2024");
    expect(within(list).getAllByTestId("history-file").map((name) => name.textContent)).toEqual(["b.pdf", "a.pdf"]);

    const hemoglobin = screen.getByRole("figure", { name: /Hemoglobin/ });
    expect(hemoglobin).toHaveAttribute("data-points", "2");
    expect(hemoglobin.querySelectorAll("circle")).toHaveLength(2);
    expect(screen.getByRole("figure", { name: /Ferritin/ })).toHaveAttribute("data-points", "1");
    expect(screen.getByRole("link", { name: /Failed/ })).toHaveAttribute("href", `/jobs/${job().id}`);
  });

  it("invites a first upload when there is nothing yet", async () => {
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "GET /api/v1/results": [ok({ items: [], total: 0, limit: 100, offset: 0 })],
      "GET /api/v1/jobs": [ok({ items: [], total: 0, limit: 20, offset: 0 })],
    });
    renderWithApp(<HistoryScreen />, { fetch: server.fetch });
    expect(await screen.findByRole("link", { name: "Upload your first blood test" })).toHaveAttribute("href", "/upload");
  });

  it("orders by the test date, not the upload time", () => {
    const lateUpload = { ...summary("c", "2023-11-05", "GRAY", {}), created_at: "2024-07-01T10:00:00Z" };
    const undated = { ...summary("d", "2024-02-01", "LOW", {}), collection_date: null, created_at: "2024-02-01T09:00:00Z" };
    expect(newestFirst([lateUpload, ...ITEMS, undated]).map((item) => item.id)).toEqual(["b", "d", "a", "c"]);
  });

  it("builds trend points from the dated values only", () => {
    expect(trendPoints(ITEMS, "ferritin")).toEqual([{ date: "2024-06-01", value: 40 }]);
    expect(trendPoints(ITEMS, "mcv").map((p) => p.value)).toEqual([86, 73]);
  });
});
