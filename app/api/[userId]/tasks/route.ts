import { readIdempotencyKey, readJsonBody, readQuery } from "@/lib/http/request-input";
import { userRoute } from "@/lib/http/handler";
import { methodNotAllowedHandlers } from "@/lib/http/method-fallbacks";
import { json, nextPageLink, taskResponse } from "@/lib/http/responses";
import { TaskCreate, TaskListQuery } from "@/lib/schemas/tasks";
import { createTask, listTasks } from "@/lib/tasks";
import { API_ROUTES } from "@/lib/http/routes";

type Params = { userId: string };

export const GET = userRoute<Params>(async ({ request, user }) => {
  const page = await listTasks(user.id, readQuery(request, TaskListQuery));
  return json(page.tasks, 200, page.nextCursor ? { Link: nextPageLink(request, page.nextCursor) } : {});
});

export const POST = userRoute<Params>(async ({ request, user }) => {
  const idempotencyKey = readIdempotencyKey(request);
  const task = await createTask(user, await readJsonBody(request, TaskCreate), idempotencyKey);
  return taskResponse(task, 201, { Location: `/api/${encodeURIComponent(user.id)}/tasks/${task.id}` });
});

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowedHandlers(API_ROUTES.tasks);
