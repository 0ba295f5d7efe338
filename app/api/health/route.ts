import { pingDatabase } from "@/db/client";
import { serviceUnavailable } from "@/lib/http/errors";
import { apiRoute, json, otherMethods } from "@/lib/http/route";
import type { HealthReport } from "@/lib/schemas/health";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async () => {
  try {
    await pingDatabase();
    return json({ status: "ok", database: "ok" } satisfies HealthReport);
  } catch {
    return json(
      { status: "unavailable", database: "unreachable" } satisfies HealthReport,
      503,
      serviceUnavailable().headers,
    );
  }
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
