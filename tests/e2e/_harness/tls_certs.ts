/**
 * A throwaway certificate authority made with openssl: a server certificate for 127.0.0.1 and
 * localhost, and a client certificate for mutual TLS, all signed by it.
 */

import { execFile } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp_dir.ts";

/** PEM files of a test CA and the certificates it signed. */
export interface TestCertificates {
  dir: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  remove(): void;
}

/** Make a CA, a server and a client certificate (about 0.2 s with EC keys). */
export async function makeCertificates(): Promise<TestCertificates> {
  const dir = tempDir("stalk-tls");
  const at = (name: string) => join(dir.path, name);
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    "req",
    "-x509",
    ...key,
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.pem"),
    "-days",
    "1",
    "-subj",
    "/CN=Stalk test CA",
  );
  writeFileSync(at("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  writeFileSync(at("client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const role of ["server", "client"]) {
    await openssl(
      "req",
      ...key,
      "-keyout",
      at(`${role}.key`),
      "-out",
      at(`${role}.csr`),
      "-subj",
      `/CN=stalk-e2e-${role}`,
    );
    await openssl(
      "x509",
      "-req",
      "-in",
      at(`${role}.csr`),
      "-CA",
      at("ca.pem"),
      "-CAkey",
      at("ca.key"),
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      at(`${role}.ext`),
      "-out",
      at(`${role}.pem`),
    );
  }
  // RabbitMQ runs as its own user and must read the server's key.
  for (const name of ["ca.pem", "server.pem", "server.key", "client.pem", "client.key"]) {
    chmodSync(at(name), 0o644);
  }
  return {
    dir: dir.path,
    caFile: at("ca.pem"),
    serverCert: at("server.pem"),
    serverKey: at("server.key"),
    clientCert: at("client.pem"),
    clientKey: at("client.key"),
    remove: dir.remove,
  };
}

function openssl(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("openssl", args, { timeout: 20_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`openssl ${args[0]} failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}
