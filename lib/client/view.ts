import type { ListQuery } from "./api";

// What the list shows (filter, search, sort) lives in the page's URL, so a reload or a shared link shows the same view.
// The parameters are the API's own names and values; defaults are left out of the URL.

export type Status = NonNullable<ListQuery["status"]>;
export type Sort = NonNullable<ListQuery["sort"]>;
export type Order = NonNullable<ListQuery["order"]>;

export interface View {
  status: Status;
  q: string;
  sort: Sort;
  order: Order;
}

export const STATUSES: readonly Status[] = ["all", "pending", "completed"];
const SORTS: readonly Sort[] = ["created_at", "updated_at", "title"];
const ORDERS: readonly Order[] = ["asc", "desc"];
/** The API's limit on `q`. */
export const SEARCH_MAX_LENGTH = 200;

export const DEFAULT_VIEW: View = { status: "all", q: "", sort: "created_at", order: "desc" };

const oneOf = <T extends string>(values: readonly T[], value: string | null, fallback: T): T =>
  values.find((candidate) => candidate === value) ?? fallback;

/** The view a URL's query names; anything unknown or invalid falls back to the default, as a hand-edited link may. */
export function viewFromSearchParams(params: URLSearchParams): View {
  return {
    status: oneOf(STATUSES, params.get("status"), DEFAULT_VIEW.status),
    q: (params.get("q") ?? "").trim().slice(0, SEARCH_MAX_LENGTH),
    sort: oneOf(SORTS, params.get("sort"), DEFAULT_VIEW.sort),
    order: oneOf(ORDERS, params.get("order"), DEFAULT_VIEW.order),
  };
}

/** The page's query string for a view (`?status=pending&q=milk`), or "" for the default view. */
export function searchOfView(view: View): string {
  const params = new URLSearchParams();
  for (const key of ["status", "q", "sort", "order"] as const) {
    if (view[key] !== DEFAULT_VIEW[key]) params.set(key, view[key]);
  }
  const search = params.toString();
  return search ? `?${search}` : "";
}

/** The first page's query for the API. */
export function listQueryOf(view: View, limit: number): ListQuery {
  return { status: view.status, sort: view.sort, order: view.order, limit, ...(view.q ? { q: view.q } : {}) };
}

/** The sort choices the page offers: each a field and a direction. */
export const SORT_CHOICES: readonly { sort: Sort; order: Order; label: string }[] = [
  { sort: "created_at", order: "desc", label: "Newest first" },
  { sort: "created_at", order: "asc", label: "Oldest first" },
  { sort: "updated_at", order: "desc", label: "Recently changed" },
  { sort: "updated_at", order: "asc", label: "Least recently changed" },
  { sort: "title", order: "asc", label: "Title A to Z" },
  { sort: "title", order: "desc", label: "Title Z to A" },
];

/** Whether a task belongs in a view's list, for placing a task the page just created. */
export function matchesView(
  task: { title: string; description: string | null; completed: boolean },
  view: View,
): boolean {
  if (view.status === "pending" && task.completed) return false;
  if (view.status === "completed" && !task.completed) return false;
  if (!view.q) return true;
  const needle = view.q.toLowerCase();
  return task.title.toLowerCase().includes(needle) || (task.description ?? "").toLowerCase().includes(needle);
}
