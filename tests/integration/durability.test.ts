import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { closeDatabase, getDatabase } from "@/db/client";
import { getEnv } from "@/lib/env";

afterAll(closeDatabase);

const embedded = getEnv().database.driver === "pglite";

describe.skipIf(!embedded)("the embedded database's durability", () => {
  it("runs PostgreSQL with fsync on, flushing the WAL with fsync(), which reaches the disk", async () => {
    const db = await getDatabase();
    const setting = async (name: string) => {
      const result = await db.execute(sql`select setting from pg_settings where name = ${name}`);
      return (result as { rows: { setting: string }[] }).rows[0]?.setting;
    };
    expect(await setting("fsync")).toBe("on");
    expect(await setting("wal_sync_method")).toBe("fsync");
    // PGlite's Node.js filesystem has no fsync of its own: PostgreSQL's calls would do nothing.
    type Client = { mod: { FS: { lookupPath(path: string): { node: { stream_ops: object } } } } };
    const fs = (db as unknown as { $client: Client }).$client.mod.FS;
    expect(fs.lookupPath("/pglite/data/PG_VERSION").node.stream_ops).toHaveProperty("fsync", expect.any(Function));
  });
});
