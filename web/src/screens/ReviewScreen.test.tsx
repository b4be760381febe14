import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { JobValues } from "../api/types";
import { apiError, fakeServer, ok } from "../test/fakeServer";
import { job, RESULT, USER } from "../test/fixtures";
import { renderWithApp } from "../test/render";
import { draftFrom, ReviewScreen } from "./ReviewScreen";

const JOB_ID = job().id;
const READ: JobValues = { original: RESULT.report, current: RESULT.report };

describe("ReviewScreen", () => {
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
});
