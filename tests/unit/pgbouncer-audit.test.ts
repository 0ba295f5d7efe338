import { describe, expect, it } from "vitest";
import { PgbouncerAudit } from "../support/pgbouncer-audit";

const int32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
};
const cString = (value: string) => Buffer.from(`${value}\0`);
const startup = () => {
  const body = Buffer.concat([int32(196608), cString("user"), cString("postgres"), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
};
const message = (type: string, body: Buffer) => Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
const simpleQuery = (sql: string) => message("Q", cString(sql));
const parse = (name: string, sql: string) =>
  message("P", Buffer.concat([cString(name), cString(sql), Buffer.alloc(2)]));

function audit(...chunks: Buffer[]): string[] {
  const pgbouncer = new PgbouncerAudit();
  const feed = pgbouncer.connection();
  for (const chunk of chunks) feed(chunk);
  return pgbouncer.violations();
}

describe("the PgBouncer transaction-pooling audit of the test relay", () => {
  it("passes what the app sends: protocol-level statements, named or not, transactions, SET LOCAL", () => {
    expect(
      audit(
        startup(),
        parse("", 'insert into "tasks" ("title") values ($1) returning *'),
        parse("get_task", 'select * from "tasks" where "user_id" = $1 and "id" = $2 limit $3'),
        simpleQuery("begin; set local statement_timeout = 1000; commit"),
        parse("", "select pg_advisory_xact_lock(1)"),
      ),
    ).toEqual([]);
  });

  it("flags session state that the next transaction, on another server connection, would not see", () => {
    const found = audit(
      startup(),
      simpleQuery("SET statement_timeout = 1000"),
      parse("", "/* why */ reset all"),
      simpleQuery("PREPARE q AS select 1"),
      simpleQuery("listen tasks"),
      parse("", "create temporary table t (id int)"),
      parse("", "select pg_advisory_lock(1)"),
      parse("", "select set_config('search_path', 'x', false)"),
    );
    expect(found.map((problem) => problem.split(":")[0])).toEqual([
      "session-level SET/RESET",
      "session-level SET/RESET",
      "SQL-level PREPARE/EXECUTE/DEALLOCATE",
      "LISTEN/NOTIFY",
      "temporary table",
      "session-level advisory lock",
      "set_config(..., false)",
    ]);
  });

  it("reads messages split across chunks and several in one chunk", () => {
    const stream = Buffer.concat([startup(), simpleQuery("select 1"), simpleQuery("set search_path = x")]);
    expect(audit(stream.subarray(0, 3), stream.subarray(3, 30), stream.subarray(30))).toEqual([
      "session-level SET/RESET: set search_path = x",
    ]);
  });
});
