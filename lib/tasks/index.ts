import "server-only";
import { and, desc, eq, not, sql, type SQL } from "drizzle-orm";
import { getDatabase } from "../../db/client";
import { isForeignKeyViolation } from "../../db/errors";
import { tasks, type TaskRow } from "../../db/schema";
import type { SessionUser } from "../auth/tokens";
import type { TaskCreate, TaskListQuery, TaskUpdate } from "../schemas/tasks";

// The task service: every statement names its owner in SQL, and every write is one statement with RETURNING.
// Nothing here knows about HTTP; "not found" is `undefined` (or `false`), whatever the reason.

export type Task = TaskRow;

const ownedBy = (ownerId: string, taskId: number) => and(eq(tasks.user_id, ownerId), eq(tasks.id, taskId));

export async function listTasks(ownerId: string, query: TaskListQuery): Promise<Task[]> {
  const db = await getDatabase();
  const filters: SQL[] = [eq(tasks.user_id, ownerId)];
  if (query.status !== "all") filters.push(eq(tasks.completed, query.status === "completed"));
  return db
    .select()
    .from(tasks)
    .where(and(...filters))
    .orderBy(desc(tasks.created_at), desc(tasks.id));
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

export async function updateTask(ownerId: string, taskId: number, update: TaskUpdate): Promise<Task | undefined> {
  const db = await getDatabase();
  const changes: Partial<Pick<Task, "title" | "description" | "completed">> = {};
  if (update.title !== undefined) changes.title = update.title;
  if (update.description !== undefined) changes.description = update.description;
  if (update.completed !== undefined) changes.completed = update.completed;
  const [task] = await db.update(tasks).set(changes).where(ownedBy(ownerId, taskId)).returning();
  return task;
}

/** Sets `completed`, or flips it atomically in SQL when no value is given. */
export async function setTaskCompletion(
  ownerId: string,
  taskId: number,
  completed: boolean | undefined,
): Promise<Task | undefined> {
  const db = await getDatabase();
  const [task] = await db
    .update(tasks)
    .set({ completed: completed ?? not(tasks.completed) })
    .where(ownedBy(ownerId, taskId))
    .returning();
  return task;
}

export async function deleteTask(ownerId: string, taskId: number): Promise<boolean> {
  const db = await getDatabase();
  const deleted = await db.delete(tasks).where(ownedBy(ownerId, taskId)).returning({ id: tasks.id });
  return deleted.length > 0;
}
