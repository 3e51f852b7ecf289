/**
 * Counting connections per client address, so that one host cannot take
 * every connection slot.
 */

/**
 * The key an address is counted under: an IPv4 address as it is (an
 * IPv4-mapped IPv6 one as its IPv4 form), an IPv6 address by its first 64
 * bits, since one host is usually given a whole /64.
 */
export function addressKey(address: string): string {
  const zone = address.indexOf("%");
  const bare = (zone === -1 ? address : address.slice(0, zone)).toLowerCase();
  if (!bare.includes(":")) return bare;
  if (bare.startsWith("::ffff:") && bare.includes(".")) return bare.slice("::ffff:".length);
  const groups = expandIpv6(bare);
  if (groups === undefined) return bare;
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** The eight groups of an IPv6 address (no leading zeros), or undefined if it is not one. */
function expandIpv6(address: string): string[] | undefined {
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 1 || halves[1] === "" ? [] : halves[1]!.split(":");
  // An embedded IPv4 tail (a.b.c.d) counts as two groups; only the /64 matters here.
  const last = tail.length > 0 ? tail : head;
  if (last.length > 0 && last[last.length - 1]!.includes(".")) last.splice(-1, 1, "0", "0");
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...tail];
  for (let i = 0; i < groups.length; i++) {
    if (!/^[0-9a-f]{1,4}$/.test(groups[i]!)) return undefined;
    groups[i] = groups[i]!.replace(/^0+(?=.)/, "");
  }
  return groups;
}

/** Open connections per address key. */
export class ConnectionsPerAddress {
  private readonly counts = new Map<string, number>();

  /** Counts one more connection from `key`; returns how many it has now. */
  open(key: string): number {
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count;
  }

  /** Counts one connection from `key` less. */
  close(key: string): void {
    const count = (this.counts.get(key) ?? 0) - 1;
    if (count > 0) this.counts.set(key, count);
    else this.counts.delete(key);
  }

  /** Addresses with an open connection (for tests: nothing is kept for closed ones). */
  get size(): number {
    return this.counts.size;
  }
}
