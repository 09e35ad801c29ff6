/** Path and query parameters shared by several routes. */
import { z } from 'zod';

export const topicName = z.string().min(1).max(249).describe('a topic name');
export const topicParams = z.object({ topic: topicName });
export const partitionParams = z.object({ topic: topicName, partition: z.coerce.number().int().min(0).describe('a partition number') });
export const groupParams = z.object({ group: z.string().min(1).describe('a consumer group id') });
export const connectorParams = z.object({ name: z.string().min(1).describe('a connector name') });
