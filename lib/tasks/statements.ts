import "server-only";
import { and, asc, desc, eq, ilike, not, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db/client";
import { tasks } from "../../db/schema";
import type { TaskListQuery } from "../schemas/tasks";

// The service's statements, built once per process and prepared under a name: the driver parses each one once per
// connection, and no request rebuilds SQL text. Values travel as placeholders.

const p = sql.placeholder;
const ownedBy = and(eq(tasks.user_id, p("ownerId")), eq(tasks.id, p("taskId")));

/** What decides the text of a list statement; everything else is a placeholder. */
export type ListShape = Pick<TaskListQuery, "sort" | "order" | "status"> & { search: boolean; after: boolean };

const SORT_COLUMNS = { created_at: tasks.created_at, updated_at: tasks.updated_at, title: tasks.title } as const;

/** One page of a user's tasks plus one row, to know whether another page follows; see listTasks. */
export function listStatement(db: Database, shape: ListShape) {
  const column = SORT_COLUMNS[shape.sort];
  const filters: SQL[] = [eq(tasks.user_id, p("ownerId"))];
  if (shape.status !== "all") filters.push(eq(tasks.completed, shape.status === "completed"));
  if (shape.search) filters.push(or(ilike(tasks.title, p("pattern")), ilike(tasks.description, p("pattern")))!);
  if (shape.after) {
    const value = shape.sort === "title" ? sql`${p("afterValue")}` : sql`${p("afterValue")}::timestamptz`;
    filters.push(
      shape.order === "desc"
        ? sql`(${column}, ${tasks.id}) < (${value}, ${p("afterId")})`
        : sql`(${column}, ${tasks.id}) > (${value}, ${p("afterId")})`,
    );
  }
  const direction = shape.order === "desc" ? desc : asc;
  return db
    .select()
    .from(tasks)
    .where(and(...filters))
    .orderBy(direction(column), direction(tasks.id))
    .limit(p("rows"));
}

const listName = (shape: ListShape) =>
  `list_tasks_${shape.sort}_${shape.order}_${shape.status}${shape.search ? "_q" : ""}${shape.after ? "_after" : ""}`;

const UPDATABLE = ["title", "description", "completed"] as const;
export type UpdatableField = (typeof UPDATABLE)[number];

function buildStatements(db: Database) {
  const lists = new Map<string, ReturnType<ReturnType<typeof listStatement>["prepare"]>>();
  const updates = new Map<string, ReturnType<typeof prepareUpdate>>();

  function prepareUpdate(fields: readonly UpdatableField[]) {
    const changes = Object.fromEntries(fields.map((field) => [field, p(field)]));
    return db.update(tasks).set(changes).where(ownedBy).returning().prepare(`update_task_${fields.join("_")}`);
  }

  return {
    list(shape: ListShape) {
      const name = listName(shape);
      let statement = lists.get(name);
      if (!statement) lists.set(name, (statement = listStatement(db, shape).prepare(name)));
      return statement;
    },

    get: db.select().from(tasks).where(ownedBy).limit(1).prepare("get_task"),

    // The owner's row is created on the first write, in the same statement as the task. An email already held by
    // another user is not stored (the column is unique), rather than failing this user's write.
    create: db
      .with(
        db.$with("ensure_owner", {}).as(sql`
          insert into users (id, email)
          select ${p("ownerId")}, case when exists (select 1 from users where email = ${p("email")}) then null
                                       else ${p("email")}::text end
          on conflict do nothing`),
      )
      .insert(tasks)
      .values({ user_id: p("ownerId"), title: p("title"), description: p("description"), completed: p("completed") })
      .returning()
      .prepare("create_task"),

    /** Only the fields given change; one prepared statement per combination of fields. */
    update(fields: readonly UpdatableField[]) {
      const ordered = UPDATABLE.filter((field) => fields.includes(field));
      const key = ordered.join(",");
      let statement = updates.get(key);
      if (!statement) updates.set(key, (statement = prepareUpdate(ordered)));
      return statement;
    },

    toggle: db
      .update(tasks)
      .set({ completed: not(tasks.completed) })
      .where(ownedBy)
      .returning()
      .prepare("toggle_task"),

    delete: db.delete(tasks).where(ownedBy).returning({ id: tasks.id }).prepare("delete_task"),
  };
}

export type Statements = ReturnType<typeof buildStatements>;
const statementsByDatabase = new WeakMap<Database, Statements>();

export function statementsFor(db: Database): Statements {
  let statements = statementsByDatabase.get(db);
  if (!statements) statementsByDatabase.set(db, (statements = buildStatements(db)));
  return statements;
}
