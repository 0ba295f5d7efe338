import { notFound } from "@/lib/http/errors";
import { apiRoute } from "@/lib/http/route";

// Every /api path that no other route serves: the contract's JSON 404 rather than Next.js's HTML page.
const noSuchRoute = apiRoute(async () => {
  throw notFound("no such route");
});

export { noSuchRoute as GET, noSuchRoute as HEAD, noSuchRoute as POST, noSuchRoute as PUT };
export { noSuchRoute as PATCH, noSuchRoute as DELETE, noSuchRoute as OPTIONS };
