// Worker thread body of wal-checkpointer.ts: its own connection to the database file, on which
// it runs a PASSIVE checkpoint (copy WAL frames into the database, then fsync) each time the
// main thread asks. Plain JavaScript, so it starts without a TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.path, { fileMustExist: true });
// This connection never writes: it only checkpoints, and skips a round when busy.
db.pragma('busy_timeout = 0');

parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, walFrames: result.log, checkpointed: result.checkpointed });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error?.message ?? error) });
  }
});
