// What a user has typed and not yet saved, kept in sessionStorage (this tab only) so that a reload, or a session that
// expired and sent them back to sign in, does not lose it. Per user: someone else signing in here never sees it.

export interface Drafts {
  /** The new-task field. */
  newTask: string;
  /** A task being edited in place. */
  edit: { taskId: number; title: string; description: string } | null;
}

/** No drafts: also what the server renders, having no sessionStorage. */
export const NO_DRAFTS: Drafts = { newTask: "", edit: null };
const keyOf = (userId: string) => `todo:drafts:${userId}`;
const EXPIRED_KEY = "todo:session-expired";

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.sessionStorage;
  } catch {
    return null; // storage blocked by the browser's settings: drafts are then kept in memory only
  }
}

/** The user's drafts, or empty ones. */
export function readDrafts(userId: string): Drafts {
  try {
    const saved = JSON.parse(storage()?.getItem(keyOf(userId)) ?? "null") as Partial<Drafts> | null;
    return { ...NO_DRAFTS, ...saved };
  } catch {
    return NO_DRAFTS;
  }
}

/** Merges `change` into the user's drafts. */
export function writeDrafts(userId: string, change: Partial<Drafts>): void {
  const next = { ...readDrafts(userId), ...change };
  if (!next.newTask && !next.edit) storage()?.removeItem(keyOf(userId));
  else storage()?.setItem(keyOf(userId), JSON.stringify(next));
}

/** Forgets the user's drafts (on signing out). */
export function clearDrafts(userId: string): void {
  storage()?.removeItem(keyOf(userId));
}

/** Notes that the API refused the session, for the sign-in form to say so and offer the same user id. */
export function markSessionExpired(userId: string): void {
  storage()?.setItem(EXPIRED_KEY, userId);
}

/** The user id whose session expired in this tab, if one did since the last sign-in. */
export function expiredSession(): string | null {
  return storage()?.getItem(EXPIRED_KEY) ?? null;
}

/** Forgets the expired session (once someone has signed in again). */
export function clearExpiredSession(): void {
  storage()?.removeItem(EXPIRED_KEY);
}

const foundAtLoad = new Map<string, Drafts>();

/**
 * The user's drafts as this page found them on its first read: the same object on every call, a snapshot for
 * useSyncExternalStore (which renders `NO_DRAFTS` on the server and during hydration, then these). What is typed
 * afterwards is the page's own state, written back with `writeDrafts`.
 */
export function draftsAtLoad(userId: string): Drafts {
  let drafts = foundAtLoad.get(userId);
  if (!drafts) foundAtLoad.set(userId, (drafts = readDrafts(userId)));
  return drafts;
}

/**
 * useSyncExternalStore's `subscribe` for values that do not change while the page shows them: drafts as found at load,
 * the expired session's user id (cleared only just before the page reloads).
 */
export const unchanging = () => () => undefined;
