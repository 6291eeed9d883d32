/** @jsxImportSource hono/jsx */
/**
 * `/task/<uuid>`: every field of the task, escaped; links to parent, root and children; its
 * timeline and its workflow; and the actions (revoke, terminate, abort, run again). The main part is also
 * the live stream's fragment.
 */
import type { Child } from "hono/jsx";
import { TASK_TIME_FIELDS } from "../celery/events.ts";
import type { TaskJson } from "../state/types.ts";
import { ActionForm, StateBadge, Time, Value } from "./components.tsx";
import { formatDuration } from "./format.ts";
import { Layout } from "./layout.tsx";
import type { PageContext } from "./page_context.ts";
import type { Rerun } from "./run_again.ts";
import { taskTimeline } from "./task_timeline.ts";
import type { WorkflowNode } from "./workflow.ts";

/** States after which a task will not run any more. */
const READY = new Set(["SUCCESS", "FAILURE", "REVOKED", "REJECTED"]);

/** Signals offered for terminate. */
const SIGNALS = ["SIGTERM", "SIGKILL", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1"];

/** What the task page shows besides the task. */
export interface TaskPageData {
  task: TaskJson;
  workflow?: WorkflowNode;
  /** Whether abort can be offered (a result backend is configured). */
  canAbort: boolean;
  /** How "run again" would send the task, or why it is not offered. */
  rerun: { rerun: Rerun } | { reason: string };
}

function TaskLink({ id, ctx }: { id: string | null; ctx: PageContext }) {
  if (id === null) return <span class="null">—</span>;
  return <a class="mono" href={ctx.paths.task(id)}>{id}</a>;
}

/**
 * Every field: the ones that identify the task and its values always, the others when they have
 * one. The fields without a value are named on one last line, so the page stays dense and still
 * says what is not known.
 */
function Fields({ task, ctx }: { task: TaskJson; ctx: PageContext }) {
  const optional: [string, Child | null][] = [
    ["Exception", task.exception === null ? null : <Value text={task.exception} />],
    [
      "Traceback",
      task.traceback === null
        ? null
        : <Value text={task.traceback} open={task.traceback.length < 8000} />,
    ],
    [
      "Worker",
      task.worker ? <a href={ctx.paths.worker(task.worker)}>{task.worker}</a> : null,
    ],
    ["Client", task.client],
    ...TASK_TIME_FIELDS.map((field): [string, Child | null] => [
      field[0].toUpperCase() + field.slice(1),
      task[field] === null ? null : <Time at={task[field]} ctx={ctx} natural={false} />,
    ]),
    ["Runtime", task.runtime === null ? null : formatDuration(task.runtime)],
    ["Retries", task.retries],
    ["ETA", task.eta],
    ["Expires", task.expires],
    // Celery sends '' for the default exchange.
    [
      "Exchange",
      task.exchange === null ? null : task.exchange || <span class="muted">(default)</span>,
    ],
    ["Routing key", task.routing_key],
    ["Clock", task.clock],
    ["Parent", task.parent_id === null ? null : <TaskLink id={task.parent_id} ctx={ctx} />],
    ["Root", task.root_id === null ? null : <TaskLink id={task.root_id} ctx={ctx} />],
    [
      "Children",
      task.children.length === 0 ? null : task.children.map((id) => (
        <div>
          <TaskLink id={id} ctx={ctx} />
        </div>
      )),
    ],
  ];
  const unset = optional.filter(([, value]) => value === null || value === undefined);
  return (
    <dl class="fields">
      <dt>Name</dt>
      <dd>{task.name ?? <span class="null">—</span>}</dd>
      <dt>UUID</dt>
      <dd class="mono">{task.uuid}</dd>
      <dt>State</dt>
      <dd>
        <StateBadge state={task.state} />
      </dd>
      <dt>Arguments</dt>
      <dd>
        <Value text={task.args} />
      </dd>
      <dt>Keyword arguments</dt>
      <dd>
        <Value text={task.kwargs} />
      </dd>
      <dt>Result</dt>
      <dd>
        <Value text={task.result} />
      </dd>
      {optional.filter(([, value]) => value !== null && value !== undefined).map((
        [label, value],
      ) => (
        <>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </>
      ))}
      {unset.length > 0
        ? (
          <>
            <dt>Not set</dt>
            <dd class="muted">{unset.map(([label]) => label).join(", ")}</dd>
          </>
        )
        : null}
    </dl>
  );
}

/** The timeline as a proportional bar and a list of steps with their durations. */
function TimelineView({ task, ctx }: { task: TaskJson; ctx: PageContext }) {
  const timeline = taskTimeline(task);
  if (timeline.points.length === 0) {
    return <p class="timeline muted">No event has given this task a time yet.</p>;
  }
  const first = timeline.span!.from;
  const span = Math.max(timeline.span!.to - first, 1e-6);
  return (
    <div class="timeline">
      {timeline.steps.length > 0
        ? (
          <svg viewBox="0 0 1000 30" preserveAspectRatio="none" role="img" aria-label="Timeline">
            {timeline.steps.map((step) => (
              <rect
                class={`seg-${step.kind}`}
                x={String(((step.from - first) / span) * 1000)}
                y="4"
                width={String(Math.max(2, ((step.to - step.from) / span) * 1000))}
                height="22"
              >
                <title>{`${step.label}: ${formatDuration(step.to - step.from)}`}</title>
              </rect>
            ))}
            {timeline.end
              ? (
                <rect
                  class={timeline.end.ok ? "seg-ok" : "seg-bad"}
                  x="994"
                  y="0"
                  width="6"
                  height="30"
                />
              )
              : null}
          </svg>
        )
        : null}
      <div class="steps">
        {timeline.points.map((point) => (
          <div>
            <b>{point.label}</b>
            <Time at={point.at} ctx={ctx} natural={false} />
          </div>
        ))}
        {timeline.steps.map((step) => (
          <div>
            <b>
              <i class={`swatch seg-${step.kind}`} aria-hidden="true"></i>
              {step.label}
            </b>
            {formatDuration(step.to - step.from)}
          </div>
        ))}
      </div>
      {timeline.skewed
        ? (
          <p class="muted">
            Some times are out of order (the sender's task-sent event can be dated after the worker
            received the task, or the clocks differ): those steps count as 0 s.
          </p>
        )
        : null}
    </div>
  );
}

function WorkflowTree(
  { node, current, ctx }: { node: WorkflowNode; current: string; ctx: PageContext },
) {
  return (
    <li class={node.uuid === current ? "current" : undefined}>
      <span class="node">
        <StateBadge state={node.state} />{" "}
        <a href={ctx.paths.task(node.uuid)}>{node.name ?? node.uuid}</a>{" "}
        <span class="muted mono">{node.uuid.slice(0, 8)}</span>
        {node.retries ? <span class="muted">{` · ${node.retries} retries`}</span> : null}
        {node.missing ? <span class="muted">· not held (evicted or never seen)</span> : null}
      </span>
      {node.children.length > 0
        ? (
          <ul>
            {node.children.map((child) => (
              <WorkflowTree
                node={child}
                current={current}
                ctx={ctx}
              />
            ))}
          </ul>
        )
        : null}
      {node.truncated ? <div class="muted">{`… ${node.truncated} more not shown`}</div> : null}
    </li>
  );
}

/** Python-like text of a call, cut for a confirmation dialog. */
function callText({ name, args, kwargs }: Rerun): string {
  const text = `${name}(${JSON.stringify(args)}, ${JSON.stringify(kwargs)})`;
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

function RunAgain({ data, ctx }: { data: TaskPageData; ctx: PageContext }) {
  if ("reason" in data.rerun) {
    return <p class="muted">{`Run again is not offered: ${data.rerun.reason}.`}</p>;
  }
  const { rerun } = data.rerun;
  const queue = rerun.queue ? `queue '${rerun.queue}'` : "the default queue";
  return (
    <ActionForm
      ctx={ctx}
      action={ctx.paths.task(data.task.uuid)}
      name="rerun"
      confirm={`Send ${callText(rerun)} again, as a new task, to ${queue}?`}
    >
      <button type="submit">Run again</button>
      <span class="muted">{`A new task with the same name and arguments, to ${queue}.`}</span>
    </ActionForm>
  );
}

function Actions({ data, ctx }: { data: TaskPageData; ctx: PageContext }) {
  const { task } = data;
  if (!ctx.canAct) {
    return <p class="actions muted">{ctx.noActionReason}</p>;
  }
  const action = ctx.paths.task(task.uuid);
  return (
    <div class="actions">
      {READY.has(task.state)
        ? <p class="muted">{`The task is ${task.state}: nothing to stop.`}</p>
        : (
          <>
            <ActionForm ctx={ctx} action={action} name="revoke">
              <button type="submit">Revoke</button>
              <span class="muted">Workers will not run it.</span>
            </ActionForm>
            <ActionForm
              ctx={ctx}
              action={action}
              name="terminate"
              confirm="Terminate this task? The worker process running it gets the signal."
            >
              <button type="submit" class="danger">Terminate</button>
              <select name="signal" aria-label="Signal">
                {SIGNALS.map((signal) => <option value={signal}>{signal}</option>)}
              </select>
            </ActionForm>
            {data.canAbort
              ? (
                <ActionForm ctx={ctx} action={action} name="abort">
                  <button type="submit">Abort</button>
                  <span class="muted">For AbortableTask, through the result backend.</span>
                </ActionForm>
              )
              : null}
          </>
        )}
      <RunAgain data={data} ctx={ctx} />
    </div>
  );
}

/** The live part of the task page. */
export function TaskBody({ data, ctx }: { data: TaskPageData; ctx: PageContext }) {
  const { task } = data;
  return (
    <div id="task" class="grid2">
      <div class="panel">
        <Fields task={task} ctx={ctx} />
      </div>
      <div>
        <div class="panel">
          <h3>Actions</h3>
          <Actions data={data} ctx={ctx} />
        </div>
        <h2>Timeline</h2>
        <div class="panel">
          <TimelineView task={task} ctx={ctx} />
        </div>
        {data.workflow
          ? (
            <>
              <h2>Workflow</h2>
              <div class="panel">
                <ul class="tree">
                  <WorkflowTree node={data.workflow} current={task.uuid} ctx={ctx} />
                </ul>
              </div>
            </>
          )
          : null}
      </div>
    </div>
  );
}

/** The whole task page. */
export function TaskPageView(
  { data, ctx, stream }: { data: TaskPageData; ctx: PageContext; stream?: string },
) {
  const { task } = data;
  return (
    <Layout ctx={ctx} title={task.name ?? task.uuid} section="tasks" stream={stream}>
      <div class="pagehead">
        <div>
          <p class="eyebrow">Task</p>
          <h1>{task.name ?? "(unknown task)"}</h1>
          <div class="muted mono">{task.uuid}</div>
        </div>
      </div>
      <TaskBody data={data} ctx={ctx} />
    </Layout>
  );
}
