import { readJsonBody, readQuery } from "@/lib/http/body";
import { json, otherMethods, userRoute } from "@/lib/http/route";
import { TaskCreate, TaskListQuery } from "@/lib/schemas/tasks";
import { createTask, listTasks } from "@/lib/tasks";

type Params = { userId: string };

export const GET = userRoute<Params>(async ({ request, user }) =>
  json(await listTasks(user.id, readQuery(request, TaskListQuery))),
);

export const POST = userRoute<Params>(async ({ request, user }) => {
  const task = await createTask(user, await readJsonBody(request, TaskCreate));
  return json(task, 201, { Location: `/api/${encodeURIComponent(user.id)}/tasks/${task.id}` });
});

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET", "POST");
