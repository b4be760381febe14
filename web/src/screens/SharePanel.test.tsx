import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ShareLink } from "../api/types";
import { apiError, fakeServer, ok } from "../test/fakeServer";
import { renderWithApp } from "../test/render";
import { ResultDownloads, SharePanel } from "./SharePanel";

const RESULT_ID = "5b0c1f9e-3d2a-4c7e-9f1b-2a6d8e4c0b11";

function link(overrides: Partial<ShareLink> = {}): ShareLink {
  return {
    id: "0a7f6c1e-1111-4c7e-9f1b-2a6d8e4c0b11",
    scope: "result",
    result_id: RESULT_ID,
    label: "Dr. Ivanova",
    has_pin: true,
    status: "active",
    created_at: "2026-12-01T10:00:00Z",
    expires_at: "2026-12-08T10:00:00Z",
    revoked_at: null,
    access_count: 2,
    last_accessed_at: "2026-12-02T09:00:00Z",
    ...overrides,
  };
}

describe("SharePanel", () => {
  it("creates a link with an expiry and a PIN and shows it once, to copy", async () => {
    const server = fakeServer({
      "GET /api/v1/shares": [ok({ items: [] }), ok({ items: [link()] })],
      "POST /api/v1/shares": [ok({ ...link(), token: "tok-abc", path: "/shared#tok-abc" }, 201)],
    });
    renderWithApp(<SharePanel resultId={RESULT_ID} />, { fetch: server.fetch });
    expect(await screen.findByText("No links yet.")).toBeInTheDocument();

    await userEvent.selectOptions(screen.getByLabelText("Link valid for"), "30 days");
    await userEvent.type(screen.getByLabelText("PIN (optional, 4–8 digits)"), "12");
    expect(screen.getByText("The PIN must be 4 to 8 digits.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Create link" })).toBeDisabled();
    await userEvent.type(screen.getByLabelText("PIN (optional, 4–8 digits)"), "34");
    await userEvent.type(screen.getByLabelText("Note for yourself (optional)"), "Dr. Ivanova");
    await userEvent.click(screen.getByRole("button", { name: "Create link" }));

    expect(await screen.findByTestId("share-url")).toHaveValue(`${window.location.origin}/shared#tok-abc`);
    const post = server.calls.find((call) => call.method === "POST");
    expect(post?.body).toEqual({ result_id: RESULT_ID, expires_in_hours: 720, pin: "1234", label: "Dr. Ivanova" });
    const row = await screen.findByTestId("share-link");
    expect(row).toHaveTextContent("Active");
    expect(row).toHaveTextContent("with PIN");
    expect(row).toHaveTextContent("Opened 2 times");
    expect(server.calls.filter((call) => call.path === "/api/v1/shares").at(-1)?.query.get("result_id")).toBe(RESULT_ID);
  });

  it("revokes a link after confirmation and shows its access log", async () => {
    const server = fakeServer({
      "GET /api/v1/shares": [ok({ items: [link()] }), ok({ items: [link({ status: "revoked", revoked_at: "2026-12-03T10:00:00Z" })] })],
      "DELETE /api/v1/shares/:id": [{ status: 204 }],
      "GET /api/v1/shares/:id/accesses": [
        ok({
          items: [
            { at: "2026-12-02T09:00:00Z", view: "pdf", outcome: "opened", network: "203.0.113.0/24", client: "Firefox on Windows" },
            { at: "2026-12-02T08:59:00Z", view: "json", outcome: "wrong_pin", network: "203.0.113.0/24", client: "Firefox on Windows" },
          ],
        }),
      ],
    });
    renderWithApp(<SharePanel />, { fetch: server.fetch });
    const row = await screen.findByTestId("share-link");

    await userEvent.click(within(row).getByRole("button", { name: "Access log" }));
    const rows = await within(row).findAllByRole("row");
    expect(rows[1]).toHaveTextContent("Opened (PDF)");
    expect(rows[1]).toHaveTextContent("Firefox on Windows");
    expect(rows[1]).toHaveTextContent("203.0.113.0/24");
    expect(rows[2]).toHaveTextContent("Wrong PIN (page)");

    await userEvent.click(within(row).getByRole("button", { name: "Revoke" }));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("It stops working at once.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Revoke" }));
    expect(await screen.findByText("Revoked")).toBeInTheDocument();
    expect(server.calls.find((call) => call.method === "DELETE")?.path).toBe(`/api/v1/shares/${link().id}`);
    expect(screen.queryByRole("button", { name: "Revoke" })).not.toBeInTheDocument();
  });

  it("speaks Russian, and says when the result is not the person's", async () => {
    const server = fakeServer({
      "GET /api/v1/shares": [ok({ items: [] })],
      "POST /api/v1/shares": [apiError(404, "result_not_found")],
    });
    renderWithApp(<SharePanel resultId={RESULT_ID} />, { fetch: server.fetch, lang: "ru" });
    expect(await screen.findByText("Ссылок пока нет.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Создать ссылку" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Результат не найден.");
  });

  it("asks for the PDF report in the reader's language and the FHIR bundle without one", async () => {
    const server = fakeServer({
      "GET /api/v1/results/:id/pdf": [apiError(404, "result_not_found")],
      "GET /api/v1/results/:id/fhir": [apiError(404, "result_not_found")],
    });
    renderWithApp(<ResultDownloads resultId={RESULT_ID} />, { fetch: server.fetch, lang: "ru" });
    await userEvent.click(screen.getByRole("button", { name: "Отчёт PDF" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Результат не найден.");
    await userEvent.click(screen.getByRole("button", { name: "FHIR (для медицинских систем)" }));
    await waitFor(() => expect(server.calls).toHaveLength(2));
    const [pdf, fhir] = server.calls;
    expect(pdf?.path).toBe(`/api/v1/results/${RESULT_ID}/pdf`);
    expect(pdf?.query.get("lang")).toBe("ru");
    expect(fhir?.path).toBe(`/api/v1/results/${RESULT_ID}/fhir`);
    expect(fhir?.query.has("lang")).toBe(false);
  });
});
