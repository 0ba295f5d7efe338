import { apiRoute, otherMethods } from "@/lib/http/route";
import { referenceAsset } from "@/lib/openapi/reference";

type Params = { file: string };

export const GET = apiRoute<Params>(async ({ params }) => referenceAsset(params.file));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
