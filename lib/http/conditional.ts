import { taskVersion, type Task } from "../tasks";
import { json } from "./route";

// ETag / If-Match for single tasks (RFC 9110 §8.8.3, §13.1.1): strong tags built from the task's version.

export const etagOf = (task: Task): string => `"${taskVersion(task)}"`;

/** A single Task response: the task as JSON, with its ETag. */
export function taskResponse(task: Task, status = 200, headers: Record<string, string> = {}): Response {
  return json(task, status, { ...headers, ETag: etagOf(task) });
}

const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

/**
 * The versions an `If-Match` header accepts, or undefined when the write is unconditional (no header, or `*`, which any
 * existing task matches). Weak and malformed tags match nothing: If-Match uses the strong comparison.
 */
export function expectedVersions(request: Request): string[] | undefined {
  const header = request.headers.get("if-match");
  if (header === null || header.trim() === "*") return undefined;
  return header
    .split(",")
    .map((tag) => ENTITY_TAG.exec(tag.trim()))
    .filter((match): match is RegExpExecArray => match !== null && match[1] === undefined)
    .map((match) => match[2]!);
}

/** `Link: <this path and query, with cursor>; rel="next"`: relative, so it holds behind any proxy. */
export function nextPageLink(request: Request, cursor: string): string {
  const url = new URL(request.url);
  url.searchParams.set("cursor", cursor);
  return `<${url.pathname}${url.search}>; rel="next"`;
}
