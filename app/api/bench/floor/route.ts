import { noSuchRoute } from "@/lib/http/method-fallbacks";
import { getEnv } from "@/lib/env";

// The benchmark's framework floor: what Next.js alone costs to answer, with a constant body the size of one task.
// Off (a 404 like any unknown path) unless BENCH_FLOOR_ROUTE=1.
const FLOOR_BODY = JSON.stringify([
  {
    id: 1,
    user_id: "floor",
    title: "constant",
    description: null,
    completed: false,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  },
]);

export async function GET(request: Request, context: { params: Promise<Record<string, string>> }): Promise<Response> {
  if (!getEnv().benchFloorRoute) return noSuchRoute(request, context);
  return new Response(FLOOR_BODY, { headers: { "content-type": "application/json" } });
}

export { noSuchRoute as HEAD, noSuchRoute as POST, noSuchRoute as PUT, noSuchRoute as PATCH };
export { noSuchRoute as DELETE, noSuchRoute as OPTIONS };
