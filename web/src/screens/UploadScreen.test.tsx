import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeServer, ok } from "../test/fakeServer";
import { USER } from "../test/fixtures";
import { renderWithApp } from "../test/render";
import { UploadScreen } from "./UploadScreen";

/** XMLHttpRequest at the network boundary: the test decides when progress and the answer arrive. */
class FakeXhr {
  static last: FakeXhr | null = null;
  upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = {
    onprogress: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  status = 0;
  responseText = "";
  headers: Record<string, string> = {};
  responseHeaders: Record<string, string> = {};
  method = "";
  url = "";
  body: FormData | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return this.responseHeaders[name.toLowerCase()] ?? null;
  }
  send(body: FormData) {
    this.body = body;
    FakeXhr.last = this;
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }
  respond(status: number, body: unknown, headers: Record<string, string> = {}) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.responseHeaders = headers;
    this.onload?.();
  }
}

beforeEach(() => {
  FakeXhr.last = null;
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
});
afterEach(() => vi.unstubAllGlobals());

const LIMIT = 5 * 1024 * 1024;

async function setup() {
  const server = fakeServer({ "GET /api/v1/me": [ok(USER)], "GET /api/v1/uploads/limits": [ok({ max_bytes: LIMIT })] });
  renderWithApp(<UploadScreen />, { fetch: server.fetch });
  await act(async () => undefined); // let the session's profile request settle
  return userEvent.setup({ applyAccept: false });
}

const csv = () => new File(["analyte,value,unit\nhemoglobin,10.9,g/dL\n"], "cbc.csv", { type: "text/csv" });

describe("UploadScreen", () => {
  it("sends the chosen file with the token, shows progress, then opens the job", async () => {
    const user = await setup();
    await user.upload(screen.getByLabelText("Choose a file"), csv());
    expect(screen.getByTestId("selected-file")).toHaveTextContent("cbc.csv");
    await user.click(screen.getByRole("button", { name: "Upload and analyse" }));

    await waitFor(() => expect(FakeXhr.last).not.toBeNull());
    const xhr = FakeXhr.last!;
    expect(xhr.method).toBe("POST");
    expect(xhr.url).toBe("/api/v1/uploads");
    expect(xhr.headers.Authorization).toBe("Bearer access-1");
    expect((xhr.body?.get("file") as File).name).toBe("cbc.csv");

    act(() => xhr.progress(40, 100));
    expect(screen.getByRole("progressbar")).toHaveAttribute("value", "40");
    expect(screen.getByText("Uploading… 40%")).toBeInTheDocument();

    act(() => xhr.respond(202, { job_id: "job-9", upload_id: "up-9", status: "queued" }));
    await waitFor(() => expect(window.location.pathname).toBe("/jobs/job-9"));
  });

  it("refuses an unsupported type before uploading", async () => {
    const user = await setup();
    await user.upload(screen.getByLabelText("Choose a file"), new File(["hello"], "notes.txt", { type: "text/plain" }));
    expect(screen.getByRole("alert")).toHaveTextContent("This file type is not supported");
    expect(screen.getByRole("button", { name: "Upload and analyse" })).toBeDisabled();
    expect(FakeXhr.last).toBeNull();
  });

  it("says the server's limit and refuses a larger file before uploading", async () => {
    const user = await setup();
    expect(await screen.findByText(/Up to 5 MB\./)).toBeInTheDocument();
    const big = new File(["x"], "scan.pdf", { type: "application/pdf" });
    Object.defineProperty(big, "size", { value: LIMIT + 1 });
    await user.upload(screen.getByLabelText("Choose a file"), big);
    expect(screen.getByRole("alert")).toHaveTextContent("larger than 5 MB");
    expect(FakeXhr.last).toBeNull();
  });

  it("accepts a dropped file", async () => {
    await setup();
    const zone = screen.getByTestId("dropzone");
    const file = csv();
    const { fireEvent } = await import("@testing-library/react");
    fireEvent.drop(zone, { dataTransfer: { files: [file] } });
    expect(screen.getByTestId("selected-file")).toHaveTextContent("cbc.csv");
  });

  it("shows the server's 415 and 413 answers with the reference for support", async () => {
    const user = await setup();
    await user.upload(screen.getByLabelText("Choose a file"), csv());
    await user.click(screen.getByRole("button", { name: "Upload and analyse" }));
    await waitFor(() => expect(FakeXhr.last).not.toBeNull());
    act(() =>
      FakeXhr.last!.respond(
        415,
        { error: { code: "unsupported_media_type", message: "no", details: { accepted: [] }, correlation_id: "c-415" } },
        { "x-correlation-id": "c-415" },
      ),
    );
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("This file type is not supported");
    expect(alert).toHaveTextContent("Reference for support: c-415");

    FakeXhr.last = null;
    await user.click(screen.getByRole("button", { name: "Upload and analyse" }));
    await waitFor(() => expect(FakeXhr.last).not.toBeNull());
    // the limit the server held the file to, which an admin may have lowered since the page loaded
    act(() =>
      FakeXhr.last!.respond(413, {
        error: { code: "payload_too_large", message: "no", details: { max_bytes: 1024 * 1024 }, correlation_id: "c-413" },
      }),
    );
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("larger than 1 MB"));
  });

  it("reports network loss during the upload", async () => {
    const user = await setup();
    await user.upload(screen.getByLabelText("Choose a file"), csv());
    await user.click(screen.getByRole("button", { name: "Upload and analyse" }));
    await waitFor(() => expect(FakeXhr.last).not.toBeNull());
    act(() => FakeXhr.last!.onerror?.());
    expect(await screen.findByRole("alert")).toHaveTextContent("Verae cannot be reached");
  });

  it("tries the same file again under the same Idempotency-Key, and a newly chosen file under a new one", async () => {
    const user = await setup();
    await user.upload(screen.getByLabelText("Choose a file"), csv());
    await user.click(screen.getByRole("button", { name: "Upload and analyse" }));
    await waitFor(() => expect(FakeXhr.last).not.toBeNull());
    const firstKey = FakeXhr.last!.headers["Idempotency-Key"];
    expect(firstKey).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    act(() => FakeXhr.last!.onerror?.());
    await screen.findByRole("alert");

    FakeXhr.last = null;
    await user.click(screen.getByRole("button", { name: "Upload and analyse" }));
    await waitFor(() => expect(FakeXhr.last).not.toBeNull());
    expect(FakeXhr.last!.headers["Idempotency-Key"]).toBe(firstKey);
    act(() => FakeXhr.last!.onerror?.());
    await screen.findByRole("alert");

    FakeXhr.last = null;
    await user.upload(screen.getByLabelText("Choose a file"), csv());
    await user.click(screen.getByRole("button", { name: "Upload and analyse" }));
    await waitFor(() => expect(FakeXhr.last).not.toBeNull());
    expect(FakeXhr.last!.headers["Idempotency-Key"]).not.toBe(firstKey);
  });
});
