import "server-only";
import { createHash } from "node:crypto";
import { getDatabase, searchBudget } from "../../db/client";
import { isForeignKeyViolation, isUniqueViolation } from "../../db/errors";
import type { TaskCreate, TaskListQuery, TaskUpdate } from "../schemas/tasks";
import { decodeCursor, encodeCursor, type CursorPosition } from "./cursor";
import { IdempotencyKeyReusedError, TaskVersionMismatchError } from "./errors";
import { statementsFor, type ListShape, type Statements } from "./statements";

// The task service: every statement names its owner in SQL, every operation is one prepared statement, and nothing here
// knows about HTTP. "Not found" is `undefined` (or `false`), whatever the reason: missing and someone else's look alike.

export * from "./errors";

/** Who a task belongs to: the session user, as far as storage cares. `email` is stored on the user's first write. */
export interface Owner {
  id: string;
  email?: string;
}

/** A task as the API shows it; timestamps are ISO 8601 UTC text with milliseconds ("2026-11-24T04:00:00.000Z"). */
export interface Task {
  id: number;
  user_id: string;
  title: string;
  description: string | null;
  completed: boolean;
  created_at: string;
  /** Also the task's version: every change moves it forward by at least a millisecond (migration 0003). */
  updated_at: string;
}

/**
 * A write's precondition: `undefined` writes unconditionally; a list writes only while the task's `updated_at` is one
 * of these ISO timestamps (an empty list matches nothing). A mismatch throws TaskVersionMismatchError.
 */
export type ExpectedVersions = readonly string[] | undefined;

export interface TaskPage {
  tasks: Task[];
  /** Present when more tasks follow this page. */
  nextCursor?: string;
}

const escapeLikePattern = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);

function positionOf(task: Task, sort: TaskListQuery["sort"]): CursorPosition {
  return { value: sort === "title" ? task.title : Date.parse(task[sort]), id: task.id };
}

/** The keyset placeholders for the rows after `position` (the cursor's). */
const afterValues = (position: CursorPosition | undefined) => ({
  afterValue: typeof position?.value === "number" ? new Date(position.value).toISOString() : position?.value,
  afterId: position?.id,
});

/** The list statement's shape and placeholder values for a query: what listTasks runs (and the EXPLAIN test plans). */
export function listStatementInput(ownerId: string, query: TaskListQuery) {
  const after = query.cursor ? decodeCursor(query.cursor, query) : undefined;
  const shape: ListShape = {
    sort: query.sort,
    order: query.order,
    status: query.status,
    search: !!query.q,
    after: !!after,
  };
  const values = {
    ownerId,
    rows: query.limit + 1,
    pattern: query.q ? `%${escapeLikePattern(query.q)}%` : undefined,
    window: query.q ? searchBudget().rowsPerStatement : undefined,
    ...afterValues(after),
  };
  return { shape, values };
}

/**
 * One page of the owner's tasks. Keyset paging on (sort key, id): each page starts right after the previous page's
 * last row, read straight off an index, so page N costs what page 1 does, and rows created or deleted meanwhile
 * neither shift nor repeat the rest. A search may answer fewer than `limit` tasks, even none, with a next cursor: see
 * searchTasks. Throws InvalidCursorError for a cursor this service did not issue for the query.
 */
export async function listTasks(ownerId: string, query: TaskListQuery): Promise<TaskPage> {
  const { shape, values } = listStatementInput(ownerId, query);
  const statements = statementsFor(await getDatabase());
  if (shape.search) return searchTasks(statements, shape, values, query);
  const rows: Task[] = await statements.list(shape).execute(values);
  return pageOf(rows, query);
}

/** A page from up to `limit + 1` rows in list order: the extra row only says that more follow. */
function pageOf(rows: Task[], query: TaskListQuery): TaskPage {
  if (rows.length <= query.limit) return { tasks: rows };
  const page = rows.slice(0, query.limit);
  return { tasks: page, nextCursor: encodeCursor(positionOf(page[page.length - 1]!, query.sort), query) };
}

/** Lets the event loop take in other requests, whose statements then queue before this request's next one. */
const letOthersIn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A search, in bounded steps (issue 14): each statement examines at most the budget's `rowsPerStatement` of the owner's
 * tasks, in list order, starting where the previous one stopped, so that no statement holds the embedded database
 * (which runs one at a time) for long, whatever the pattern and however many tasks the owner has. Steps go on until
 * the page is full, the owner's tasks run out, or the request has searched for the budget's `requestMs` (PostgreSQL:
 * one step, one statement per request); then the page holds what was found so far, perhaps fewer than `limit` tasks or
 * none, with a cursor after the last task examined. Following cursors finds every match once, in order.
 */
async function searchTasks(
  statements: Statements,
  shape: ListShape,
  values: ReturnType<typeof listStatementInput>["values"],
  query: TaskListQuery,
): Promise<TaskPage> {
  const startedAt = performance.now();
  const budget = searchBudget();
  const found: Task[] = [];
  let step = { shape, values };
  for (;;) {
    const rows = await statements.search(step.shape).execute({ ...step.values, rows: query.limit - found.length + 1 });
    let stoppedAt: Task | undefined;
    for (const { matched, last, ...task } of rows) {
      if (matched) found.push(task);
      if (last) stoppedAt = task;
    }
    if (found.length > query.limit || !stoppedAt) return pageOf(found, query);
    const position = positionOf(stoppedAt, query.sort);
    if (performance.now() - startedAt >= budget.requestMs) {
      return { tasks: found, nextCursor: encodeCursor(position, query) };
    }
    step = { shape: { ...shape, after: true }, values: { ...values, ...afterValues(position) } };
    await letOthersIn();
  }
}

export async function getTask(ownerId: string, taskId: number): Promise<Task | undefined> {
  const [task] = await statementsFor(await getDatabase()).get.execute({ ownerId, taskId });
  return task;
}

/** What makes two creates "the same body" for an Idempotency-Key: the validated fields, defaults applied. */
function requestHashOf(input: TaskCreate): string {
  const fields = [input.title, input.description ?? null, input.completed ?? false];
  return createHash("sha256").update(JSON.stringify(fields)).digest("base64url");
}

/** The task a remembered create answered with, rebuilt in the API's field order. */
function rememberedTask(response: unknown): Task {
  const task = response as Task;
  return {
    id: task.id,
    user_id: task.user_id,
    title: task.title,
    description: task.description,
    completed: task.completed,
    created_at: task.created_at,
    updated_at: task.updated_at,
  };
}

/**
 * Creates a task for the owner (and the owner's user row on their first write), in one statement. With an
 * `idempotencyKey` (the contract's "Idempotent create"), a repeat by the same owner within 24 hours creates nothing and
 * returns the task the first create returned, racing repeats included; throws IdempotencyKeyReusedError when the key
 * came with another body (title, description and completed after validation).
 */
export async function createTask(owner: Owner, input: TaskCreate, idempotencyKey?: string): Promise<Task> {
  const requestHash = idempotencyKey === undefined ? null : requestHashOf(input);
  const attempt = async (withEmail: boolean) => {
    const [row] = await statementsFor(await getDatabase()).create.execute({
      ownerId: owner.id,
      email: withEmail ? (owner.email ?? null) : null,
      title: input.title,
      description: input.description ?? null,
      completed: input.completed ?? false,
      key: idempotencyKey ?? null,
      requestHash,
    });
    if (row?.created) return row.created;
    if (!row?.previous) throw new Error("the create statement returned neither a task nor a remembered one");
    if (row.previous.request_hash !== requestHash) throw new IdempotencyKeyReusedError();
    return rememberedTask(row.previous.response);
  };
  try {
    return await attempt(true);
  } catch (error) {
    // Two first writes racing for the same email: the loser's user row was skipped, so retry once without the email.
    if (owner.email && isForeignKeyViolation(error)) return attempt(false);
    // Two creates racing with one key: the loser's statement was undone whole; the winner's is remembered now.
    if (idempotencyKey !== undefined && isUniqueViolation(error, "idempotency_keys_pkey")) return attempt(true);
    throw error;
  }
}

/** What a write changes: the fields given; `completed: "toggle"` flips it in SQL, atomically. */
export interface TaskChanges {
  title?: string;
  description?: string | null;
  completed?: boolean | "toggle";
}

/**
 * Applies `changes` to the owner's task in one statement: undefined when the owner has no such task; throws
 * TaskVersionMismatchError when `expectedVersions` is a list without the task's current version (nothing changed).
 */
export async function writeTask(
  ownerId: string,
  taskId: number,
  changes: TaskChanges,
  expectedVersions: ExpectedVersions,
): Promise<Task | undefined> {
  const [row] = await statementsFor(await getDatabase()).write.execute({
    ownerId,
    taskId,
    title: changes.title ?? null,
    setDescription: changes.description !== undefined,
    description: changes.description ?? null,
    toggle: changes.completed === "toggle",
    completed: typeof changes.completed === "boolean" ? changes.completed : null,
    expectedVersions: expectedVersions ? [...expectedVersions] : null,
  });
  if (!row) return undefined;
  if (!row.written) throw new TaskVersionMismatchError();
  return row.written;
}

/** PUT: the fields given change, the rest keep their value. See writeTask. */
export function updateTask(
  ownerId: string,
  taskId: number,
  update: TaskUpdate,
  expectedVersions?: ExpectedVersions,
): Promise<Task | undefined> {
  return writeTask(ownerId, taskId, update, expectedVersions);
}

/** PATCH /complete: sets `completed`, or flips it when no value is given. See writeTask. */
export function setTaskCompletion(
  ownerId: string,
  taskId: number,
  completed: boolean | undefined,
  expectedVersions?: ExpectedVersions,
): Promise<Task | undefined> {
  return writeTask(ownerId, taskId, { completed: completed ?? "toggle" }, expectedVersions);
}

/**
 * Deletes the owner's task in one statement: false when the owner has no such task; throws TaskVersionMismatchError
 * when `expectedVersions` is a list without the task's current version (nothing deleted).
 */
export async function deleteTask(
  ownerId: string,
  taskId: number,
  expectedVersions?: ExpectedVersions,
): Promise<boolean> {
  const [row] = await statementsFor(await getDatabase()).delete.execute({
    ownerId,
    taskId,
    expectedVersions: expectedVersions ? [...expectedVersions] : null,
  });
  if (!row) return false;
  if (!row.deleted) throw new TaskVersionMismatchError();
  return true;
}
