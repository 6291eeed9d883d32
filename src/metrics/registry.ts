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

  /** The series for `labels`, created on first use; keep it to update without a lookup. */
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

  /** Every series' labels and value, in creation order (values are live: copy before keeping). */
  entries(): { labels: Labels; value: T }[] {
    return [...this.series.values()];
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

/** A value cell of one series, updated in place. */
export interface Cell {
  n: number;
}

/** A monotonically increasing count. */
export class Counter extends Family<Cell> {
  inc(labels: Labels, by = 1): void {
    this.entry(labels, () => ({ n: 0 })).value.n += by;
  }

  /** The cell of one series, to increment directly. */
  cell(labels: Labels): Cell {
    return this.entry(labels, () => ({ n: 0 })).value;
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
export class Gauge extends Family<Cell> {
  /** The cell of one series, to set directly. */
  cell(labels: Labels): Cell {
    return this.entry(labels, () => ({ n: 0 })).value;
  }

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

/** One histogram series: bucket counts, sum and count. */
export interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets, with their sum and count. */
export class Histogram extends Family<HistogramSeries> {
  readonly buckets: number[];

  constructor(name: string, help: string, labelNames: Labels, buckets: number[]) {
    super(name, help, labelNames);
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    observeInto(this.seriesFor(labels), this.buckets, value);
  }

  /** The series of `labels`, to observe into directly with {@linkcode observeInto}. */
  seriesFor(labels: Labels): HistogramSeries {
    return this.entry(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }))
      .value;
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

/** Records `value` in a histogram series whose buckets are `buckets`. */
export function observeInto(series: HistogramSeries, buckets: number[], value: number): void {
  for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]) series.counts[i]++;
  series.sum += value;
  series.count++;
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
