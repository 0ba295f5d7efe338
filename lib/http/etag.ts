import type { ExpectedVersions, Task } from "../tasks";

// Entity tags for single tasks (RFC 9110 §8.8.3) and the If-Match precondition (§13.1.1), whole: the service deals in
// versions (a task's updated_at, ISO text), and this codec alone turns them into tags and back. A task's tag is its
// version in base36 milliseconds: strong, opaque, and changing with every change (see migration 0003).

/** The newest version a task can have: the API writes years of four digits, so no tag beyond this can be current. */
const LATEST_VERSION_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const opaqueTagOf = (version: string) => Date.parse(version).toString(36);

/** The task's ETag: `"<opaque>"`, strong. */
export const etagOf = (task: Pick<Task, "updated_at">): string => `"${opaqueTagOf(task.updated_at)}"`;

/** The version an opaque tag names, or undefined when no task could ever carry that tag. */
function versionNamedBy(opaque: string): string | undefined {
  if (!/^[0-9a-z]{1,11}$/.test(opaque)) return undefined;
  const ms = parseInt(opaque, 36);
  if (ms > LATEST_VERSION_MS) return undefined;
  const version = new Date(ms).toISOString();
  // Strong comparison is character by character (RFC 9110 §8.8.3.2): "01" is not the tag "1" is.
  return opaqueTagOf(version) === opaque ? version : undefined;
}

// One element of a comma-separated list: an entity-tag (optional weakness prefix, then a quoted opaque tag), or nothing,
// since recipients must accept empty elements (RFC 9110 §5.6.1.2: `"a", , "b"` is the list of "a" and "b").
const LIST_MEMBER = /[ \t]*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(?:,|$)/y;

/**
 * The versions an `If-Match` header lets a write proceed at: undefined when the write is unconditional (no header, or
 * `*`, which any existing task matches); otherwise the versions named by its strong tags. Weak tags, malformed
 * headers and tags no task could carry match nothing, so they leave the list short (empty: the write is a 412, or a
 * 404 when the task does not exist for this user).
 */
export function expectedVersions(request: Request): ExpectedVersions {
  const header = request.headers.get("if-match");
  if (header === null || header.trim() === "*") return undefined;
  const versions: string[] = [];
  LIST_MEMBER.lastIndex = 0;
  while (LIST_MEMBER.lastIndex < header.length) {
    const member = LIST_MEMBER.exec(header);
    if (!member) return []; // not a list of entity tags at all: nothing in it can match
    if (member[2] === undefined) continue; // an empty element
    const version = member[1] === undefined ? versionNamedBy(member[2]) : undefined;
    if (version) versions.push(version);
  }
  return versions;
}
