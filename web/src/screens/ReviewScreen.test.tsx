import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { JobValues } from "../api/types";
import { apiError, fakeServer, ok } from "../test/fakeServer";
import { job, RESULT, USER } from "../test/fixtures";
import { renderWithApp } from "../test/render";
import { draftFrom, ReviewScreen } from "./ReviewScreen";

const JOB_ID = job().id;
const READ: JobValues = { original: RESULT.report, current: RESULT.report };

describe("ReviewScreen", () => {
  afterEach(() => vi.restoreAllMocks());

  it("edits a value and sends the complete reviewed set, then follows the job", async () => {
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "GET /api/v1/jobs/:id/values": [ok(READ)],
      "PUT /api/v1/jobs/:id/values": [ok(job({ status: "queued" }), 202)],
    });
    renderWithApp(<ReviewScreen jobId={JOB_ID} />, { fetch: server.fetch });
    const hemoglobin = await screen.findByLabelText("Value (Hemoglobin)");
    expect(hemoglobin).toHaveValue("10.9");
    expect(screen.getAllByText("Read from the document: 10.9 g/dL")).toHaveLength(1);
    await userEvent.clear(hemoglobin);
    await userEvent.type(hemoglobin, "9,8");
    await userEvent.click(screen.getByRole("button", { name: "Remove MCV" }));
    await userEvent.click(screen.getByRole("button", { name: "Confirm and recompute" }));

    await waitFor(() => expect(window.location.pathname).toBe(`/jobs/${JOB_ID}`));
    expect(server.calls.find((c) => c.method === "PUT")?.body).toEqual({
      values: [{ analyte: "hemoglobin", value: 9.8, unit: "g/dL" }],
      sex: "female",
      age: 34,
      collected_at: "2024-03-01",
    });
  });

  it("says why a value printed in the document is missing", async () => {
    const original = {
      ...RESULT.report,
      warnings: [{ code: "unit_missing" as const, message: "mch on page 1: …", analyte: "mch", page: 1, items: [] }],
    };
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "GET /api/v1/jobs/:id/values": [ok({ original, current: null })],
    });
    renderWithApp(<ReviewScreen jobId={JOB_ID} />, { fetch: server.fetch });
    expect(await screen.findByTestId("reading-notes")).toHaveTextContent(
      "MCH (page 1): no unit is printed and the value does not tell which; not used",
    );
  });

  it("marks a value the reader doubts, with what OCR read and where", async () => {
    const values = (RESULT.report.values ?? []).map((v) =>
      v.analyte === "hemoglobin" ? { ...v, source_text: "10,9", page: 2, confidence: 0.31, doubtful: true } : v,
    );
    const original = { ...RESULT.report, values };
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "GET /api/v1/jobs/:id/values": [ok({ original, current: null })],
    });
    renderWithApp(<ReviewScreen jobId={JOB_ID} />, { fetch: server.fetch });
    await screen.findByLabelText("Value (Hemoglobin)");
    const notes = screen.getAllByText(/Not sure of this one/);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toHaveTextContent("Not sure of this one: OCR read “10,9” on page 2. Check it against your report.");
    expect(notes[0]?.closest("li")).toHaveAttribute("data-analyte", "hemoglobin");
  });

  it("starts from empty hemoglobin and MCV rows when nothing could be read", () => {
    const draft = draftFrom({ original: null, current: null });
    expect(draft.rows.map((row) => [row.analyte, row.value, row.unit])).toEqual([
      ["hemoglobin", "", "g/L"],
      ["mcv", "", "fL"],
    ]);
  });

  it("shows which values the server refused", async () => {
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "GET /api/v1/jobs/:id/values": [ok(READ)],
      "PUT /api/v1/jobs/:id/values": [
        apiError(400, "invalid_inputs", { invalid_fields: [{ field: "hemoglobin", code: "unknown_unit", message: "x" }] }),
      ],
    });
    renderWithApp(<ReviewScreen jobId={JOB_ID} />, { fetch: server.fetch });
    await userEvent.click(await screen.findByRole("button", { name: "Confirm and recompute" }));
    expect(await screen.findByText("unknown unit")).toBeInTheDocument();
    expect(screen.getByLabelText("Value (Hemoglobin)")).toHaveAttribute("aria-invalid", "true");
  });

  it("explains a busy job instead of failing silently", async () => {
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "GET /api/v1/jobs/:id/values": [ok(READ)],
      "PUT /api/v1/jobs/:id/values": [apiError(409, "job_busy")],
    });
    renderWithApp(<ReviewScreen jobId={JOB_ID} />, { fetch: server.fetch });
    await userEvent.click(await screen.findByRole("button", { name: "Confirm and recompute" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("still being processed");
  });
  it("shows the page of the value in focus with the value's box outlined", async () => {
    const created: string[] = [];
    vi.spyOn(URL, "createObjectURL").mockImplementation(() => `blob:page-${created.push("x")}`);
    vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => undefined);
    const values = (RESULT.report.values ?? []).map((v) =>
      v.analyte === "mcv"
        ? { ...v, page: 2, bbox: [0.5, 0.25, 0.625, 0.3], doubtful: true, source_text: "74" }
        : v.analyte === "hemoglobin"
          ? { ...v, page: 1, bbox: [0.1, 0.4, 0.2, 0.42] }
          : v,
    );
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "GET /api/v1/jobs/:id/values": [ok({ original: { ...RESULT.report, values }, current: null })],
      "GET /api/v1/jobs/:id/pages/:page": [ok("png")],
    });
    renderWithApp(<ReviewScreen jobId={JOB_ID} />, { fetch: server.fetch });
    // the doubtful value first
    const page2 = await screen.findByRole("img", { name: "Page 2 of your report, with the value of MCV outlined" });
    expect(page2).toHaveAttribute("src", "blob:page-1");
    expect(screen.getByTestId("value-box")).toHaveStyle({ left: "50%", top: "25%", width: "12.5%", height: "5%" });
    expect(screen.getByText("Page 2: MCV is outlined")).toBeInTheDocument();

    await userEvent.click(screen.getByLabelText("Value (Hemoglobin)"));
    await screen.findByRole("img", { name: "Page 1 of your report, with the value of Hemoglobin outlined" });
    expect(screen.getByTestId("value-box")).toHaveStyle({ left: "10%", top: "40%", width: "10%", height: "2%" });
    const pages = server.calls.filter((c) => c.path.includes("/pages/"));
    expect(pages.map((c) => [c.path, c.authorization?.startsWith("Bearer ")])).toEqual([
      [`/api/v1/jobs/${JOB_ID}/pages/2`, true],
      [`/api/v1/jobs/${JOB_ID}/pages/1`, true],
    ]);
  });
  it("says when a page cannot be shown, and the values can still be reviewed", async () => {
    const values = (RESULT.report.values ?? []).map((v) => (v.analyte === "mcv" ? { ...v, page: 1, bbox: [0.1, 0.2, 0.3, 0.4] } : v));
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "GET /api/v1/jobs/:id/values": [ok({ original: { ...RESULT.report, values }, current: null })],
      "GET /api/v1/jobs/:id/pages/:page": [apiError(404, "no_page_images")],
    });
    renderWithApp(<ReviewScreen jobId={JOB_ID} />, { fetch: server.fetch });
    expect(await screen.findByText("The picture of page 1 cannot be shown.")).toBeInTheDocument();
    expect(screen.queryByRole("img")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Value (MCV)")).toHaveValue("74");
  });
});
