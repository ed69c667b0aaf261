export { Timers } from "../util/timers.js";
