import { BROWSER_SKIP_REASON } from "./browser";
import { expect, tasksUrl, test } from "./fixtures";

// The interactive reference in a real browser (Chromium): it lists the operations, a person can paste a token and send
// a request, and the page asks no host but the app for anything.

test.skip(BROWSER_SKIP_REASON !== undefined, BROWSER_SKIP_REASON);

const TASK_OPERATIONS = ["listTasks", "createTask", "getTask", "updateTask", "deleteTask", "setTaskCompletion"];

test("lists the task operations and sends a request with a pasted token, loading nothing from elsewhere", async ({
  page,
  request,
  alice,
  baseURL,
  checkContract,
}, testInfo) => {
  await request.post(tasksUrl(alice.id), { headers: alice.auth, data: { title: "Buy milk from the docs page" } });

  const appOrigin = new URL(baseURL!).origin;
  const elsewhere: string[] = [];
  page.context().on("request", (sent) => {
    const url = new URL(sent.url());
    if (url.protocol !== "data:" && url.protocol !== "blob:" && url.origin !== appOrigin) elsewhere.push(sent.url());
  });
  // What the browser receives is held to the contract too.
  const checks: Array<Promise<void>> = [];
  page.on("response", (response) => {
    checks.push(
      response.body().then((body) =>
        checkContract({
          method: response.request().method(),
          url: response.url(),
          status: response.status(),
          headers: response.headers(),
          body,
        }),
      ),
    );
  });

  await page.goto("/api/docs");
  for (const operationId of TASK_OPERATIONS) {
    await expect(page.locator(`#operations-tasks-${operationId}`)).toBeVisible();
  }
  await page.screenshot({ path: testInfo.outputPath("api-docs.png"), fullPage: true });

  await page.getByRole("button", { name: "Authorize" }).first().click();
  const dialog = page.locator(".modal-ux");
  const bearerForm = dialog.locator(".auth-container").filter({ has: page.locator("#auth-bearer-value") });
  await bearerForm.locator("#auth-bearer-value").fill(alice.auth.authorization!.slice("Bearer ".length));
  await bearerForm.getByRole("button", { name: "Apply credentials" }).click();
  await dialog.getByRole("button", { name: "Close" }).first().click();

  const list = page.locator("#operations-tasks-listTasks");
  await list.locator(".opblock-summary").click();
  await list.locator('input[placeholder="userId"]').fill(alice.id);
  await list.getByRole("button", { name: "Execute" }).click();
  const answer = list.locator(".live-responses-table .response").first();
  await expect(answer.locator(".response-col_status")).toHaveText("200");
  await expect(answer).toContainText("Buy milk from the docs page");
  await page.screenshot({ path: testInfo.outputPath("api-docs-try-it-out.png"), fullPage: true });

  await Promise.all(checks);
  expect(elsewhere).toEqual([]);
});
