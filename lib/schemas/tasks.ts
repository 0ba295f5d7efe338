import { z } from "zod";
import {
  CURSOR_MAX_LENGTH,
  DESCRIPTION_MAX_LENGTH,
  LIST_LIMIT_MAX,
  SEARCH_MAX_LENGTH,
  TASK_ID_MAX,
  TITLE_MAX_LENGTH,
} from "./limits";

/** Length in Unicode code points, as PostgreSQL's char_length counts (a well-formed string is assumed). */
export function codePointLength(value: string): number {
  let length = value.length;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) length--;
  }
  return length;
}

const typeError = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? "is required" : `must be ${expected}`;

/** A string PostgreSQL can store as text: no U+0000, no unpaired surrogates. */
const storableString = () =>
  z
    .string({ error: typeError("a string") })
    .refine((value) => !value.includes("\u0000"), { error: "must not contain U+0000", abort: true })
    .refine((value) => value.isWellFormed(), { error: "must not contain unpaired surrogates", abort: true });

const title = storableString()
  .trim()
  .refine((value) => {
    const length = codePointLength(value);
    return length >= 1 && length <= TITLE_MAX_LENGTH;
  }, `must be 1 to ${TITLE_MAX_LENGTH} characters`);

const description = storableString()
  .refine(
    (value) => codePointLength(value) <= DESCRIPTION_MAX_LENGTH,
    `must be at most ${DESCRIPTION_MAX_LENGTH} characters`,
  )
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
  });
export type TaskUpdate = z.infer<typeof TaskUpdate>;

/** PATCH /complete: `{}` (or no body) toggles, `{"completed": bool}` sets. */
export const TaskCompletion = z.strictObject({ completed: completed.optional() }, jsonObject);
export type TaskCompletion = z.infer<typeof TaskCompletion>;

export const TaskStatus = z.enum(["all", "pending", "completed"], {
  error: "must be one of all, pending, completed",
});

export const TaskSort = z.enum(["created_at", "updated_at", "title"], {
  error: "must be one of created_at, updated_at, title",
});
export const SortOrder = z.enum(["asc", "desc"], { error: "must be asc or desc" });

const limit = z
  .string()
  .regex(/^[1-9][0-9]{0,2}$/, `must be an integer from 1 to ${LIST_LIMIT_MAX}`)
  .transform(Number)
  .refine((value) => value <= LIST_LIMIT_MAX, `must be an integer from 1 to ${LIST_LIMIT_MAX}`);

const search = storableString().refine(
  (value) => codePointLength(value) <= SEARCH_MAX_LENGTH,
  `must be at most ${SEARCH_MAX_LENGTH} characters`,
);

export const TaskListQuery = z.object({
  status: TaskStatus.default("all"),
  sort: TaskSort.default("created_at"),
  order: SortOrder.default("desc"),
  q: search.optional(),
  limit: limit.default(LIST_LIMIT_MAX),
  cursor: z.string().max(CURSOR_MAX_LENGTH, "is not a cursor this API issued").optional(),
});
export type TaskListQuery = z.infer<typeof TaskListQuery>;

export const TaskId = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, `must be an integer from 1 to ${TASK_ID_MAX}`)
  .transform(Number)
  .refine((id) => id <= TASK_ID_MAX, `must be an integer from 1 to ${TASK_ID_MAX}`);

export const Task = z.object({
  id: z.number().int().min(1).max(TASK_ID_MAX),
  user_id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  completed: z.boolean(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
