import { legacyIds } from "./auth.ts";
import type { LogFields } from "./log.ts";
import type { ResolvedOptions } from "./options.ts";

/** A start-up warning: the log event and its fields. */
export interface Warning {
  event: string;
  fields: LogFields;
}

/** True for an address only this host can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}

/** What an operator should hear about before the server takes connections. */
export function startupWarnings(options: ResolvedOptions): Warning[] {
  const warnings: Warning[] = [];
  if (options.tokens === undefined && options.admins.size > 0 && !isLoopback(options.host)) {
    warnings.push({
      event: "open_admins",
      fields: {
        host: options.host,
        admins: [...options.admins],
        message:
          `open mode (no tokens) with admins, listening on ${options.host}: ` +
          "anyone who can reach this address and says `identify` with an admin's ID is that admin; " +
          "use --tokens, or listen on 127.0.0.1",
      },
    });
  }
  const legacy = options.tokens === undefined ? [] : legacyIds(options.tokens);
  if (legacy.length > 0) {
    warnings.push({
      event: "unsalted_tokens",
      fields: {
        ids: legacy.slice(0, 10),
        count: legacy.length,
        message:
          `${legacy.length} token hash(es) are unsalted SHA-256 from an earlier version; ` +
          "make salted ones with `scalar hash-token ID`",
      },
    });
  }
  return warnings;
}
