/** A stand-in for the `+switch-master` subscription, shared by the broker and backend tests. */
import type { RedisNode } from "../../../src/celery/sentinel.ts";
import type { WatchSwitches } from "../../../src/broker/sentinel_watch.ts";

/** A fake watch: `subscribe` goes where a `WatchSwitches` goes, `announce` plays a switch. */
export function fakeSwitchWatch() {
  const fake = {
    /** Plays a sentinel's `+switch-master`; a no-op until something subscribed. */
    announce: (_master: RedisNode, _sentinel: string) => {},
    /** Whether the subscription was closed. */
    closed: false,
    subscribe: ((_config, onSwitch) => {
      fake.announce = onSwitch;
      return {
        close: () => {
          fake.closed = true;
          return Promise.resolve();
        },
      };
    }) as WatchSwitches,
  };
  return fake;
}
