/** @jsxImportSource hono/jsx */
/** `/broker`: the broker URL (password masked) and the queues workers consume. */
import { rowsOr, TablePanel } from "./components.tsx";
import type { BrokerQueue } from "./deps.ts";
import { formatCount } from "./format.ts";
import { Layout } from "./layout.tsx";
import type { PageContext } from "./page_context.ts";

/** The columns: Stalk's own counts, and more when the management API answers. */
const COLUMNS: [string, string][] = [
  ["messages", "Messages"],
  ["messages_unacknowledged", "Unacked"],
  ["messages_ready", "Ready"],
  ["consumers", "Consumers"],
];

function count(queue: BrokerQueue, field: string): string {
  const value = (queue as unknown as Record<string, unknown>)[field];
  return typeof value === "number" ? formatCount(value) : "N/A";
}

/** The queue table, also the live stream's fragment. */
export function QueueTable({ queues }: { queues: readonly BrokerQueue[] }) {
  const idle = (queue: BrokerQueue) => {
    const value = (queue as unknown as Record<string, unknown>).idle_since;
    return typeof value === "string" ? value : "N/A";
  };
  return (
    <TablePanel
      id="queues"
      head={
        <>
          <th scope="col">Queue</th>
          {COLUMNS.map(([, label]) => <th scope="col" class="num">{label}</th>)}
          <th scope="col">Idle since</th>
        </>
      }
    >
      {rowsOr(queues, COLUMNS.length + 2, "No queue data is available.", (queue) => (
        <tr>
          <td>
            <b>{queue.name}</b>
          </td>
          {COLUMNS.map(([field]) => <td class="num">{count(queue, field)}</td>)}
          <td class="nowrap">{idle(queue)}</td>
        </tr>
      ))}
    </TablePanel>
  );
}

/** The whole broker page. */
export function BrokerPageView(
  { ctx, broker, queues, stream }: {
    ctx: PageContext;
    broker: string;
    queues: readonly BrokerQueue[];
    stream?: string;
  },
) {
  return (
    <Layout ctx={ctx} title="Broker" section="broker" stream={stream}>
      <div class="pagehead">
        <div>
          <p class="eyebrow">Message broker</p>
          <h1>Broker</h1>
          <div class="muted mono">{broker}</div>
        </div>
      </div>
      <QueueTable queues={queues} />
      <p class="muted">
        Ready messages and consumers of the default queue and of every queue a worker consumes.
      </p>
    </Layout>
  );
}
