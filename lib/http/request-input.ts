import type { z } from "zod";
import { IdempotencyKey } from "../schemas/tasks";
import { fromZodError, invalidJson, payloadTooLarge, unsupportedMediaType } from "./errors";

// What a request brings besides its path: its JSON body, its query and the headers the contract gives a meaning to.

export const MAX_BODY_BYTES = 64 * 1024;

function isJsonContentType(contentType: string): boolean {
  const [mediaType = "", ...parameters] = contentType.split(";").map((part) => part.trim().toLowerCase());
  if (mediaType !== "application/json") return false;
  const charset = parameters.find((parameter) => parameter.startsWith("charset="));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

/** The raw body, at most MAX_BODY_BYTES, or null when there is none. */
async function readBodyBytes(request: Request): Promise<Uint8Array | null> {
  const declaredLength = Number(request.headers.get("content-length") ?? "0");
  if (declaredLength > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
  if (!request.body) return null;

  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw payloadTooLarge(MAX_BODY_BYTES);
    }
    chunks.push(value);
  }
  if (total === 0) return null;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads and validates a JSON body. With `optional`, an absent body is validated as `{}`;
 * otherwise it is a 400 invalid_json. A body that is not `application/json` is a 415.
 */
export async function readJsonBody<Schema extends z.ZodType>(
  request: Request,
  schema: Schema,
  options: { optional?: boolean } = {},
): Promise<z.output<Schema>> {
  const bytes = await readBodyBytes(request);
  let value: unknown = {};
  if (bytes === null) {
    if (!options.optional) throw invalidJson("a JSON request body is required");
  } else {
    if (!isJsonContentType(request.headers.get("content-type") ?? "")) throw unsupportedMediaType();
    try {
      value = JSON.parse(utf8.decode(bytes));
    } catch {
      throw invalidJson();
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZodError(parsed.error, "body");
  return parsed.data;
}

/** Validates the query string; parameters the schema does not name are ignored. */
export function readQuery<Schema extends z.ZodType>(request: Request, schema: Schema): z.output<Schema> {
  const parsed = schema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw fromZodError(parsed.error, "query");
  return parsed.data;
}

/** The `Idempotency-Key` of a create (the contract's "Idempotent create"), or undefined when none was sent. */
export function readIdempotencyKey(request: Request): string | undefined {
  const parsed = IdempotencyKey.safeParse(request.headers.get("idempotency-key") ?? undefined);
  if (!parsed.success) throw fromZodError(parsed.error, "Idempotency-Key");
  return parsed.data;
}
