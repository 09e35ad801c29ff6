export { json, string, bytes, SerdeError, type Serde } from './serde.js';
