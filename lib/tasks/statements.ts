import "server-only";
import { and, asc, desc, eq, ilike, or, sql, type Column, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Database } from "../../db/client";
import { idempotencyKeys, tasks } from "../../db/schema";
import { IDEMPOTENCY_KEY_HOURS } from "../limits";
import type { TaskListQuery } from "../schemas/tasks";

// The service's statements: one per operation, built once per process and prepared under a name, so the driver parses
// each once per connection and no request builds SQL text. Every value travels as a placeholder. Each statement names
// its owner exactly once (`user_id = $ownerId`); a write reaches its row only through that filter.

const p = sql.placeholder;

/**
 * A timestamp in the API's form, formatted by the database itself: "2026-11-24T04:00:00.000Z" whatever the session's
 * DateStyle, TimeZone or IntervalStyle (the contract), and with no Date object built per row.
 */
const isoUtc = (column: SQLWrapper) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A task as every statement returns it: the API's fields, timestamps as ISO text. */
const TASK_COLUMNS = {
  id: tasks.id,
  user_id: tasks.user_id,
  title: tasks.title,
  description: tasks.description,
  completed: tasks.completed,
  created_at: isoUtc(tasks.created_at).as("created_at"),
  updated_at: isoUtc(tasks.updated_at).as("updated_at"),
};

/** The owner's task `taskId`: the one owner filter of get, write and delete. */
const ownersTask = and(eq(tasks.user_id, p("ownerId")), eq(tasks.id, p("taskId")));

/**
 * A conditional write's precondition, evaluated on the row being written (so that of two writers holding the same
 * version, the second re-checks the row the first wrote, and fails): no expected versions means unconditional, an
 * empty list matches nothing.
 */
const atExpectedVersion = sql`(${p("expectedVersions")}::timestamptz[] is null
  or ${tasks.updated_at} = any(${p("expectedVersions")}::timestamptz[]))`;

/** What decides the text of a list statement; everything else is a placeholder. */
export type ListShape = Pick<TaskListQuery, "sort" | "order" | "status"> & { search: boolean; after: boolean };

// Titles sort case-insensitively (the contract): by lower(title), which tasks_user_title_idx indexes.
const SORT_KEYS: Record<TaskListQuery["sort"], Column | SQL> = {
  created_at: tasks.created_at,
  updated_at: tasks.updated_at,
  title: sql`lower(${tasks.title})`,
};

/** The filters of a list statement on the owner's rows, bar the search: owner, status, and the keyset position. */
function listFilters(shape: ListShape, key: Column | SQL): { owner: SQL[]; status: SQL | undefined } {
  const owner: SQL[] = [eq(tasks.user_id, p("ownerId"))];
  if (shape.after) {
    // Keyset paging: the rows strictly after the previous page's last (sort key, id).
    const after = shape.sort === "title" ? sql`lower(${p("afterValue")}::text)` : sql`${p("afterValue")}::timestamptz`;
    const comparison = shape.order === "desc" ? sql`<` : sql`>`;
    owner.push(sql`(${key}, ${tasks.id}) ${comparison} (${after}, ${p("afterId")})`);
  }
  const status = shape.status === "all" ? undefined : eq(tasks.completed, shape.status === "completed");
  return { owner, status };
}

/** One page of a user's tasks plus one row, to know whether another page follows; see listTasks. Not for a search. */
export function listStatement(db: Database, shape: ListShape) {
  const key = SORT_KEYS[shape.sort];
  const { owner, status } = listFilters(shape, key);
  const direction = shape.order === "desc" ? desc : asc;
  return db
    .select(TASK_COLUMNS)
    .from(tasks)
    .where(and(...owner, status))
    .orderBy(direction(key), direction(tasks.id))
    .limit(p("rows"));
}

/**
 * A search's step (see searchTasks in ./index.ts): it examines the owner's next `window` tasks in list order, through
 * the sort's index, and returns those that match (status and `pattern`, an ILIKE pattern on title or description),
 * at most `rows` of them, each with `matched` true; and, when it examined all `window` rows before finding `rows`
 * matches, the last row examined with `last` true (and `matched` saying whether it matches), which is where the next
 * step starts. Its work is bounded by `window` whatever the pattern: an ILIKE costs up to ~90 µs on a row of 5,000
 * characters (measured), and the embedded database runs one statement at a time.
 *
 * The rows come out in the inner query's order: PostgreSQL keeps the subquery's sort for the outer ORDER BY on the same
 * columns (no Sort node: tests/integration/explain.test.ts), so the outer LIMIT stops the walk as soon as it has `rows`.
 */
export function searchStatement(db: Database, shape: ListShape) {
  const key = SORT_KEYS[shape.sort];
  const { owner, status } = listFilters(shape, key);
  const matches = and(status, or(ilike(tasks.title, p("pattern")), ilike(tasks.description, p("pattern"))));
  const direction = shape.order === "desc" ? desc : asc;
  const examined = db
    .select({
      ...TASK_COLUMNS,
      sort_value: sql`${key}`.as("sort_value"),
      matched: sql<boolean>`coalesce(${matches}, false)`.as("matched"),
      // 1 for the first row examined, `window` for the last one.
      nth: sql<number>`row_number() over (order by ${direction(key)}, ${direction(tasks.id)})`.as("nth"),
    })
    .from(tasks)
    .where(and(...owner))
    .orderBy(direction(key), direction(tasks.id))
    .limit(p("window"))
    .as("examined");
  return db
    .select({
      id: examined.id,
      user_id: examined.user_id,
      title: examined.title,
      description: examined.description,
      completed: examined.completed,
      created_at: examined.created_at,
      updated_at: examined.updated_at,
      matched: examined.matched,
      last: sql<boolean>`${examined.nth} = ${p("window")}`,
    })
    .from(examined)
    .where(or(examined.matched, sql`${examined.nth} = ${p("window")}`))
    .orderBy(direction(examined.sort_value), direction(examined.id))
    .limit(p("rows"));
}

const listName = (shape: ListShape) =>
  `list_tasks_${shape.sort}_${shape.order}_${shape.status}${shape.search ? "_q" : ""}${shape.after ? "_after" : ""}`;

function buildStatements(db: Database) {
  const lists = new Map<string, ReturnType<ReturnType<typeof listStatement>["prepare"]>>();
  const searches = new Map<string, ReturnType<ReturnType<typeof searchStatement>["prepare"]>>();
  const target = db.$with("target").as(db.select({ id: tasks.id }).from(tasks).where(ownersTask));
  const isTarget = sql`${tasks.id} = (select ${target.id} from ${target})`;

  // Every change of a task, conditional or not: PUT's fields, PATCH's toggle and set. A field whose placeholder is null
  // keeps its value (description, which may be set to null, says so with setDescription). The result has the target
  // (the owner's task, whatever its version) and what was written: target without written means the version did not
  // match.
  const written = db.$with("written").as(
    db
      .update(tasks)
      .set({
        title: sql`coalesce(${p("title")}::varchar, ${tasks.title})`,
        description: sql`case when ${p("setDescription")}::boolean then ${p("description")}::text
                              else ${tasks.description} end`,
        completed: sql`case when ${p("toggle")}::boolean then not ${tasks.completed}
                            else coalesce(${p("completed")}::boolean, ${tasks.completed}) end`,
      })
      .where(and(isTarget, atExpectedVersion))
      .returning(TASK_COLUMNS),
  );
  const deleted = db
    .$with("deleted")
    .as(db.delete(tasks).where(and(isTarget, atExpectedVersion)).returning({ id: tasks.id }));

  return {
    list(shape: ListShape) {
      const name = listName(shape);
      let statement = lists.get(name);
      if (!statement) lists.set(name, (statement = listStatement(db, shape).prepare(name)));
      return statement;
    },

    search(shape: ListShape) {
      const name = listName(shape);
      let statement = searches.get(name);
      if (!statement) searches.set(name, (statement = searchStatement(db, shape).prepare(name)));
      return statement;
    },

    get: db.select(TASK_COLUMNS).from(tasks).where(ownersTask).limit(1).prepare("get_task"),

    create: createStatement(db),

    write: db
      .with(target, written)
      .select()
      .from(target)
      .leftJoin(written, sql`true`)
      .prepare("write_task"),

    delete: db
      .with(target, deleted)
      .select()
      .from(target)
      .leftJoin(deleted, sql`true`)
      .prepare("delete_task"),
  };
}

/**
 * A create, with or without an Idempotency-Key, in one statement. The owner's row is created on their first write (an
 * email already held by another user is not stored: the column is unique). With a key: a create remembered under it in
 * the last 24 hours is returned as `previous` and nothing is written; otherwise the task is created and remembered,
 * after forgetting the owner's keys older than that. Two creates racing with one key both pass the first check, and
 * the second one's remembering fails on the primary key, undoing its whole statement (see createTask).
 */
function createStatement(db: Database) {
  const keyGiven = sql`${p("key")}::text is not null`;
  const freshFor = sql`now() - make_interval(hours => ${IDEMPOTENCY_KEY_HOURS})`;
  const ensureOwner = db.$with("ensure_owner", {}).as(sql`
    insert into users (id, email)
    select ${p("ownerId")}, case when exists (select 1 from users where email = ${p("email")}::text) then null
                                 else ${p("email")}::text end
    on conflict do nothing`);
  const previous = db.$with("previous").as(
    db
      .select({ request_hash: idempotencyKeys.request_hash, response: idempotencyKeys.response })
      .from(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.user_id, p("ownerId")),
          eq(idempotencyKeys.key, p("key")),
          sql`${idempotencyKeys.created_at} > ${freshFor}`,
        ),
      ),
  );
  const forgotten = db.$with("forgotten").as(
    db
      .delete(idempotencyKeys)
      .where(
        and(keyGiven, eq(idempotencyKeys.user_id, p("ownerId")), sql`${idempotencyKeys.created_at} <= ${freshFor}`),
      )
      .returning({ key: idempotencyKeys.key }),
  );
  // Raw, because drizzle's insert-from-select wants every column of the table: this one lets the identity and the
  // timestamps take their defaults.
  const created = db.$with("created", TASK_COLUMNS).as(sql`
    insert into ${tasks} (user_id, title, description, completed)
    select ${p("ownerId")}::text, ${p("title")}::varchar, ${p("description")}::text, ${p("completed")}::boolean
    -- Reading forgotten here orders its delete before the insert into idempotency_keys below.
    where not exists (select 1 from ${previous}) and (select count(*) from ${forgotten}) >= 0
    returning id, user_id, title, description, completed,
              ${isoUtc(sql.identifier("created_at"))} as created_at,
              ${isoUtc(sql.identifier("updated_at"))} as updated_at`);
  const remembered = db.$with("remembered", {}).as(sql`
    insert into ${idempotencyKeys} (user_id, key, request_hash, response)
    select ${p("ownerId")}, ${p("key")}, ${p("requestHash")}, to_jsonb(${created}) from ${created} where ${keyGiven}`);
  return db
    .with(ensureOwner, previous, forgotten, created, remembered)
    .select({
      created: {
        id: created.id,
        user_id: created.user_id,
        title: created.title,
        description: created.description,
        completed: created.completed,
        created_at: created.created_at,
        updated_at: created.updated_at,
      },
      previous: { request_hash: previous.request_hash, response: previous.response },
    })
    .from(sql`(select 1) as one`)
    .leftJoin(created, sql`true`)
    .leftJoin(previous, sql`true`)
    .prepare("create_task");
}

export type Statements = ReturnType<typeof buildStatements>;
const statementsByDatabase = new WeakMap<Database, Statements>();

export function statementsFor(db: Database): Statements {
  let statements = statementsByDatabase.get(db);
  if (!statements) statementsByDatabase.set(db, (statements = buildStatements(db)));
  return statements;
}
