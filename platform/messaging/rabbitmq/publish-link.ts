import type { ChannelModel } from 'amqplib';
import { errorText, type MessagingLog } from '../log.js';
import { ConnectionKeeper, type KeeperOptions } from './connection.js';
import type { DeclaredTopologies } from './declared-topologies.js';
import type { ConfirmPublisher } from './publisher.js';

type KeeperDefaults = Omit<KeeperOptions, 'name' | 'setup' | 'afterReady' | 'onLost'>;

/**
 * The publishing connection: on each (re)connect it redeclares the topologies and gives the
 * publisher a confirm channel; a channel lost on a live connection (a channel error) is reopened.
 */
export function openPublishLink(opts: {
  keeper: KeeperDefaults;
  name: string;
  topologies: DeclaredTopologies;
  publisher: ConfirmPublisher;
  log: MessagingLog;
  isClosed: () => boolean;
}): ConnectionKeeper {
  const { publisher, log } = opts;
  async function openChannel(conn: ChannelModel): Promise<void> {
    const ch = await conn.createConfirmChannel();
    ch.on('close', () => {
      // Lost with the connection: the keeper sets up a new one. Lost alone (a channel error): reopen.
      if (!opts.isClosed() && keeper.current() === conn) {
        openChannel(conn).catch((err) =>
          log.warn({ err: errorText(err) }, 'reopening the publish channel failed'),
        );
      }
    });
    publisher.attach(ch);
  }
  const keeper: ConnectionKeeper = new ConnectionKeeper({
    ...opts.keeper,
    name: `${opts.name}:publish`,
    async setup(conn) {
      await opts.topologies.declareOn(conn);
      await openChannel(conn);
    },
    onLost: () => undefined,
  });
  keeper.start();
  return keeper;
}
