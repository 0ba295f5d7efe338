import { randomUUID } from "node:crypto";
import path from "node:path";
import {
  expect as baseExpect,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
  type TestInfo,
} from "@playwright/test";
import type { CheckContract } from "../fixtures";

// Driving the app's page (`/`) in a real Chromium as a person would: by labels and roles, with the keyboard where a
// person would use it. Every API answer the page receives is checked against the OpenAPI document, and no request
// may leave the app's origin.

/**
 * Assertions wait this long: a shared CI machine can take seconds to serve a page while other suites run, and no
 * test's own timeout comes within twice the sum of its waits.
 */
export const expect = baseExpect.configure({ timeout: 15_000 });

export const newUserId = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** The session cookie next-auth sets on this plain-HTTP origin. */
export const SESSION_COOKIE = "next-auth.session-token";

export interface Watched {
  /** Requests the page made to any origin but the app's. */
  elsewhere: string[];
  /** Resolves once every API answer received so far has been checked against the OpenAPI document. */
  checked(): Promise<void>;
}

/** Watches a browser context's traffic: other origins, and the API's answers against the contract. */
export function watchTraffic(context: BrowserContext, appOrigin: string, checkContract: CheckContract): Watched {
  const elsewhere: string[] = [];
  const checks: Promise<void>[] = [];
  context.on("request", (sent) => {
    const url = new URL(sent.url());
    if (url.protocol !== "data:" && url.protocol !== "blob:" && url.origin !== appOrigin) elsewhere.push(sent.url());
  });
  context.on("response", (response) => {
    const url = new URL(response.url());
    if (url.origin !== appOrigin || !url.pathname.startsWith("/api/")) return;
    checks.push(
      response.body().then(
        (body) =>
          checkContract({
            method: response.request().method(),
            url: response.url(),
            status: response.status(),
            headers: response.headers(),
            body,
          }),
        // A response whose page navigated away before its body was read: nothing left to check.
        () => undefined,
      ),
    );
  });
  return { elsewhere, checked: async () => void (await Promise.all(checks)) };
}

/** Signs in through the page's form and waits for the list to load. */
export async function signIn(page: Page, userId: string): Promise<void> {
  await page.goto("/");
  await page.getByLabel("User id").fill(userId);
  await page.getByLabel("Password").fill(process.env.AUTH_CREDENTIALS_PASSWORD!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(`Signed in as ${userId}`)).toBeVisible();
  await listLoaded(page);
}

/** Waits until the list (or its empty state) shows. */
export async function listLoaded(page: Page): Promise<void> {
  await expect(page.getByText("Loading your tasks…")).toHaveCount(0);
  await expect(page.getByRole("list", { name: "Tasks" }).or(page.getByText(/^No |^Nothing pending/))).toBeVisible();
}

export const taskList = (page: Page) => page.getByRole("list", { name: "Tasks" });
export const rows = (page: Page) => taskList(page).getByRole("listitem");
export const rowOf = (page: Page, title: string) => rows(page).filter({ has: page.getByText(title, { exact: true }) });
export const checkboxOf = (page: Page, title: string) => page.getByRole("checkbox", { name: title, exact: true });

/** Adds a task with the new-task field and Enter, and waits until the server has it. */
export async function addTask(page: Page, title: string): Promise<void> {
  const field = page.getByLabel("New task");
  await field.fill(title);
  await field.press("Enter");
  await expect(field).toHaveValue("");
  await expect(checkboxOf(page, title)).toBeEnabled();
  await expect(rowOf(page, title).getByText("Saving…")).toHaveCount(0);
}

/** The title of each task shown, in order. */
export const titleCells = (page: Page) => rows(page).locator("p[id$='-title']");

/** The titles shown, in order, as they are now. */
export async function titles(page: Page): Promise<string[]> {
  return rows(page).locator("p[id$='-title']").allInnerTexts();
}

/** Creates tasks through the API with the page's own session cookie, newest last, `count` of them. */
export async function seedTasks(
  page: Page,
  userId: string,
  titleOf: (index: number) => string,
  count: number,
): Promise<void> {
  for (let index = 1; index <= count; index++) {
    const response = await page.request.post(`/api/${userId}/tasks`, { data: { title: titleOf(index) } });
    baseExpect(response.status()).toBe(201);
  }
}

/** Waits until no write is on its way: every row saved. */
export async function settled(page: Page): Promise<void> {
  await expect(taskList(page).getByText("Saving…")).toHaveCount(0);
}

/** A fresh browser context (own cookies and storage: another person) with its traffic watched. */
export async function newPerson(browser: Browser, baseURL: string, checkContract: CheckContract, options = {}) {
  const context = await browser.newContext({ baseURL, ...options });
  const watched = watchTraffic(context, new URL(baseURL).origin, checkContract);
  const page = await context.newPage();
  return { context, page, watched };
}

/** A full-page screenshot at the page's current width, as test-results/app-screenshots/<name>.png. */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({
    path: path.join(testInfo.project.outputDir, "app-screenshots", `${name}.png`),
    fullPage: true,
  });
}

/** The element with focus has a visible focus indicator (an outline). */
export async function expectVisibleFocus(locator: Locator): Promise<void> {
  await expect(locator).toBeFocused();
  const outline = await locator.evaluate((element) => {
    const style = getComputedStyle(element);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  baseExpect(outline.style).not.toBe("none");
  baseExpect(outline.width).toBeGreaterThanOrEqual(2);
}
