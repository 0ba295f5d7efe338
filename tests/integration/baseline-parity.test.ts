import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as completeRoute from "@/app/api/[userId]/tasks/[taskId]/complete/route";
import * as taskRoute from "@/app/api/[userId]/tasks/[taskId]/route";
import * as tasksRoute from "@/app/api/[userId]/tasks/route";
import { closeDatabase } from "@/db/client";
import { createBaselineServer, listen } from "../../bench/baseline/server";
import { call, newUserId, tokenFor } from "../support/api";

// The benchmark's bare baseline must be the same API minus the framework: same statuses for the same requests.

let server: http.Server;
let baseUrl: string;
beforeAll(async () => {
  server = createBaselineServer();
  baseUrl = `http://127.0.0.1:${await listen(server)}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await closeDatabase();
});

type Handler = Parameters<typeof call>[0];
interface Step {
  label: string;
  method: string;
  handler: Handler;
  path: (userId: string, taskId: number) => string;
  token?: "own" | "none" | "bad";
  json?: unknown;
  body?: string;
  contentType?: string;
}

const tasks = (u: string) => `/api/${u}/tasks`;
const task = (u: string, id: number) => `/api/${u}/tasks/${id}`;
const steps: Step[] = [
  { label: "create", method: "POST", handler: tasksRoute.POST, path: tasks, json: { title: "parity" } },
  { label: "list", method: "GET", handler: tasksRoute.GET, path: (u) => `${tasks(u)}?limit=50` },
  { label: "bad list query", method: "GET", handler: tasksRoute.GET, path: (u) => `${tasks(u)}?limit=0` },
  { label: "get", method: "GET", handler: taskRoute.GET, path: task },
  { label: "update", method: "PUT", handler: taskRoute.PUT, path: task, json: { title: "changed" } },
  { label: "toggle", method: "PATCH", handler: completeRoute.PATCH, path: (u, id) => `${task(u, id)}/complete` },
  { label: "invalid body", method: "POST", handler: tasksRoute.POST, path: tasks, json: { title: "" } },
  { label: "unknown field", method: "PUT", handler: taskRoute.PUT, path: task, json: { owner: "x" } },
  {
    label: "malformed JSON",
    method: "POST",
    handler: tasksRoute.POST,
    path: tasks,
    body: "{",
    contentType: "application/json",
  },
  {
    label: "not JSON",
    method: "POST",
    handler: tasksRoute.POST,
    path: tasks,
    body: "title=x",
    contentType: "text/plain",
  },
  { label: "no token", method: "GET", handler: tasksRoute.GET, path: tasks, token: "none" },
  { label: "bad token", method: "GET", handler: tasksRoute.GET, path: tasks, token: "bad" },
  { label: "another user's path", method: "GET", handler: tasksRoute.GET, path: () => tasks("someone-else") },
  { label: "bad id", method: "GET", handler: taskRoute.GET, path: (u) => `${tasks(u)}/abc` },
  { label: "missing task", method: "GET", handler: taskRoute.GET, path: (u) => task(u, 2147483647) },
  { label: "delete", method: "DELETE", handler: taskRoute.DELETE, path: task },
  { label: "delete again", method: "DELETE", handler: taskRoute.DELETE, path: task },
];

async function statuses(
  send: (step: Step, userId: string, token: string, taskId: number) => Promise<{ status: number; body: any }>,
) {
  const userId = newUserId("parity");
  const token = await tokenFor(userId);
  let taskId = 0;
  const result: Record<string, number> = {};
  for (const step of steps) {
    const response = await send(step, userId, token, taskId);
    if (step.label === "create") taskId = response.body.id;
    result[step.label] = response.status;
  }
  return result;
}

function headersFor(step: Step, token: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (step.token !== "none") headers.authorization = `Bearer ${step.token === "bad" ? `${token}x` : token}`;
  if (step.contentType) headers["content-type"] = step.contentType;
  if (step.json !== undefined) headers["content-type"] = "application/json";
  return headers;
}

describe("the bare baseline", () => {
  it("answers the same statuses as the app", async () => {
    const app = await statuses((step, userId, token, taskId) => {
      const path = step.path(userId, taskId);
      const segments = new URL(path, "http://x").pathname.split("/");
      return call(
        step.handler,
        step.method,
        path,
        { userId: segments[2]!, taskId: segments[4] ?? "" },
        {
          headers: headersFor(step, token),
          body: step.json !== undefined ? JSON.stringify(step.json) : step.body,
        },
      );
    });
    const baseline = await statuses(async (step, userId, token, taskId) => {
      const response = await fetch(`${baseUrl}${step.path(userId, taskId)}`, {
        method: step.method,
        headers: headersFor(step, token),
        body: step.json !== undefined ? JSON.stringify(step.json) : step.body,
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    });
    expect(baseline).toEqual(app);
    expect(Object.values(app)).toEqual(expect.arrayContaining([200, 201, 204, 400, 401, 403, 404, 415]));
  });
});
