import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  varchar,
} from "drizzle-orm/pg-core";
import { DESCRIPTION_MAX_LENGTH, IDEMPOTENCY_KEY_MAX_LENGTH, TITLE_MAX_LENGTH } from "../lib/limits";

// The service reads timestamps through to_char (lib/tasks/statements.ts), never the session's text rendering.
const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "string" });

// Property names match the API's JSON fields, so a row is a Task without a mapping layer.
export const users = pgTable("users", {
  id: text("id").primaryKey(),
  email: text("email").unique(),
  created_at: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const tasks = pgTable(
  "tasks",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    user_id: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: varchar("title", { length: TITLE_MAX_LENGTH }).notNull(),
    description: text("description"),
    completed: boolean("completed").notNull().default(false),
    created_at: timestamptz("created_at")
      .notNull()
      .default(sql`now()`),
    updated_at: timestamptz("updated_at")
      .notNull()
      .default(sql`now()`),
  },
  (table) => [
    // char_length counts code points, as the API does; the API trims titles, so a blank one cannot pass either.
    check(
      "tasks_title_length",
      sql`char_length(${table.title}) between 1 and ${sql.raw(String(TITLE_MAX_LENGTH))} and btrim(${table.title}) <> ''`,
    ),
    check(
      "tasks_description_length",
      sql`char_length(${table.description}) <= ${sql.raw(String(DESCRIPTION_MAX_LENGTH))}`,
    ),
    // One index per sort the list offers, each ending in id: keyset paging reads a page straight off the index,
    // in either direction.
    index("tasks_user_created_idx").on(
      table.user_id,
      table.created_at.desc().nullsFirst(),
      table.id.desc().nullsFirst(),
    ),
    index("tasks_user_updated_idx").on(
      table.user_id,
      table.updated_at.desc().nullsFirst(),
      table.id.desc().nullsFirst(),
    ),
    // Titles sort case-insensitively: by lower(title).
    index("tasks_user_title_idx").on(table.user_id, sql`lower(${table.title})`, table.id),
  ],
);

export type TaskRow = typeof tasks.$inferSelect;

/**
 * What a create sent with an Idempotency-Key answered, kept for 24 hours so that a repeat is answered alike and creates
 * nothing (the contract's "Idempotent create"). Keys are per user.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    user_id: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: varchar("key", { length: IDEMPOTENCY_KEY_MAX_LENGTH }).notNull(),
    /** What identifies the request's body: a repeat with another one is refused. */
    request_hash: text("request_hash").notNull(),
    /** The task as the first response showed it. */
    response: jsonb("response").notNull(),
    created_at: timestamptz("created_at")
      .notNull()
      .default(sql`now()`),
  },
  (table) => [
    primaryKey({ name: "idempotency_keys_pkey", columns: [table.user_id, table.key] }),
    // 1 to 255 visible ASCII characters, as the API accepts them.
    check("idempotency_keys_key_format", sql`${table.key} ~ '^[!-~]+$'`),
  ],
);
