// The pure protocol layer in one import: the catalogue, the codec, decoders, identity, dump,
// feedbacks. The frame parser (frames.ts) is imported on its own by the link.
export * from "./catalogue/index.js";
export * from "./codec.js";
export * from "./decoders.js";
export * from "./dump.js";
export { formatDump, type TokenizedDump, tokenizeDump } from "./dump-format.js";
export * from "./errors.js";
export * from "./escape.js";
export * from "./feedbacks.js";
export * from "./identity.js";
export type * from "./types.js";
