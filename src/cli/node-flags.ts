/**
 * Node flags for a `trainyard server` process started by another process (the demo, tests):
 * the same as `bin/trainyard.js`'s shebang line. 4 MB young-generation semi-spaces instead of
 * V8's 16 MB keep an idle server about 20 MB smaller.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
