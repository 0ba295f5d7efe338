import { publicRoute } from "@/lib/http/handler";
import { methodNotAllowedHandlers } from "@/lib/http/method-fallbacks";
import { referenceAsset } from "@/lib/openapi/reference";
import { API_ROUTES } from "@/lib/http/routes";

type Params = { file: string };

export const GET = publicRoute<Params>(async ({ params }) => referenceAsset(params.file));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowedHandlers(API_ROUTES.docsAsset);
