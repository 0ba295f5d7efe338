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

/** The first bytes the server sends on a raw connection after `request`, or what it had sent when `waitMs` passed. */
function firstAnswer(server: NextServer, request: string, waitMs: number): Promise<{ text: string; ms: number }> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    let text = "";
    const socket = connect(server.port, "127.0.0.1", () => socket.write(request));
    const done = () => {
      socket.destroy();
      resolve({ text, ms: performance.now() - startedAt });
    };
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n\r\n")) done();
    });
    socket.on("close", done);
    socket.on("error", done);
    setTimeout(done, waitMs);
  });
}

test("Expect: 100-continue with a body declared over 64 KiB gets the 413 at once, never a 100 Continue", async ({
  server,
}) => {
  const alice = await newActor("alice");
  const { text, ms } = await firstAnswer(
    server,
    `POST /api/${alice.id}/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: ${alice.auth.authorization}\r\n` +
      `Content-Type: application/json\r\nContent-Length: 104857600\r\nExpect: 100-continue\r\n\r\n`,
    5_000,
  );
  expect(text.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
  expect(text).not.toContain("100 Continue");
  expect(ms).toBeLessThan(2_000);
});

test(
  "connections that never finish their request line are closed by the server, and others are served meanwhile",
  { tag: "@fault" },
  async ({ server }) => {
    test.setTimeout(120_000);
    const CONNECTIONS = 1_000;
    const startedAt = performance.now();
    let connected = 0;
    const closings = Array.from(
      { length: CONNECTIONS },
      (_, index) =>
        new Promise<{ ms: number; connected: boolean; index: number; data: string }>((resolve) => {
          let open = false;
          const socket = connect(server.port, "127.0.0.1", () => {
            open = true;
            connected++;
            socket.write("GET /api/health HTTP/1.1\r\nHost: x");
          });
          let data = "";
          socket.on("data", (chunk: Buffer) => (data += chunk.toString("latin1")));
          socket.on("error", (error) => (data += String(error)));
          socket.on("close", () => resolve({ ms: performance.now() - startedAt, connected: open, index, data }));
          // The test's own end, whatever the server does.
          setTimeout(() => socket.destroy(), 60_000).unref();
        }),
    );
    await expect.poll(() => connected, { timeout: 10_000 }).toBe(CONNECTIONS);
    // While they are all held, a whole request is answered at once.
    const before = performance.now();
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    expect(performance.now() - before).toBeLessThan(2_000);
    // The server closes each itself, well before the test would (60 s): almost all at its idle timeout
    // (SOCKET_IDLE_TIMEOUT_MS, 15 s, in lib/http/server-guard.ts), and at worst, seen once for the first connection of a
    // run, with a 408 at its headers timeout (10 s) as Node checks it, every 30 s.
    const closed = await Promise.all(closings);
    expect(closed.filter((closing) => closing.ms > 45_000)).toEqual([]);
    expect(closed.filter((closing) => closing.ms < 25_000).length).toBeGreaterThanOrEqual(CONNECTIONS * 0.99);
  },
);
