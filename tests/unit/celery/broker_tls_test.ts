import { test } from "node:test";
import assert from "node:assert/strict";
import { brokerTls } from "../../../src/celery/broker_tls.ts";

const query = (text: string) => new URLSearchParams(text);

test("plain URLs without TLS options stay plain", () => {
  assert.equal(brokerTls(false, query(""), undefined), undefined);
  assert.equal(brokerTls(false, query(""), false), undefined);
  // An empty dict is falsy in Python: no TLS, as in kombu.
  assert.equal(brokerTls(false, query(""), {}), undefined);
});

test("a TLS scheme verifies the certificate by default", () => {
  assert.deepEqual(brokerTls(true, query(""), undefined), {
    certReqs: "required",
    caFile: undefined,
    certFile: undefined,
    keyFile: undefined,
    checkHostname: true,
    serverName: undefined,
    ciphers: undefined,
  });
});

test("the URL's ssl_* keys are read as kombu's parse_url gathers them", () => {
  const tls = brokerTls(
    true,
    query("ssl_cert_reqs=CERT_NONE&ssl_ca_certs=/ca.pem&ssl_certfile=/c.pem&ssl_keyfile=/k.pem"),
    undefined,
  );
  assert.equal(tls?.certReqs, "none");
  assert.deepEqual([tls?.caFile, tls?.certFile, tls?.keyFile], ["/ca.pem", "/c.pem", "/k.pem"]);
  assert.equal(brokerTls(false, query("ssl_cert_reqs=required"), undefined)?.certReqs, "required");
  assert.equal(brokerTls(true, query("ssl_check_hostname=false"), undefined)?.checkHostname, false);
});

test("broker_use_ssl takes py-amqp's and redis-py's keys; the URL wins", () => {
  const amqp = brokerTls(false, query(""), { cert_reqs: 2, ca_certs: "/ca.pem", certfile: "/c" });
  assert.deepEqual([amqp?.certReqs, amqp?.caFile, amqp?.certFile], ["required", "/ca.pem", "/c"]);
  assert.equal(
    brokerTls(false, query(""), { ssl_cert_reqs: "CERT_OPTIONAL" })?.certReqs,
    "optional",
  );
  assert.equal(brokerTls(false, query(""), true)?.certReqs, "required");
  const both = brokerTls(false, query("ssl_ca_certs=/url.pem"), { ca_certs: "/option.pem" });
  assert.equal(both?.caFile, "/url.pem");
});

test("unknown keys and bad values are refused, naming them", () => {
  assert.throws(
    () => brokerTls(true, query("ssl_bogus=1"), undefined),
    /'ssl_bogus' in the broker URL/,
  );
  assert.throws(() => brokerTls(false, query(""), { verify: 1 }), /'verify' in broker_use_ssl/);
  assert.throws(() => brokerTls(true, query("ssl_cert_reqs=maybe"), undefined), /got 'maybe'/);
  assert.throws(() => brokerTls(false, query(""), { ca_certs: 3 }), /'ca_certs' must be a string/);
  assert.throws(
    () => brokerTls(true, query("ssl_check_hostname=perhaps"), undefined),
    /true or false/,
  );
});

test("other query keys are left to the transport", () => {
  assert.equal(brokerTls(false, query("virtual_host=1&heartbeat=5"), undefined), undefined);
});
