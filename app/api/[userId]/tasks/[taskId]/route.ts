import { readJsonBody } from "@/lib/http/request-input";
import { orNotFound } from "@/lib/http/errors";
import { expectedVersions } from "@/lib/http/etag";
import { taskRoute } from "@/lib/http/handler";
import { methodNotAllowedHandlers } from "@/lib/http/method-fallbacks";
import { noContent, taskResponse } from "@/lib/http/responses";
import { TaskUpdate } from "@/lib/schemas/tasks";
import { deleteTask, getTask, updateTask } from "@/lib/tasks";
import { API_ROUTES } from "@/lib/http/routes";

type Params = { userId: string; taskId: string };

export const GET = taskRoute<Params>(async ({ user, taskId }) =>
  taskResponse(orNotFound(await getTask(user.id, taskId))),
);

export const PUT = taskRoute<Params>(async ({ request, user, taskId }) => {
  const update = await readJsonBody(request, TaskUpdate);
  return taskResponse(orNotFound(await updateTask(user.id, taskId, update, expectedVersions(request))));
});

export const DELETE = taskRoute<Params>(async ({ request, user, taskId }) => {
  orNotFound(await deleteTask(user.id, taskId, expectedVersions(request)));
  return noContent();
});

export const { POST, PATCH, OPTIONS } = methodNotAllowedHandlers(API_ROUTES.task);
