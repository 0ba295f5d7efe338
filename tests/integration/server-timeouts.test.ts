import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { closeDatabase, getDatabase } from "@/db/client";

// Issue 14 §1: what migration 0006 leaves on a PostgreSQL, as the app's own connections see it. The behaviour it buys
// (a table locked for longer than the contract's 5 s) is tested end to end in tests/e2e/outage.spec.ts.

afterAll(closeDatabase);

const embedded = !process.env.DATABASE_URL;

describe("the app's connections", () => {
  it.skipIf(embedded)("start with the role's server-side timeouts, and are named todo-api", async () => {
    const db = await getDatabase();
    const { rows } = (await db.execute(sql`select current_setting('statement_timeout') as statement_timeout,
        current_setting('idle_in_transaction_session_timeout') as idle, current_setting('application_name') as name`)) as {
      rows: { statement_timeout: string; idle: string; name: string }[];
    };
    expect(rows).toEqual([{ statement_timeout: "2s", idle: "5s", name: "todo-api" }]);
  });

  it.skipIf(embedded)("get a statement that runs past 2 s ended by the server, with query_canceled", async () => {
    const db = await getDatabase();
    const failure = await db.execute(sql`select pg_sleep(3)`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failure as { cause?: { code?: string } }).cause?.code).toBe("57014");
  });

  it.runIf(embedded)("of the embedded database have no statement timeout of the migration's", async () => {
    const db = await getDatabase();
    const { rows } = (await db.execute(sql`select current_setting('statement_timeout') as value`)) as {
      rows: { value: string }[];
    };
    expect(rows).toEqual([{ value: "0" }]);
  });
});
