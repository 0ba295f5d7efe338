import { pingDatabase } from "@/db/client";
import { serviceUnavailable } from "@/lib/http/errors";
import { apiRoute, json, otherMethods } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async () => {
  try {
    await pingDatabase();
    return json({ status: "ok", database: "ok" });
  } catch {
    return json({ status: "unavailable", database: "unreachable" }, 503, serviceUnavailable().headers);
  }
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
