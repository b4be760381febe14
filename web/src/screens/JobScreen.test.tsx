import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, fakeServer, ok } from "../test/fakeServer";
import { job, USER } from "../test/fixtures";
import { renderWithApp } from "../test/render";
import { JobScreen } from "./JobScreen";

const FAST = { initialDelayMs: 5, factor: 1.2, maxDelayMs: 20, offlineMaxDelayMs: 20 };
const JOB_ID = job().id;

describe("JobScreen", () => {
  it("updates the status and stage by itself, then opens the result", async () => {
    // The job moves on only once the screen has shown its current state, so a slow machine cannot skip
    // a state between two looks at the page.
    const states = [
      job({ status: "queued" }),
      job({ status: "processing", progress_stage: "parsing", attempts: 1 }),
      job({ status: "processing", progress_stage: "inference", attempts: 1 }),
      job({ status: "done", attempts: 1, result_id: "r-1" }),
    ];
    let shown = 0;
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "GET /api/v1/jobs/:id": () => ok(states[shown]),
    });
    renderWithApp(<JobScreen jobId={JOB_ID} polling={FAST} />, { fetch: server.fetch });

    for (const text of ["Waiting in the queue", "— Reading the document", "— Estimating risk"]) {
      await screen.findByText(text);
      shown += 1;
    }
    await screen.findByText("Done. Opening the result…");
    await waitFor(() => expect(window.location.pathname).toBe("/results/r-1"), { timeout: 3000 });
    // Polling stopped at the final status.
    const polls = server.calls.filter((c) => c.path.startsWith("/api/v1/jobs/")).length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(server.calls.filter((c) => c.path.startsWith("/api/v1/jobs/")).length).toBe(polls);
  });

  it("keeps polling through network loss and says it is reconnecting", async () => {
    let calls = 0;
    const server = fakeServer({
      "GET /api/v1/jobs/:id": () => {
        calls += 1;
        if (calls === 1) return ok(job({ status: "processing", progress_stage: "parsing" }));
        if (calls < 4) throw new TypeError("Failed to fetch");
        return ok(job({ status: "failed", error_code: "parse_failed" }));
      },
    });
    renderWithApp(<JobScreen jobId={JOB_ID} polling={FAST} />, { fetch: server.fetch });
    await screen.findByText("Connection lost; retrying…");
    await screen.findByText("No blood-test values could be read from this document.");
    expect(screen.queryByText("Connection lost; retrying…")).not.toBeInTheDocument();
  });

  it("explains a parse failure and offers typing the values in", async () => {
    const server = fakeServer({
      "GET /api/v1/jobs/:id": [
        ok(job({ status: "failed", error_code: "parse_failed", failure_diagnostic: "No analyte rows were found." })),
      ],
    });
    renderWithApp(<JobScreen jobId={JOB_ID} polling={FAST} />, { fetch: server.fetch });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("No blood-test values could be read from this document.");
    expect(alert).toHaveTextContent("No analyte rows were found.");
    expect(screen.getByRole("link", { name: "Type the values in" })).toHaveAttribute("href", `/jobs/${JOB_ID}/review`);
  });

  it("asks for missing inputs, sends them, and follows the requeued job", async () => {
    const server = fakeServer({
      "GET /api/v1/jobs/:id": [
        ok(job({ status: "needs_input", missing_required_fields: ["sex", "age", "mcv"] })),
        ok(job({ status: "processing", progress_stage: "inference" })),
      ],
      "POST /api/v1/jobs/:id/inputs": (request) => ok(job({ status: "queued" }), request.body ? 202 : 400),
    });
    renderWithApp(<JobScreen jobId={JOB_ID} polling={FAST} />, { fetch: server.fetch });
    await screen.findByRole("heading", { name: "A few details are missing" });
    await userEvent.selectOptions(screen.getByLabelText("Sex"), "male");
    await userEvent.type(screen.getByLabelText("Age, years"), "41");
    await userEvent.type(screen.getByLabelText("MCV"), "72,5");
    await userEvent.click(screen.getByRole("button", { name: "Continue" }));

    await screen.findByText("— Estimating risk");
    const sent = server.calls.find((c) => c.method === "POST");
    expect(sent?.body).toEqual({ sex: "male", age: 41, mcv: { value: 72.5, unit: "fL" } });
  });

  it("shows why supplied inputs were refused", async () => {
    const server = fakeServer({
      "GET /api/v1/jobs/:id": [ok(job({ status: "needs_input", missing_required_fields: ["age"] }))],
      "POST /api/v1/jobs/:id/inputs": [
        apiError(400, "invalid_inputs", { invalid_fields: [{ field: "age", code: "implausible_value", message: "x" }] }),
      ],
    });
    renderWithApp(<JobScreen jobId={JOB_ID} polling={FAST} />, { fetch: server.fetch });
    await userEvent.type(await screen.findByLabelText("Age, years"), "400");
    await userEvent.click(screen.getByRole("button", { name: "Continue" }));
    expect(await screen.findByText(/implausible value/)).toHaveTextContent("Age, years: implausible value");
    expect(screen.getByRole("alert")).toHaveTextContent("Reference for support: cid-invalid_inputs");
  });
});

describe("JobScreen in a hidden tab", () => {
  it("pauses polling while hidden and polls at once when visible again", async () => {
    const server = fakeServer({
      "GET /api/v1/jobs/:id": [
        ok(job({ status: "processing", progress_stage: "parsing" })),
        ok(job({ status: "processing", progress_stage: "inference" })),
      ],
    });
    let visibility: DocumentVisibilityState = "hidden";
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => visibility });
    try {
      renderWithApp(<JobScreen jobId={JOB_ID} polling={FAST} />, { fetch: server.fetch });
      await screen.findByText("— Reading the document");
      await new Promise((resolve) => setTimeout(resolve, 80));
      const jobPolls = () => server.calls.filter((c) => c.path.startsWith("/api/v1/jobs/")).length;
      expect(jobPolls()).toBe(1);
      visibility = "visible";
      document.dispatchEvent(new Event("visibilitychange"));
      await screen.findByText("— Estimating risk");
    } finally {
      delete (document as { visibilityState?: unknown }).visibilityState;
    }
  });
});
