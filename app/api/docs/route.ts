import { publicRoute } from "@/lib/http/handler";
import { methodNotAllowedHandlers } from "@/lib/http/method-fallbacks";
import { referencePage } from "@/lib/openapi/reference";
import { API_ROUTES } from "@/lib/http/routes";

export const dynamic = "force-dynamic";

export const GET = publicRoute(() => referencePage());

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowedHandlers(API_ROUTES.docs);
