import { noSuchRoute } from "@/lib/http/method-fallbacks";

// Every /api path that no other route serves.
export { noSuchRoute as GET, noSuchRoute as HEAD, noSuchRoute as POST, noSuchRoute as PUT };
export { noSuchRoute as PATCH, noSuchRoute as DELETE, noSuchRoute as OPTIONS };
