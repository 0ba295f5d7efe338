import "server-only";
import { and, eq, inArray, not, type SQL } from "drizzle-orm";
import { getDatabase, type Database } from "../../db/client";
import { isForeignKeyViolation } from "../../db/errors";
import { tasks, type TaskRow } from "../../db/schema";
import type { SessionUser } from "../auth/tokens";
import type { TaskCreate, TaskListQuery, TaskUpdate } from "../schemas/tasks";
import { decodeCursor, encodeCursor, type CursorPosition } from "./cursor";
import { statementsFor, type UpdatableField } from "./statements";

// The task service: every statement names its owner in SQL, and every write is one statement with RETURNING.
// The hot paths run prepared statements (./statements.ts); conditional writes are built per request.
// Nothing here knows about HTTP; "not found" is `undefined` (or `false`), whatever the reason.

export type Task = TaskRow;

/** A write whose expected versions no longer include the task's current one: someone else changed it first. */
export class VersionMismatchError extends Error {
  readonly code = "version_mismatch";
  constructor() {
    super("the task has changed since the given version");
  }
}

/**
 * The task's version: changes whenever the task does, since every change moves updated_at by at least a millisecond
 * (see the migration 0003_millisecond_timestamps).
 */
export const taskVersion = (task: Pick<Task, "updated_at">): string => Date.parse(task.updated_at).toString(36);

const VERSION = /^[0-9a-z]{1,11}$/;
function versionTimes(versions: readonly string[]): string[] {
  return versions
    .filter((version) => VERSION.test(version))
    .map((version) => new Date(parseInt(version, 36)).toISOString());
}

const ownedBy = (ownerId: string, taskId: number) => and(eq(tasks.user_id, ownerId), eq(tasks.id, taskId));

const escapeLikePattern = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);

function positionOf(task: Task, sort: TaskListQuery["sort"]): CursorPosition {
  return { value: sort === "title" ? task.title : Date.parse(task[sort]), id: task.id };
}

export interface TaskPage {
  tasks: Task[];
  /** Present when more tasks follow this page. */
  nextCursor?: string;
}

/**
 * One page of the owner's tasks. Keyset paging on (sort column, id): each page starts right after the previous page's
 * last row, read straight off an index, so page N costs what page 1 does, and rows created or deleted meanwhile
 * neither shift nor repeat the rest.
 */
export async function listTasks(ownerId: string, query: TaskListQuery): Promise<TaskPage> {
  const db = await getDatabase();
  const after = query.cursor ? decodeCursor(query.cursor, query) : undefined;
  const shape = { sort: query.sort, order: query.order, status: query.status, search: !!query.q, after: !!after };
  const rows = await statementsFor(db)
    .list(shape)
    .execute({
      ownerId,
      rows: query.limit + 1,
      pattern: query.q ? `%${escapeLikePattern(query.q)}%` : undefined,
      afterValue: typeof after?.value === "number" ? new Date(after.value).toISOString() : after?.value,
      afterId: after?.id,
    });
  if (rows.length <= query.limit) return { tasks: rows };
  const page = rows.slice(0, query.limit);
  return { tasks: page, nextCursor: encodeCursor(positionOf(page[page.length - 1]!, query.sort), query) };
}

export async function getTask(ownerId: string, taskId: number): Promise<Task | undefined> {
  const [task] = await statementsFor(await getDatabase()).get.execute({ ownerId, taskId });
  return task;
}

async function insertTask(owner: SessionUser, input: TaskCreate, withEmail: boolean): Promise<Task> {
  const [task] = await statementsFor(await getDatabase()).create.execute({
    ownerId: owner.id,
    email: withEmail ? (owner.email ?? null) : null,
    title: input.title,
    description: input.description ?? null,
    completed: input.completed ?? false,
  });
  if (!task) throw new Error("INSERT ... RETURNING returned no row");
  return task;
}

export async function createTask(owner: SessionUser, input: TaskCreate): Promise<Task> {
  try {
    return await insertTask(owner, input, true);
  } catch (error) {
    // Two first writes racing for the same email: the loser's user row was skipped, so retry once without the email.
    if (owner.email && isForeignKeyViolation(error)) return insertTask(owner, input, false);
    throw error;
  }
}

/**
 * The two halves of a conditional write, for one statement: `target` finds the owner's task whatever its version (so a
 * missing task is a 404, not a 412), and `stillCurrent` is the write's WHERE, true only at one of the expected versions.
 */
function versionCheck(db: Database, ownerId: string, taskId: number, expectedVersions: readonly string[]) {
  return {
    target: db.$with("target").as(db.select({ id: tasks.id }).from(tasks).where(ownedBy(ownerId, taskId))),
    stillCurrent: and(ownedBy(ownerId, taskId), inArray(tasks.updated_at, versionTimes(expectedVersions))),
  };
}

type TaskChanges = Partial<Pick<Task, UpdatableField>>;

/**
 * Applies changes only if the task's current version is one of `expectedVersions`: the check and the write are one
 * UPDATE, so of two writers holding the same version exactly one wins. Rare enough to be built per request.
 */
async function writeTaskIfCurrent(
  ownerId: string,
  taskId: number,
  changes: TaskChanges | { completed: SQL },
  expectedVersions: readonly string[],
): Promise<Task | undefined> {
  const db = await getDatabase();
  const { target, stillCurrent } = versionCheck(db, ownerId, taskId, expectedVersions);
  const written = db.$with("written").as(db.update(tasks).set(changes).where(stillCurrent).returning());
  const [row] = await db.with(target, written).select().from(target).leftJoin(written, eq(written.id, target.id));
  if (!row) return undefined;
  if (!row.written) throw new VersionMismatchError();
  return row.written;
}

export async function updateTask(
  ownerId: string,
  taskId: number,
  update: TaskUpdate,
  expectedVersions?: readonly string[],
): Promise<Task | undefined> {
  const changes: TaskChanges = {};
  if (update.title !== undefined) changes.title = update.title;
  if (update.description !== undefined) changes.description = update.description;
  if (update.completed !== undefined) changes.completed = update.completed;
  if (expectedVersions) return writeTaskIfCurrent(ownerId, taskId, changes, expectedVersions);
  const statement = statementsFor(await getDatabase()).update(Object.keys(changes) as UpdatableField[]);
  const [task] = await statement.execute({ ownerId, taskId, ...changes });
  return task;
}

/** Sets `completed`, or flips it atomically in SQL when no value is given. */
export async function setTaskCompletion(
  ownerId: string,
  taskId: number,
  completed: boolean | undefined,
  expectedVersions?: readonly string[],
): Promise<Task | undefined> {
  if (expectedVersions) {
    return writeTaskIfCurrent(ownerId, taskId, { completed: completed ?? not(tasks.completed) }, expectedVersions);
  }
  const statements = statementsFor(await getDatabase());
  const [task] =
    completed === undefined
      ? await statements.toggle.execute({ ownerId, taskId })
      : await statements.update(["completed"]).execute({ ownerId, taskId, completed });
  return task;
}

export async function deleteTask(ownerId: string, taskId: number, expectedVersions?: readonly string[]): Promise<boolean> {
  const db = await getDatabase();
  if (!expectedVersions) return (await statementsFor(db).delete.execute({ ownerId, taskId })).length > 0;
  const { target, stillCurrent } = versionCheck(db, ownerId, taskId, expectedVersions);
  const deleted = db.$with("deleted").as(db.delete(tasks).where(stillCurrent).returning({ deleted_id: tasks.id }));
  const [row] = await db
    .with(target, deleted)
    .select({ deleted_id: deleted.deleted_id })
    .from(target)
    .leftJoin(deleted, eq(deleted.deleted_id, target.id));
  if (!row) return false;
  if (row.deleted_id === null) throw new VersionMismatchError();
  return true;
}
