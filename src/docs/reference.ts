// The configuration reference (docs/CONFIGURATION.md) and the topic/entity reference
// (docs/TOPICS.md), generated from the code that defines them: the convict schema, the MQTT topic
// map, the catalogue, the key derivation and the Home Assistant discovery builder. Nothing here is a
// second list: a new configuration key, catalogue row or topic shows up in the docs by itself, and
// test/docs/reference.test.ts fails when the committed files drift from this output.
export { configurationReference } from "./configuration.js";
export { topicReference } from "./topics.js";
