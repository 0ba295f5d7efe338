"use client";

import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useEffectEvent, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { flushSync } from "react-dom";
import { clearDrafts, draftsAtLoad, NO_DRAFTS, unchanging, writeDrafts } from "@/lib/client/drafts";
import { useTasks } from "@/lib/client/use-tasks";
import { searchOfView, viewFromSearchParams, type View } from "@/lib/client/view";
import { ConflictDialog } from "./conflict-dialog";
import { NewTaskForm } from "./new-task-form";
import { buttonQuiet, buttonSecondary } from "./styles";
import { controlIds, TaskItem, type EditDraft } from "./task-item";
import { ViewControls } from "./view-controls";

const NEW_TASK_ID = "new-task";

function emptyMessage(view: View): string {
  if (view.q) return `No ${view.status === "all" ? "" : `${view.status} `}tasks match “${view.q}”.`;
  if (view.status === "pending") return "Nothing pending: everything is done.";
  if (view.status === "completed") return "No completed tasks yet.";
  return "No tasks yet. Add your first one above.";
}

/** The signed-in page: the user's tasks in the view the URL names, and everything one can do with them. */
export function TaskApp({ userId }: { userId: string }) {
  const searchParams = useSearchParams();
  const view = useMemo(() => viewFromSearchParams(new URLSearchParams(searchParams.toString())), [searchParams]);
  // A 401: drafts are saved by then; the reload shows the sign-in form, and after it this same URL.
  const onSessionExpired = useCallback(() => window.location.reload(), []);
  const tasks = useTasks(userId, view, onSessionExpired);
  const { rows } = tasks;

  // Drafts live in sessionStorage, which only the browser has: the server and hydration render none, then the drafts
  // this page found. Each field shows its draft until the person changes it (null and undefined: not changed yet).
  const restored = useSyncExternalStore(
    unchanging,
    () => draftsAtLoad(userId),
    () => NO_DRAFTS,
  );
  const [typedNewTask, setNewTask] = useState<string | null>(null);
  const newTask = typedNewTask ?? restored.newTask;
  const [changedEditing, setEditing] = useState<EditDraft | null | undefined>(undefined);
  // A restored edit reopens once its task is in the list.
  const restoredEdit = changedEditing === undefined ? restored.edit : null;
  const restoredRow = restoredEdit && rows.find((row) => row.task.id === restoredEdit.taskId && row.saved);
  const editing =
    changedEditing !== undefined
      ? changedEditing
      : restoredEdit && restoredRow
        ? { key: restoredRow.key, title: restoredEdit.title, description: restoredEdit.description }
        : null;
  const [signingOut, setSigningOut] = useState(false);

  // A handler's change rendered at once, then the focus moved to a control it shows (a row that moved, or came back):
  // React's "flushing state updates synchronously" for focus.
  const changeThenFocus = (change: () => void, id: string) => {
    flushSync(change);
    document.getElementById(id)?.focus();
  };

  const changeNewTask = (value: string) => {
    setNewTask(value);
    writeDrafts(userId, { newTask: value });
  };
  const changeEditing = (draft: EditDraft | null) => {
    setEditing(draft);
    const taskId = draft && rows.find((row) => row.key === draft.key)?.task.id;
    writeDrafts(userId, {
      edit: draft && taskId ? { taskId, title: draft.title, description: draft.description } : null,
    });
  };

  const navigate = useCallback((change: (current: View) => View, { replace }: { replace: boolean }) => {
    // The URL is the view's source: it changes at once, useSearchParams follows in a transition.
    const current = viewFromSearchParams(new URLSearchParams(window.location.search));
    // Next.js keeps useSearchParams in step with the History API: no server round trip for a view change.
    const url = `${window.location.pathname}${searchOfView(change(current))}`;
    if (replace) window.history.replaceState(null, "", url);
    else window.history.pushState(null, "", url);
  }, []);

  const removeTask = (key: string) => {
    const index = rows.findIndex((row) => row.key === key);
    const neighbour = rows[index + 1] ?? rows[index - 1];
    changeThenFocus(() => tasks.remove(key), neighbour ? controlIds(neighbour.key).toggle : NEW_TASK_ID);
  };

  async function leave() {
    setSigningOut(true);
    clearDrafts(userId);
    // Loaded on demand, like the sign-in: next-auth's client is not needed until then. Once the session is gone it loads
    // `/` as a new document, which drops everything this page holds; if signing out fails, the page reloads as it is.
    await import("next-auth/react")
      .then(({ signOut }) => signOut({ callbackUrl: "/" }))
      .catch(() => window.location.reload());
  }

  // More tasks as the end of the list comes near (and the button, for those who ask).
  const sentinel = useRef<HTMLDivElement>(null);
  const nearEnd = useEffectEvent(() => void tasks.loadMore());
  const canAutoLoad = tasks.load.phase === "ready" && tasks.hasMore && !tasks.more.error;
  useEffect(() => {
    const element = sentinel.current;
    // Without IntersectionObserver (old browsers), the button alone loads more.
    if (!element || !canAutoLoad || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) nearEnd();
      },
      { rootMargin: "0px 0px 300px 0px" },
    );
    observer.observe(element);
    return () => observer.disconnect();
    // Each page loaded re-arms it, even one that added no rows (a search may answer an empty page with a Link to go
    // on): a sentinel that stays in view is not reported again.
  }, [canAutoLoad, rows.length, tasks.more.loading]);

  const conflict = tasks.conflicts[0];
  const undoable = tasks.pendingDeletes.filter((pending) => !pending.sending);

  return (
    <div className={`mx-auto max-w-2xl px-3 pt-6 sm:px-6 sm:pt-10 ${undoable.length ? "pb-40" : "pb-16"}`}>
      <header className="mb-6 flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
        <h1 className="text-3xl font-bold tracking-tight">Tasks</h1>
        <div className="flex min-w-0 items-center gap-2 text-sm">
          <span className="min-w-0 truncate text-slate-700 dark:text-slate-300">
            Signed in as <strong className="font-semibold">{userId}</strong>
          </span>
          <button type="button" className={buttonSecondary} onClick={() => void leave()} disabled={signingOut}>
            Sign out
          </button>
        </div>
      </header>

      <main className="space-y-4">
        <NewTaskForm value={newTask} onChange={changeNewTask} onAdd={(title) => void tasks.add(title)} />
        <ViewControls view={view} onChange={navigate} />

        <div role="status" className="space-y-2 empty:hidden">
          {tasks.notices.map((notice) => (
            <div
              key={notice.id}
              role={notice.kind === "error" ? "alert" : undefined}
              className={`flex items-start justify-between gap-3 rounded-lg p-3 text-sm ${
                notice.kind === "error"
                  ? "bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-100"
                  : "bg-blue-50 text-blue-950 dark:bg-blue-950 dark:text-blue-100"
              }`}
            >
              <p className="break-words">{notice.text}</p>
              <button type="button" className={buttonQuiet} onClick={() => tasks.dismissNotice(notice.id)}>
                Dismiss
              </button>
            </div>
          ))}
        </div>

        <section
          aria-labelledby="list-heading"
          className="rounded-xl border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900"
        >
          <h2 id="list-heading" className="sr-only">
            Your tasks
          </h2>
          {tasks.load.phase === "loading" && (
            <p role="status" className="px-4 py-8 text-center text-slate-600 dark:text-slate-400">
              Loading your tasks…
            </p>
          )}
          {tasks.load.phase === "error" && (
            <div role="alert" className="space-y-3 px-4 py-8 text-center">
              <p>Your tasks could not be loaded: {tasks.load.message}</p>
              <button type="button" className={buttonSecondary} onClick={tasks.reload}>
                Try again
              </button>
            </div>
          )}
          {tasks.load.phase === "ready" && rows.length === 0 && !tasks.hasMore && (
            <p className="px-4 py-10 text-center text-slate-600 dark:text-slate-400">{emptyMessage(view)}</p>
          )}
          {tasks.load.phase === "ready" && rows.length > 0 && (
            <ul aria-label="Tasks" className="divide-y divide-slate-200 dark:divide-slate-800">
              {rows.map((row) => (
                <TaskItem
                  key={row.key}
                  row={row}
                  editing={editing?.key === row.key ? editing : null}
                  onToggle={() => tasks.toggle(row.key)}
                  onStartEdit={() =>
                    changeEditing({ key: row.key, title: row.task.title, description: row.task.description ?? "" })
                  }
                  onEditChange={changeEditing}
                  onSave={(title, description) =>
                    changeThenFocus(() => {
                      tasks.edit(row.key, title, description);
                      changeEditing(null);
                    }, controlIds(row.key).edit)
                  }
                  onCancel={() => changeThenFocus(() => changeEditing(null), controlIds(row.key).edit)}
                  onDelete={() => removeTask(row.key)}
                  onRetryCreate={() => tasks.retryCreate(row.key)}
                />
              ))}
            </ul>
          )}
        </section>

        {tasks.load.phase === "ready" && (rows.length > 0 || tasks.hasMore) && (
          <div className="flex flex-col items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
            <p>
              {rows.length} {rows.length === 1 ? "task" : "tasks"} shown{tasks.hasMore ? ", more to load" : ""}
            </p>
            {tasks.more.error && (
              <p role="alert" className="text-red-700 dark:text-red-300">
                More tasks could not be loaded: {tasks.more.error}
              </p>
            )}
            {tasks.hasMore && (
              <button
                type="button"
                className={buttonSecondary}
                onClick={() => void tasks.loadMore()}
                disabled={tasks.more.loading}
              >
                {tasks.more.loading ? "Loading more…" : "Load more tasks"}
              </button>
            )}
            <div ref={sentinel} aria-hidden="true" />
          </div>
        )}
        {undoable.length > 0 && (
          <div
            role="status"
            className="fixed inset-x-0 bottom-0 z-10 flex flex-col items-center gap-2 p-3"
            onPointerEnter={() => tasks.holdDeletes(true)}
            onPointerLeave={() => tasks.holdDeletes(false)}
            onFocus={() => tasks.holdDeletes(true)}
            onBlur={(event) => {
              if (!event.currentTarget.contains(event.relatedTarget)) tasks.holdDeletes(false);
            }}
          >
            {undoable.map((pending) => (
              <div
                key={pending.row.key}
                className="flex w-full max-w-md items-center gap-2 rounded-lg bg-slate-900 px-4 py-2 text-sm text-white shadow-lg dark:bg-slate-100 dark:text-slate-950"
              >
                <p className="min-w-0 flex-1 truncate">Deleted “{pending.title}”</p>
                <button
                  type="button"
                  className="rounded-md px-2 py-1 font-semibold text-blue-200 hover:bg-white/10 dark:text-blue-800 dark:hover:bg-black/10"
                  onClick={() =>
                    changeThenFocus(() => tasks.undoDelete(pending.row.key), controlIds(pending.row.key).toggle)
                  }
                >
                  Undo
                </button>
                <button
                  type="button"
                  className="rounded-md px-2 py-1 hover:bg-white/10 dark:hover:bg-black/10"
                  aria-label={`Dismiss: delete “${pending.title}” now`}
                  onClick={() => tasks.commitDelete(pending.row.key)}
                >
                  Dismiss
                </button>
              </div>
            ))}
          </div>
        )}
      </main>

      {conflict && (
        <ConflictDialog
          key={conflict.key}
          conflict={conflict}
          onResolve={(choice) =>
            changeThenFocus(() => tasks.resolveConflict(conflict.key, choice), controlIds(conflict.key).toggle)
          }
        />
      )}
    </div>
  );
}
