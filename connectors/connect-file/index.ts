/** The connect-file assembly: read and validate a `sluice connect` file, then build its App. */
export { loadConnectFile, type LoadedConnectFile, type LoadedConnector } from './load.js';
export { buildConnectApp, connectFileClient, type BuildOptions } from './build.js';
export { connectFileSchema, describeZodError, type ConnectFile } from './schema.js';
export { resolveEnvReferences } from './env.js';
export { unknownKeys, type UnknownKey } from './unknown-keys.js';
