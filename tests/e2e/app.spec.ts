import type { Page } from "@playwright/test";
import { signSessionToken } from "../../lib/auth/tokens";
import { BROWSER_SKIP_REASON } from "./browser";
import { test } from "./fixtures";
import { API_PORT, loopback } from "./ports";
import {
  addTask,
  checkboxOf,
  expect,
  listLoaded,
  newPerson,
  newUserId,
  rowOf,
  rows,
  seedTasks,
  SESSION_COOKIE,
  settled,
  signIn,
  taskList,
  titleCells,
  titles,
} from "./support/app-page";

// The app's page at `/` in Debian's Chromium against `next start`: what a person does with their tasks, through the
// public API with next-auth's session cookie. No mocks: the only interference is the lost answer of one create.

test.skip(BROWSER_SKIP_REASON !== undefined, BROWSER_SKIP_REASON);

const PAGE_SIZE = 50;
const SEEDED = 55;

// The first sign-in and list of a fresh server load its route modules and database pool: done here, on this hook's
// own budget, so that no test's time includes a cold start.
test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ baseURL: loopback(API_PORT) });
  const page = await context.newPage();
  await signIn(page, newUserId("warm-up"));
  await addTask(page, "warm-up");
  await context.close();
});

/** One person's whole round: add, edit, toggle, filter, search, sort, page, delete, reload. */
async function manageTasks(page: Page, userId: string, label: string, loadMore: "scroll" | "button") {
  const milk = `Buy milk (${label})`;
  const report = `Write report (${label})`;
  const renamed = `Write the report (${label})`;
  const seeded = (index: number) => `Seeded task ${String(index).padStart(2, "0")} (${label})`;

  await signIn(page, userId);
  await expect(page.getByText("No tasks yet. Add your first one above.")).toBeVisible();

  // More than a page: the first 50 show, the rest follow the API's Link when asked or scrolled to.
  await seedTasks(page, userId, seeded, SEEDED);
  await page.reload();
  await listLoaded(page);
  await expect(rows(page)).toHaveCount(PAGE_SIZE);
  await expect(page.getByText(`${PAGE_SIZE} tasks shown, more to load`)).toBeVisible();
  if (loadMore === "scroll") await page.getByText("tasks shown").scrollIntoViewIfNeeded();
  else await page.getByRole("button", { name: "Load more tasks" }).click();
  await expect(rows(page)).toHaveCount(SEEDED);
  await expect(page.getByRole("button", { name: "Load more tasks" })).toHaveCount(0);
  expect(new Set(await titles(page)).size).toBe(SEEDED);

  // Add with Enter: newest first, and the field keeps the focus for the next one.
  await addTask(page, milk);
  await addTask(page, report);
  await expect(page.getByLabel("New task")).toBeFocused();
  await expect(titleCells(page).nth(0)).toHaveText(report);
  await expect(titleCells(page).nth(1)).toHaveText(milk);

  // Edit in place: Escape cancels, Enter saves (title and description), focus returns to the row's Edit button.
  await rowOf(page, milk).getByRole("button", { name: "Edit" }).click();
  await page.getByLabel("Title", { exact: true }).fill("not this");
  await page.getByLabel("Title", { exact: true }).press("Escape");
  await expect(checkboxOf(page, milk)).toBeVisible();
  await rowOf(page, report).getByRole("button", { name: "Edit" }).click();
  await expect(page.getByLabel("Title", { exact: true })).toBeFocused();
  await page.getByLabel("Title", { exact: true }).fill(renamed);
  await page.getByLabel("Description", { exact: true }).fill("two pages, with a summary");
  await page.getByLabel("Description", { exact: true }).press("Enter");
  await expect(rowOf(page, renamed).getByText("two pages, with a summary")).toBeVisible();
  await expect(rowOf(page, renamed).getByRole("button", { name: "Edit" })).toBeFocused();

  // Toggle.
  await settled(page);
  await checkboxOf(page, milk).check();
  await settled(page);
  await expect(checkboxOf(page, milk)).toBeChecked();

  // Filter: a link per status, the view in the URL.
  await page.getByRole("link", { name: "Completed" }).click();
  await expect(page).toHaveURL(/\?status=completed$/);
  await expect(page.getByRole("link", { name: "Completed" })).toHaveAttribute("aria-current", "page");
  await listLoaded(page);
  await expect(titleCells(page)).toHaveText([milk]);
  await page.getByRole("link", { name: "Pending" }).click();
  await expect(page).toHaveURL(/\?status=pending$/);
  await listLoaded(page);
  await expect(titleCells(page).first()).toHaveText(renamed);
  await expect(checkboxOf(page, milk)).toHaveCount(0);

  // Search (debounced), by title and by description, within the filter.
  await page.getByLabel("Search").fill("the report");
  await expect(page).toHaveURL(/\?status=pending&q=the\+report$/);
  await expect(rows(page)).toHaveCount(1);
  await page.getByLabel("Search").fill("summary");
  await expect(page).toHaveURL(/q=summary/);
  await expect(titleCells(page)).toHaveText([renamed]);
  await page.getByLabel("Search").fill("nothing like this");
  await expect(page.getByText("No pending tasks match “nothing like this”.")).toBeVisible();
  await page.getByLabel("Search").fill("");
  await page.getByRole("link", { name: "All" }).click();
  await expect(page).toHaveURL(/\/$/);

  // Sort by title.
  await page.getByLabel("Sort").selectOption({ label: "Title A to Z" });
  await expect(page).toHaveURL(/\?sort=title&order=asc$/);
  await listLoaded(page);
  await expect(titleCells(page).first()).toHaveText(milk);
  // Delete: undo brings it back; the next one goes once dismissed. Focus moves to the next task.
  const afterMilk = seeded(1);
  await rowOf(page, milk).getByRole("button", { name: "Delete" }).click();
  await expect(checkboxOf(page, milk)).toHaveCount(0);
  await expect(checkboxOf(page, afterMilk)).toBeFocused();
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(checkboxOf(page, milk)).toBeChecked();
  await rowOf(page, milk).getByRole("button", { name: "Delete" }).click();
  const deleted = page.waitForResponse((response) => response.request().method() === "DELETE");
  await page.getByRole("button", { name: /^Dismiss: delete/ }).click();
  expect((await deleted).status()).toBe(204);
  await page.getByLabel("Sort").selectOption({ label: "Title Z to A" });
  await listLoaded(page);
  await expect(titleCells(page).first()).toHaveText(renamed);

  // Reload: the same view, from the URL, and the same data, from the server.
  await page.reload();
  await listLoaded(page);
  await expect(page.getByLabel("Sort")).toHaveValue("title:desc");
  await expect(titleCells(page).first()).toHaveText(renamed);
  await expect(rowOf(page, renamed).getByText("two pages, with a summary")).toBeVisible();
  await expect(checkboxOf(page, milk)).toHaveCount(0);
  await expect(rows(page)).toHaveCount(PAGE_SIZE);
}

test("two people in their own browsers each manage their tasks and never see the other's", async ({
  browser,
  baseURL,
  checkContract,
}) => {
  test.setTimeout(240_000);
  const ann = await newPerson(browser, baseURL!, checkContract);
  const ben = await newPerson(browser, baseURL!, checkContract);
  // Ben's browser has no IntersectionObserver: he loads more with the button, Ann by scrolling.
  await ben.context.addInitScript(() => Reflect.deleteProperty(window, "IntersectionObserver"));
  const annId = newUserId("ann");
  const benId = newUserId("ben");

  await Promise.all([manageTasks(ann.page, annId, "ann", "scroll"), manageTasks(ben.page, benId, "ben", "button")]);

  for (const [person, other] of [
    [ann, "ben"],
    [ben, "ann"],
  ] as const) {
    await person.page.getByRole("link", { name: "All" }).click();
    await listLoaded(person.page);
    await expect(taskList(person.page)).not.toContainText(`(${other})`);
  }
  // The API itself refuses the other's list to each session cookie.
  expect((await ann.page.request.get(`/api/${benId}/tasks`)).status()).toBe(403);
  expect((await ben.page.request.get(`/api/${annId}/tasks`)).status()).toBe(403);

  for (const person of [ann, ben]) {
    await person.watched.checked();
    expect(person.watched.elsewhere).toEqual([]);
    await person.context.close();
  }
});

test("a search still waiting for its pause goes into the view a filter link just chose", async ({
  browser,
  baseURL,
  checkContract,
}) => {
  test.setTimeout(60_000);
  const { context, page, watched } = await newPerson(browser, baseURL!, checkContract);
  // The search's pause (a 300 ms timer) is held here and fired by the test: on a busy machine it can fire after a click
  // has changed the URL and before React has rendered the view that click chose, which is what this test makes happen.
  await context.addInitScript(() => {
    const held = new Map<number, () => void>();
    const realSetTimeout = window.setTimeout.bind(window);
    const realClearTimeout = window.clearTimeout.bind(window);
    let next = 1e9;
    window.setTimeout = ((callback: () => void, delay?: number, ...rest: unknown[]) => {
      if (delay !== 300) return realSetTimeout(callback, delay, ...rest);
      held.set(++next, callback);
      return next;
    }) as typeof window.setTimeout;
    window.clearTimeout = ((id?: number) =>
      held.delete(id ?? 0) ? undefined : realClearTimeout(id)) as typeof window.clearTimeout;
    Reflect.set(window, "fireSearchTimers", () => {
      const callbacks = [...held.values()];
      held.clear();
      for (const callback of callbacks) callback();
      return callbacks.length;
    });
  });
  const fireSearchTimers = () => page.evaluate(() => (Reflect.get(window, "fireSearchTimers") as () => number)());
  await signIn(page, newUserId("searcher"));
  await addTask(page, "Feed the cat");
  await page.getByRole("link", { name: "Pending" }).click();
  await expect(page).toHaveURL(/\?status=pending$/);
  await page.getByLabel("Search").fill("cat");
  expect(await fireSearchTimers()).toBe(1);
  await expect(page).toHaveURL(/\?status=pending&q=cat$/);
  await listLoaded(page);

  // The search is cleared and "All" clicked before the pause is over; the pause ends before React renders "All".
  await page.getByLabel("Search").fill("");
  const fired = await page.getByRole("link", { name: "All" }).evaluate((link: HTMLElement) => {
    link.click();
    return (Reflect.get(window, "fireSearchTimers") as () => number)();
  });
  expect(fired).toBe(1);
  // Before: the timer wrote the search into the view rendered when it was set, and the URL went back to ?status=pending.
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("link", { name: "All" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByLabel("Search")).toHaveValue("");
  await fireSearchTimers();
  await expect(page).toHaveURL(/\/$/);
  await listLoaded(page);
  await expect(titleCells(page)).toHaveText(["Feed the cat"]);
  await watched.checked();
  expect(watched.elsewhere).toEqual([]);
  await context.close();
});

test("a change made in another tab is shown as a conflict, and either version can be kept", async ({
  browser,
  baseURL,
  checkContract,
}) => {
  test.setTimeout(120_000);
  const { context, page: first, watched } = await newPerson(browser, baseURL!, checkContract);
  const userId = newUserId("tabs");
  await signIn(first, userId);
  await addTask(first, "Plan the trip");
  const second = await context.newPage();
  await second.goto("/");
  await listLoaded(second);

  // The first tab ticks it off; the second, still showing it unticked, renames it.
  await checkboxOf(first, "Plan the trip").check();
  await settled(first);
  await rowOf(second, "Plan the trip").getByRole("button", { name: "Edit" }).click();
  await second.getByLabel("Title", { exact: true }).fill("Plan the trip to Lisbon");
  await second.getByLabel("Title", { exact: true }).press("Enter");

  // The second tab is told, sees the saved version (done), and keeps its own title over it.
  const dialog = second.getByRole("dialog", { name: "This task was changed somewhere else" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("region", { name: "Saved version" })).toContainText("Plan the trip");
  await expect(dialog.getByRole("region", { name: "Saved version" })).toContainText("yes");
  await expect(dialog.getByRole("region", { name: "Your change" })).toContainText("Plan the trip to Lisbon");
  await dialog.getByRole("button", { name: "Keep my change" }).click();
  await expect(dialog).toHaveCount(0);
  await settled(second);
  await expect(checkboxOf(second, "Plan the trip to Lisbon")).toBeChecked();

  // The first tab, whose ETag is now stale, renames it too: the API answers 412, and the tab takes the other version.
  await rowOf(first, "Plan the trip").getByRole("button", { name: "Edit" }).click();
  await first.getByLabel("Title", { exact: true }).fill("Plan the trip to Porto");
  const refused = first.waitForResponse((response) => response.request().method() === "PUT");
  await first.getByLabel("Title", { exact: true }).press("Enter");
  expect((await refused).status()).toBe(412);
  const firstDialog = first.getByRole("dialog", { name: "This task was changed somewhere else" });
  await expect(firstDialog.getByRole("region", { name: "Saved version" })).toContainText("Plan the trip to Lisbon");
  await firstDialog.getByRole("button", { name: "Use the saved version" }).click();
  await expect(checkboxOf(first, "Plan the trip to Lisbon")).toBeChecked();

  for (const page of [first, second]) {
    await page.reload();
    await listLoaded(page);
    await expect(titleCells(page)).toHaveText(["Plan the trip to Lisbon"]);
  }
  await watched.checked();
  expect(watched.elsewhere).toEqual([]);
  await context.close();
});

test("a create whose answer is lost is retried with its Idempotency-Key and makes exactly one task @idempotency", async ({
  browser,
  baseURL,
  checkContract,
}) => {
  test.setTimeout(60_000);
  const { context, page, watched } = await newPerson(browser, baseURL!, checkContract);
  const userId = newUserId("flaky");
  await signIn(page, userId);

  // The first POST reaches the server, which creates the task; its answer never reaches the browser.
  const keys: string[] = [];
  await page.route(`**/api/${userId}/tasks`, async (route) => {
    if (route.request().method() !== "POST") return route.fallback();
    keys.push((await route.request().headerValue("idempotency-key")) ?? "");
    if (keys.length > 1) return route.fallback();
    await route.fetch();
    await route.abort("connectionreset");
  });
  await addTask(page, "Survive a lost answer");

  expect(keys).toHaveLength(2);
  expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(keys[1]).toBe(keys[0]);
  const stored = await (await page.request.get(`/api/${userId}/tasks`)).json();
  expect(stored.map((task: { title: string }) => task.title)).toEqual(["Survive a lost answer"]);
  await page.reload();
  await listLoaded(page);
  await expect(titleCells(page)).toHaveText(["Survive a lost answer"]);
  await watched.checked();
  await context.close();
});

test("a deleted task is deleted for good when its undo window closes, or when the page is left", async ({
  browser,
  baseURL,
  checkContract,
}) => {
  test.setTimeout(90_000);
  const { context, page, watched } = await newPerson(browser, baseURL!, checkContract);
  const userId = newUserId("tidy");
  await signIn(page, userId);
  await page.request.post(`/api/${userId}/tasks`, { data: { title: "Left behind" } });
  await page.request.post(`/api/${userId}/tasks`, { data: { title: "Waited out" } });
  await page.reload();
  await listLoaded(page);

  // Nobody touches the undo bar: the DELETE goes by itself when the window (10 s) closes.
  const deleted = page.waitForResponse((response) => response.request().method() === "DELETE", { timeout: 40_000 });
  await rowOf(page, "Waited out").getByRole("button", { name: "Delete" }).click();
  expect((await deleted).status()).toBe(204);
  await expect(page.getByRole("button", { name: "Undo" })).toHaveCount(0);

  // Deleted, then the tab goes elsewhere at once: the DELETE still leaves, with keepalive.
  // (The page reads the task's ETag during the window: a DELETE without If-Match is never sent.)
  const versionRead = page.waitForResponse(
    (response) => response.request().method() === "GET" && /\/tasks\/\d+$/.test(response.url()),
  );
  await rowOf(page, "Left behind").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("button", { name: "Undo" })).toBeVisible();
  expect((await versionRead).status()).toBe(200);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.goto("/api/health");
  await expect
    .poll(async () => (await (await page.request.get(`/api/${userId}/tasks`)).json()).length, { timeout: 15_000 })
    .toBe(0);
  await watched.checked();
  await context.close();
});

test("signing out returns to the sign-in form, and the session is gone", async ({
  browser,
  baseURL,
  checkContract,
}) => {
  test.setTimeout(60_000);
  const { context, page, watched } = await newPerson(browser, baseURL!, checkContract);
  const userId = newUserId("leaver");
  await signIn(page, userId);
  await addTask(page, "Still here after signing out");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
  expect((await context.cookies()).some((cookie) => cookie.name === SESSION_COOKIE)).toBe(false);
  expect((await page.request.get(`/api/${userId}/tasks`)).status()).toBe(401);
  await page.reload();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  await signIn(page, userId);
  await expect(checkboxOf(page, "Still here after signing out")).toBeVisible();
  await watched.checked();
  await context.close();
});

test("an expired session goes back to sign-in and keeps what was being typed", async ({
  browser,
  baseURL,
  checkContract,
}) => {
  test.setTimeout(90_000);
  const { context, page, watched } = await newPerson(browser, baseURL!, checkContract);
  const userId = newUserId("sleepy");
  await signIn(page, userId);
  await addTask(page, "Water the plants");

  // Typing, unsaved: a new task, and an edit in progress.
  await page.getByLabel("New task").fill("Buy compost");
  await rowOf(page, "Water the plants").getByRole("button", { name: "Edit" }).click();
  await page.getByLabel("Title", { exact: true }).fill("Water the plants on the balcony");

  // The session runs out (its token expired a minute ago); saving the edit meets a 401.
  const expired = await signSessionToken({ id: userId }, { expiresInSeconds: -60 });
  await context.addCookies([{ name: SESSION_COOKIE, value: expired, url: baseURL!, httpOnly: true, sameSite: "Lax" }]);
  const refused = page.waitForResponse((response) => response.request().method() === "PUT");
  await page.getByLabel("Title", { exact: true }).press("Enter");
  expect((await refused).status()).toBe(401);

  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByText("Your session has ended")).toBeVisible();
  await expect(page.getByLabel("User id")).toHaveValue(userId);
  await page.getByLabel("Password").fill(process.env.AUTH_CREDENTIALS_PASSWORD!);
  await page.getByRole("button", { name: "Sign in" }).click();

  // Both drafts are back; saving them works now.
  await expect(page.getByLabel("New task")).toHaveValue("Buy compost");
  await expect(page.getByLabel("Title", { exact: true })).toHaveValue("Water the plants on the balcony");
  await page.getByLabel("Title", { exact: true }).press("Enter");
  await expect(checkboxOf(page, "Water the plants on the balcony")).toBeVisible();
  await page.getByLabel("New task").press("Enter");
  await expect(checkboxOf(page, "Buy compost")).toBeEnabled();
  await settled(page);

  await page.reload();
  await listLoaded(page);
  await expect(titleCells(page)).toHaveText(["Buy compost", "Water the plants on the balcony"]);
  await expect(page.getByLabel("New task")).toHaveValue("");
  await watched.checked();
  expect(watched.elsewhere).toEqual([]);
  await context.close();
});
