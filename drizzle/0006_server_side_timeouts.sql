-- Issue 14: a statement the app gave up on is ended by the server, not left waiting on a lock while the pool opens a
-- new connection beside it. Set for the role that runs the migrations (the app's role: on Neon, the owner role of both
-- URLs) in this database only, so they hold behind PgBouncer's transaction pooling (Neon's pooled URL), where a session
-- SET is not an option: every server connection of that role starts with them. See docs/deploying.md.
--   statement_timeout 2s: below the client's 2.5 s query timer (db/client.ts), so the server ends the statement, rolls
--     it back and says so (SQLSTATE 57014) before the client would give up not knowing.
--   idle_in_transaction_session_timeout 5s: a session left inside a transaction by a client that vanished.
-- An administrator connecting as the same role turns them off for a long session: SET statement_timeout = 0.
-- `npm run db:migrate` does so for itself. The embedded database (PGlite: one process, no pool) is left alone.
DO $$
BEGIN
  IF version() NOT LIKE '%emscripten%' THEN
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %L',
      current_user, current_database(), '2s');
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
      current_user, current_database(), '5s');
  END IF;
END
$$;
