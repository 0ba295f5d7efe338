import { checkDatabaseHealth } from "@/db/client";
import { serviceUnavailable } from "@/lib/http/errors";
import { apiRoute, json, otherMethods } from "@/lib/http/route";
import type { HealthReport } from "@/lib/schemas/health";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async () => {
  const database = await checkDatabaseHealth();
  if (database === "ok") return json({ status: "ok", database } satisfies HealthReport);
  return json({ status: "unavailable", database } satisfies HealthReport, 503, serviceUnavailable().headers);
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
