import { publicRoute } from "@/lib/http/handler";
import { methodNotAllowedHandlers } from "@/lib/http/method-fallbacks";
import { json } from "@/lib/http/responses";
import { openApiDocument } from "@/lib/openapi/document";
import { API_ROUTES } from "@/lib/http/routes";

export const dynamic = "force-dynamic";

export const GET = publicRoute(() => json(openApiDocument()));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowedHandlers(API_ROUTES.openApiDocument);
