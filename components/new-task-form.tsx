"use client";

import { forwardRef, type FormEvent } from "react";
import { buttonPrimary, field } from "./styles";

/** The field that adds a task on Enter; its text is the caller's, so that it can be kept as a draft. */
export const NewTaskForm = forwardRef<
  HTMLInputElement,
  { value: string; onChange: (value: string) => void; onAdd: (title: string) => void }
>(function NewTaskForm({ value, onChange, onAdd }, ref) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const title = value.trim();
    if (!title) return;
    onAdd(title);
    onChange("");
  }
  return (
    <form onSubmit={submit} className="flex gap-2">
      <label htmlFor="new-task" className="sr-only">
        New task
      </label>
      <input
        ref={ref}
        id="new-task"
        className={field}
        placeholder="What needs to be done?"
        autoComplete="off"
        enterKeyHint="done"
        maxLength={255}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
      <button type="submit" className={buttonPrimary}>
        Add
      </button>
    </form>
  );
});
