-- updated_at moves forward on every change, whoever writes the row; an UPDATE that changes nothing leaves it alone,
-- so retrying an idempotent write does not look like a new version of the task.
CREATE FUNCTION "tasks_touch_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF ROW(NEW.user_id, NEW.title, NEW.description, NEW.completed)
     IS DISTINCT FROM ROW(OLD.user_id, OLD.title, OLD.description, OLD.completed) THEN
    NEW.updated_at := greatest(now(), OLD.updated_at + interval '1 microsecond');
  ELSE
    NEW.updated_at := OLD.updated_at;
  END IF;
  NEW.created_at := OLD.created_at;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "tasks_touch_updated_at" BEFORE UPDATE ON "tasks"
  FOR EACH ROW EXECUTE FUNCTION "tasks_touch_updated_at"();
