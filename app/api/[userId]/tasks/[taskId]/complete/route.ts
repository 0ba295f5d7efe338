import { readJsonBody } from "@/lib/http/body";
import { orNotFound } from "@/lib/http/errors";
import { json, otherMethods, taskRoute } from "@/lib/http/route";
import { TaskCompletion } from "@/lib/schemas/tasks";
import { setTaskCompletion } from "@/lib/tasks";

type Params = { userId: string; taskId: string };

export const PATCH = taskRoute<Params>(async ({ request, user, taskId }) => {
  const { completed } = await readJsonBody(request, TaskCompletion, { optional: true });
  return json(orNotFound(await setTaskCompletion(user.id, taskId, completed)));
});

export const { GET, HEAD, POST, PUT, DELETE, OPTIONS } = otherMethods("PATCH");
