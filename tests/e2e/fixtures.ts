import { randomUUID } from "node:crypto";
import { test as base, expect, type APIResponse } from "@playwright/test";
import { signSessionToken } from "../../lib/auth/tokens";

export interface Actor {
  id: string;
  /** Headers that authenticate as this user. */
  auth: Record<string, string>;
}

export async function newActor(label: string): Promise<Actor> {
  const id = `${label}-${randomUUID()}`;
  return { id, auth: { authorization: `Bearer ${await signSessionToken({ id })}` } };
}

export const test = base.extend<{ alice: Actor; bob: Actor }>({
  alice: async ({}, use) => use(await newActor("alice")),
  bob: async ({}, use) => use(await newActor("bob")),
});
export { expect };

export const tasksUrl = (userId: string) => `/api/${encodeURIComponent(userId)}/tasks`;

/** The contract's headers on every API response. */
export function expectCommonHeaders(response: APIResponse): void {
  const headers = response.headers();
  expect(headers["cache-control"]).toBe("no-store");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["x-request-id"]).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  expect(headers["x-powered-by"]).toBeUndefined();
}

/** An error in the contract's format, with nothing of the server's internals in it. */
export async function expectError(response: APIResponse, status: number, code: string): Promise<Record<string, unknown>> {
  expect(response.status()).toBe(status);
  expect(response.headers()["content-type"]).toContain("application/json");
  expectCommonHeaders(response);
  const body = await response.json();
  expect(body).toMatchObject({ code, error: expect.any(String) });
  expect(Object.keys(body).every((key) => ["error", "code", "details"].includes(key))).toBe(true);
  expect(JSON.stringify(body)).not.toMatch(/select |insert |stack|node_modules|\bat \w+ \(/i);
  return body;
}
