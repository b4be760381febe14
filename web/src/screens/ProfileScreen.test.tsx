import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeServer, ok } from "../test/fakeServer";
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

  it("deletes the account only after the confirmation word is typed", async () => {
    window.history.replaceState(null, "", "/profile");
    const server = fakeServer({ "GET /api/v1/me": [ok(USER)], "DELETE /api/v1/me": [{ status: 204 }] });
    const { store } = renderWithApp(<App />, { fetch: server.fetch });
    await userEvent.click(await screen.findByRole("button", { name: "Delete my account and data…" }));
    const confirm = screen.getByRole("button", { name: "Delete permanently" });
    expect(confirm).toBeDisabled();
    expect(screen.getByLabelText("Type DELETE to confirm")).toHaveFocus();
    await userEvent.type(screen.getByLabelText("Type DELETE to confirm"), "DELET");
    expect(confirm).toBeDisabled();
    expect(server.calls.some((c) => c.method === "DELETE")).toBe(false);
    await userEvent.type(screen.getByLabelText("Type DELETE to confirm"), "E");
    await userEvent.click(confirm);
    await waitFor(() => expect(window.location.pathname).toBe("/login"));
    expect(await screen.findByText("Your account and all of its data have been deleted.")).toBeInTheDocument();
    expect(store.read()).toBeNull();
  });
});
