import { readJsonBody } from "@/lib/http/body";
import { expectedVersions, taskResponse } from "@/lib/http/conditional";
import { orNotFound } from "@/lib/http/errors";
import { otherMethods, taskRoute } from "@/lib/http/route";
import { TaskCompletion } from "@/lib/schemas/tasks";
import { setTaskCompletion } from "@/lib/tasks";

type Params = { userId: string; taskId: string };

export const PATCH = taskRoute<Params>(async ({ request, user, taskId }) => {
  const { completed } = await readJsonBody(request, TaskCompletion, { optional: true });
  return taskResponse(orNotFound(await setTaskCompletion(user.id, taskId, completed, expectedVersions(request))));
});

export const { GET, HEAD, POST, PUT, DELETE, OPTIONS } = otherMethods("PATCH");
