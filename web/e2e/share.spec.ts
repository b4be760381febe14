import { expect, test } from "@playwright/test";
import { shoot, signUp, upload } from "./helpers";

test("a person shares a result with a PIN, the doctor opens it without an account, sees it in the log, and revocation closes it", async ({
  page,
  browser,
}) => {
  const email = await signUp(page, "share");
  await upload(page, "cbc.csv");
  await expect(page).toHaveURL(/\/results\/[0-9a-f-]+$/, { timeout: 60_000 });

  // The owner creates a link for 1 day with a PIN.
  await page.getByLabel("Link valid for").selectOption({ label: "1 day" });
  await page.getByLabel("PIN (optional, 4–8 digits)").fill("4821");
  await page.getByLabel("Note for yourself (optional)").fill("Dr. Ivanova");
  await page.getByRole("button", { name: "Create link" }).click();
  const url = await page.getByTestId("share-url").inputValue();
  expect(url).toMatch(/\/shared#[A-Za-z0-9_-]{43}$/);
  await shoot(page, "result-share");

  // The doctor: another browser, no session.
  const doctorContext = await browser.newContext({ locale: "en-US", userAgent: "Mozilla/5.0 (Windows NT 10.0) Firefox/133.0" });
  const doctor = await doctorContext.newPage();
  const firstAnswer = doctor.waitForResponse((response) => response.url().includes("/api/v1/shared/"));
  await doctor.goto(url);
  const answer = await firstAnswer;
  expect(answer.status()).toBe(401);
  expect(answer.headers()["referrer-policy"]).toBe("no-referrer");
  expect(answer.headers()["cache-control"]).toBe("no-store");
  await doctor.getByLabel("PIN", { exact: true }).fill("0000");
  await doctor.getByRole("button", { name: "Open" }).click();
  await expect(doctor.getByRole("alert")).toContainText("The PIN is wrong.");
  await doctor.getByLabel("PIN", { exact: true }).fill("4821");
  await doctor.getByRole("button", { name: "Open" }).click();
  const shared = doctor.getByTestId("shared-result");
  await expect(shared).toBeVisible();
  await expect(shared.getByRole("row", { name: /Hemoglobin/ })).toContainText("10.9 g/dL");
  await expect(doctor.locator("body")).not.toContainText(email);
  const download = doctor.waitForEvent("download");
  await doctor.getByRole("button", { name: "Download PDF" }).click();
  expect((await download).suggestedFilename()).toBe("verae-report.pdf");
  await shoot(doctor, "shared");

  // The owner sees both visits, then revokes the link.
  await page.reload();
  const row = page.getByTestId("share-link");
  await expect(row).toContainText("Dr. Ivanova");
  await expect(row).toContainText("Opened 2 times");
  await row.getByRole("button", { name: "Access log" }).click();
  await expect(row.getByRole("row").filter({ hasText: "Wrong PIN" })).toContainText("Firefox on Windows");
  await expect(row.getByRole("row").filter({ hasText: "Opened (PDF)" })).toHaveCount(1);
  await row.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("Revoked");

  // Gone at once, before any PIN is asked for.
  await doctor.reload();
  await expect(doctor.getByRole("alert")).toContainText("This link was revoked by its owner.");
  await doctorContext.close();
});
