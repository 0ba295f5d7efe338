import "server-only";
import { and, asc, desc, eq, ilike, inArray, not, or, sql, type SQL } from "drizzle-orm";
import { getDatabase, type Database } from "../../db/client";
import { isForeignKeyViolation } from "../../db/errors";
import { tasks, type TaskRow } from "../../db/schema";
import type { SessionUser } from "../auth/tokens";
import type { TaskCreate, TaskListQuery, TaskUpdate } from "../schemas/tasks";
import { decodeCursor, encodeCursor, type CursorPosition } from "./cursor";

// The task service: every statement names its owner in SQL, and every write is one statement with RETURNING.
// Nothing here knows about HTTP; "not found" is `undefined` (or `false`), whatever the reason.

export type Task = TaskRow;
export { InvalidCursorError } from "./cursor";

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
export const taskVersion = (task: Pick<Task, "updated_at">): string => task.updated_at.getTime().toString(36);

const VERSION = /^[0-9a-z]{1,11}$/;
function versionTimes(versions: readonly string[]): Date[] {
  return versions.filter((version) => VERSION.test(version)).map((version) => new Date(parseInt(version, 36)));
}

const ownedBy = (ownerId: string, taskId: number) => and(eq(tasks.user_id, ownerId), eq(tasks.id, taskId));

const SORT_COLUMNS = { created_at: tasks.created_at, updated_at: tasks.updated_at, title: tasks.title } as const;

const escapeLikePattern = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);

function positionOf(task: Task, sort: TaskListQuery["sort"]): CursorPosition {
  return { value: sort === "title" ? task.title : task[sort].getTime(), id: task.id };
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
  const rows = await selectTaskPage(await getDatabase(), ownerId, query);
  if (rows.length <= query.limit) return { tasks: rows };
  const page = rows.slice(0, query.limit);
  return { tasks: page, nextCursor: encodeCursor(positionOf(page[page.length - 1]!, query.sort), query) };
}

/** The statement behind listTasks: one row more than the page, to know whether another page follows. */
export function selectTaskPage(db: Database, ownerId: string, query: TaskListQuery) {
  const column = SORT_COLUMNS[query.sort];
  const filters: SQL[] = [eq(tasks.user_id, ownerId)];
  if (query.status !== "all") filters.push(eq(tasks.completed, query.status === "completed"));
  if (query.q) {
    const pattern = `%${escapeLikePattern(query.q)}%`;
    filters.push(or(ilike(tasks.title, pattern), ilike(tasks.description, pattern))!);
  }
  if (query.cursor) {
    const after = decodeCursor(query.cursor, query);
    const value =
      typeof after.value === "string" ? sql`${after.value}` : sql`${new Date(after.value).toISOString()}::timestamptz`;
    filters.push(
      query.order === "desc"
        ? sql`(${column}, ${tasks.id}) < (${value}, ${after.id})`
        : sql`(${column}, ${tasks.id}) > (${value}, ${after.id})`,
    );
  }
  const direction = query.order === "desc" ? desc : asc;
  return db
    .select()
    .from(tasks)
    .where(and(...filters))
    .orderBy(direction(column), direction(tasks.id))
    .limit(query.limit + 1);
}

export async function getTask(ownerId: string, taskId: number): Promise<Task | undefined> {
  const db = await getDatabase();
  const [task] = await db.select().from(tasks).where(ownedBy(ownerId, taskId)).limit(1);
  return task;
}

async function insertTask(owner: SessionUser, input: TaskCreate, withEmail: boolean): Promise<Task> {
  const db = await getDatabase();
  const email = withEmail ? (owner.email ?? null) : null;
  // The owner's row is created on the first write, in the same statement as the task. An email already held by another
  // user is not stored (the column is unique), rather than failing this user's write.
  const ensureOwner = db.$with("ensure_owner", {}).as(sql`
    insert into users (id, email)
    select ${owner.id}, case when exists (select 1 from users where email = ${email}) then null else ${email}::text end
    on conflict do nothing`);
  const [task] = await db
    .with(ensureOwner)
    .insert(tasks)
    .values({
      user_id: owner.id,
      title: input.title,
      description: input.description ?? null,
      completed: input.completed ?? false,
    })
    .returning();
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

type TaskChanges = Partial<Pick<Task, "title" | "description" | "completed">> | { completed: SQL };

/**
 * Applies `changes` to the owner's task in one statement. With `expectedVersions`, only if the task's current version is
 * one of them: the check and the write are the same UPDATE, so of two writers holding the same version exactly one wins.
 */
async function writeTask(
  ownerId: string,
  taskId: number,
  changes: TaskChanges,
  expectedVersions: readonly string[] | undefined,
): Promise<Task | undefined> {
  const db = await getDatabase();
  if (!expectedVersions) {
    const [task] = await db.update(tasks).set(changes).where(ownedBy(ownerId, taskId)).returning();
    return task;
  }
  const target = db.$with("target").as(db.select({ id: tasks.id }).from(tasks).where(ownedBy(ownerId, taskId)));
  const written = db.$with("written").as(
    db
      .update(tasks)
      .set(changes)
      .where(and(ownedBy(ownerId, taskId), inArray(tasks.updated_at, versionTimes(expectedVersions))))
      .returning(),
  );
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
  const changes: Partial<Pick<Task, "title" | "description" | "completed">> = {};
  if (update.title !== undefined) changes.title = update.title;
  if (update.description !== undefined) changes.description = update.description;
  if (update.completed !== undefined) changes.completed = update.completed;
  return writeTask(ownerId, taskId, changes, expectedVersions);
}

/** Sets `completed`, or flips it atomically in SQL when no value is given. */
export async function setTaskCompletion(
  ownerId: string,
  taskId: number,
  completed: boolean | undefined,
  expectedVersions?: readonly string[],
): Promise<Task | undefined> {
  return writeTask(ownerId, taskId, { completed: completed ?? not(tasks.completed) }, expectedVersions);
}

export async function deleteTask(ownerId: string, taskId: number, expectedVersions?: readonly string[]): Promise<boolean> {
  const db = await getDatabase();
  if (!expectedVersions) {
    const deleted = await db.delete(tasks).where(ownedBy(ownerId, taskId)).returning({ id: tasks.id });
    return deleted.length > 0;
  }
  const target = db.$with("target").as(db.select({ id: tasks.id }).from(tasks).where(ownedBy(ownerId, taskId)));
  const deleted = db.$with("deleted").as(
    db
      .delete(tasks)
      .where(and(ownedBy(ownerId, taskId), inArray(tasks.updated_at, versionTimes(expectedVersions))))
      .returning({ deleted_id: tasks.id }),
  );
  const [row] = await db
    .with(target, deleted)
    .select({ deleted_id: deleted.deleted_id })
    .from(target)
    .leftJoin(deleted, eq(deleted.deleted_id, target.id));
  if (!row) return false;
  if (row.deleted_id === null) throw new VersionMismatchError();
  return true;
}
