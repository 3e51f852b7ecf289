/** The handler histogram: bucket counts as prom-client writes them, cumulative, with sum and count. */
import { expect, test } from "bun:test";
import { type Metric, Registry } from "prom-client";
import { HandlerTimes } from "../../src/http/handler-times.ts";
import { parseExposition } from "./prom-text.ts";

test("observations land in the first bucket at or above them; the exposition is cumulative", async () => {
  const times = new HandlerTimes("t_seconds", "times", ["bot", "plugin"], [0.001, 0.01, 0.1]);
  const registry = new Registry();
  registry.registerMetric(times as unknown as Metric);
  const a = times.series({ bot: "b@x", plugin: "a" });
  for (const s of [0.0005, 0.001, 0.002, 0.05, 3]) a.observe(s);
  times.series({ bot: "b@x", plugin: "b" }).observe(0.02);
  expect(times.series({ bot: "b@x", plugin: "a" })).toBe(a);
  const m = parseExposition(await registry.metrics());
  expect(m.types.get("t_seconds")).toBe("histogram");
  const bucket = (plugin: string, le: string) => m.value("t_seconds_bucket", { plugin, le });
  expect(["0.001", "0.01", "0.1", "+Inf"].map((le) => bucket("a", le))).toEqual([2, 3, 4, 5]);
  expect(["0.001", "0.01", "0.1", "+Inf"].map((le) => bucket("b", le))).toEqual([0, 0, 1, 1]);
  expect(m.value("t_seconds_count", { plugin: "a" })).toBe(5);
  expect(m.value("t_seconds_sum", { plugin: "a" })).toBeCloseTo(3.0535, 6);
});
