import http, { METHODS } from "node:http";
import { connect } from "node:net";
import { mkdtempSync } from "node:fs";
import path from "node:path";
import { tmpdir } from "node:os";
import { API_ROUTES, ROUTE_HANDLER_METHODS } from "../../lib/http/routes";
import { test as base, expect, newActor, type CheckContract } from "./fixtures";
import { SERVER_START_BUDGET_MS, startNextServer, type NextServer } from "./next-server";

// Requests Next.js would answer before any app code runs, sent over real sockets to `next start` (node:http sends any
// method and any target as given): each kind gets the contract's answer, headers and a log line, and a client that
// hangs up mid-body is logged as the client's doing.

const test = base.extend<{ server: NextServer }>({
  server: [
    async ({}, use) => {
      const server = await startNextServer({
        AUTH_SECRET: process.env.AUTH_SECRET!,
        DATABASE_URL: "",
        PGLITE_DATA_DIR: mkdtempSync(path.join(process.env.TMPDIR ?? tmpdir(), "todo-edges-")),
      });
      try {
        await server.ready();
        await use(server);
      } finally {
        await server.stop();
      }
    },
    { timeout: SERVER_START_BUDGET_MS + 30_000 },
  ],
});

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function send(
  server: NextServer,
  method: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: "127.0.0.1", port: server.port, method, path: target, headers, agent: false },
      (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString()));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)])),
            body,
          }),
        );
      },
    );
    request.on("error", reject);
    request.end();
  });
}

function expectApiHeaders(answer: Answer, context: string): void {
  expect(answer.headers["cache-control"], context).toBe("no-store");
  expect(answer.headers["x-content-type-options"], context).toBe("nosniff");
  expect(answer.headers["x-request-id"], context).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
}

function checked(checkContract: CheckContract, server: NextServer, method: string, target: string, answer: Answer) {
  checkContract({
    method,
    url: `${server.url}${target}`,
    status: answer.status,
    headers: answer.headers,
    body: Buffer.from(answer.body),
  });
}

const EXAMPLES: Record<keyof typeof API_ROUTES, string> = {
  health: "/api/health",
  openApiDocument: "/api/openapi.json",
  docs: "/api/docs",
  docsAsset: "/api/docs/assets/swagger-ui.css",
  nextAuth: "/api/auth/session",
  tasks: "/api/alice/tasks",
  task: "/api/alice/tasks/7",
  taskCompletion: "/api/alice/tasks/7/complete",
};
// Every method Node.js parses that no route handler can serve (CONNECT is a tunnel, not a request to a path).
const OTHER_METHODS = METHODS.filter(
  (m) => !(ROUTE_HANDLER_METHODS as readonly string[]).includes(m) && m !== "CONNECT",
);

test("every method no route serves, on every route: 405 with that route's Allow, JSON, the API's headers, a log line", async ({
  server,
  checkContract,
}) => {
  for (const [name, target] of Object.entries(EXAMPLES)) {
    for (const method of OTHER_METHODS) {
      const answer = await send(server, method, target, { "x-request-id": `edge-${method}-${name}` });
      const context = `${method} ${target}`;
      expect(answer.status, context).toBe(405);
      expect(answer.headers.allow, context).toBe(API_ROUTES[name as keyof typeof API_ROUTES].allowed.join(", "));
      expect(answer.headers["content-type"], context).toBe("application/json");
      if (method !== "HEAD") expect(JSON.parse(answer.body), context).toMatchObject({ code: "method_not_allowed" });
      expectApiHeaders(answer, context);
    }
  }
  for (const method of ["TRACE", "PROPFIND", "QUERY"]) {
    const answer = await send(server, method, "/api/no/such/route");
    expect(answer.status).toBe(404);
    checked(checkContract, server, method, "/api/no/such/route", answer);
  }
  const logged = server.logLines().filter((line) => String(line.requestId).startsWith("edge-TRACE-"));
  expect(logged).toHaveLength(Object.keys(EXAMPLES).length);
  expect(logged[0]).toMatchObject({ level: "info", method: "TRACE", status: 405, code: "method_not_allowed" });
});

test("a malformed escape in any segment of any route: 400 validation_error, never Next's plain-text 500", async ({
  server,
  checkContract,
}) => {
  const alice = await newActor("alice");
  for (const target of Object.values(EXAMPLES)) {
    const segments = target.split("/");
    for (let at = 2; at < segments.length; at++) {
      for (const bad of ["%", "%zz", "%E2%82"]) {
        const broken = segments.map((segment, index) => (index === at ? bad : segment)).join("/");
        const answer = await send(server, "GET", broken, alice.auth);
        expect(answer.status, broken).toBe(400);
        expect(JSON.parse(answer.body), broken).toMatchObject({ code: "validation_error" });
        expectApiHeaders(answer, broken);
        checked(checkContract, server, "GET", broken, answer);
      }
    }
  }
});

test("/api, dot segments and trailing slashes: the JSON 404, or a 308 with the API's headers", async ({
  server,
  checkContract,
}) => {
  for (const target of ["/api", "/api/./health", "/api/alice/../health", "/api/alice/tasks/%2e%2e/7", "/api/nothing"]) {
    const answer = await send(server, "GET", target);
    expect(answer.status, target).toBe(404);
    expect(JSON.parse(answer.body), target).toEqual({ error: "no such route", code: "not_found" });
    expectApiHeaders(answer, target);
    checked(checkContract, server, "GET", target, answer);
  }
  for (const target of Object.values(EXAMPLES)) {
    const answer = await send(server, "GET", `${target}/?limit=5`);
    expect(answer.status, target).toBe(308);
    expect(answer.headers.location, target).toBe(`${target}?limit=5`);
    expectApiHeaders(answer, target);
  }
});

test("a client that hangs up mid-body is logged as such, with no 5xx, and the server serves on", async ({ server }) => {
  const alice = await newActor("alice");
  await new Promise<void>((resolve) => {
    const socket = connect(server.port, "127.0.0.1", () => {
      socket.write(
        `POST /api/${alice.id}/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: ${alice.auth.authorization}\r\n` +
          `X-Request-Id: edge-aborted\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"title":`,
      );
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 300);
    });
  });
  await expect
    .poll(() => server.logLines().find((line) => line.requestId === "edge-aborted"), { timeout: 10_000 })
    .toBeDefined();
  const line = server.logLines().find((entry) => entry.requestId === "edge-aborted")!;
  expect(line).toMatchObject({ level: "info", status: 400, code: "invalid_json", clientAborted: true });
  expect(server.logLines().filter((entry) => Number(entry.status) >= 500)).toEqual([]);
  expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
});
