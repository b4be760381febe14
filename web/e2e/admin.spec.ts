import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { SAMPLE_CSV } from "./global-setup";
import { fixture, grantRole, PASSWORD, shoot, signUp, uniqueEmail } from "./helpers";

/** A customer, through the API: one CSV that is read and one letter without values that fails. */
async function customerWithTwoJobs(request: APIRequestContext): Promise<{ email: string; failedJobId: string }> {
  const email = uniqueEmail("customer");
  const registered = await request.post("/api/v1/auth/register", { data: { email, password: PASSWORD } });
  expect(registered.status()).toBe(201);
  const headers = { Authorization: `Bearer ${(await registered.json()).access_token}` };
  const send = async (name: string, mimeType: string, buffer: Buffer) => {
    const answer = await request.post("/api/v1/uploads", { headers, multipart: { file: { name, mimeType, buffer } } });
    expect(answer.status()).toBe(202);
    return (await answer.json()).job_id as string;
  };
  await send("cbc.csv", "text/csv", Buffer.from(SAMPLE_CSV));
  const failedJobId = await send("letter.pdf", "application/pdf", readFileSync(fixture("unreadable.pdf")));
  return { email, failedJobId };
}

async function becomeStaff(page: Page, role: "support" | "admin"): Promise<string> {
  const email = await signUp(page, role);
  grantRole(email, role);
  await page.goto("/admin"); // a new page load: the session's user now carries the role
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  return email;
}

test("an admin reads the overview, requeues a failed job, finds a user, reads the audit log and changes a setting", async ({
  page,
  request,
}) => {
  const customer = await customerWithTwoJobs(request);
  await becomeStaff(page, "admin");

  // Overview: the funnel chart and the processing percentiles, from the database.
  await expect(page.locator(".funnel-step")).toHaveCount(5);
  await expect(page.locator('.funnel-step[data-step="signup"]')).not.toHaveAttribute("data-people", "0");
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("processing-p50")).toContainText(/\d/, { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await shoot(page, "admin-overview");

  // Jobs: the customer's failed job shows up with its error history, and is requeued once.
  await page.getByRole("navigation", { name: "Staff console" }).getByRole("link", { name: "Jobs" }).click();
  const row = page.locator(`tr[data-job-id="${customer.failedJobId}"]`);
  await expect(async () => {
    await page.reload();
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await expect(row).toContainText("parse_failed");
  await page.getByRole("button", { name: "Which failed jobs would be requeued?" }).click();
  await expect(page.getByTestId("requeue-preview")).toContainText("failed jobs match");
  await shoot(page, "admin-jobs");
  await row.getByRole("button", { name: "Requeue" }).click();
  await expect(page.getByRole("status").filter({ hasText: "requeued" })).toContainText(customer.failedJobId.slice(0, 8));

  // Users: found by email with counts (never values), disabled and enabled again.
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByLabel("Email contains").fill(customer.email);
  await page.getByRole("button", { name: "Find" }).click();
  const person = page.locator(`tr[data-email="${customer.email}"]`);
  await expect(person).toBeVisible();
  await expect(person.locator("td").nth(2)).toHaveText("2");
  await person.getByRole("button", { name: "Disable" }).click();
  await expect(person).toContainText("Disabled");
  await shoot(page, "admin-users");
  await person.getByRole("button", { name: "Enable" }).click();
  await expect(person).toContainText("Active");

  // Audit log: the requeue, with this admin as the actor.
  await page.getByRole("link", { name: "Audit log" }).click();
  await page.getByLabel("Action").fill("admin.job_requeued");
  await page.getByLabel("Object id").fill(customer.failedJobId);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.locator('tr[data-action="admin.job_requeued"]')).toHaveCount(1);
  await shoot(page, "admin-audit");

  // Settings: saved with the version read (If-Match), then back to the server's value.
  await page.getByRole("link", { name: "Settings" }).click();
  const depth = page.getByLabel("Maximum queued jobs (uploads refused above)");
  await depth.fill("5000");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Settings saved." })).toBeVisible();
  await expect(page.getByText("In force: 5,000")).toBeVisible();
  await shoot(page, "admin-settings");
  await depth.fill("");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("In force: 10,000")).toBeVisible();

  // The console in Russian.
  await page.getByRole("link", { name: "Overview" }).click();
  await page.getByRole("button", { name: "RU" }).click();
  await expect(page.getByRole("heading", { name: "Обзор" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Воронка" })).toBeVisible();
  await shoot(page, "admin-overview-ru");
});

test("support sees jobs, users and the audit log but cannot requeue, disable or change settings", async ({ page, request }) => {
  const customer = await customerWithTwoJobs(request);
  await becomeStaff(page, "support");
  const consoleNav = page.getByRole("navigation", { name: "Staff console" });
  await expect(consoleNav.getByRole("link", { name: "Settings" })).toHaveCount(0);

  await consoleNav.getByRole("link", { name: "Jobs" }).click();
  const row = page.locator(`tr[data-job-id="${customer.failedJobId}"]`);
  await expect(async () => {
    await page.reload();
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByRole("button", { name: "Requeue" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Which failed jobs would be requeued?" })).toHaveCount(0);
  await shoot(page, "admin-support-jobs");

  await consoleNav.getByRole("link", { name: "Users" }).click();
  await page.getByLabel("Email contains").fill(customer.email);
  await page.getByRole("button", { name: "Find" }).click();
  await expect(page.locator(`tr[data-email="${customer.email}"]`)).toBeVisible();
  await expect(page.getByRole("button", { name: "Disable" })).toHaveCount(0);
  await shoot(page, "admin-support-users");

  await page.goto("/admin/settings");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("a person without a staff role has no console", async ({ page }) => {
  await signUp(page, "plain");
  await expect(page.getByRole("link", { name: "Console" })).toHaveCount(0);
  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
