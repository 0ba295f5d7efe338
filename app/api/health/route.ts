import { checkDatabaseHealth } from "@/db/client";
import { serviceUnavailable } from "@/lib/http/errors";
import { publicRoute } from "@/lib/http/handler";
import { methodNotAllowedHandlers } from "@/lib/http/method-fallbacks";
import { json } from "@/lib/http/responses";
import type { HealthReport } from "@/lib/schemas/health";
import { API_ROUTES } from "@/lib/http/routes";

export const dynamic = "force-dynamic";

export const GET = publicRoute(async () => {
  const database = await checkDatabaseHealth();
  if (database === "ok") return json({ status: "ok", database } satisfies HealthReport);
  return json({ status: "unavailable", database } satisfies HealthReport, 503, serviceUnavailable().headers);
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowedHandlers(API_ROUTES.health);
