/**
 * `npm start`: every service and the simulated gateway in one process. Embedded by default
 * (PGlite under ./.dhanman + the in-process bus); seeds the demo organization on first start.
 */
import { exitOnConfigError } from '#platform/config/env.js';
import { startSystem } from './system.js';

try {
  const system = await startSystem({ env: process.env, seed: true, handleSignals: true, console: true });
  system.printWelcome();
} catch (err) {
  exitOnConfigError(err);
}
