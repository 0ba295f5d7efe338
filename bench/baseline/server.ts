// The bare baseline: the API's six task endpoints on node:http, with no framework. Same service (so the same SQL), same
// token verification, same zod validation, same error bodies as the app; only Next.js is missing, so the app's req/s
// over this one is "what the framework costs". Not a second implementation to ship: a measuring stick.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { resolveSession } from "../../lib/auth/session";
import { getLogger } from "../../lib/logger";
import {
  ApiError,
  errorBody,
  forbidden,
  fromZodError,
  invalidJson,
  methodNotAllowed,
  notFound,
  orNotFound,
  payloadTooLarge,
  toApiError,
  unauthenticated,
  unsupportedMediaType,
} from "../../lib/http/errors";
import { MAX_BODY_BYTES } from "../../lib/http/request-input";
import { TaskCompletion, TaskCreate, TaskId, TaskListQuery, TaskUpdate } from "../../lib/schemas/tasks";
import { etagOf } from "../../lib/http/etag";
import { createTask, deleteTask, getTask, listTasks, setTaskCompletion, updateTask } from "../../lib/tasks";
import type { z } from "zod";

const ROUTE = /^\/api\/([^/]+)\/tasks(?:\/([^/]+)(\/complete)?)?$/;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

async function readBody(request: http.IncomingMessage): Promise<string | null> {
  if (Number(request.headers["content-length"] ?? 0) > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
    chunks.push(chunk);
  }
  return total === 0 ? null : Buffer.concat(chunks).toString("utf8");
}

async function parseBody<S extends z.ZodType>(request: http.IncomingMessage, schema: S, optional = false) {
  const text = await readBody(request);
  let value: unknown = {};
  if (text === null) {
    if (!optional) throw invalidJson("a JSON request body is required");
  } else {
    if (!(request.headers["content-type"] ?? "").toLowerCase().startsWith("application/json"))
      throw unsupportedMediaType();
    try {
      value = JSON.parse(text);
    } catch {
      throw invalidJson();
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZodError(parsed.error, "body");
  return parsed.data;
}

async function handle(request: http.IncomingMessage): Promise<Reply> {
  const url = new URL(request.url ?? "/", "http://baseline");
  const match = ROUTE.exec(url.pathname);
  if (!match) throw notFound("no such route");
  const [, rawUserId, rawTaskId, complete] = match;
  const method = request.method ?? "GET";
  const allowed = complete ? ["PATCH"] : rawTaskId ? ["GET", "PUT", "DELETE"] : ["GET", "POST"];
  if (!allowed.includes(method)) throw methodNotAllowed(allowed);

  // The app's one session-resolver hook, handed only the header it reads.
  const authorization = request.headers.authorization;
  const user = await resolveSession(new Request(url, { headers: authorization ? { authorization } : {} }));
  if (!user) throw unauthenticated();
  if (decodeURIComponent(rawUserId!) !== user.id) throw forbidden();

  const withEtag = (task: { updated_at: string }, status = 200, headers: Record<string, string> = {}): Reply => ({
    status,
    body: task,
    headers: { ...headers, ETag: etagOf(task) },
  });

  if (!rawTaskId) {
    if (method === "GET") {
      const query = TaskListQuery.safeParse(Object.fromEntries(url.searchParams));
      if (!query.success) throw fromZodError(query.error, "query");
      const page = await listTasks(user.id, query.data);
      return { status: 200, body: page.tasks };
    }
    const task = await createTask(user, await parseBody(request, TaskCreate));
    return withEtag(task, 201, { Location: `/api/${encodeURIComponent(user.id)}/tasks/${task.id}` });
  }
  const taskId = TaskId.safeParse(rawTaskId);
  if (!taskId.success) throw fromZodError(taskId.error, "taskId");
  if (complete) {
    const { completed } = await parseBody(request, TaskCompletion, true);
    return withEtag(orNotFound(await setTaskCompletion(user.id, taskId.data, completed)));
  }
  if (method === "GET") return withEtag(orNotFound(await getTask(user.id, taskId.data)));
  if (method === "PUT") {
    const update = await parseBody(request, TaskUpdate);
    return withEtag(orNotFound(await updateTask(user.id, taskId.data, update)));
  }
  orNotFound(await deleteTask(user.id, taskId.data));
  return { status: 204 };
}

export function createBaselineServer(): http.Server {
  return http.createServer((request, response) => {
    const startedAt = performance.now();
    void handle(request)
      .catch((error: unknown): Reply => {
        const failure = toApiError(error);
        if (failure.status >= 500 && !(error instanceof ApiError)) console.error(error);
        return { status: failure.status, body: errorBody(failure), headers: failure.headers };
      })
      .then(({ status, body, headers }) => {
        response.writeHead(status, {
          ...headers,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          "Cache-Control": "no-store",
        });
        response.end(body === undefined ? undefined : JSON.stringify(body));
        // The same one line per request the app writes, so that logging is not counted as the framework's cost.
        getLogger().info(
          { method: request.method, path: request.url, status, durationMs: Math.round(performance.now() - startedAt) },
          "request",
        );
      });
  });
}

export async function listen(server: http.Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

if (process.argv[1]?.endsWith("baseline/server.ts")) {
  const port = await listen(createBaselineServer(), Number(process.env.PORT ?? 3190));
  console.log(`baseline listening on http://127.0.0.1:${port}`);
}
