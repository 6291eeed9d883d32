/**
 * A small Prometheus registry: labelled counters, gauges and histograms rendered in the text
 * exposition format (version 0.0.4). Enough for Flower's metrics without a dependency.
 */

type Labels = readonly string[];

/** One metric family: a name, help, type and its labelled series. */
abstract class Family<T> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: Labels;
  protected readonly series = new Map<string, { labels: Labels; value: T }>();

  constructor(name: string, help: string, labelNames: Labels) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  protected entry(labels: Labels, make: () => T): { labels: Labels; value: T } {
    const key = labels.join("\u0000");
    let found = this.series.get(key);
    if (!found) {
      found = { labels, value: make() };
      this.series.set(key, found);
    }
    return found;
  }

  /** Drops every series whose label `name` has the value `value`. */
  removeWhere(name: string, value: string): void {
    const index = this.labelNames.indexOf(name);
    if (index === -1) return;
    for (const [key, entry] of this.series) {
      if (entry.labels[index] === value) this.series.delete(key);
    }
  }

  abstract render(): string;

  protected header(type: string): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${type}\n`;
  }

  protected labelText(labels: Labels, extra = ""): string {
    const parts = labels.map((value, i) => `${this.labelNames[i]}="${escapeLabel(value)}"`);
    if (extra) parts.push(extra);
    return parts.length ? `{${parts.join(",")}}` : "";
  }
}

/** A monotonically increasing count. */
export class Counter extends Family<{ n: number }> {
  inc(labels: Labels, by = 1): void {
    this.entry(labels, () => ({ n: 0 })).value.n += by;
  }

  render(): string {
    let out = this.header("counter");
    for (const { labels, value } of this.series.values()) {
      out += `${this.name}${this.labelText(labels)} ${formatNumber(value.n)}\n`;
    }
    return out;
  }
}

/** A value that goes up and down. */
export class Gauge extends Family<{ n: number }> {
  set(labels: Labels, value: number): void {
    this.entry(labels, () => ({ n: 0 })).value.n = value;
  }

  inc(labels: Labels, by = 1): void {
    this.entry(labels, () => ({ n: 0 })).value.n += by;
  }

  render(): string {
    let out = this.header("gauge");
    for (const { labels, value } of this.series.values()) {
      out += `${this.name}${this.labelText(labels)} ${formatNumber(value.n)}\n`;
    }
    return out;
  }
}

/** Observations counted into cumulative buckets, with their sum and count. */
export class Histogram extends Family<{ counts: number[]; sum: number; count: number }> {
  readonly buckets: number[];

  constructor(name: string, help: string, labelNames: Labels, buckets: number[]) {
    super(name, help, labelNames);
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    const entry = this.entry(
      labels,
      () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }),
    );
    const series = entry.value;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) series.counts[i]++;
    series.sum += value;
    series.count++;
  }

  render(): string {
    let out = this.header("histogram");
    for (const { labels, value } of this.series.values()) {
      this.buckets.forEach((bound, i) => {
        const le = `le="${formatNumber(bound)}"`;
        out += `${this.name}_bucket${this.labelText(labels, le)} ${value.counts[i]}\n`;
      });
      out += `${this.name}_bucket${this.labelText(labels, 'le="+Inf"')} ${value.count}\n`;
      out += `${this.name}_sum${this.labelText(labels)} ${formatNumber(value.sum)}\n`;
      out += `${this.name}_count${this.labelText(labels)} ${value.count}\n`;
    }
    return out;
  }
}

/** prometheus_client's default buckets, which Flower uses for task runtimes. */
export const DEFAULT_BUCKETS = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
