import { z } from "zod";
import { MAX_ERROR_DETAILS } from "../limits";

/** Every error code of the contract, and the one status that carries it. */
export const ERROR_STATUS = {
  invalid_json: 400,
  validation_error: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  internal_error: 500,
  service_unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

/** The codes a response with this status may carry. */
export const errorCodesOf = (status: ErrorStatus) => ERROR_CODES.filter((code) => ERROR_STATUS[code] === status);

export const ErrorDetail = z.strictObject({
  path: z.string().meta({
    description:
      "The field, query parameter or path segment at fault: `title`, `limit`, `taskId`, `body`; in a 503 to a " +
      "write, `outcome` (with the message `unknown`) when the write may have been applied.",
  }),
  message: z.string(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ErrorBody = z.object({
  error: z.string().meta({ description: "A sentence for people; never a stack trace, SQL or a driver's message." }),
  code: z.enum(ERROR_CODES).meta({ description: "Stable and machine-readable: branch on this, not on `error`." }),
  details: z
    .array(ErrorDetail)
    .max(MAX_ERROR_DETAILS)
    .optional()
    .meta({ description: `At most ${MAX_ERROR_DETAILS}: the first ones found; \`details_omitted\` counts the rest.` }),
  details_omitted: z
    .int()
    .min(1)
    .optional()
    .meta({ description: "How many details were left out of `details`; absent when none was." }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
