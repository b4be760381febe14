import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { SAMPLE_CSV } from "./global-setup";
import { artifact, fixture, PASSWORD, shoot, signUp, upload, uniqueEmail } from "./helpers";

const NEW_PASSWORD = "lantern river 2718";

/** Follow the job page until it opens the result (or stops on a failure), recording every status and stage
 * the page showed on the way: the status must change by itself, without a reload. */
async function followJob(page: Page): Promise<{ seen: string[]; outcome: "result" | "failed" }> {
  const seen = new Set<string>();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    // One atomic read of the page (a locator would wait for an element the next render may remove).
    const state = await page.evaluate(() => {
      const progress = document.querySelector(".job-progress");
      return {
        path: window.location.pathname,
        status: progress?.getAttribute("data-status") ?? null,
        stage: progress?.getAttribute("data-stage") ?? null,
      };
    });
    if (state.path.startsWith("/results/")) return { seen: [...seen], outcome: "result" };
    if (state.status) seen.add(state.stage ? `${state.status}:${state.stage}` : state.status);
    if (state.status === "failed" || state.status === "needs_input") return { seen: [...seen], outcome: "failed" };
    await page.waitForTimeout(50);
  }
  throw new Error(`the job did not finish; seen ${[...seen].join(", ")}`);
}

test("sign up, upload a CSV and a PDF, follow the live status, read the result and the history", async ({ page }) => {
  const consoleLines: string[] = [];
  page.on("console", (message) => consoleLines.push(message.text()));
  await page.goto("/login");
  await shoot(page, "login");
  await page.goto("/signup");
  await shoot(page, "signup");
  await signUp(page, "flow");

  // Profile: the details the model uses when a report lacks them.
  await page.getByLabel("Sex").selectOption("female");
  await page.getByLabel("Birth date").fill("1990-05-17");
  await page.getByLabel("Height, cm").fill("168");
  await page.getByLabel("Weight, kg").fill("61.5");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Profile saved." })).toBeVisible();
  await shoot(page, "profile");

  // CSV upload → live job status → result.
  await page.goto("/upload");
  await shoot(page, "upload");
  await page.getByLabel("Choose a file").setInputFiles(fixture("cbc.csv"));
  await expect(page.getByTestId("selected-file")).toContainText("cbc.csv");
  await shoot(page, "upload-selected");
  await page.getByRole("button", { name: "Upload and analyse" }).click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]+$/);
  const csvJob = await followJob(page);
  expect(csvJob.outcome).toBe("result");
  // The page showed the finished status itself before it opened the result.
  expect(csvJob.seen, `statuses seen: ${csvJob.seen.join(", ")}`).toContain("done");

  await expect(page.getByRole("heading", { name: "Your result", level: 1 })).toBeVisible();
  await expect(page.getByTestId("risk-percent")).toHaveText(/^\d{1,3}%$/);
  await expect(page.locator(".result-hero .badge")).toHaveText(/High|Elevated|Borderline|Low/);
  await expect(page.getByTestId("next-step")).not.toBeEmpty();
  await expect(page.getByTestId("disclaimer")).toContainText("not a diagnosis");
  await expect(page.getByTestId("model-version")).not.toBeEmpty();
  expect(await page.locator(".bar-row").count()).toBeGreaterThan(0);
  const hemoglobin = page.locator('.values-table tr[data-analyte="hemoglobin"]');
  await expect(hemoglobin).toContainText("10.9");
  await expect(hemoglobin).toContainText("g/dL");
  await expect(page.locator('.values-table tr[data-analyte="mcv"]')).toContainText("74");
  await shoot(page, "result");
  const firstResultUrl = page.url();

  // The same result in Russian: the server's texts come in both languages.
  await page.getByRole("button", { name: "RU" }).click();
  await expect(page.getByRole("heading", { name: "Ваш результат", level: 1 })).toBeVisible();
  await expect(page.getByTestId("disclaimer")).toContainText("не диагноз");
  await shoot(page, "result-ru");
  await page.getByRole("button", { name: "EN" }).click();

  // PDF upload: prefer a result; a reader that cannot use the document must say so clearly.
  await upload(page, "cbc.pdf");
  const pdfJob = await followJob(page);
  // Over the two uploads the page went from an unfinished status to a final one without a reload.
  const seen = [...csvJob.seen, ...pdfJob.seen];
  test.info().annotations.push({ type: "statuses seen", description: seen.join(", ") });
  expect(seen.some((status) => status === "queued" || status.startsWith("processing")), seen.join(", ")).toBe(true);
  if (pdfJob.outcome === "result") {
    await expect(page.locator('.values-table tr[data-analyte="hemoglobin"]')).toContainText("10.9");
    // Its review shows the report's page with the value in focus outlined, inside the picture, on a phone too.
    await page.getByRole("link", { name: "Review or correct the values" }).click();
    await page.getByLabel("Value (MCV)").focus();
    const picture = page.getByRole("img", { name: "Page 1 of your report, with the value of MCV outlined" });
    await expect(picture).toBeVisible();
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(viewport);
      const [frame, box] = [await picture.boundingBox(), await page.getByTestId("value-box").boundingBox()];
      expect(frame && box && box.width > 2 && box.height > 2).toBe(true);
      expect(box!.x >= frame!.x - 3 && box!.x + box!.width <= frame!.x + frame!.width + 3).toBe(true);
      expect(box!.y >= frame!.y - 3 && box!.y + box!.height <= frame!.y + frame!.height + 3).toBe(true);
    }
    await shoot(page, "review-page");
  } else {
    await expect(page.getByRole("alert")).toContainText("No blood-test values could be read");
    await expect(page.getByRole("link", { name: "Type the values in" })).toBeVisible();
  }

  // History: newest first, with trends.
  await page.getByRole("link", { name: "History" }).click();
  await expect(page.getByRole("heading", { name: "History", level: 1 })).toBeVisible();
  const items = page.getByTestId("history-list").locator("li");
  await expect(items).toHaveCount(pdfJob.outcome === "result" ? 2 : 1);
  await expect(page.locator('figure.trend[data-points]').first()).toBeVisible();
  await expect(page.locator("figure.trend").filter({ hasText: "Hemoglobin" })).toHaveAttribute(
    "data-points",
    pdfJob.outcome === "result" ? "2" : "1",
  );
  await shoot(page, "history");

  // Review the first result: correct a value, confirm, and the estimate is computed again.
  await page.goto(firstResultUrl);
  await page.getByRole("link", { name: "Review or correct the values" }).click();
  await expect(page.getByRole("heading", { name: "Review the values" })).toBeVisible();
  await shoot(page, "review");
  await page.getByLabel("Value (Hemoglobin)").fill("9.5");
  await page.getByRole("button", { name: "Confirm and recompute" }).click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]+$/);
  expect((await followJob(page)).outcome).toBe("result");
  expect(page.url()).toBe(firstResultUrl);
  await expect(page.locator('.values-table tr[data-analyte="hemoglobin"]')).toContainText("9.5");

  // Health data stays out of the browser console.
  expect(consoleLines.filter((line) => /10[.,]9|9[.,]5|hemoglobin|mcv/i.test(line))).toEqual([]);
  // The server's Content-Security-Policy (no inline script or style) blocked nothing the app needs.
  expect(consoleLines.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);
});

test("an unsupported file is refused with a clear message, in the browser and by the server", async ({ page }) => {
  await signUp(page, "unsupported");
  await page.goto("/upload");
  await page.getByLabel("Choose a file").setInputFiles(fixture("notes.txt"));
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("This file type is not supported");
  await expect(page.getByRole("button", { name: "Upload and analyse" })).toBeDisabled();

  // A file the browser cannot tell apart (named .pdf): the server sniffs the content and answers 415.
  await page.getByLabel("Choose a file").setInputFiles(fixture("disguised.pdf"));
  await page.getByRole("button", { name: "Upload and analyse" }).click();
  await expect(alert).toContainText("This file type is not supported");
  await expect(alert).toHaveAttribute("data-error-code", "unsupported_media_type");
  await expect(alert).toContainText(/Reference for support: \S+/);
  await shoot(page, "upload-error");

  // Too large for the server's limit (20 MB by default; the screen asks for it): refused before any byte is sent.
  await expect(page.getByText(/Up to 20 MB\./)).toBeVisible();
  await page.getByLabel("Choose a file").setInputFiles({
    name: "huge.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.alloc(20 * 1024 * 1024 + 1, 0x20),
  });
  await expect(alert).toContainText("larger than 20 MB");
});

test("a logged-out visit goes to the login page, and the keyboard alone logs in", async ({ page }) => {
  await page.goto("/history");
  await expect(page).toHaveURL(/\/login\?next=%2Fhistory$/);
  await expect(page.getByRole("heading", { name: "Log in", level: 1 })).toBeVisible();

  const email = uniqueEmail("keyboard");
  await page.request.post("/api/v1/auth/register", { data: { email, password: PASSWORD } });
  await page.getByLabel("Email").focus();
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type("wrong password 1");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert")).toContainText("The email or password is wrong.");
  await page.getByLabel("Password").fill("");
  await page.getByLabel("Password").focus();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/history$/);
  await expect(page.getByRole("heading", { name: "History", level: 1 })).toBeVisible();
});

test("the session survives a reload through the HttpOnly refresh cookie, and logout ends it", async ({ page, context }) => {
  await signUp(page, "session");
  await page.goto("/history");
  // Nothing of the session is in browser storage; the refresh token is an HttpOnly, Secure, Strict cookie
  // that Chromium keeps and sends to http://127.0.0.1 (a secure context).
  const stored = await page.evaluate(() => Object.keys(window.localStorage).sort());
  expect(stored.every((key) => key === "verae.lang")).toBe(true);
  const [cookie] = (await context.cookies()).filter((c) => c.name === "verae_refresh");
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/api/v1/auth" });
  expect(await page.evaluate(() => document.cookie)).not.toContain("verae_refresh");
  // The e2e server issues 10-second access tokens: after this, the one in memory would have expired too.
  await page.waitForTimeout(11_000);
  await page.reload();
  await expect(page.getByRole("heading", { name: "History", level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/history$/);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("status")).toHaveText("You have logged out.");
  expect((await context.cookies()).filter((c) => c.name === "verae_refresh")).toEqual([]);
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
});

test("changing the password logs out the other browser, and the new password logs in", async ({ page, browser }) => {
  const email = await signUp(page, "change");
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await elsewhere.goto("/login");
  await elsewhere.getByLabel("Email").fill(email);
  await elsewhere.getByLabel("Password").fill(PASSWORD);
  await elsewhere.getByRole("button", { name: "Log in" }).click();
  await expect(elsewhere).toHaveURL(/\/upload$/);

  await page.goto("/profile");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("password1");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("alert")).toContainText("not be a common password");
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toHaveText(
    "Your password has been changed. Your other devices have been logged out.",
  );
  await shoot(page, "profile-password-changed");

  // The other browser's session has ended: its reload finds no session.
  await elsewhere.reload();
  await expect(elsewhere).toHaveURL(/\/login/);
  await other.close();

  // This one goes on, across a reload, until it logs out of all sessions.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Profile", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Log out of all sessions" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("link", { name: "Forgot your password?" })).toBeVisible();
  await shoot(page, "login-with-forgot-link");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("The email or password is wrong.");
  await page.getByLabel("Password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/upload$/);
});

/** A plain-text message's body (the server sends UTF-8 text as base64). */
function messageText(raw: string): string {
  const [headers = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join("\n\n");
  return /Content-Transfer-Encoding: base64/i.test(headers) ? Buffer.from(body, "base64").toString("utf8") : body;
}

/** The reset link in the newest email to `email` that the loopback SMTP server filed in its Maildir. */
async function resetLinkFor(email: string): Promise<string> {
  const folder = join(process.env.VERAE_E2E_MAILDIR ?? "", "new");
  let link: string | undefined;
  await expect
    .poll(() => {
      const messages = existsSync(folder) ? readdirSync(folder).map((name) => readFileSync(join(folder, name), "utf8")) : [];
      const mine = messages.filter((text) => text.includes(`To: ${email}`)).map(messageText);
      link = mine.at(-1)?.match(/https?:\/\/\S+\/reset-password#token=[\w-]+/)?.[0];
      return link;
    })
    .toBeTruthy();
  return link!;
}

test("a forgotten password is reset through the emailed link, which works once", async ({ page }) => {
  const email = await signUp(page, "forgot");
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("status")).toContainText("If this address has an account");
  const link = await resetLinkFor(email);
  expect(new URL(link).origin).toBe(new URL(page.url()).origin);

  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await shoot(page, "reset-password");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await expect(page.getByRole("status")).toHaveText("Your password has been changed. Log in with the new one.");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/upload$/);

  // The same link a second time is refused.
  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill("another pass 99");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByRole("alert")).toContainText("This link is not valid any more");
});

test("forgot password answers without telling whether the account exists", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(uniqueEmail("nobody"));
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("status")).toContainText("If this address has an account");
  await shoot(page, "forgot-password");
  await page.goto("/reset-password#token=made-up-token");
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByRole("alert")).toContainText("This link is not valid any more");
  await shoot(page, "reset-password-invalid");
});

test("Russian and English both render, Russian by default for a Russian browser", async ({ browser }) => {
  const context = await browser.newContext({ locale: "ru-RU" });
  const page = await context.newPage();
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Вход", level: 1 })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "ru");
  await expect(page.getByLabel("Электронная почта")).toBeVisible();
  await shoot(page, "login-ru");
  await page.getByRole("button", { name: "EN" }).click();
  await expect(page.getByRole("heading", { name: "Log in", level: 1 })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.reload();
  await expect(page.getByRole("heading", { name: "Log in", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "RU" }).click();
  await page.goto("/signup");
  await expect(page.getByRole("heading", { name: "Регистрация", level: 1 })).toBeVisible();
  await context.close();
});

test("missing details are asked for, and the estimate completes once they are given", async ({ page }) => {
  await signUp(page, "needs");
  await upload(page, "cbc-no-person.csv");
  const job = await followJob(page);
  expect(job.outcome).toBe("failed");
  await expect(page.getByRole("heading", { name: "A few details are missing" })).toBeVisible();
  await shoot(page, "job-needs-input");
  await page.getByLabel("Sex").selectOption("male");
  await page.getByLabel("Age, years").fill("41");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "A few details are missing" })).toBeHidden();
  expect((await followJob(page)).outcome).toBe("result");
  await expect(page.getByTestId("risk-percent")).toBeVisible();
});

test("a document without values fails clearly and the values can be typed in", async ({ page }) => {
  await signUp(page, "typed");
  await upload(page, "unreadable.pdf");
  expect((await followJob(page)).outcome).toBe("failed");
  const alert = page.getByRole("alert");
  await expect(alert).toHaveAttribute("data-error-code", "parse_failed");
  await expect(alert).toContainText("No blood-test values could be read from this document.");
  await shoot(page, "job-failed");
  await page.getByRole("link", { name: "Type the values in" }).click();
  await expect(page.getByRole("heading", { name: "Review the values" })).toBeVisible();
  await page.getByLabel("Sex").selectOption("female");
  await page.getByLabel("Age, years").fill("29");
  await page.getByLabel("Value (Hemoglobin)").fill("11,2");
  await page.getByLabel("Unit (Hemoglobin)").fill("g/dL");
  await page.getByLabel("Value (MCV)").fill("76");
  await shoot(page, "review-typed");
  await page.getByRole("button", { name: "Confirm and recompute" }).click();
  expect((await followJob(page)).outcome).toBe("result");
  await expect(page.locator('.values-table tr[data-analyte="hemoglobin"]')).toContainText("11.2");
});

test("losing the network is reported, and the app recovers when it returns", async ({ page, context }) => {
  await signUp(page, "offline");
  await page.goto("/upload");
  await page.getByLabel("Choose a file").setInputFiles(fixture("cbc.csv"));
  await context.setOffline(true);
  await expect(page.getByText("You are offline.")).toBeVisible();
  await page.getByRole("button", { name: "Upload and analyse" }).click();
  await expect(page.getByRole("alert")).toContainText("Verae cannot be reached");
  await shoot(page, "offline");
  await context.setOffline(false);
  await expect(page.getByText("You are offline.")).toBeHidden();
  await page.getByLabel("Choose a file").setInputFiles(fixture("cbc.csv"));
  await page.getByRole("button", { name: "Upload and analyse" }).click();
  expect((await followJob(page)).outcome).toBe("result");
});

test("deleting the account needs the password and removes the login", async ({ page }) => {
  const email = await signUp(page, "delete");
  await page.getByRole("button", { name: "Delete my account and data…" }).click();
  const confirm = page.getByRole("button", { name: "Delete permanently" });
  await expect(confirm).toBeDisabled();
  await expect(page.getByLabel("Your password")).toBeFocused();
  await page.getByLabel("Your password").fill("not-the-password-1");
  await confirm.click();
  await expect(page.getByRole("alert")).toContainText("The password is wrong.");
  await page.getByLabel("Your password").fill(PASSWORD);
  await shoot(page, "delete-confirm");
  await confirm.click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("status")).toHaveText("Your account and all of its data have been deleted.");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("The email or password is wrong.");
});

test("a file dropped on the drop zone is uploaded", async ({ page }) => {
  await signUp(page, "drop");
  await page.goto("/upload");
  const dataTransfer = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], "dropped.csv", { type: "text/csv" }));
    return transfer;
  }, SAMPLE_CSV);
  await page.getByTestId("dropzone").dispatchEvent("dragenter", { dataTransfer });
  await expect(page.getByTestId("dropzone")).toHaveClass(/dragging/);
  await page.getByTestId("dropzone").dispatchEvent("drop", { dataTransfer });
  await expect(page.getByTestId("selected-file")).toContainText("dropped.csv");
  await page.getByRole("button", { name: "Upload and analyse" }).click();
  expect((await followJob(page)).outcome).toBe("result");
});

test("on a touch phone the upload also offers the camera", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signUp(page, "phone");
  await page.goto("/upload");
  const camera = page.getByLabel("Take a photo");
  await expect(camera).toHaveAttribute("capture", "environment");
  await expect(camera).toHaveAttribute("accept", "image/*");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await page.screenshot({ path: artifact("upload-touch-phone.png"), fullPage: true });
  await context.close();
});
