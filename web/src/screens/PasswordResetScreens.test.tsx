import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../App";
import { apiError, fakeServer, ok } from "../test/fakeServer";
import { USER } from "../test/fixtures";
import { renderWithApp } from "../test/render";

describe("forgot and reset password", () => {
  it("asks for a link from the login page and says the same whatever the address", async () => {
    window.history.replaceState(null, "", "/login");
    const server = fakeServer({ "POST /api/v1/auth/password-reset": [{ status: 202 }] });
    renderWithApp(<App />, { fetch: server.fetch, tokens: null });
    await userEvent.click(await screen.findByRole("link", { name: "Forgot your password?" }));
    expect(window.location.pathname).toBe("/forgot-password");
    await userEvent.type(screen.getByLabelText("Email"), "anna@example.org");
    await userEvent.click(screen.getByRole("button", { name: "Send the link" }));
    expect(await screen.findByRole("status")).toHaveTextContent("If this address has an account");
    expect(server.calls.find((c) => c.path === "/api/v1/auth/password-reset")?.body).toEqual({
      email: "anna@example.org",
    });
  });

  it("sets the new password with the token from the link's fragment, in Russian too", async () => {
    window.history.replaceState(null, "", "/reset-password#token=tok-123");
    const server = fakeServer({
      "POST /api/v1/auth/password-reset/confirm": (request) =>
        (request.body as { new_password: string }).new_password === "password1"
          ? apiError(400, "weak_password", { reason: "common" })
          : { status: 204 },
    });
    renderWithApp(<App />, { fetch: server.fetch, tokens: null, lang: "ru" });
    const field = await screen.findByLabelText("Новый пароль");
    await userEvent.type(field, "password1");
    await userEvent.click(screen.getByRole("button", { name: "Сохранить новый пароль" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("не быть распространённым");
    await userEvent.clear(field);
    await userEvent.type(field, "harbour-lights-5150");
    await userEvent.click(screen.getByRole("button", { name: "Сохранить новый пароль" }));
    await waitFor(() => expect(window.location.pathname + window.location.search).toBe("/login?reset=1"));
    expect(await screen.findByText("Пароль изменён. Войдите с новым паролем.")).toBeInTheDocument();
    expect(server.calls.at(-1)?.body).toEqual({ token: "tok-123", new_password: "harbour-lights-5150" });
  });

  it("a link without a token says so", async () => {
    window.history.replaceState(null, "", "/reset-password");
    renderWithApp(<App />, { fetch: fakeServer({}).fetch, tokens: null });
    expect(await screen.findByRole("alert")).toHaveTextContent("This link is incomplete.");
  });
});

describe("session restored through the refresh cookie", () => {
  it("a page load without a token in memory refreshes through the cookie, with the CSRF header", async () => {
    window.history.replaceState(null, "", "/profile");
    const server = fakeServer({
      "POST /api/v1/auth/refresh": [ok({ access_token: "a-9", refresh_token: null, token_type: "bearer", expires_in: 900, user: USER })],
    });
    const { store } = renderWithApp(<App />, { fetch: server.fetch, tokens: null });
    expect(await screen.findByRole("heading", { name: "Profile", level: 1 })).toBeInTheDocument();
    const refresh = server.calls.find((c) => c.path === "/api/v1/auth/refresh");
    expect(refresh?.body).toBeUndefined();
    expect(refresh?.requestedWith).toBe("verae-web");
    expect(store.read()).toMatchObject({ accessToken: "a-9" });
  });
});
