"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import { v4 as uuidv4 } from "uuid";
import {
  ApiError,
  createTask,
  deleteTask,
  getTask,
  listTasks,
  NetworkError,
  setCompletion,
  updateTask,
  type ListQuery,
  type Task,
  type Versioned,
} from "./api";
import { markSessionExpired, writeDrafts } from "./drafts";
import { DEFAULT_VIEW, listQueryOf, matchesView, type View } from "./view";

// The list's state and every change to it: optimistic, rolled back with the API's message when a write fails, written
// with If-Match, and turned into a conflict for the person to settle when the task changed elsewhere.

/** Tasks per page: enough to fill a desktop screen twice; the rest come as the user scrolls or asks. */
export const PAGE_SIZE = 50;
/**
 * How long a deleted task can be brought back before the DELETE is sent. The clock stops while the person is on the
 * undo bar (pointer or focus), so that nobody has to race it.
 */
export const UNDO_MILLISECONDS = 10_000;

export interface Row {
  /** React's key: stable from the moment the row appears, also through its create. */
  key: string;
  /** What the page shows: the server's version with this tab's pending change applied. */
  task: Task;
  /** The server's version as last seen; null while it is being created. */
  saved: Task | null;
  /** The ETag of `saved` when a single-task answer gave it; null for a task read from a list. */
  etag: string | null;
  /** A write is on its way. */
  busy: boolean;
  /** For a create: its key, kept for a retry; `failed` once the network retries ran out. */
  create?: { idempotencyKey: string; failed: boolean };
}

export type Change =
  | { kind: "update"; title: string; description: string | null }
  | { kind: "complete"; completed: boolean }
  | { kind: "delete" };

/** A write refused because the task changed elsewhere: the server's version now, and the change this tab wanted. */
export interface Conflict {
  key: string;
  change: Change;
  theirs: Versioned;
}

export interface PendingDelete {
  row: Row;
  index: number;
  title: string;
  /** The undo window has closed and the DELETE is on its way. */
  sending: boolean;
}

export interface Notice {
  id: number;
  kind: "error" | "info";
  text: string;
}

type LoadState = { phase: "loading" } | { phase: "ready" } | { phase: "error"; message: string };

const rowOf = (task: Task): Row => ({ key: `task-${task.id}`, task, saved: task, etag: null, busy: false });

function applyChange(task: Task, change: Change): Task {
  if (change.kind === "update") return { ...task, title: change.title, description: change.description };
  if (change.kind === "complete") return { ...task, completed: change.completed };
  return task;
}

/** Where a task the page just created goes in the loaded part of the list, or null when it belongs in a later page. */
function insertionIndex(rows: Row[], task: Task, view: View, morePages: boolean): number | null {
  if (view.sort !== "title") {
    // Newest (or most recently changed) first: a new task leads the list; oldest first: it ends the whole list.
    if (view.order === "desc") return 0;
    return morePages ? null : rows.length;
  }
  const before = (other: Task) => {
    const order = task.title.localeCompare(other.title, undefined, { sensitivity: "base" });
    return view.order === "asc" ? order < 0 : order > 0;
  };
  const index = rows.findIndex((row) => before(row.task));
  if (index >= 0) return index;
  return morePages ? null : rows.length;
}

const messageOf = (error: unknown) =>
  error instanceof ApiError || error instanceof NetworkError ? error.message : "Something went wrong. Try again.";

/** What the page renders: a new object whenever anything in it changes. */
interface Snapshot {
  rows: Row[];
  load: LoadState;
  next: ListQuery | null;
  more: { loading: boolean; error: string | null };
  conflicts: Conflict[];
  pendingDeletes: PendingDelete[];
  notices: Notice[];
}

/**
 * The list and its operations, outside React: they run after awaits and timers, so they read the current state (never a
 * stale render's copy), and the page reads it with useSyncExternalStore.
 */
function createTaskList() {
  const state = {
    rows: [] as Row[],
    load: { phase: "loading" } as LoadState,
    next: null as ListQuery | null,
    more: { loading: false, error: null as string | null },
    conflicts: [] as Conflict[],
    pendingDeletes: [] as PendingDelete[],
    notices: [] as Notice[],
    view: DEFAULT_VIEW,
    userId: "",
    onSessionExpired: (() => undefined) as () => void,
    noticeId: 0,
    /** The undo clocks are stopped (see holdDeletes). */
    holding: false,
    /** The first page's request on its way, aborted by a newer one. */
    loading: null as AbortController | null,
  };
  const snapshotOf = (): Snapshot => ({
    rows: state.rows,
    load: state.load,
    next: state.next,
    more: state.more,
    conflicts: state.conflicts,
    pendingDeletes: state.pendingDeletes,
    notices: state.notices,
  });
  let snapshot = snapshotOf();
  const listeners = new Set<() => void>();
  const publish = () => {
    snapshot = snapshotOf();
    for (const listener of listeners) listener();
  };
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };

  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  // One write at a time per task, each with the ETag the previous one returned: two quick toggles must not conflict
  // with each other.
  const queues = new Map<string, Promise<void>>();
  /** How many changes per task are queued or on their way. */
  const queued = new Map<string, number>();

  const setRows = (change: (rows: Row[]) => Row[]) => {
    state.rows = change(state.rows);
    publish();
  };
  const setLoad = (load: LoadState) => {
    state.load = load;
    publish();
  };
  const setNext = (next: ListQuery | null) => {
    state.next = next;
    publish();
  };
  const setMore = (more: { loading: boolean; error: string | null }) => {
    state.more = more;
    publish();
  };
  const setConflicts = (change: (conflicts: Conflict[]) => Conflict[]) => {
    state.conflicts = change(state.conflicts);
    publish();
  };
  const setPending = (change: (pending: PendingDelete[]) => PendingDelete[]) => {
    state.pendingDeletes = change(state.pendingDeletes);
    publish();
  };
  const setNotices = (change: (notices: Notice[]) => Notice[]) => {
    state.notices = change(state.notices);
    publish();
  };
  const updateRow = (key: string, change: (row: Row) => Row) =>
    setRows((rows) => rows.map((row) => (row.key === key ? change(row) : row)));
  const removeRow = (key: string) => setRows((rows) => rows.filter((row) => row.key !== key));
  const findRow = (key: string) => state.rows.find((row) => row.key === key);
  const findPending = (key: string) => state.pendingDeletes.find((pending) => pending.row.key === key);
  const deleting = () => new Set(state.pendingDeletes.map((pending) => pending.row.task.id));

  const notify = (kind: Notice["kind"], text: string) => {
    const id = ++state.noticeId;
    setNotices((notices) => [...notices.slice(-2), { id, kind, text }]);
  };
  const dismissNotice = (id: number) => setNotices((notices) => notices.filter((notice) => notice.id !== id));

  const expire = (draft?: Parameters<typeof writeDrafts>[1]) => {
    if (draft) writeDrafts(state.userId, draft);
    markSessionExpired(state.userId);
    state.onSessionExpired();
  };

  /** The first page of the view, replacing the list; returns what aborts it. */
  const loadFirstPage = () => {
    state.loading?.abort();
    const abort = (state.loading = new AbortController());
    state.load = { phase: "loading" };
    state.more = { loading: false, error: null };
    state.rows = [];
    state.next = null;
    publish();
    listTasks(state.userId, listQueryOf(state.view, PAGE_SIZE), abort.signal).then(
      ({ tasks, next }) => {
        const hidden = deleting();
        const fresh = tasks.filter((task) => !hidden.has(task.id)).map(rowOf);
        const ids = new Set(fresh.map((row) => row.task.id));
        // Tasks added while the page loaded stay, unless the page already has them.
        setRows((added) => [...added.filter((row) => !row.saved || !ids.has(row.task.id)), ...fresh]);
        setNext(next);
        setLoad({ phase: "ready" });
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) return expire();
        setLoad({ phase: "error", message: messageOf(error) });
      },
    );
    return () => abort.abort();
  };
  const reload = () => void loadFirstPage();

  /** The next page, from the last answer's `Link`. */
  const loadMore = async () => {
    const query = state.next;
    if (!query || state.more.loading) return;
    setMore({ loading: true, error: null });
    const forView = keyOfView(state.view);
    try {
      const page = await listTasks(state.userId, query);
      if (forView !== keyOfView(state.view)) return;
      const known = new Set(state.rows.map((row) => row.task.id));
      const hidden = deleting();
      setRows((rows) => [...rows, ...page.tasks.filter((t) => !known.has(t.id) && !hidden.has(t.id)).map(rowOf)]);
      setNext(page.next);
      setMore({ loading: false, error: null });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return expire();
      setMore({ loading: false, error: messageOf(error) });
    }
  };

  /** Puts a deleted row back where it was (undo, a failed delete, or a conflict), changed by `change`. */
  const restoreDeleted = (key: string, change: (row: Row) => Row = (row) => row) => {
    const pending = findPending(key);
    if (!pending) return;
    clearTimeout(timers.get(key));
    timers.delete(key);
    setPending((list) => list.filter((p) => p !== pending));
    setRows((rows) => {
      if (rows.some((row) => row.key === key)) return rows;
      const copy = [...rows];
      copy.splice(Math.min(pending.index, copy.length), 0, change({ ...pending.row, busy: false }));
      return copy;
    });
  };

  const showConflict = (key: string, change: Change, theirs: Versioned) => {
    // The list shows the server's version while the person decides.
    const restore = (row: Row): Row => ({
      ...row,
      task: theirs.task,
      saved: theirs.task,
      etag: theirs.etag,
      busy: false,
    });
    if (change.kind === "delete") restoreDeleted(key, restore);
    else updateRow(key, restore);
    setConflicts((conflicts) => [...conflicts.filter((c) => c.key !== key), { key, change, theirs }]);
  };

  /** Sends one change, with If-Match; on failure, rolls back, or opens a conflict, or goes back to sign-in. */
  const send = async (key: string, change: Change, row: Row) => {
    const before = row.saved;
    if (!before) return;
    const taskId = before.id;
    const userId = state.userId;
    try {
      let etag = row.etag;
      if (!etag) {
        // A task read from a list has no ETag: read it once. If it moved on since the list, that is a conflict too.
        const current = await getTask(userId, taskId);
        if (current.task.updated_at !== before.updated_at) return showConflict(key, change, current);
        etag = current.etag;
      }
      if (change.kind === "delete") {
        await deleteTask(userId, taskId, etag);
        setPending((list) => list.filter((p) => p.row.key !== key));
        return;
      }
      const result =
        change.kind === "update"
          ? await updateTask(userId, taskId, { title: change.title, description: change.description }, etag)
          : await setCompletion(userId, taskId, change.completed, etag);
      // A change queued after this one already shows, and stays shown until its own answer.
      const later = (queued.get(key) ?? 1) > 1;
      updateRow(key, (r) => ({
        ...r,
        saved: result.task,
        etag: result.etag,
        busy: later,
        task: later ? r.task : result.task,
      }));
      // Deleted meanwhile (its undo window open): the DELETE, or an undo, needs this version.
      const saved = { saved: result.task, etag: result.etag, task: result.task };
      setPending((list) => list.map((p) => (p.row.key === key ? { ...p, row: { ...p.row, ...saved } } : p)));
    } catch (caught) {
      let error = caught;
      if (error instanceof ApiError && error.code === "precondition_failed") {
        try {
          return showConflict(key, change, await getTask(userId, taskId));
        } catch (reread) {
          error = reread;
        }
      }
      if (error instanceof ApiError && error.code === "not_found") {
        if (change.kind === "delete") return setPending((list) => list.filter((p) => p.row.key !== key));
        removeRow(key);
        return notify("info", `“${before.title}” was deleted elsewhere.`);
      }
      if (error instanceof ApiError && error.status === 401) {
        if (change.kind !== "update") return expire();
        return expire({ edit: { taskId, title: change.title, description: change.description ?? "" } });
      }
      if (change.kind === "delete") restoreDeleted(key);
      else updateRow(key, (r) => ({ ...r, task: r.saved ?? r.task, busy: false }));
      notify("error", `“${before.title}” was not changed: ${messageOf(error)}`);
    }
  };

  /** Queues a change to a task: it shows at once and is sent after the task's earlier writes. */
  const queue = (key: string, change: Change) => {
    if (change.kind !== "delete")
      updateRow(key, (row) => ({ ...row, task: applyChange(row.task, change), busy: true }));
    queued.set(key, (queued.get(key) ?? 0) + 1);
    const sent = (queues.get(key) ?? Promise.resolve()).then(() => {
      const row = findRow(key) ?? findPending(key)?.row;
      return row ? send(key, change, row) : undefined;
    });
    queues.set(key, sent);
    void sent.finally(() => {
      const count = (queued.get(key) ?? 1) - 1;
      if (count > 0) queued.set(key, count);
      else queued.delete(key);
      if (queues.get(key) === sent) queues.delete(key);
    });
  };

  const toggle = (key: string) => {
    const row = findRow(key);
    if (row?.saved) queue(key, { kind: "complete", completed: !row.task.completed });
  };

  const edit = (key: string, title: string, description: string | null) => {
    const row = findRow(key);
    if (!row?.saved || (title === row.task.title && description === row.task.description)) return;
    queue(key, { kind: "update", title, description });
  };

  const commitDelete = (key: string) => {
    clearTimeout(timers.get(key));
    timers.delete(key);
    if (!findPending(key)) return;
    setPending((list) => list.map((p) => (p.row.key === key ? { ...p, sending: true } : p)));
    queue(key, { kind: "delete" });
  };

  /** Hides a task at once; the DELETE goes when the undo window closes, or at `commitDelete`. */
  const remove = (key: string) => {
    const index = state.rows.findIndex((row) => row.key === key);
    const row = state.rows[index];
    if (!row) return;
    if (!row.saved) {
      // A create still on its way cannot be deleted yet; a failed one is just forgotten.
      if (row.create?.failed) removeRow(key);
      return;
    }
    removeRow(key);
    // With no undo bar shown until now, nobody is on it (a bar removed under the pointer or focus says nothing).
    if (!state.pendingDeletes.some((pending) => !pending.sending)) state.holding = false;
    setPending((list) => [...list, { row, index, title: row.task.title, sending: false }]);
    if (!state.holding)
      timers.set(
        key,
        setTimeout(() => commitDelete(key), UNDO_MILLISECONDS),
      );
    // Its ETag, read now while the undo window is open, lets the DELETE still go if the page is closed meanwhile.
    if (!row.etag) {
      getTask(state.userId, row.saved.id).then(
        (current) =>
          setPending((list) =>
            list.map((p) =>
              p.row.key === key && p.row.saved?.updated_at === current.task.updated_at
                ? { ...p, row: { ...p.row, etag: current.etag } }
                : p,
            ),
          ),
        () => undefined, // the DELETE itself reports what is wrong
      );
    }
  };

  /** Stops the undo clocks while the person is on the undo bar; restarts them, in full, when they leave it. */
  const holdDeletes = (hold: boolean) => {
    if (hold === state.holding) return;
    state.holding = hold;
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
    if (hold) return;
    for (const pending of state.pendingDeletes) {
      const { key } = pending.row;
      if (!pending.sending)
        timers.set(
          key,
          setTimeout(() => commitDelete(key), UNDO_MILLISECONDS),
        );
    }
  };

  const undoDelete = (key: string) => restoreDeleted(key);

  // Deletes still in their undo window are sent when the page goes away (keepalive outlives the page), for tasks
  // whose ETag is known: without it, the task stays rather than being deleted unconditionally.
  const flushOnPageHide = () => {
    const flush = () => {
      for (const pending of state.pendingDeletes) {
        const { saved, etag } = pending.row;
        if (saved && etag) void deleteTask(state.userId, saved.id, etag, { keepalive: true }).catch(() => undefined);
      }
    };
    window.addEventListener("pagehide", flush);
    return () => window.removeEventListener("pagehide", flush);
  };

  /** Settles a conflict: "mine" sends this tab's change again over the server's version, "theirs" keeps theirs. */
  const resolveConflict = (key: string, choice: "mine" | "theirs") => {
    const conflict = state.conflicts.find((c) => c.key === key);
    setConflicts((list) => list.filter((c) => c.key !== key));
    if (!conflict || choice === "theirs") return;
    if (conflict.change.kind === "delete") remove(key);
    else queue(key, conflict.change);
  };

  /** Creates a task; it shows at once, marked as saving. `retryKey` re-sends a failed create with its own key. */
  const add = async (title: string, retryKey?: string) => {
    const retried = retryKey ? findRow(retryKey) : undefined;
    const idempotencyKey = retried?.create?.idempotencyKey ?? uuidv4();
    const key = retryKey ?? `new-${idempotencyKey}`;
    if (retried) {
      updateRow(key, (row) => ({ ...row, busy: true, create: { idempotencyKey, failed: false } }));
    } else {
      const now = new Date().toISOString();
      const draft: Task = {
        id: 0,
        user_id: state.userId,
        title,
        description: null,
        completed: false,
        created_at: now,
        updated_at: now,
      };
      const index = matchesView(draft, state.view)
        ? insertionIndex(state.rows, draft, state.view, state.next !== null)
        : null;
      if (index !== null) {
        const row: Row = {
          key,
          task: draft,
          saved: null,
          etag: null,
          busy: true,
          create: { idempotencyKey, failed: false },
        };
        setRows((rows) => [...rows.slice(0, index), row, ...rows.slice(index)]);
      }
    }
    try {
      const created = await createTask(state.userId, { title }, idempotencyKey);
      if (!findRow(key)) notify("info", `Added “${created.task.title}”; it is not in this view.`);
      updateRow(key, (row) => ({
        ...row,
        task: created.task,
        saved: created.task,
        etag: created.etag,
        busy: false,
        create: undefined,
      }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        removeRow(key);
        return expire({ newTask: title });
      }
      if (error instanceof NetworkError && findRow(key)) {
        // Kept with its key for the person to retry: the server may have it already, and the key makes a retry safe.
        return updateRow(key, (row) => ({ ...row, busy: false, create: { idempotencyKey, failed: true } }));
      }
      removeRow(key);
      notify("error", `“${title}” was not added: ${messageOf(error)}`);
    }
  };

  const retryCreate = (key: string) => {
    const row = findRow(key);
    if (row?.create) void add(row.task.title, key);
  };

  /** The page's current user, view and 401 handler, for the operations to use. */
  const configure = (userId: string, view: View, onSessionExpired: () => void) => {
    state.userId = userId;
    state.view = view;
    state.onSessionExpired = onSessionExpired;
  };

  return {
    subscribe,
    getSnapshot: () => snapshot,
    configure,
    loadFirstPage,
    flushOnPageHide,
    reload,
    loadMore,
    add,
    retryCreate,
    toggle,
    edit,
    remove,
    undoDelete,
    commitDelete,
    holdDeletes,
    resolveConflict,
    dismissNotice,
  };
}

/**
 * The signed-in user's list for one view, and the operations on it. `onSessionExpired` runs after drafts are saved,
 * when the API answers 401.
 */
export function useTasks(userId: string, view: View, onSessionExpired: () => void) {
  const [list] = useState(createTaskList);
  const { next, ...shown } = useSyncExternalStore(list.subscribe, list.getSnapshot, list.getSnapshot);
  // Declared first, so that it runs before the load below: the operations always see this render's values.
  useEffect(() => list.configure(userId, view, onSessionExpired));
  // The first page of the view, whenever the view changes.
  const viewKey = keyOfView(view);
  useEffect(() => list.loadFirstPage(), [list, userId, viewKey]);
  useEffect(() => list.flushOnPageHide(), [list]);

  const {
    subscribe: _subscribe,
    getSnapshot: _getSnapshot,
    configure: _configure,
    loadFirstPage: _loadFirstPage,
    flushOnPageHide: _flushOnPageHide,
    ...operations
  } = list;
  return { ...shown, hasMore: next !== null, ...operations };
}

const keyOfView = (view: View) => `${view.status}|${view.sort}|${view.order}|${view.q}`;
