export { startBroker, ListenError, brokerOptionsSchema, type Broker, type BrokerOptions } from './server.js';
