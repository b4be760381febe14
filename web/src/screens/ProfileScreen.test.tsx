import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, fakeServer, ok } from "../test/fakeServer";
import { USER } from "../test/fixtures";
import { renderWithApp } from "../test/render";
import { App } from "../App";

describe("ProfileScreen", () => {
  it("saves the model inputs, clearing what is left empty", async () => {
    window.history.replaceState(null, "", "/profile");
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "PATCH /api/v1/me": (request) => ok({ ...USER, ...(request.body as object) }),
    });
    renderWithApp(<App />, { fetch: server.fetch });
    const height = await screen.findByLabelText("Height, cm");
    expect(height).toHaveValue(168);
    await userEvent.selectOptions(screen.getByLabelText("Sex"), "male");
    await userEvent.clear(height);
    await userEvent.clear(screen.getByLabelText("Weight, kg"));
    await userEvent.type(screen.getByLabelText("Weight, kg"), "80");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Profile saved.")).toBeInTheDocument();
    expect(server.calls.find((c) => c.method === "PATCH")?.body).toEqual({
      sex: "male",
      birth_date: "1990-05-17",
      height_cm: null,
      weight_kg: 80,
    });
  });

  it("deletes the account only with the password", async () => {
    window.history.replaceState(null, "", "/profile");
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "DELETE /api/v1/me": (request) =>
        (request.body as { password: string }).password === "right-pass-1" ? { status: 204 } : apiError(403, "wrong_password"),
    });
    const { store } = renderWithApp(<App />, { fetch: server.fetch });
    await userEvent.click(await screen.findByRole("button", { name: "Delete my account and data…" }));
    const confirm = screen.getByRole("button", { name: "Delete permanently" });
    expect(confirm).toBeDisabled();
    expect(screen.getByLabelText("Your password")).toHaveFocus();
    await userEvent.type(screen.getByLabelText("Your password"), "wrong-pass-1");
    await userEvent.click(confirm);
    expect(await screen.findByRole("alert")).toHaveTextContent("The password is wrong.");
    expect(store.read()).not.toBeNull();
    await userEvent.clear(screen.getByLabelText("Your password"));
    await userEvent.type(screen.getByLabelText("Your password"), "right-pass-1");
    await userEvent.click(confirm);
    await waitFor(() => expect(window.location.pathname).toBe("/login"));
    expect(await screen.findByText("Your account and all of its data have been deleted.")).toBeInTheDocument();
    expect(store.read()).toBeNull();
  });

  it("changes the password with the current one and says other devices were logged out", async () => {
    window.history.replaceState(null, "", "/profile");
    const server = fakeServer({
      "GET /api/v1/me": [ok(USER)],
      "POST /api/v1/me/password": (request) =>
        (request.body as { current_password: string }).current_password === "old-pass-1"
          ? { status: 204 }
          : apiError(403, "wrong_password"),
    });
    const { store } = renderWithApp(<App />, { fetch: server.fetch, lang: "ru" });
    await userEvent.type(await screen.findByLabelText("Текущий пароль"), "not-it-1");
    await userEvent.type(screen.getByLabelText("Новый пароль"), "lantern-river-2718");
    await userEvent.click(screen.getByRole("button", { name: "Сменить пароль" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Неверный пароль.");
    await userEvent.clear(screen.getByLabelText("Текущий пароль"));
    await userEvent.type(screen.getByLabelText("Текущий пароль"), "old-pass-1");
    await userEvent.click(screen.getByRole("button", { name: "Сменить пароль" }));
    expect(await screen.findByText("Пароль изменён. На других устройствах выполнен выход.")).toBeInTheDocument();
    expect(server.calls.filter((c) => c.path === "/api/v1/me/password").at(-1)?.body).toEqual({
      current_password: "old-pass-1",
      new_password: "lantern-river-2718",
    });
    expect(store.read()).not.toBeNull();
  });

  it("logs out of all sessions, this one included", async () => {
    window.history.replaceState(null, "", "/profile");
    const server = fakeServer({ "GET /api/v1/me": [ok(USER)], "POST /api/v1/auth/logout-all": [{ status: 204 }] });
    const { store } = renderWithApp(<App />, { fetch: server.fetch });
    await userEvent.click(await screen.findByRole("button", { name: "Log out of all sessions" }));
    await waitFor(() => expect(window.location.pathname).toBe("/login"));
    expect(server.calls.some((c) => c.path === "/api/v1/auth/logout-all")).toBe(true);
    expect(store.read()).toBeNull();
  });
});
