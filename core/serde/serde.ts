/**
 * Serdes: how typed keys and values become bytes in topics and back, one file each. This module
 * gathers them for the DSL's imports.
 */
export { producerValue, type Serde } from './types.js';
export { SerdeError } from './serde-error.js';
export { json, jsonOrText } from './json.js';
export { string } from './string.js';
export { bytes } from './bytes.js';
