import { userFeed } from '#contracts/common.js';
import type { UserFeed } from '#platform/host/user-replica.js';

/**
 * UserCreated (from Common): upserted into this service's `user_replica`, to link logins to residents later (a resident's portal) without calling Common. The host
 * registers the handler, `community.users.user-created`, and creates the table from this declaration.
 */
export const users: UserFeed = userFeed;
