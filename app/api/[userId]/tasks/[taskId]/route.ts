import { readJsonBody } from "@/lib/http/body";
import { orNotFound } from "@/lib/http/errors";
import { json, noContent, otherMethods, taskRoute } from "@/lib/http/route";
import { TaskUpdate } from "@/lib/schemas/tasks";
import { deleteTask, getTask, updateTask } from "@/lib/tasks";

type Params = { userId: string; taskId: string };

export const GET = taskRoute<Params>(async ({ user, taskId }) => json(orNotFound(await getTask(user.id, taskId))));

export const PUT = taskRoute<Params>(async ({ request, user, taskId }) => {
  const update = await readJsonBody(request, TaskUpdate);
  return json(orNotFound(await updateTask(user.id, taskId, update)));
});

export const DELETE = taskRoute<Params>(async ({ user, taskId }) => {
  orNotFound(await deleteTask(user.id, taskId));
  return noContent();
});

export const { POST, PATCH, OPTIONS } = otherMethods("GET", "PUT", "DELETE");
