/**
 * A CBOR datetime (tag 1): seconds since the Unix epoch, UTC.
 *
 * Kept as the number that was on the wire rather than a `Date`, so a value
 * with sub-millisecond precision (a client's `ping.at`) is echoed unchanged.
 */
export class DateTime {
  constructor(readonly seconds: number) {}

  static fromMillis(ms: number): DateTime {
    return new DateTime(ms / 1000);
  }

  static fromDate(date: Date): DateTime {
    return new DateTime(date.getTime() / 1000);
  }

  static now(): DateTime {
    return DateTime.fromMillis(Date.now());
  }

  get millis(): number {
    return Math.round(this.seconds * 1000);
  }

  toDate(): Date {
    return new Date(this.millis);
  }

  toISOString(): string {
    return this.toDate().toISOString();
  }

  toJSON(): string {
    return this.toISOString();
  }
}
