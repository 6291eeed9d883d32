/**
 * A TLS listener on the local RabbitMQ for one test: started on a free port at run time with
 * `rabbit_networking:start_ssl_listener` (the code `listeners.ssl.*` in rabbitmq.conf starts at
 * boot), so there is no restart, no config change, and the plain 5672 listener and the other
 * tests are untouched. It is stopped when the test ends, however it ends.
 */

import { rabbitmqctl } from "./rabbit.ts";
import { freePort } from "./port.ts";
import { undoOnExit } from "./reaper.ts";
import type { TestCertificates } from "./tls_certs.ts";

/** A running TLS listener. */
export interface RabbitTlsListener {
  port: number;
  stop(): Promise<void>;
}

/** Listen for AMQP over TLS on a free port of 127.0.0.1 with the server certificate of `certs`. */
export async function startRabbitTls(certs: TestCertificates): Promise<RabbitTlsListener> {
  const port = await freePort();
  const options = [
    `{cacertfile, "${certs.caFile}"}`,
    `{certfile, "${certs.serverCert}"}`,
    `{keyfile, "${certs.serverKey}"}`,
    "{verify, verify_none}",
    "{fail_if_no_peer_cert, false}",
  ].join(", ");
  const stop = `rabbit_networking:stop_tcp_listener({"127.0.0.1", ${port}}).`;
  await rabbitmqctl(
    "eval",
    `ok = rabbit_networking:start_ssl_listener({"127.0.0.1", ${port}}, [${options}], 1, 1).`,
  );
  const release = undoOnExit(`rabbit-tls:${port}`, `rabbitmqctl -q eval '${stop}'`);
  return {
    port,
    async stop() {
      await rabbitmqctl("eval", stop);
      release();
    },
  };
}
