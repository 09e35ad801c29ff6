export { kafka, KafkaClient, type KafkaClientOptions } from './client.js';
