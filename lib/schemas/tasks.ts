import { z } from "zod";
import {
  CURSOR_MAX_LENGTH,
  DESCRIPTION_MAX_LENGTH,
  IDEMPOTENCY_KEY_HOURS,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  LIST_LIMIT_MAX,
  SEARCH_MAX_LENGTH,
  TASK_ID_MAX,
  TITLE_MAX_LENGTH,
} from "../limits";

/** Length in Unicode code points, as PostgreSQL's char_length counts (a well-formed string is assumed). */
export function codePointLength(value: string): number {
  let length = value.length;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) length--;
  }
  return length;
}

// The refinements below are invisible to JSON Schema, so each schema also states its rule with `.meta()`, from the same
// constants, for the OpenAPI document. JSON Schema's minLength and maxLength count code points, as the refinements do.

const typeError = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? "is required" : `must be ${expected}`;

/** A string PostgreSQL can store as text: no U+0000, no unpaired surrogates. */
const storableString = () =>
  z
    .string({ error: typeError("a string") })
    .refine((value) => !value.includes("\u0000"), { error: "must not contain U+0000", abort: true })
    .refine((value) => value.isWellFormed(), { error: "must not contain unpaired surrogates", abort: true });

/**
 * What `.trim()` removes (ECMAScript's WhiteSpace and LineTerminator), as the body of a regex character class written
 * in literal characters: `\s` would say the same in ECMAScript, but means less (RE2) or more (Python) elsewhere.
 */
const TRIMMED_CLASS = (() => {
  const ranges: [number, number][] = [];
  for (let unit = 0; unit <= 0xffff; unit++) {
    if (String.fromCharCode(unit).trim() !== "") continue;
    const last = ranges.at(-1);
    if (last && last[1] === unit - 1) last[1] = unit;
    else ranges.push([unit, unit]);
  }
  const char = (unit: number) => String.fromCharCode(unit);
  return ranges.map(([from, to]) => (from === to ? char(from) : `${char(from)}-${char(to)}`)).join("");
})();

/**
 * The title rule as one JSON Schema pattern: optional whitespace, then 1 to TITLE_MAX_LENGTH characters with no U+0000
 * that start and end with something `.trim()` keeps, then optional whitespace. Written with the tokens JSON Schema
 * recommends for interoperable patterns (classes, ranges, counted repeats), and so that no input makes a validator
 * backtrack more than TITLE_MAX_LENGTH steps per position. Counts are in code points under Unicode-mode validators
 * (Ajv, Python, Go), as JSON Schema's own lengths are. Unpaired surrogates, which no pattern can refuse portably, are
 * left to the description.
 */
export const TITLE_PATTERN =
  `^[${TRIMMED_CLASS}]*[^\u0000${TRIMMED_CLASS}]` +
  `(?:[^\u0000]{0,${TITLE_MAX_LENGTH - 2}}[^\u0000${TRIMMED_CLASS}])?[${TRIMMED_CLASS}]*$`;

/** A string without U+0000, as a JSON Schema pattern. */
export const NO_NUL_PATTERN = "^[^\u0000]*$";

const title = storableString()
  .trim()
  .refine((value) => {
    const length = codePointLength(value);
    return length >= 1 && length <= TITLE_MAX_LENGTH;
  }, `must be 1 to ${TITLE_MAX_LENGTH} characters`)
  .meta({
    // No maxLength: surrounding whitespace does not count, so a longer string can be a valid title.
    minLength: 1,
    pattern: TITLE_PATTERN,
    description:
      `Surrounding whitespace is trimmed, then 1 to ${TITLE_MAX_LENGTH} characters must remain, so a blank title is ` +
      "refused. No U+0000 or unpaired surrogates. The pattern states every rule but the last.",
  });

const description = storableString()
  .refine(
    (value) => codePointLength(value) <= DESCRIPTION_MAX_LENGTH,
    `must be at most ${DESCRIPTION_MAX_LENGTH} characters`,
  )
  .meta({
    maxLength: DESCRIPTION_MAX_LENGTH,
    pattern: NO_NUL_PATTERN,
    description: "No U+0000 or unpaired surrogates; null for none.",
  })
  .nullable();

const completed = z.boolean({ error: typeError("true or false") });

const jsonObject = { error: "must be a JSON object" };

export const TaskCreate = z.strictObject(
  { title, description: description.optional(), completed: completed.optional() },
  jsonObject,
);
export type TaskCreate = z.infer<typeof TaskCreate>;

export const TaskUpdate = z
  .strictObject(
    { title: title.optional(), description: description.optional(), completed: completed.optional() },
    jsonObject,
  )
  .refine((update) => Object.keys(update).length > 0, {
    error: "must contain at least one of title, description, completed",
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ minProperties: 1, description: "At least one field; the fields left out keep their value." });
export type TaskUpdate = z.infer<typeof TaskUpdate>;

/** PATCH /complete: `{}` (or no body) toggles, `{"completed": bool}` sets. */
export const TaskCompletion = z.strictObject({ completed: completed.optional() }, jsonObject).meta({
  description: '`{}` or no body toggles `completed`; `{"completed": true|false}` sets it, so a retry is harmless.',
});
export type TaskCompletion = z.infer<typeof TaskCompletion>;

export const TaskStatus = z
  .enum(["all", "pending", "completed"], { error: "must be one of all, pending, completed" })
  .meta({ description: "Which tasks: `pending` ones are not completed." });

export const TaskSort = z
  .enum(["created_at", "updated_at", "title"], { error: "must be one of created_at, updated_at, title" })
  .meta({ description: "The field to sort by; ties are broken by `id` in the same direction, so the order is total." });
export const SortOrder = z.enum(["asc", "desc"], { error: "must be asc or desc" });

// Query and path values arrive as text; the document states the integer they must spell.
const limit = z
  .string()
  .regex(/^[1-9][0-9]{0,2}$/, `must be an integer from 1 to ${LIST_LIMIT_MAX}`)
  .transform(Number)
  .refine((value) => value <= LIST_LIMIT_MAX, `must be an integer from 1 to ${LIST_LIMIT_MAX}`)
  .meta({ type: "integer", minimum: 1, maximum: LIST_LIMIT_MAX, description: "Tasks per page." });

const search = storableString()
  .refine((value) => codePointLength(value) <= SEARCH_MAX_LENGTH, `must be at most ${SEARCH_MAX_LENGTH} characters`)
  .meta({
    maxLength: SEARCH_MAX_LENGTH,
    pattern: NO_NUL_PATTERN,
    description: "Case-insensitive substring of the title or the description; `%` and `_` match themselves. No U+0000.",
  });

const cursor = z
  .string()
  // An empty cursor is no cursor this API issued, not the first page: that is the query without one.
  .min(1, "is not a cursor this API issued")
  .max(CURSOR_MAX_LENGTH, "is not a cursor this API issued")
  .meta({
    description:
      "Opaque: copy it from the previous page's `Link` header. It is signed and bound to its query: an edited cursor, " +
      "or one reused with another status, sort, order or q, is a 400.",
  });

export const TaskListQuery = z.object({
  status: TaskStatus.default("all"),
  sort: TaskSort.default("created_at"),
  order: SortOrder.default("desc"),
  q: search.optional(),
  limit: limit.default(LIST_LIMIT_MAX),
  cursor: cursor.optional(),
});
export type TaskListQuery = z.infer<typeof TaskListQuery>;

export const TaskId = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, `must be an integer from 1 to ${TASK_ID_MAX}`)
  .transform(Number)
  .refine((id) => id <= TASK_ID_MAX, `must be an integer from 1 to ${TASK_ID_MAX}`)
  .meta({
    type: "integer",
    minimum: 1,
    maximum: TASK_ID_MAX,
    description: "Decimal digits, without sign or leading zeros.",
  });

export const Task = z.object({
  id: z.number().int().min(1).max(TASK_ID_MAX).meta({ description: "Assigned by the database." }),
  user_id: z.string().meta({ description: "The owner: the user id in the path." }),
  title: z.string().meta({ minLength: 1, maxLength: TITLE_MAX_LENGTH }),
  description: z.string().meta({ maxLength: DESCRIPTION_MAX_LENGTH }).nullable(),
  completed: z.boolean(),
  created_at: z.iso.datetime().meta({ description: "ISO 8601 UTC; never changes." }),
  updated_at: z.iso.datetime().meta({ description: "ISO 8601 UTC; moves forward on every change." }),
});

export const IdempotencyKey = z
  .string()
  .regex(
    new RegExp(`^[\\x21-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_LENGTH}}$`),
    `must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters`,
  )
  .optional()
  .meta({
    param: {
      description:
        `Makes the create safe to retry: a repeat by the same user with the same key and the same body, within ` +
        `${IDEMPOTENCY_KEY_HOURS} hours, creates nothing and answers what the first one did (201, the same task, ` +
        "`Location` and `ETag`), even when repeats race. The same key with another body is a 422. A UUID made by the " +
        "client is a good key; keys are per user.",
    },
  });
