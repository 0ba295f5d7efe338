import { randomUUID } from "node:crypto";
import { test as base, expect, type APIRequestContext, type APIResponse } from "@playwright/test";
import { signSessionToken } from "../../lib/auth/tokens";
import { Contract, CONTRACT_OUTCOMES_ATTACHMENT, type Exchange } from "../support/contract";
import { createPostgresCluster, type PostgresCluster } from "../support/postgres-cluster";
import { runningNow, stopAll } from "../support/started";
import { isStartedServerPort } from "./next-server";
import { API_PORT, RUNNER_APP_PORTS } from "./ports";

export interface Actor {
  id: string;
  /** Headers that authenticate as this user. */
  auth: Record<string, string>;
}

export async function newActor(label: string): Promise<Actor> {
  const id = `${label}-${randomUUID()}`;
  return { id, auth: { authorization: `Bearer ${await signSessionToken({ id })}` } };
}

/** Checks an exchange against the OpenAPI document and records its outcome; throws when the document does not describe it. */
export type CheckContract = (exchange: Exchange) => void;

/** How long a throwaway PostgreSQL cluster may take to be created, started and migrated on a busy machine. */
const CLUSTER_BUDGET_MS = 120_000;

interface TestFixtures {
  alice: Actor;
  bob: Actor;
  checkContract: CheckContract;
  /** A PostgreSQL cluster of the test's own, with the app's migrations applied (tests/support/postgres-cluster.ts). */
  postgresCluster: PostgresCluster;
  /** Settings for postgresCluster's postgresql.conf (`test.use({ postgresSettings: { max_connections: 40 } })`). */
  postgresSettings: Record<string, string | number>;
  stopsWhatTheTestStarted: void;
}
interface WorkerFixtures {
  contract: Contract;
  stopsWhatTheWorkerStarted: void;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  alice: async ({}, use) => use(await newActor("alice")),
  bob: async ({}, use) => use(await newActor("bob")),

  // Its start-up has a budget of its own: a slow initdb on a busy machine must not eat into the test's.
  postgresSettings: [{}, { option: true }],
  postgresCluster: [
    async ({ postgresSettings }, use) => {
      const cluster = await createPostgresCluster(postgresSettings);
      try {
        await cluster.migrate();
        await use(cluster);
      } finally {
        await cluster.destroy();
      }
    },
    { timeout: CLUSTER_BUDGET_MS },
  ],

  // A test that fails or times out half-way never reaches its own clean-up: whatever it started (a server, a cluster)
  // and left running is stopped here, after it. What a beforeAll hook started is the worker's, stopped below.
  stopsWhatTheTestStarted: [
    async ({}, use) => {
      const before = new Set(runningNow());
      await use();
      await stopAll(runningNow().filter((started) => !before.has(started)));
    },
    { auto: true },
  ],
  stopsWhatTheWorkerStarted: [
    async ({}, use) => {
      await use();
      await stopAll(runningNow());
    },
    { auto: true, scope: "worker" },
  ],

  // The document as the API serves it (a test pins that to the committed openapi.json).
  contract: [
    async ({}, use) => {
      const response = await fetch(`http://127.0.0.1:${API_PORT}/api/openapi.json`);
      await use(await Contract.of(await response.json()));
    },
    { scope: "worker" },
  ],

  checkContract: async ({ contract }, use, testInfo) => {
    const exercised = new Set<string>();
    await use((exchange) => void exercised.add(contract.check(exchange)));
    await testInfo.attach(CONTRACT_OUTCOMES_ATTACHMENT, {
      body: JSON.stringify([...exercised]),
      contentType: "application/json",
    });
  },

  // Every response a test receives through `request` from one of the app's servers is checked against the OpenAPI
  // document (the test issuers' own responses are not the API's).
  request: async ({ request, checkContract }, use) => {
    await use(checkedRequests(request, checkContract));
  },
});
export { expect };

const SHORTHAND_METHODS = { get: "GET", head: "HEAD", post: "POST", put: "PUT", patch: "PATCH", delete: "DELETE" };

function checkedRequests(request: APIRequestContext, checkContract: CheckContract): APIRequestContext {
  const checked = async (method: string, response: APIResponse) => {
    const port = Number(new URL(response.url()).port);
    if (!RUNNER_APP_PORTS.has(port) && !isStartedServerPort(port)) return response;
    checkContract({
      method,
      url: response.url(),
      status: response.status(),
      headers: response.headers(),
      body: await response.body(),
    });
    return response;
  };
  return new Proxy(request, {
    get(target, property) {
      if (property === "fetch") {
        return async (...[urlOrRequest, options]: Parameters<APIRequestContext["fetch"]>) => {
          const method = options?.method ?? (typeof urlOrRequest === "string" ? "GET" : urlOrRequest.method());
          return checked(method.toUpperCase(), await target.fetch(urlOrRequest, options));
        };
      }
      if (Object.hasOwn(SHORTHAND_METHODS, property)) {
        const name = property as keyof typeof SHORTHAND_METHODS;
        return async (url: string, options?: object) =>
          checked(SHORTHAND_METHODS[name], await target[name](url, options));
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** An exchange made with `fetch` rather than `request`, for `checkContract`. */
export async function fetchedExchange(method: string, url: string, response: Response): Promise<Exchange> {
  const body = Buffer.from(await response.arrayBuffer());
  return { method, url, status: response.status, headers: Object.fromEntries(response.headers), body };
}

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
export async function expectError(
  response: APIResponse,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  expect(response.status()).toBe(status);
  expect(response.headers()["content-type"]).toContain("application/json");
  expectCommonHeaders(response);
  const body = await response.json();
  expect(body).toMatchObject({ code, error: expect.any(String) });
  expect(Object.keys(body).every((key) => ["error", "code", "details"].includes(key))).toBe(true);
  expect(JSON.stringify(body)).not.toMatch(/select |insert |stack|node_modules|\bat \w+ \(/i);
  return body;
}
