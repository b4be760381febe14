import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import type { SharedView } from "../api/types";
import { RESULT } from "../test/fixtures";
import { apiError, fakeServer, ok } from "../test/fakeServer";
import { renderWithApp } from "../test/render";
import { SharedScreen, tokenFromHash } from "./SharedScreen";

const VIEW: SharedView = {
  scope: "history",
  expires_at: "2026-12-08T10:00:00Z",
  results: [
    { created_at: RESULT.created_at, collection_date: RESULT.collection_date, risk: RESULT.risk, report: RESULT.report },
  ],
};

function openAt(hash: string) {
  window.history.replaceState(null, "", `/shared${hash}`);
}

afterEach(() => window.history.replaceState(null, "", "/"));

describe("SharedScreen", () => {
  it("reads the token after # and shows the results read-only, without a login", async () => {
    openAt("#tok-abc");
    const server = fakeServer({ "GET /api/v1/shared/:token": [ok(VIEW)] });
    renderWithApp(<SharedScreen />, { fetch: server.fetch, tokens: null });

    const card = await screen.findByTestId("shared-result");
    expect(within(card).getByText("78%")).toBeInTheDocument();
    expect(within(card).getByText("High")).toBeInTheDocument();
    expect(within(card).getByRole("row", { name: /Hemoglobin/ })).toHaveTextContent("12.0-15.5");
    expect(within(card).getByText(/not a diagnosis/)).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: /review/i })).not.toBeInTheDocument();
    const [call] = server.calls;
    expect(call?.params.token).toBe("tok-abc");
    expect(call?.authorization).toBeNull();
    expect(call?.headers.get("x-share-pin")).toBeNull();
  });

  it("asks for the PIN, says when it is wrong, and sends it with the next try", async () => {
    openAt("#tok-pin");
    const server = fakeServer({
      "GET /api/v1/shared/:token": [
        apiError(401, "share_pin_required"),
        apiError(401, "share_pin_wrong", { attempts_left: 9 }),
        ok(VIEW),
      ],
    });
    renderWithApp(<SharedScreen />, { fetch: server.fetch, tokens: null });

    const pin = await screen.findByLabelText("PIN");
    await userEvent.type(pin, "0000");
    await userEvent.click(screen.getByRole("button", { name: "Open" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The PIN is wrong.");
    await userEvent.clear(pin);
    await userEvent.type(pin, "4821");
    await userEvent.click(screen.getByRole("button", { name: "Open" }));
    expect(await screen.findByTestId("shared-result")).toBeInTheDocument();
    expect(server.calls.map((call) => call.headers.get("x-share-pin"))).toEqual([null, "0000", "4821"]);
  });

  it.each([
    ["share_link_revoked", 410, "This link was revoked by its owner."],
    ["share_link_expired", 410, "This link has expired. Ask for a new one."],
    ["share_link_not_found", 404, "This link does not exist."],
  ])("explains a %s link", async (code, status, text) => {
    openAt("#tok-gone");
    const server = fakeServer({ "GET /api/v1/shared/:token": [apiError(status, code)] });
    renderWithApp(<SharedScreen />, { fetch: server.fetch, tokens: null });
    expect(await screen.findByRole("alert")).toHaveTextContent(text);
    expect(screen.queryByLabelText("PIN")).not.toBeInTheDocument();
  });

  it("says so in Russian when the link has no token, and asks nothing of the server", async () => {
    openAt("");
    const server = fakeServer({});
    renderWithApp(<SharedScreen />, { fetch: server.fetch, tokens: null, lang: "ru" });
    expect(await screen.findByText("Ссылка неполная. Попросите прислать полную ссылку ещё раз.")).toBeInTheDocument();
    expect(server.calls.filter((call) => call.path.startsWith("/api/v1/shared"))).toEqual([]);
    expect(tokenFromHash("#a%2Db ")).toBe("a-b");
  });
});
