/**
 * Commands through the middleware chain: 100 registered commands, a message
 * that matches the last one registered (the worst case for a linear chain)
 * and one that matches none.
 *
 *   bun bench/dispatch.bench.ts
 */
import { bench, run, summary } from "mitata";
import { CommandRegistry } from "../src/bot/commands.ts";
import { type ChainContext, Composer } from "../src/bot/composer.ts";
import { Cooldowns } from "../src/bot/cooldown.ts";

const bot = new Composer<ChainContext>({
  prefix: "!",
  commands: new CommandRegistry(),
  cooldowns: new Cooldowns(),
  isAdmin: () => false,
});
// As bots run it: every handler guarded so a throw is reported, not fatal.
const guarded = new Composer<ChainContext>({
  prefix: "!",
  commands: new CommandRegistry(),
  cooldowns: new Cooldowns(),
  isAdmin: () => false,
  report: () => {},
});
let handled = 0;
for (let i = 0; i < 100; i++) {
  for (const chain of [bot, guarded]) {
    chain.command(`cmd${i}`, { args: "<n:int> [rest...]" }, () => {
      handled++;
    });
  }
}

const context = (body: string): ChainContext => ({
  kind: "message",
  topic: "#bench@localhost",
  from: "alice@localhost",
  body,
  replayed: false,
  reply: async () => {},
});

summary(() => {
  bench("dispatch !cmd99 (last of 100 commands)", async () => {
    await bot.run(context("!cmd99 42 some words"));
  });
  bench("dispatch !cmd99 with error guards (as bots run it)", async () => {
    await guarded.run(context("!cmd99 42 some words"));
  });
  bench("dispatch a plain message (no command matches)", async () => {
    await bot.run(context("just chatting"));
  });
});

await run();
if (handled === 0) throw new Error("the benchmark dispatched nothing");
