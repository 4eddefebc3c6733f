/**
 * `npm start`: every service and the simulated gateway in one process. Embedded by default
 * (PGlite under ./.dhanman + the in-process bus); seeds the demo organization on first start.
 */
import { exitOnConfigError } from '#platform/config/env.js';
import { SERVICE_NAMES } from '#contracts/services.js';
import { refuseDefaultSecretsFor } from './production-secrets.js';

try {
  // On PostgreSQL + RabbitMQ: no built-in secret and no public demo password (see the check).
  refuseDefaultSecretsFor(SERVICE_NAMES, true, process.env);
  const { startSystem } = await import('./system.js');
  const system = await startSystem({ env: process.env, seed: true, handleSignals: true, console: true });
  system.printWelcome();
} catch (err) {
  exitOnConfigError(err);
}
