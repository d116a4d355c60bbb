/**
 * The flywheel, run once on a fresh server (`npm run flywheel`): a cron-less version of a
 * continuous fine-tuning daemon (USE-CASES.md, team 2). README.md beside this file says what
 * each config file does.
 *
 *   npm run flywheel [-- --data-dir DIR] [--keep] [--webhook-url URL] [--json]
 *
 * 1. starts `trainyard server` on a fresh data directory (a temporary one unless --data-dir),
 *    with FLYWHEEL_HOOK_SECRET in its environment;
 * 2. applies the configs: the char-lm eval suite, the model with its promotion rule, the builtin
 *    serving target and an API key (src/cli/loop-kit.ts, as `demo --loop` does), automations.yaml,
 *    curriculum.yaml and inbox.yaml;
 * 3. round 0: trains the seed model (seed.yaml), which becomes production and is deployed;
 * 4. rounds 1 and 2: drops drops.ts's two files into the inbox one after the other; each becomes a
 *    dataset version and the curriculum's job at its current level, continued from production,
 *    evaluated, then promoted and deployed or refused by the registry; the first passes the
 *    curriculum's first level;
 * 5. prints a summary and stops every process it started, by pid.
 *
 * Every event is printed as it happens. The webhook receiver is this process's own (it checks
 * each signature), or --webhook-url's. With --json the summary is printed as JSON on stdout and
 * everything else on stderr. Exit code 0 when every round ran (a refusal is a result, not a
 * failure), 1 otherwise.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '../../src/sdk/client.ts';
import { createInboxClient } from '../../src/sdk/inbox-client.ts';
import { createRulesClient } from '../../src/sdk/rules-client.ts';
import { readAdminToken, readServerInfo } from '../../src/cli/connect.ts';
import { loadCurriculumFile } from '../../src/cli/curriculum-file.ts';
import { createCurriculaClient } from '../../src/sdk/curricula-client.ts';
import { loadJobFile } from '../../src/cli/job-file.ts';
import { startDetachedServer, stopProcess, stopServingProcesses, type LocalServer } from '../../src/cli/local-server.ts';
import { lastEventId, startEventPrinter, type EventPrinter } from '../../src/cli/loop-events.ts';
import { askServing, createLoopClients, setUpServing, type Answer } from '../../src/cli/loop-kit.ts';
import { sleep } from '../../src/cli/watch.ts';
import { makeDrops } from './drops.ts';
import { createFlywheelDescriber } from './events.ts';
import { installAutomations, installInbox } from './install.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { dropRound, seedRound, type Round } from './round.ts';
import { formatSummary, type Summary } from './summary.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const RULE = 'promotion-webhook';
const CURRICULUM = 'flywheel';

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    keep: { type: 'boolean', default: false },
    'webhook-url': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('npm run flywheel [-- --data-dir DIR] [--keep] [--webhook-url URL] [--json]\n(see examples/flywheel/README.md)\n');
  process.exit(0);
}

const say = (text: string) => (args.json ? process.stderr : process.stdout).write(text);
const startedAt = Date.now();
const dataDir = args['data-dir'] ? resolve(args['data-dir']) : mkdtempSync(join(tmpdir(), 'trainyard-flywheel-'));
if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
  process.stderr.write(`flywheel: --data-dir ${dataDir} is not empty; the flywheel starts on a fresh data directory\n`);
  process.exit(2);
}
const secret = process.env.FLYWHEEL_HOOK_SECRET || randomBytes(24).toString('hex');

let server: LocalServer | null = null;
let receiver: Receiver | null = null;
let printer: EventPrinter | null = null;
let exitCode = 1;
let cleaning: Promise<void> | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // `on`, not `once`: under `node --import tsx` a `once` listener is not called (tsx's own
  // signal handler counts listeners and exits first).
  process.on(signal, () => {
    if (cleaning) return;
    say(`\nflywheel: ${signal}: stopping what it started…\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}
try {
  if (!args['webhook-url']) {
    receiver = await startReceiver(secret, (d) => say(`  ⇢ webhook receiver: POST ${d.body?.event.type ?? '?'} (event ${d.body?.event.id ?? '?'}), signature ${d.signatureValid ? 'valid' : 'INVALID'}\n`));
  }
  const webhookUrl = args['webhook-url'] ?? receiver!.url;
  server = await startDetachedServer(dataDir, say, { env: { FLYWHEEL_HOOK_SECRET: secret } });
  const token = readAdminToken(dataDir)!;
  const options = { url: server.url, token };
  const client = createClient(options);
  const clients = createLoopClients(options);
  const ctx = { client, clients, inbox: createInboxClient(options), dataDir, say };

  say('\n== Set-up: eval suite, model with its promotion rule, serving target, API key, automations, curriculum ==\n');
  const serving = await setUpServing(clients, { repoRoot }, say);
  await applyAutomations(options, webhookUrl);
  const curricula = createCurriculaClient(options);
  await applyCurriculum(curricula);
  const drops = makeDrops(repoRoot, join(dataDir, 'drops'));
  printer = startEventPrinter(client, say, await lastEventId(client), createFlywheelDescriber());

  const rounds: Round[] = [];
  const answers: Answer[] = [];
  say('\n== Round 0: train the seed model (seed.yaml); the registry promotes it, the target deploys it ==\n');
  const seed = loadJobFile(join(here, 'seed.yaml'), repoRoot, { holds: 'a job file' });
  rounds.push(report(await seedRound(ctx, seed.spec as Record<string, unknown>)));
  answers.push(await ask());

  say('\n== Inbox on: every dropped file becomes a job of the curriculum at its current level, from production ==\n');
  say(`installed ${installInbox(join(here, 'inbox.yaml'), dataDir)}\n`);
  for (const [i, drop] of drops.entries()) {
    say(`\n== Round ${i + 1}: drop ${drop.name} ==\n`);
    rounds.push(report(await dropRound(ctx, i + 1, drop)));
    answers.push(await ask());
  }

  const firings = await waitFirings(options, rounds.filter((r) => r.decision === 'promoted').length);
  await printer.stop();
  printer = null;
  const curriculum = await curricula.get(CURRICULUM);
  const summary: Summary = {
    dataDir,
    wallSeconds: (Date.now() - startedAt) / 1000,
    rounds,
    production: rounds.at(-1)!.productionAfter,
    serving: { url: serving.url, version: answers.at(-1)!.version, text: answers.at(-1)!.text },
    curriculum: {
      name: curriculum.name, level: curriculum.level, levelName: curriculum.levelName, state: curriculum.state,
      history: curriculum.history.map((m) => ({ fromLevel: m.fromLevel, toLevel: m.toLevel, direction: m.direction, reason: m.reason, at: m.at })),
    },
    webhook: {
      url: webhookUrl,
      firings: firings.map((f) => ({ eventId: f.eventId, state: f.state, detail: f.detail })),
      received: receiver ? receiver.deliveries.map((d) => ({ eventId: d.body?.event.id ?? null, signatureValid: d.signatureValid })) : null,
    },
  };
  say(formatSummary(summary));
  if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  exitCode = 0;

  async function ask(): Promise<Answer> {
    const answer = await askServing(serving, 'The driver ');
    say(`serving answers (POST ${serving.url}/v1/completions, version ${answer.version ?? '?'}):\n  "The driver ${answer.text.replace(/\n/g, ' ')}"\n`);
    return answer;
  }
} catch (error) {
  if (!cleaning) say(`\nflywheel: ${(error as Error).message}\n`); // else: stopped by a signal
} finally {
  await cleanUp();
}
process.exit(exitCode);

/** Stops what this run started, each by its pid, once (at the end, or on Ctrl-C). */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await printer?.stop().catch(() => undefined);
    // The data directory is this run's own: a server recorded there is the one it started, even
    // when a signal came before it answered.
    const pid = server?.pid ?? readServerInfo(dataDir)?.pid ?? null;
    if (pid !== null) {
      await stopProcess(pid, server?.exited);
      say(`\nStopped the server (pid ${pid}).\n`);
    }
    for (const serving of await stopServingProcesses(dataDir)) say(`Stopped the serving process (pid ${serving}).\n`);
    await receiver?.close();
    if (args.keep || args['data-dir']) say(`The data directory stays: ${dataDir}\n`);
    else rmSync(dataDir, { recursive: true, force: true });
    say(`flywheel: ${exitCode === 0 ? 'done' : 'FAILED'} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
  })();
  return cleaning;
}

function report(round: Round): Round {
  const evaluation = round.evaluation ? `accuracy ${fmt(round.evaluation.values.accuracy)}, score ${fmt(round.evaluation.score)}` : 'not evaluated';
  const level = round.level ? ` (curriculum level ${round.level})` : '';
  say(`→ round ${round.round}: job ${round.jobId}${level} from ${round.initFrom ? `v${round.initFrom.version}` : 'scratch'}: ${evaluation}: ` +
    `${round.decision === 'promoted' ? `PROMOTED to v${round.version}` : 'REFUSED'} (${round.reason})\n`);
  return round;
}

/** Installs automations.yaml and waits until the server loaded the rule. */
async function applyAutomations(options: { url: string; token: string }, webhookUrl: string): Promise<void> {
  const rules = createRulesClient(options);
  const path = installAutomations(join(here, 'automations.yaml'), dataDir, webhookUrl);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const list = await rules.list();
    if (list.file.error) throw new Error(`${path}: ${list.file.error.message}`);
    if (list.rules.some((r) => r.name === RULE)) break;
    if (Date.now() > deadline) throw new Error(`the server did not load ${path} within 30 s`);
    await sleep(200);
  }
  say(`automations: ${RULE} POSTs every move of char-lm@production to ${webhookUrl}, signed (installed ${path})\n`);
}

/** Applies curriculum.yaml through the API, as `trainyard curriculum apply` does. */
async function applyCurriculum(curricula: ReturnType<typeof createCurriculaClient>): Promise<void> {
  const file = loadCurriculumFile(join(here, 'curriculum.yaml'), repoRoot);
  const applied = await curricula.apply(CURRICULUM, file.spec as never);
  const { spec } = applied.curriculum;
  say(`curriculum ${CURRICULUM}: levels ${spec.levels.map((l) => l.name).join(' → ')}; a level is passed when ${spec.metric} ≥ ${spec.promote.atLeast} ` +
    `on ${spec.promote.over} evaluation(s) of its jobs; now at ${applied.curriculum.levelName}\n`);
}

/** The webhook rule's firings once there is one per promotion and none is running. */
async function waitFirings(options: { url: string; token: string }, promotions: number) {
  const rules = createRulesClient(options);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const firings = (await rules.firings(RULE, 100)).reverse();
    const finished = firings.length >= promotions && firings.every((f) => f.state !== 'running');
    if (finished && (!receiver || receiver.deliveries.length >= promotions)) return firings;
    if (Date.now() > deadline) return firings;
    await sleep(200);
  }
}

function fmt(x: unknown): string {
  return typeof x === 'number' ? Number(x.toPrecision(4)).toString() : 'none';
}
