import { noSuchRoute } from "@/lib/http/method-fallbacks";

// /api itself is no route either (the catch-all beside it needs at least one more segment).
export { noSuchRoute as GET, noSuchRoute as HEAD, noSuchRoute as POST, noSuchRoute as PUT };
export { noSuchRoute as PATCH, noSuchRoute as DELETE, noSuchRoute as OPTIONS };
