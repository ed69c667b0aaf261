export { TypedEmitter } from "../util/emitter.js";
