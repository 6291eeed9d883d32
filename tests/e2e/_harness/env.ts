/**
 * Which broker the e2e suite runs against, from STALK_E2E_BROKER: `amqp` (default) or `redis`.
 * The suite is one contract; this is the seam where each broker's fixture is chosen.
 */

import { type BrokerFixture, rabbitVhost } from "./rabbit.ts";

/** The brokers the suite can run against. */
export type BrokerKind = "amqp" | "redis";

/** The broker kind this run uses. */
export function brokerKind(): BrokerKind {
  const kind = process.env.STALK_E2E_BROKER ?? "amqp";
  if (kind === "amqp" || kind === "redis") return kind;
  throw new Error(`Unknown STALK_E2E_BROKER '${kind}': expected 'amqp' or 'redis'`);
}

/** A fresh, isolated broker namespace of this run's kind. */
export async function brokerFixture(kind: BrokerKind = brokerKind()): Promise<BrokerFixture> {
  switch (kind) {
    case "amqp":
      return await rabbitVhost();
    case "redis":
      // TODO(redis-e2e): a Redis database number per test file, flushed on remove().
      throw new Error("STALK_E2E_BROKER=redis is not supported by the e2e harness yet");
  }
}
