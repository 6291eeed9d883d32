/** @jsxImportSource hono/jsx */
/** `/broker`: the broker URL (password masked) and the queues workers consume. */
import type { QueueLength } from "../broker/transport.ts";
import { formatCount } from "./format.ts";
import { Layout } from "./layout.tsx";
import type { PageContext } from "./page_context.ts";

/** The queue table, also the live stream's fragment. */
export function QueueTable({ queues }: { queues: QueueLength[] }) {
  return (
    <div id="queues" class="panel scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col" class="num">Messages</th>
            <th scope="col" class="num">Consumers</th>
          </tr>
        </thead>
        <tbody>
          {queues.length === 0
            ? (
              <tr>
                <td class="empty" colspan={3}>No queue data is available.</td>
              </tr>
            )
            : queues.map((queue) => (
              <tr>
                <td>
                  <b>{queue.name}</b>
                </td>
                <td class="num">{formatCount(queue.messages)}</td>
                <td class="num">{formatCount(queue.consumers)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

/** The whole broker page. */
export function BrokerPageView(
  { ctx, broker, queues, stream }: {
    ctx: PageContext;
    broker: string;
    queues: QueueLength[];
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
