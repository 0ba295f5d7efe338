import { apiRoute, json, otherMethods } from "@/lib/http/route";
import { openApiDocument } from "@/lib/openapi/document";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async () => json(openApiDocument()));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
