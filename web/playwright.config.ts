import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "@playwright/test";

// One free port for the whole run: chosen once here and handed to the workers through the environment.
function freePort(): string {
  const script =
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return execFileSync(process.execPath, ["-e", script]).toString().trim();
}
process.env.VERAE_E2E_PORT ??= freePort();
const port = process.env.VERAE_E2E_PORT;
// A real SMTP server (aiosmtpd, started by e2e/server.mjs) delivers the reset emails into this Maildir.
process.env.VERAE_E2E_SMTP_PORT ??= freePort();
process.env.VERAE_E2E_MAILDIR ??= join(mkdtempSync(join(tmpdir(), "verae-e2e-mail-")), "Maildir");
// The server's database and blobs (e2e/server.mjs), also reached by the tests that grant staff roles.
process.env.VERAE_E2E_WORKDIR ??= mkdtempSync(join(tmpdir(), "verae-e2e-"));
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  timeout: 90_000,
  expect: { timeout: 20_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  globalSetup: "./e2e/global-setup.ts",
  use: {
    baseURL,
    locale: "en-US",
    viewport: { width: 1280, height: 800 },
    trace: "off",
    screenshot: "only-on-failure",
    launchOptions: {
      // The system Chromium (Debian package `chromium`); Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium" }],
  webServer: {
    command: `node e2e/server.mjs ${port}`,
    url: `${baseURL}/ready`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
