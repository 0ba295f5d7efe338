import createClient from "openapi-fetch";
import isNetworkError from "is-network-error";
import pRetry from "p-retry";
import type { components, paths } from "./api-types";

// The page's side of the task API: typed calls generated from openapi.json, the contract's errors as values, and the
// ETag of every single-task answer kept beside the task. Same origin, so next-auth's session cookie authenticates.

export type Task = components["schemas"]["Task"];
export type TaskUpdate = components["schemas"]["TaskUpdate"];
export type ListQuery = NonNullable<paths["/api/{userId}/tasks"]["get"]["parameters"]["query"]>;

/** A task as a single-task answer gave it, with the ETag to send back in If-Match. */
export interface Versioned {
  task: Task;
  etag: string;
}

/** An answer in the contract's error format: `code` to branch on, `message` (its `error`) to show people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The request never got an answer (offline, connection reset, response lost on the way). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("The server could not be reached. Check your connection and try again.", { cause });
  }
}

const client = createClient<paths>({ credentials: "same-origin" });

async function send<T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>) {
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request();
  } catch (error) {
    // A fetch that got no answer rejects with a TypeError whose message depends on the browser; an aborted one
    // (the list a newer view replaced) rejects otherwise and passes through.
    throw isNetworkError(error) ? new NetworkError(error) : error;
  }
  const { data, error, response } = answer;
  if (!response.ok) throw errorOf(response.status, error);
  return { data: data as T, response };
}

function errorOf(status: number, body: unknown): ApiError {
  if (body && typeof body === "object" && "code" in body && "error" in body) {
    const { code, error } = body;
    if (typeof code === "string" && typeof error === "string") return new ApiError(status, code, error);
  }
  return new ApiError(status, "unexpected_response", `The server answered ${status}. Try again in a moment.`);
}

function versioned(task: Task, response: Response): Versioned {
  const etag = response.headers.get("etag");
  if (!etag) throw new ApiError(response.status, "unexpected_response", "The server's answer had no ETag.");
  return { task, etag };
}

const taskPath = (userId: string, taskId: number) => ({ path: { userId, taskId } });

/** One page of the user's tasks, and the query of the next page when the answer's `Link` names one. */
export async function listTasks(
  userId: string,
  query: ListQuery,
  signal?: AbortSignal,
): Promise<{ tasks: Task[]; next: ListQuery | null }> {
  const { data, response } = await send(() =>
    client.GET("/api/{userId}/tasks", { params: { path: { userId }, query }, signal }),
  );
  return { tasks: data, next: nextPageQuery(response.headers.get("link")) };
}

// The contract fixes the header's shape (`<path?query>; rel="next"`, the OpenAPI document's pattern for Link), so one
// expression reads it; the page follows the server's URL as given, cursor and all.
const NEXT_LINK = /^<([^>]+)>;\s*rel="next"$/;

/** The query of a `Link: <…>; rel="next"` header's URL, or null on the last page. */
export function nextPageQuery(link: string | null): ListQuery | null {
  const target = link && NEXT_LINK.exec(link.trim())?.[1];
  if (!target) return null;
  const url = new URL(target, "http://same-origin.invalid");
  return Object.fromEntries(url.searchParams);
}

/** The task as stored now, with its ETag. */
export async function getTask(userId: string, taskId: number): Promise<Versioned> {
  const { data, response } = await send(() =>
    client.GET("/api/{userId}/tasks/{taskId}", { params: taskPath(userId, taskId) }),
  );
  return versioned(data, response);
}

const CREATE_RETRIES = 4;

/**
 * Creates a task. `idempotencyKey` names this one intended create: the request is re-sent with the same key when no
 * answer arrives, so the server creates the task once however many copies reach it. Only network failures are retried;
 * an answer, error or not, is final.
 */
export async function createTask(
  userId: string,
  body: { title: string; description?: string | null },
  idempotencyKey: string,
): Promise<Versioned> {
  return pRetry(
    async () => {
      const { data, response } = await send(() =>
        client.POST("/api/{userId}/tasks", {
          params: { path: { userId }, header: { "Idempotency-Key": idempotencyKey } },
          body,
        }),
      );
      return versioned(data, response);
    },
    {
      retries: CREATE_RETRIES,
      minTimeout: 300,
      maxTimeout: 3000,
      shouldRetry: ({ error }) => error instanceof NetworkError,
    },
  );
}

/** Changes some of a task's fields, if it is still at `etag`. */
export async function updateTask(
  userId: string,
  taskId: number,
  changes: TaskUpdate,
  etag: string,
): Promise<Versioned> {
  const { data, response } = await send(() =>
    client.PUT("/api/{userId}/tasks/{taskId}", {
      params: { ...taskPath(userId, taskId), header: { "If-Match": etag } },
      body: changes,
    }),
  );
  return versioned(data, response);
}

/** Sets a task's completion (not a toggle: safe to repeat), if it is still at `etag`. */
export async function setCompletion(
  userId: string,
  taskId: number,
  completed: boolean,
  etag: string,
): Promise<Versioned> {
  const { data, response } = await send(() =>
    client.PATCH("/api/{userId}/tasks/{taskId}/complete", {
      params: { ...taskPath(userId, taskId), header: { "If-Match": etag } },
      body: { completed },
    }),
  );
  return versioned(data, response);
}

/** Deletes a task, if it is still at `etag`. `keepalive` lets the request outlive the page. */
export async function deleteTask(
  userId: string,
  taskId: number,
  etag: string,
  init: { keepalive?: boolean } = {},
): Promise<void> {
  await send(() =>
    client.DELETE("/api/{userId}/tasks/{taskId}", {
      params: { ...taskPath(userId, taskId), header: { "If-Match": etag } },
      ...init,
    }),
  );
}
