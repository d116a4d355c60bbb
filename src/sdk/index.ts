/**
 * Trainyard's TypeScript SDK: the reporter a training script uses (`init()`), and the HTTP
 * client the CLI and other tools use (`createClient()`).
 */
export * from './reporter.ts';
export * from './client.ts';
