import { fillPlaceholders, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, getDatabase } from "@/db/client";
import { TaskListQuery } from "@/lib/schemas/tasks";
import { listStatementInput, listTasks } from "@/lib/tasks";
import { encodeCursor } from "@/lib/tasks/cursor";
import { searchBudget } from "@/db/client";
import { listStatement, searchStatement } from "@/lib/tasks/statements";
import { newUserId } from "../support/api";

afterAll(closeDatabase);

const USERS = 5;
const TASKS_PER_USER = 10_000;
const owners = Array.from({ length: USERS }, () => newUserId("explain"));
const target = owners[0]!;

beforeAll(async () => {
  const db = await getDatabase();
  for (const owner of owners) {
    await db.execute(sql`insert into users (id) values (${owner})`);
    await db.execute(sql`
      insert into tasks (user_id, title, description, completed, created_at, updated_at)
      select ${owner}, 'task ' || n, case when n % 3 = 0 then 'note ' || n end, n % 4 = 0,
             timestamptz '2030-01-01' + n * interval '1 second', timestamptz '2030-01-01' + (n % 977) * interval '1 minute'
      from generate_series(1, ${TASKS_PER_USER}) as n`);
  }
  await db.execute(sql`analyze tasks`);
}, 120_000);

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/**
 * EXPLAIN of the exact statement listTasks prepares for this query (the first step of a search), with the values it
 * would bind; `analyze` runs it too, for the rows each node handled.
 */
async function planFor(input: Record<string, string>, analyze = false): Promise<PlanNode[]> {
  const db = await getDatabase();
  const { shape, values } = listStatementInput(target, TaskListQuery.parse(input));
  const statement = (shape.search ? searchStatement(db, shape) : listStatement(db, shape)).toSQL();
  const params = fillPlaceholders(statement.params, values);
  const client = (db as unknown as { $client: { query: (text: string, params: unknown[]) => Promise<unknown> } })
    .$client;
  const result = await client.query(`explain (format json${analyze ? ", analyze" : ""}) ${statement.sql}`, params);
  const rows = (result as { rows: Record<string, unknown>[] }).rows;
  const raw = Object.values(rows[0]!)[0];
  const explained = (typeof raw === "string" ? JSON.parse(raw) : raw) as [{ Plan: PlanNode }];
  return nodesOf(explained[0].Plan);
}

/** A cursor for `query` at the middle of the target's tasks (a search's may come from a step that matched nothing). */
function midwayCursor(query: Record<string, string>): string {
  const parsed = TaskListQuery.parse(query);
  const value = parsed.sort === "title" ? "task 5000" : Date.parse("2030-01-01T01:23:20.000Z");
  return encodeCursor({ value, id: 1 }, parsed);
}

async function cursorFor(query: Record<string, string>): Promise<string> {
  const page = await listTasks(target, TaskListQuery.parse({ ...query, limit: "100" }));
  return page.nextCursor!;
}

describe(`list plans over ${USERS * TASKS_PER_USER} tasks`, () => {
  const shapes: [string, Record<string, string>, string][] = [
    ["the default order", {}, "tasks_user_created_idx"],
    ["created_at ascending", { order: "asc" }, "tasks_user_created_idx"],
    ["updated_at descending", { sort: "updated_at" }, "tasks_user_updated_idx"],
    ["updated_at ascending", { sort: "updated_at", order: "asc" }, "tasks_user_updated_idx"],
    ["title ascending", { sort: "title", order: "asc" }, "tasks_user_title_idx"],
    ["title descending", { sort: "title" }, "tasks_user_title_idx"],
    ["a status filter", { status: "completed" }, "tasks_user_created_idx"],
  ];

  for (const [label, query, index] of shapes) {
    it(`reads ${label} from ${index} without sorting, on the first page and after a cursor`, async () => {
      for (const withCursor of [false, true]) {
        const shape = withCursor ? { ...query, cursor: await cursorFor(query) } : query;
        const nodes = await planFor(shape);
        const summary = nodes.map(
          (node) => `${node["Node Type"]}${node["Index Name"] ? `(${node["Index Name"]})` : ""}`,
        );
        expect(
          nodes.some((node) => node["Index Name"] === index),
          summary.join(" > "),
        ).toBe(true);
        expect(
          nodes.some((node) => /Sort/.test(node["Node Type"])),
          summary.join(" > "),
        ).toBe(false);
        expect(
          nodes.some((node) => node["Node Type"] === "Seq Scan"),
          summary.join(" > "),
        ).toBe(false);
      }
    });
  }

  it("searches within the user's rows through the sort's index, without sorting, examining at most the budget's rows", async () => {
    const window = searchBudget().rowsPerStatement;
    // A term found nowhere, one or two characters (no trigram could help), a phrase of common words that no task holds,
    // and terms in every task: each statement walks the owner's rows in order and stops at the window, or sooner.
    const cases: [string, Record<string, string>, string][] = [
      ["nowhere", { q: "zeppelin" }, "tasks_user_created_idx"],
      ["one character", { q: "z" }, "tasks_user_created_idx"],
      ["two characters", { q: "zq" }, "tasks_user_created_idx"],
      ["a rare phrase of common words", { q: "note task 1" }, "tasks_user_created_idx"],
      ["everywhere", { q: "task" }, "tasks_user_created_idx"],
      ["by title", { q: "zeppelin", sort: "title", order: "asc" }, "tasks_user_title_idx"],
      ["by updated_at, completed", { q: "note 99", sort: "updated_at", status: "completed" }, "tasks_user_updated_idx"],
    ];
    for (const [label, query, index] of cases) {
      for (const withCursor of [false, true]) {
        const shape = withCursor ? { ...query, cursor: midwayCursor(query) } : query;
        const nodes = await planFor(shape, true);
        const summary = `${label}${withCursor ? " after a cursor" : ""}: ${nodes
          .map((node) => `${node["Node Type"]}${node["Index Name"] ? `(${node["Index Name"]})` : ""}`)
          .join(" > ")}`;
        const scan = nodes.find((node) => node["Index Name"] === index);
        expect(scan, summary).toBeDefined();
        expect(scan!["Actual Rows"], summary).toBeLessThanOrEqual(window + 1);
        expect(
          nodes.some((node) => /Sort|Seq Scan|Bitmap/.test(node["Node Type"])),
          summary,
        ).toBe(false);
      }
    }
  });
});
