import { userFeed } from '#contracts/common.js';
import type { UserFeed } from '#platform/host/user-replica.js';

/**
 * UserCreated (from Common): upserted into this service's `user_replica`, the addresses and names
 * mail goes to. The host registers the handler, `notification.users.user-created`, and creates the
 * table from this declaration.
 */
export const users: UserFeed = userFeed;
