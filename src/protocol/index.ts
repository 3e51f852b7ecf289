/**
 * The Scalar v1 protocol, pure: bytes in, typed messages out. No sockets, no
 * timers. The wire contract is docs/protocol.md.
 */
export { decodeCbor, encodeCbor, MAX_DEPTH, SimpleValue, Tagged } from "./cbor.ts";
export * from "./codec.ts";
export { DateTime } from "./datetime.ts";
export * from "./errors.ts";
export { FieldReader, isWireMap, utf8Length, type WireMap } from "./fields.ts";
export { encodeFrame, FrameDecoder, MAX_FRAME, MAX_PAYLOAD } from "./frame.ts";
export * from "./messages.ts";
export * from "./names.ts";
