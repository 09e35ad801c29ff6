export { startBroker, brokerOptionsSchema, type Broker, type BrokerOptions } from './server.js';
