/** Resolves once `predicate` holds, checking after each turn of the event loop. */
export async function waitFor(predicate: () => boolean, turns = 1000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error("condition not reached");
}
