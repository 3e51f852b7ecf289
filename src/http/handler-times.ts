/**
 * The handler-duration histogram, counted where handlers run: a series is
 * an array of bucket counts bumped with no label hashing (prom-client's
 * `observe` hashes the label set on every call, which on the event path
 * cost more than the rest of the metrics together). At a scrape the
 * counts are handed to prom-client as a metric of its own, which writes
 * the exposition as it does for its own histograms.
 */

/** One label set's counts. */
export class HandlerSeries {
  /** Per bucket (not cumulative); the last is past every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * A histogram prom-client's registry can write: it has the members the
 * registry reads of a metric (`name`, `help`, `type`, `get`, `reset`).
 */
export class HandlerTimes {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly all: HandlerSeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {}

  /** A new series (the caller keeps it; label sets are not looked up). */
  series(labels: Record<string, string>): HandlerSeries {
    const found = this.all.find((s) => this.labelNames.every((n) => s.labels[n] === labels[n]));
    if (found !== undefined) return found;
    const series = new HandlerSeries(labels, this.bounds);
    this.all.push(series);
    return series;
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: Value[];
  }> {
    const values: Value[] = [];
    for (const s of this.all) {
      let cumulative = 0;
      for (const [i, bound] of this.bounds.entries()) {
        cumulative += s.counts[i]!;
        values.push({
          labels: { ...s.labels, le: bound },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push(
        { labels: { ...s.labels, le: "+Inf" }, value: s.count, metricName: `${this.name}_bucket` },
        { labels: s.labels, value: s.sum, metricName: `${this.name}_sum` },
        { labels: s.labels, value: s.count, metricName: `${this.name}_count` },
      );
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  reset(): void {
    this.all.length = 0;
  }
}
