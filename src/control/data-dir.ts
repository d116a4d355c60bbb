/**
 * The data directory's layout, in one place.
 *
 *   <dataDir>/trainyard.db                  the SQLite store (default backend)
 *   <dataDir>/admin-token                   the admin token (0600), written at first start
 *   <dataDir>/server.json                   {url, pid} of the running server, for the CLI
 *   <dataDir>/server.lock                   pid of the server holding the directory
 *   <dataDir>/server.log                    requests that failed on the server (5xx), by request id
 *   <dataDir>/jobs/<job>/checkpoints/       TRAINYARD_CHECKPOINT_DIR, shared by the job's runs
 *   <dataDir>/jobs/<job>/spool/             TRAINYARD_SPOOL_DIR
 *   <dataDir>/jobs/<job>/runs/<attempt>/    log, allocation.json; the executor's files (local: pid, exit-status)
 *   <dataDir>/jobs/<job>/artifacts/<sha256> files the job's runs attached, read-only copies (control/artifacts.ts)
 *   <dataDir>/inbox.yaml                    the inbox's templates; absent: the inbox is off
 *   <dataDir>/inbox/                        high|normal|low|processing|done|failed (docs/inbox.md)
 *   <dataDir>/datasets/<sha256>/            registered dataset content, read-only copies (docs/datasets.md)
 *   <dataDir>/deploy/keys.json              hashes of the API keys in force (0600), read by serving processes (control/keys-file.ts)
 *   <dataDir>/deploy/<target>/              a deploy target's files (builtin: state.json, admin-secret, port, serve.log)
 */
import { join } from 'node:path';

export function createDataDirLayout(dataDir: string) {
  return Object.freeze({
    root: dataDir,
    database: join(dataDir, 'trainyard.db'),
    adminToken: join(dataDir, 'admin-token'),
    serverInfo: join(dataDir, 'server.json'),
    lock: join(dataDir, 'server.lock'),
    serverLog: join(dataDir, 'server.log'),
    inbox: join(dataDir, 'inbox'),
    inboxConfig: join(dataDir, 'inbox.yaml'),
    datasetDir: join(dataDir, 'datasets'),
    jobDir: (jobId: number) => join(dataDir, 'jobs', String(jobId)),
    artifactDir: (jobId: number) => join(dataDir, 'jobs', String(jobId), 'artifacts'),
    checkpointDir: (jobId: number) => join(dataDir, 'jobs', String(jobId), 'checkpoints'),
    spoolDir: (jobId: number) => join(dataDir, 'jobs', String(jobId), 'spool'),
    runDir: (jobId: number, attempt: number) => join(dataDir, 'jobs', String(jobId), 'runs', String(attempt)),
  });
}

export type DataDirLayout = ReturnType<typeof createDataDirLayout>;
