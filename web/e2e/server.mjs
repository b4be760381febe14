// Start a real Verae server for the browser tests: a fresh SQLite database and blob folder in a temporary
// directory (./var is never touched), migrations applied, two embedded workers, and the built web app
// (src/verae/web/) served at /. Usage: node e2e/server.mjs PORT
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const port = process.argv[2];
if (!port) throw new Error("usage: node e2e/server.mjs PORT");
const repo = resolve(fileURLToPath(new URL("../..", import.meta.url)));
if (!existsSync(join(repo, "src/verae/web/index.html"))) {
  console.error("The web app is not built: run `npm run build` in web/ (or `make web`) first.");
  process.exit(1);
}

const [uv, ...uvArgs] = (process.env.UV || "uv").split(/\s+/).filter(Boolean);
// playwright.config.ts names the folder, so the tests can reach the same database (`verae users grant`).
const work = process.env.VERAE_E2E_WORKDIR || mkdtempSync(join(tmpdir(), "verae-e2e-"));
mkdirSync(work, { recursive: true });
const env = {
  ...process.env,
  VERAE_ENV: "development",
  VERAE_DATABASE_URL: `sqlite:///${join(work, "verae.db")}`,
  VERAE_BLOB_DIR: join(work, "blobs"),
  // Short-lived access tokens, so the tests also exercise the refresh path for real.
  VERAE_ACCESS_TOKEN_TTL_SECONDS: process.env.VERAE_ACCESS_TOKEN_TTL_SECONDS || "10",
  VERAE_LOG_LEVEL: process.env.VERAE_LOG_LEVEL || "WARNING",
  // Every test registers its own account from 127.0.0.1.
  VERAE_REGISTRATION_MAX_PER_IP_PER_HOUR: "1000",
  // Password-reset emails go to a real SMTP server on loopback that files them in a Maildir the tests read.
  VERAE_SMTP_HOST: "127.0.0.1",
  VERAE_SMTP_PORT: process.env.VERAE_E2E_SMTP_PORT || "",
  VERAE_SMTP_STARTTLS: "false",
  VERAE_PUBLIC_URL: `http://127.0.0.1:${port}`,
};

const cleanup = () => {
  rmSync(work, { recursive: true, force: true });
  // The Maildir's temporary parent (playwright.config.ts made it for this run).
  if (process.env.VERAE_E2E_MAILDIR) rmSync(dirname(process.env.VERAE_E2E_MAILDIR), { recursive: true, force: true });
};

const upgrade = spawnSync(uv, [...uvArgs, "run", "verae", "db", "upgrade"], { cwd: repo, env, stdio: "inherit" });
if (upgrade.status !== 0) {
  cleanup();
  process.exit(upgrade.status ?? 1);
}

const mailDir = process.env.VERAE_E2E_MAILDIR;
const smtp =
  process.env.VERAE_E2E_SMTP_PORT && mailDir
    ? spawn(
        uv,
        [...uvArgs, "run", "python", "-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${process.env.VERAE_E2E_SMTP_PORT}`,
          "-c", "aiosmtpd.handlers.Mailbox", mailDir],
        { cwd: repo, env, stdio: "inherit" },
      )
    : null;

const server = spawn(
  uv,
  [...uvArgs, "run", "verae", "serve", "--host", "127.0.0.1", "--port", port, "--embedded-workers", "2"],
  { cwd: repo, env, stdio: "inherit" },
);
const stop = () => {
  server.kill("SIGTERM");
  smtp?.kill("SIGTERM");
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
server.on("exit", (code, signal) => {
  smtp?.kill("SIGTERM");
  cleanup();
  process.exit(code ?? (signal ? 0 : 1));
});
