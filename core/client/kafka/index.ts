export { kafka, KafkaClient, type KafkaClientOptions } from './client.js';
export { BrokerUnreachableError, KafkaAuthenticationError, KafkaClientError } from './errors.js';
