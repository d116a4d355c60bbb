import { runExecutorContract } from '../executor-contract.ts';
import { createLocalExecutor } from './local-executor.ts';

runExecutorContract('local', () => createLocalExecutor({ adoptPollMs: 50 }));
