"use client";

import { useEffect, useRef } from "react";
import type { Conflict } from "@/lib/client/use-tasks";
import { buttonPrimary, buttonSecondary } from "./styles";

function describeMine(conflict: Conflict) {
  const { change } = conflict;
  if (change.kind === "delete") return <p>Delete this task.</p>;
  if (change.kind === "complete") return <p>Mark it as {change.completed ? "done" : "not done"}.</p>;
  return <TaskFields title={change.title} description={change.description} />;
}

function TaskFields({
  title,
  description,
  completed,
}: {
  title: string;
  description: string | null;
  completed?: boolean;
}) {
  return (
    <dl className="space-y-1 text-sm">
      <div>
        <dt className="font-medium">Title</dt>
        <dd className="break-words">{title}</dd>
      </div>
      <div>
        <dt className="font-medium">Description</dt>
        <dd className="break-words whitespace-pre-wrap">{description ?? <em>none</em>}</dd>
      </div>
      {completed !== undefined && (
        <div>
          <dt className="font-medium">Done</dt>
          <dd>{completed ? "yes" : "no"}</dd>
        </div>
      )}
    </dl>
  );
}

/**
 * A write the server refused (412) because the task changed in another tab or device: shows the version saved now
 * beside this tab's change, and lets the person keep theirs (sent again over the saved version) or take the other.
 * Escape, like "Use the saved version", changes nothing.
 */
export function ConflictDialog({
  conflict,
  onResolve,
}: {
  conflict: Conflict;
  onResolve: (choice: "mine" | "theirs") => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (!dialog.current?.open) dialog.current?.showModal();
  }, [conflict]);
  const theirs = conflict.theirs.task;
  const choose = (choice: "mine" | "theirs") => {
    dialog.current?.close();
    onResolve(choice);
  };

  return (
    <dialog
      ref={dialog}
      aria-labelledby="conflict-heading"
      aria-describedby="conflict-summary"
      onCancel={(event) => {
        event.preventDefault();
        choose("theirs");
      }}
      className="m-auto w-[min(36rem,calc(100vw-2rem))] rounded-xl border border-slate-300 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-950/60 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
    >
      <div className="space-y-4 p-5">
        <h2 id="conflict-heading" className="text-lg font-semibold">
          This task was changed somewhere else
        </h2>
        <p id="conflict-summary" className="text-sm text-slate-700 dark:text-slate-300">
          While you were working here, it was changed in another tab or on another device. Choose which version to keep.
        </p>
        <div className="grid gap-4 sm:grid-cols-2">
          <section
            aria-labelledby="conflict-theirs"
            className="rounded-lg border border-slate-300 p-3 dark:border-slate-700"
          >
            <h3 id="conflict-theirs" className="mb-2 font-semibold">
              Saved version
            </h3>
            <TaskFields title={theirs.title} description={theirs.description} completed={theirs.completed} />
          </section>
          <section
            aria-labelledby="conflict-mine"
            className="rounded-lg border border-blue-400 p-3 dark:border-blue-500"
          >
            <h3 id="conflict-mine" className="mb-2 font-semibold">
              Your change
            </h3>
            {describeMine(conflict)}
          </section>
        </div>
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <button type="button" className={`${buttonSecondary} py-2`} onClick={() => choose("theirs")}>
            Use the saved version
          </button>
          <button type="button" className={buttonPrimary} onClick={() => choose("mine")} autoFocus>
            Keep my change
          </button>
        </div>
      </div>
    </dialog>
  );
}
