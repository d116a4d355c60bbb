import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobDetail } from '../sdk/client.ts';
import { renderJobDetail, renderJobTable } from './jobs.ts';

const NOW = 1_700_000_000_000;
/** Every user-supplied text of the job carries a control character. */
const job: JobDetail = {
  id: 4,
  name: 'report\u202egnp.exe',
  spec: {
    name: 'report\u202egnp.exe',
    command: ['python', 'train.py', '\u001b[2J'],
    shell: false,
    cwd: '/work/\u0007bell',
    env: { 'K\u009bEY': 'v' },
    params: { 'lr\u0000': 0.1, note: 'a\u2066b' },
    resources: { gpus: 0, cpus: 1 },
    maxRetries: 3,
    keepCheckpoints: 3,
    stopGraceSeconds: 30,
    tags: ['night\u001bly'],
    priority: { class: 'normal', value: 0 },
    preemptible: false,
    after: [],
    timeLimitSeconds: null,
    owner: null,
    watchdog: { stuckSeconds: null, divergence: null },
  },
  state: 'failed',
  createdAt: NOW - 60_000,
  startedAt: NOW - 50_000,
  endedAt: NOW - 10_000,
  attempts: 1,
  notBefore: null,
  outcome: { kind: 'cuda-oom', detail: 'CUDA out of memory\u001b[0m', retryable: true },
  stopRequested: false,
  stopReason: null,
  progress: { step: 10, total: 100, rate: null, etaSeconds: null, message: 'epoch 1\r\u001b[1Aup' },
  priority: { class: 'normal', value: 0 },
  queuedAt: NOW - 60_000,
  paramsOverride: null,
  initFrom: null,
  createdByToken: null,
  runs: [],
  latest: {},
};

/** Control characters C0, DEL, C1, bidi overrides/isolates, line separators. */
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

describe('job output', () => {
  it('prints no raw control character of user text in ls', () => {
    const text = renderJobTable([job], NOW);
    assert.doesNotMatch(text.replace(/\n/g, ''), RAW_CONTROL);
    assert.match(text, /report\\u202egnp\.exe/);
    assert.match(text, /epoch 1\\r\\x1b\[1Aup/);
    assert.match(text, /CUDA out of memory\\x1b\[0m/);
  });

  it('prints no raw control character of user text in show', () => {
    const text = renderJobDetail(job, NOW);
    assert.doesNotMatch(text.replace(/\n/g, ''), RAW_CONTROL);
    assert.match(text, /^job 4: report\\u202egnp\.exe$/m);
    assert.match(text, /^message: +epoch 1\\r\\x1b\[1Aup$/m);
    assert.match(text, /^tags: +night\\x1bly$/m);
    assert.match(text, /^params: +lr\\x00=0\.1 note="a\\u2066b"$/m);
    assert.match(text, /^cwd: +\/work\/\\x07bell$/m);
    assert.match(text, /^env: +K\\x9bEY$/m);
  });

  it('shows the remedies, the stopWhen target, and each run\'s changed params and peak GPU memory', () => {
    const run = {
      id: 7, jobId: 4, attempt: 1, state: 'failed' as const, startedAt: NOW - 50_000, endedAt: NOW - 40_000, handle: null, pid: null,
      exitCode: 1, signal: null, outcome: { kind: 'cuda-oom' as const, detail: 'CUDA out of memory', retryable: true }, resumedFrom: null,
      resumeStep: null, logPath: '/l', lastHeartbeatAt: null, gpus: [0], cpus: 0, params: { batch_size: 16, grad_accum: 1 }, peakGpuMemoryMiB: 79_872,
    };
    const detail: JobDetail = {
      ...job,
      spec: {
        ...job.spec,
        params: { batch_size: 16, grad_accum: 1 },
        remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5, min: 1, round: true }, grad_accum: { multiply: 2, max: 64 } }, maxTimes: 3 } },
        stopWhen: { metric: 'val_loss', below: 0.45 },
      },
      paramsOverride: { batch_size: 8, grad_accum: 2 },
      runs: [run, { ...run, id: 8, attempt: 2, params: { batch_size: 8, grad_accum: 2 }, peakGpuMemoryMiB: null }],
    };
    const text = renderJobDetail(detail, NOW);
    assert.match(text, /^remedies: +on cuda-oom retry with batch_size ×0\.5 \(min 1, rounded\), grad_accum ×2 \(max 64\); at most 3 times$/m);
    assert.match(text, /^stop when: +val_loss < 0\.45 \(the job then succeeds\)$/m);
    assert.match(text, /^next params: +batch_size=8 grad_accum=2 \(over params, by a retry\)$/m);
    assert.match(text, /PARAMS \(CHANGED\) +PEAK GPU MEM$/m);
    assert.match(text, /^ +1 .* - +78 GiB$/m);
    assert.match(text, /^ +2 .* batch_size=8 grad_accum=2 +-$/m);
    assert.doesNotMatch(renderJobDetail({ ...job, runs: [{ ...run, params: job.spec.params, peakGpuMemoryMiB: null }] }, NOW), /PARAMS|PEAK/);
  });
});
