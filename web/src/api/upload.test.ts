import { describe, expect, it } from "vitest";
import { checkFile } from "./upload";

const LIMIT = 20 * 1024 * 1024;

describe("checkFile", () => {
  it.each([
    ["report.pdf", "application/pdf"],
    ["photo.JPG", "image/jpeg"],
    ["scan.png", ""],
    ["values.csv", "application/vnd.ms-excel"],
    ["values.json", "application/json"],
    ["image", "image/jpeg"],
  ])("accepts %s (%s)", (name, type) => {
    expect(checkFile({ name, type, size: 1000 }, LIMIT)).toBeNull();
  });

  it("refuses types the server does not read", () => {
    expect(checkFile({ name: "notes.txt", type: "text/plain", size: 10 }, LIMIT)).toBe("unsupported_type");
    expect(checkFile({ name: "report.docx", type: "", size: 10 }, LIMIT)).toBe("unsupported_type");
  });

  it("refuses empty files and files over the server's limit, but accepts exactly the limit", () => {
    expect(checkFile({ name: "a.pdf", type: "application/pdf", size: 0 }, LIMIT)).toBe("empty_file");
    expect(checkFile({ name: "a.pdf", type: "application/pdf", size: LIMIT + 1 }, LIMIT)).toBe("too_large");
    expect(checkFile({ name: "a.pdf", type: "application/pdf", size: LIMIT }, LIMIT)).toBeNull();
  });

  it("leaves the size to the server while its limit is unknown", () => {
    expect(checkFile({ name: "a.pdf", type: "application/pdf", size: 10 * LIMIT }, null)).toBeNull();
  });
});
