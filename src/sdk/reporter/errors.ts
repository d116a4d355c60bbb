/**
 * Errors the reporter SDK throws. Only the checkpoint helpers throw (for a bad path or a missing
 * file); `log`, `setTotal` and the background sender never do.
 */
export class ReporterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A checkpoint path is empty or leaves the checkpoint directory. */
export class CheckpointPathError extends ReporterError {
  constructor(
    readonly path: string,
    readonly checkpointDir: string,
    readonly reason: string,
  ) {
    super(`checkpoint path '${path}' ${reason} (checkpoint dir: ${checkpointDir})`);
  }
}

/** The checkpoint file to register, or the temporary file to rename, does not exist. */
export class CheckpointNotFoundError extends ReporterError {
  constructor(readonly path: string, options?: { cause?: unknown }) {
    super(`checkpoint file not found: ${path}`, options);
  }
}
