import type { MessageContract } from './contract.js';
import type { Envelope } from './envelope.js';

/**
 * How a service that keeps users learns them: the event that announces a user and the replica
 * row it becomes (`contracts/` defines both; the host registers the handler and the table).
 */
export interface UserFeed {
  contract: MessageContract;
  row(message: Envelope): { id: string } & Record<string, unknown>;
}
