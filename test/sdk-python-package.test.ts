/**
 * The Python SDK installs as a package: `pip install ./sdk/python` into a fresh virtual
 * environment, offline (no package index), then imported and used from that environment.
 * Needs Debian's python3-venv, python3-setuptools and python3-wheel (the build backend and
 * the `bdist_wheel` it calls); skipped with the reason when they are missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO, requireOrSkip, tempDir } from './harness.ts';

const PYTHON = '/usr/bin/python3';
const SDK_DIR = join(REPO, 'sdk', 'python');

function canBuild(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import venv, ensurepip, setuptools, wheel'], { stdio: 'ignore' }).status === 0;
}

const skip = requireOrSkip(canBuild(), 'python3-venv, python3-setuptools and python3-wheel (Debian packages)');

/** The environment of a machine with no pip configuration and no package index. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PIP_CONFIG_FILE: '/dev/null', PIP_NO_INDEX: '1' };
  return env;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const USE = `
import importlib.metadata, importlib.util, json, sys, trainyard
run = trainyard.init(offline="none")
run.log({"loss": 0.5}, step=0)
run.close()
print(json.dumps({
    "file": trainyard.__file__,
    "version": trainyard.SDK_VERSION,
    "dist": importlib.metadata.version("trainyard"),
    "requires": importlib.metadata.requires("trainyard"),
    "bridge": importlib.util.find_spec("trainyard_optuna").origin,
}))
`;

describe('Python SDK as a package', { skip }, () => {
  it('installs with pip from sdk/python, offline, with no dependencies, and imports from the venv', () => {
    const dir = tempDir('trainyard-sdk-py-package-');
    // A copy: setuptools builds in the source folder (build/, *.egg-info), not in the clone.
    const source = join(dir, 'python');
    cpSync(SDK_DIR, source, { recursive: true, filter: (path) => !/__pycache__|\/build$|egg-info/.test(path) });
    const venv = join(dir, 'venv');
    // --system-site-packages: the build backend comes from Debian's packages, not an index.
    run(PYTHON, ['-m', 'venv', '--system-site-packages', venv], dir);
    run(join(venv, 'bin', 'pip'), ['install', '--no-index', '--no-build-isolation', '--disable-pip-version-check', source], dir);
    const used = JSON.parse(run(join(venv, 'bin', 'python'), ['-c', USE], dir).trim().split('\n').at(-1)!);
    assert.ok(used.file.startsWith(join(venv, 'lib')), `imported from ${used.file}, not the venv`);
    assert.equal(used.dist, used.version, 'the package version is SDK_VERSION');
    assert.equal(used.requires, null, 'no dependencies');
    assert.ok(used.bridge.startsWith(join(venv, 'lib')), `the Optuna bridge is installed with it: ${used.bridge}`);
  });
});
