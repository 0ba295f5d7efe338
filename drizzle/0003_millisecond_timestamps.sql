-- Timestamps are kept at millisecond precision, the precision of the API's JSON. What a client sees is then exactly what
-- is stored, so a list cursor or an ETag built from a timestamp compares exactly with the column. updated_at moves by at
-- least 1 ms on every change, so every version of a task has its own updated_at.
DROP TRIGGER "tasks_touch_updated_at" ON "tasks";
--> statement-breakpoint
UPDATE "tasks" SET "created_at" = date_trunc('milliseconds', "created_at"), "updated_at" = date_trunc('milliseconds', "updated_at");
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "tasks_touch_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.created_at := date_trunc('milliseconds', NEW.created_at);
    NEW.updated_at := date_trunc('milliseconds', NEW.updated_at);
    RETURN NEW;
  END IF;
  IF ROW(NEW.user_id, NEW.title, NEW.description, NEW.completed)
     IS DISTINCT FROM ROW(OLD.user_id, OLD.title, OLD.description, OLD.completed) THEN
    NEW.updated_at := greatest(date_trunc('milliseconds', now()), OLD.updated_at + interval '1 millisecond');
  ELSE
    NEW.updated_at := OLD.updated_at;
  END IF;
  NEW.created_at := OLD.created_at;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "tasks_touch_updated_at" BEFORE INSERT OR UPDATE ON "tasks"
  FOR EACH ROW EXECUTE FUNCTION "tasks_touch_updated_at"();
