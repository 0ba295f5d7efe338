// The length and range rules of the contract, shared by the zod schemas, the OpenAPI document and the database CHECKs.
export const TITLE_MAX_LENGTH = 255;
export const DESCRIPTION_MAX_LENGTH = 5000;
export const TASK_ID_MAX = 2_147_483_647;
export const LIST_LIMIT_MAX = 100;
export const SEARCH_MAX_LENGTH = 200;
export const CURSOR_MAX_LENGTH = 1024;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** How long a create's Idempotency-Key is remembered (the contract: 24 hours). */
export const IDEMPOTENCY_KEY_HOURS = 24;
/** Details an error response lists at most; the rest are counted in `details_omitted` (an error stays small). */
export const MAX_ERROR_DETAILS = 20;
/** Characters of a detail's `path` shown at most: a 60 KB unknown key is named by its first 100, then `…`. */
export const MAX_ERROR_PATH_LENGTH = 100;
