import { z } from "zod";

export const ERROR_CODES = [
  "invalid_json",
  "validation_error",
  "unauthenticated",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "precondition_failed",
  "payload_too_large",
  "unsupported_media_type",
  "internal_error",
  "service_unavailable",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorDetail = z.object({ path: z.string(), message: z.string() });
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ErrorBody = z.object({
  error: z.string(),
  code: z.enum(ERROR_CODES),
  details: z.array(ErrorDetail).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
