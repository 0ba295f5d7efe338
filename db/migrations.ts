import { sql } from "drizzle-orm";
import journal from "../drizzle/meta/_journal.json";

// Whether a database has every migration committed in drizzle/. drizzle's migrator records each applied migration in
// drizzle.__drizzle_migrations with created_at = the journal's `when`, and applies those newer than the newest row; so
// the schema is behind exactly when that newest row is older than the newest journal entry (or the table is missing).

export type SchemaState = "current" | "behind";

/** The journal's `when` (epoch milliseconds) of the newest committed migration. */
export const LATEST_MIGRATION_MILLIS = Math.max(...journal.entries.map((entry) => entry.when));

/** One statement: the `when` of the newest migration applied to this database, as text (the column is a bigint). */
export const newestAppliedMigration = () =>
  sql`select max(created_at)::text as newest from drizzle.__drizzle_migrations`;

/** The state from `newestAppliedMigration`'s result (`{ rows }` on every driver). */
export function schemaStateOf(result: unknown): SchemaState {
  const [row] = (result as { rows: { newest: string | null }[] }).rows;
  const newest = row?.newest == null ? Number.NEGATIVE_INFINITY : Number(row.newest);
  return newest >= LATEST_MIGRATION_MILLIS ? "current" : "behind";
}

/** What this process last learned of its database's schema, kept on globalThis so that hot reloads share it. */
export interface SchemaKnowledge {
  state: SchemaState | "unknown";
  checkedAt: number;
  pending?: Promise<SchemaState>;
}
const cache = globalThis as typeof globalThis & { __todoSchemaKnowledge?: SchemaKnowledge };

export function schemaKnowledge(): SchemaKnowledge {
  return (cache.__todoSchemaKnowledge ??= { state: "unknown", checkedAt: 0 });
}

/** After an "undefined table/column" error: the schema may have changed under this process, so look again. */
export function expectSchemaChange(): void {
  const known = schemaKnowledge();
  if (known.state === "current") known.state = "unknown";
}
