import type { z } from "zod";
import { IdempotencyKey } from "../schemas/tasks";
import { ApiError, fromZodError, invalidJson, payloadTooLarge, unsupportedMediaType, validationError } from "./errors";

// What a request brings besides its path: its JSON body, its query and the headers the contract gives a meaning to.

export const MAX_BODY_BYTES = 64 * 1024;

function isJsonContentType(contentType: string): boolean {
  const [mediaType = "", ...parameters] = contentType.split(";").map((part) => part.trim().toLowerCase());
  if (mediaType !== "application/json") return false;
  const charset = parameters.find((parameter) => parameter.startsWith("charset="));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

/**
 * The client closed the connection while sending its body. Answered as the contract's invalid_json (nobody is there
 * to read it) and logged as the client's doing, so that a 5xx in the log always means the server failed.
 */
export class ClientAbortError extends ApiError {
  readonly clientAborted = true;
  constructor() {
    super("invalid_json", "the request body ended before it was complete");
  }
}

/** The raw body, at most MAX_BODY_BYTES, or null when there is none. Throws ClientAbortError if the client hangs up. */
async function readBodyBytes(request: Request): Promise<Uint8Array | null> {
  const declaredLength = Number(request.headers.get("content-length") ?? "0");
  if (declaredLength > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
  if (!request.body) return null;

  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      // The client hung up before the body ended (the socket's ECONNRESET surfaces here): its failure, not the server's.
      throw new ClientAbortError();
    }
    const { done, value } = chunk;
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
/**
 * Validates the query string: a parameter the schema names may be given once (a second value is a 400 naming it, not
 * a silent last-one-wins); parameters it does not name are ignored.
 */
export function readQuery<Schema extends z.ZodObject>(request: Request, schema: Schema): z.output<Schema> {
  const parameters = new URL(request.url).searchParams;
  const repeated = [...new Set(parameters.keys())].filter(
    (name) => Object.hasOwn(schema.shape, name) && parameters.getAll(name).length > 1,
  );
  if (repeated.length > 0)
    throw validationError(repeated.map((path) => ({ path, message: "must be given at most once" })));
  const parsed = schema.safeParse(Object.fromEntries(parameters));
  if (!parsed.success) throw fromZodError(parsed.error, "query");
  return parsed.data;
}

/** The `Idempotency-Key` of a create (the contract's "Idempotent create"), or undefined when none was sent. */
export function readIdempotencyKey(request: Request): string | undefined {
  const parsed = IdempotencyKey.safeParse(request.headers.get("idempotency-key") ?? undefined);
  if (!parsed.success) throw fromZodError(parsed.error, "Idempotency-Key");
  return parsed.data;
}
