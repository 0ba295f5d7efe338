import { createHmac, timingSafeEqual } from "node:crypto";
import { getEnv } from "../env";
import { TASK_ID_MAX } from "../limits";
import type { TaskListQuery } from "../schemas/tasks";
import { InvalidCursorError } from "./errors";

// List cursors: the position after the last task of a page (its sort value and id), signed so that a client can neither
// forge a position nor carry a cursor over to a different query. Opaque to clients by design.

export interface CursorPosition {
  /** Epoch milliseconds for created_at/updated_at, the title itself for title. */
  value: number | string;
  id: number;
}

const SIGNATURE_BYTES = 16;
let cachedKey: { secret: string; key: Buffer } | undefined;

function cursorKey(): Buffer {
  const secret = getEnv().cursorSecret;
  if (cachedKey?.secret !== secret) {
    cachedKey = { secret, key: createHmac("sha256", secret).update("tasks list cursor v1").digest() };
  }
  return cachedKey.key;
}

type QueryShape = Pick<TaskListQuery, "sort" | "order" | "status" | "q">;

function sign(payload: string, query: QueryShape): Buffer {
  return createHmac("sha256", cursorKey())
    .update(JSON.stringify([payload, query.sort, query.order, query.status, query.q ?? null]))
    .digest()
    .subarray(0, SIGNATURE_BYTES);
}

/** The opaque cursor for the position after `position`, valid only with this query's sort, order, status and q. */
export function encodeCursor(position: CursorPosition, query: QueryShape): string {
  const payload = Buffer.from(JSON.stringify([position.value, position.id])).toString("base64url");
  return `${payload}.${sign(payload, query).toString("base64url")}`;
}

/** The position a cursor carries; throws InvalidCursorError unless this API issued it for this very query. */
export function decodeCursor(cursor: string, query: QueryShape): CursorPosition {
  const [payload, signature, ...rest] = cursor.split(".");
  if (!payload || !signature || rest.length > 0) throw new InvalidCursorError();
  const given = Buffer.from(signature, "base64url");
  const expected = sign(payload, query);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursorError();

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw new InvalidCursorError();
  const [value, id] = decoded as unknown[];
  const validId = Number.isInteger(id) && (id as number) >= 1 && (id as number) <= TASK_ID_MAX;
  const validValue = query.sort === "title" ? typeof value === "string" : Number.isSafeInteger(value);
  if (!validId || !validValue) throw new InvalidCursorError();
  return { value: value as number | string, id: id as number };
}
