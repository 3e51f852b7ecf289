import { randomBytes } from "node:crypto";

/**
 * Epoch names (protocol.md §5 Epochs). A topic gets a new one whenever its
 * numbering starts again at 1: at its first event, after its state was
 * released, and in a memory history at every start. The names need to be
 * unique, not secret: this process's start time and 72 random bits make a
 * prefix no other start shares, and a counter tells this process's epochs
 * apart. At most 8 + 1 + 12 + 1 + 11 = 33 bytes, within the 64 allowed.
 */
const prefix = `${Date.now().toString(36)}-${randomBytes(9).toString("base64url")}`;
let issued = 0;

/** A fresh epoch, never returned before in this or any other start. */
export function newEpoch(): string {
  issued++;
  return `${prefix}-${issued.toString(36)}`;
}
