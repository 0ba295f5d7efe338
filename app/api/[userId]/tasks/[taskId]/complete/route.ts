import { readJsonBody } from "@/lib/http/request-input";
import { orNotFound } from "@/lib/http/errors";
import { expectedVersions } from "@/lib/http/etag";
import { taskRoute } from "@/lib/http/handler";
import { methodNotAllowedHandlers } from "@/lib/http/method-fallbacks";
import { taskResponse } from "@/lib/http/responses";
import { TaskCompletion } from "@/lib/schemas/tasks";
import { setTaskCompletion } from "@/lib/tasks";
import { API_ROUTES } from "@/lib/http/routes";

type Params = { userId: string; taskId: string };

export const PATCH = taskRoute<Params>(async ({ request, user, taskId }) => {
  const { completed } = await readJsonBody(request, TaskCompletion, { optional: true });
  return taskResponse(orNotFound(await setTaskCompletion(user.id, taskId, completed, expectedVersions(request))));
});

export const { GET, HEAD, POST, PUT, DELETE, OPTIONS } = methodNotAllowedHandlers(API_ROUTES.taskCompletion);
