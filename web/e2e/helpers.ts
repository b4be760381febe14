import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, type Page } from "@playwright/test";
import { ARTIFACTS, FIXTURES, REPO } from "./paths";

export const PASSWORD = "correct horse 42";
export const fixture = (name: string) => join(FIXTURES, name);
export const artifact = (name: string) => join(ARTIFACTS, name);

let counter = 0;
export function uniqueEmail(label: string): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${process.pid}-${counter}@example.org`;
}

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };

/** Form controls on the page that have no accessible name (every input must be labelled). */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select, textarea")]
      .filter((control) => control.type !== "hidden")
      .filter(
        (control) =>
          (control.labels?.length ?? 0) === 0 &&
          !control.getAttribute("aria-label") &&
          !control.getAttribute("aria-labelledby"),
      )
      .map((control) => control.outerHTML.slice(0, 120)),
  );
}

/** Screenshot the current screen at desktop and phone width into test-artifacts/web/, after checking that
 * every form control is labelled and that at 375 px nothing overflows sideways. */
export async function shoot(page: Page, name: string): Promise<void> {
  expect(await unlabelledControls(page), `${name} has form controls without a label`).toEqual([]);
  const original = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: artifact(`${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} overflows horizontally at 375 px`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: artifact(`${name}-phone.png`), fullPage: true });
  await page.setViewportSize(original);
}

export async function signUp(page: Page, label: string): Promise<string> {
  const email = uniqueEmail(label);
  await page.goto("/signup");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/profile\?welcome=1$/);
  return email;
}

/** Choose a file with the picker, upload it and wait for the job page. */
export async function upload(page: Page, file: string): Promise<void> {
  await page.goto("/upload");
  await page.getByLabel("Choose a file").setInputFiles(fixture(file));
  await expect(page.getByTestId("selected-file")).toContainText(file);
  await page.getByRole("button", { name: "Upload and analyse" }).click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]+$/);
}

/** `verae users grant EMAIL ROLE` against the test server's database, as an operator makes staff. */
export function grantRole(email: string, role: "support" | "admin"): void {
  const work = process.env.VERAE_E2E_WORKDIR;
  if (!work) throw new Error("VERAE_E2E_WORKDIR is set by playwright.config.ts");
  const [uv, ...uvArgs] = (process.env.UV || "uv").split(/\s+/).filter(Boolean) as [string, ...string[]];
  execFileSync(uv, [...uvArgs, "run", "verae", "users", "grant", email, role], {
    cwd: REPO,
    env: { ...process.env, VERAE_DATABASE_URL: `sqlite:///${join(work, "verae.db")}`, VERAE_LOG_LEVEL: "WARNING" },
    stdio: "pipe",
  });
}
