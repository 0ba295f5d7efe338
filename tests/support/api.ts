import { randomUUID } from "node:crypto";
import { signSessionToken } from "@/lib/auth/tokens";

/** A user id no other test uses, so tests never see each other's rows. */
export const newUserId = (label = "user") => `${label}-${randomUUID()}`;

export const tokenFor = (userId: string, email?: string) =>
  signSessionToken(email ? { id: userId, email } : { id: userId });

type Handler = (request: Request, context: { params: Promise<any> }) => Promise<Response>;

export interface CallOptions {
  token?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

/** Calls a route handler the way Next.js does: a real Request, and params as a Promise. */
export async function call(
  handler: Handler | undefined,
  method: string,
  path: string,
  params: Record<string, string>,
  options: CallOptions = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  if (!handler) throw new Error(`no ${method} handler`);
  const headers = new Headers(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const request = new Request(`http://localhost${path}`, { method, headers, body });
  const response = await handler(request, { params: Promise.resolve(params) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
