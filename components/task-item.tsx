"use client";

import { useState, type FormEvent, type KeyboardEvent } from "react";
import type { Row } from "@/lib/client/use-tasks";
import { buttonPrimary, buttonQuiet, buttonSecondary, field } from "./styles";

export interface EditDraft {
  key: string;
  title: string;
  description: string;
}

/** Element ids of a row's controls, for moving focus to them. */
export const controlIds = (key: string) => ({
  toggle: `${key}-toggle`,
  title: `${key}-title`,
  edit: `${key}-edit`,
  editTitle: `${key}-edit-title`,
});

/** One task: its checkbox, title and description, and its Edit and Delete buttons; or, while editing, its form. */
export function TaskItem(props: {
  row: Row;
  editing: EditDraft | null;
  onToggle: () => void;
  onStartEdit: () => void;
  onEditChange: (draft: EditDraft) => void;
  onSave: (title: string, description: string | null) => void;
  onCancel: () => void;
  onDelete: () => void;
  onRetryCreate: () => void;
}) {
  const { row, editing } = props;
  const { task } = row;
  const ids = controlIds(row.key);
  if (editing) return <TaskEditor {...props} editing={editing} />;

  const creating = row.saved === null;
  return (
    <li
      className={`flex items-start gap-3 px-3 py-3 transition-opacity sm:px-4 ${row.busy ? "opacity-60" : ""}`}
      aria-busy={row.busy || undefined}
    >
      <input
        id={ids.toggle}
        type="checkbox"
        className="mt-0.5 size-5 shrink-0 accent-blue-700 dark:accent-blue-400"
        checked={task.completed}
        disabled={creating}
        aria-labelledby={ids.title}
        aria-describedby={row.busy ? `${row.key}-state` : undefined}
        onChange={props.onToggle}
      />
      <div className="min-w-0 flex-1">
        <p
          id={ids.title}
          onDoubleClick={creating ? undefined : props.onStartEdit}
          className={`break-words ${task.completed ? "text-slate-600 line-through dark:text-slate-400" : ""}`}
        >
          {task.title}
        </p>
        {task.description && (
          <p className="mt-0.5 text-sm break-words whitespace-pre-wrap text-slate-600 dark:text-slate-400">
            {task.description}
          </p>
        )}
        {/* Shown by the row's fading, told to screen readers here: a line that came and went would move the rows below
            under the pointer. */}
        {row.busy && (
          <span id={`${row.key}-state`} className="sr-only">
            Saving…
          </span>
        )}
        {row.create?.failed && (
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-red-700 dark:text-red-300">
            Not saved: the server could not be reached.
            <button type="button" className={buttonSecondary} onClick={props.onRetryCreate}>
              Retry
            </button>
          </p>
        )}
      </div>
      <div className="flex shrink-0 gap-1">
        <button
          id={ids.edit}
          type="button"
          className={buttonQuiet}
          disabled={creating}
          aria-label={`Edit “${task.title}”`}
          onClick={props.onStartEdit}
        >
          Edit
        </button>
        <button
          type="button"
          className={buttonQuiet}
          disabled={creating && !row.create?.failed}
          aria-label={`Delete “${task.title}”`}
          onClick={props.onDelete}
        >
          Delete
        </button>
      </div>
    </li>
  );
}

function TaskEditor({
  row,
  editing,
  onEditChange,
  onSave,
  onCancel,
}: Parameters<typeof TaskItem>[0] & { editing: EditDraft }) {
  const ids = controlIds(row.key);
  const [problem, setProblem] = useState<string | null>(null);

  function save(event?: FormEvent) {
    event?.preventDefault();
    const title = editing.title.trim();
    if (!title) {
      setProblem("A task needs a title.");
      return;
    }
    onSave(title, editing.description.trim() ? editing.description : null);
  }
  function keys(event: KeyboardEvent<HTMLInputElement | HTMLTextAreaElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      onCancel();
    } else if (event.key === "Enter" && !event.shiftKey && event.currentTarget instanceof HTMLTextAreaElement) {
      event.preventDefault();
      save();
    }
  }

  return (
    <li className="px-3 py-3 sm:px-4">
      <form onSubmit={save} className="space-y-2" aria-label={`Edit “${row.task.title}”`}>
        <div>
          <label htmlFor={ids.editTitle} className="mb-1 block text-sm font-medium">
            Title
          </label>
          <input
            id={ids.editTitle}
            className={field}
            autoFocus
            required
            maxLength={255}
            value={editing.title}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${row.key}-problem` : `${row.key}-keys`}
            onFocus={(event) => event.currentTarget.select()}
            onChange={(event) => {
              setProblem(null);
              onEditChange({ ...editing, title: event.target.value });
            }}
            onKeyDown={keys}
          />
        </div>
        <div>
          <label htmlFor={`${row.key}-edit-description`} className="mb-1 block text-sm font-medium">
            Description
          </label>
          <textarea
            id={`${row.key}-edit-description`}
            className={field}
            rows={2}
            maxLength={5000}
            value={editing.description}
            aria-describedby={`${row.key}-keys`}
            onChange={(event) => onEditChange({ ...editing, description: event.target.value })}
            onKeyDown={keys}
          />
        </div>
        {problem && (
          <p id={`${row.key}-problem`} role="alert" className="text-sm font-medium text-red-700 dark:text-red-300">
            {problem}
          </p>
        )}
        <div className="flex flex-wrap items-center gap-2">
          <button type="submit" className={buttonPrimary}>
            Save
          </button>
          <button type="button" className={buttonSecondary} onClick={onCancel}>
            Cancel
          </button>
          <p id={`${row.key}-keys`} className="text-xs text-slate-600 dark:text-slate-400">
            Enter saves, Escape cancels, Shift+Enter starts a new line.
          </p>
        </div>
      </form>
    </li>
  );
}
