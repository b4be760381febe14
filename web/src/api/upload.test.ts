import { describe, expect, it } from "vitest";
import { checkFile, MAX_UPLOAD_BYTES } from "./upload";

describe("checkFile", () => {
  it.each([
    ["report.pdf", "application/pdf"],
    ["photo.JPG", "image/jpeg"],
    ["scan.png", ""],
    ["values.csv", "application/vnd.ms-excel"],
    ["values.json", "application/json"],
    ["image", "image/jpeg"],
  ])("accepts %s (%s)", (name, type) => {
    expect(checkFile({ name, type, size: 1000 })).toBeNull();
  });

  it("refuses types the server does not read", () => {
    expect(checkFile({ name: "notes.txt", type: "text/plain", size: 10 })).toBe("unsupported_type");
    expect(checkFile({ name: "report.docx", type: "", size: 10 })).toBe("unsupported_type");
  });

  it("refuses empty files and files over 20 MiB, but accepts exactly 20 MiB", () => {
    expect(checkFile({ name: "a.pdf", type: "application/pdf", size: 0 })).toBe("empty_file");
    expect(checkFile({ name: "a.pdf", type: "application/pdf", size: MAX_UPLOAD_BYTES + 1 })).toBe("too_large");
    expect(checkFile({ name: "a.pdf", type: "application/pdf", size: MAX_UPLOAD_BYTES })).toBeNull();
  });
});
