// Issue 12, serving: HTTPS straight from Stalk with a self-signed certificate the test makes,
// --xheaders behind a proxied request, and --unix_socket.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrokerFixture, brokerFixture, type Stalk, startStalk } from "./_harness/mod.ts";

const dir = mkdtempSync(join(tmpdir(), "stalk-tls-"));
const cert = join(dir, "cert.pem");
const key = join(dir, "key.pem");
const socket = join(dir, "stalk.sock");

/** One HTTP/1.1 request over a Unix socket; resolves with the raw response text. */
function overSocket(path: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = createConnection({ path });
    let text = "";
    connection.on("data", (chunk) => (text += chunk));
    connection.on("end", () => resolve(text));
    connection.on("error", reject);
    connection.write(request);
  });
}

describe("serving HTTPS, behind a proxy and on a Unix socket", () => {
  let broker: BrokerFixture;
  let https: Stalk;
  let unix: Stalk;
  let client: Deno.HttpClient;

  before(async () => {
    execFileSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      // rustls refuses a CA certificate as the server's own: mark it a leaf.
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-keyout",
      key,
      "-out",
      cert,
    ], { stdio: "ignore" });
    client = Deno.createHttpClient({ caCerts: [readFileSync(cert, "utf8")] });
    broker = await brokerFixture();
    [https, unix] = await Promise.all([
      startStalk({
        brokerUrl: broker.brokerUrl,
        args: [`--certfile=${cert}`, `--keyfile=${key}`, `--ca_certs=${cert}`, "--xheaders"],
        ready: async (port) => {
          const response = await fetch(`https://127.0.0.1:${port}/healthcheck`, { client });
          await response.body?.cancel();
          return response.status === 200;
        },
      }),
      startStalk({
        brokerUrl: broker.brokerUrl,
        args: [`--unix_socket=${socket}`],
        ready: async () =>
          (await overSocket(
            socket,
            "GET /healthcheck HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n",
          ))
            .startsWith("HTTP/1.1 200"),
      }),
    ]);
  });

  after(async () => {
    await Promise.allSettled([https?.stop(), unix?.stop()]);
    client?.close();
    await broker?.remove();
  });

  test("--certfile and --keyfile serve the API over HTTPS with that certificate", async () => {
    const response = await fetch(`https://127.0.0.1:${https.port}/api/tasks`, { client });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {});
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  });

  test("plain HTTP on the HTTPS port gets no answer", async () => {
    await assert.rejects(fetch(`http://127.0.0.1:${https.port}/healthcheck`));
  });

  test("--xheaders: a request with a proxy's forwarding headers is served (their reading: tests/unit/http/client_test.ts)", async () => {
    const response = await fetch(`https://127.0.0.1:${https.port}/api/tasks`, {
      client,
      headers: { "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https" },
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });

  test("--unix_socket serves the API on the socket and no TCP port", async () => {
    const text = await overSocket(
      socket,
      "GET /api/task/types HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n",
    );
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.match(text, /"task-types"/);
    await assert.rejects(fetch(`http://127.0.0.1:${unix.port}/healthcheck`));
  });

  test("a --certfile without --keyfile stops start-up with exit 2 and the reason", async () => {
    await assert.rejects(
      startStalk({ brokerUrl: broker.brokerUrl, args: [`--certfile=${cert}`] }),
      /--certfile and --keyfile must be given together/,
    );
  });
});
