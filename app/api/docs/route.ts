import { apiRoute, otherMethods } from "@/lib/http/route";
import { referencePage } from "@/lib/openapi/reference";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async () => referencePage());

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
