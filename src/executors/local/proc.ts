/** The slice of /proc and cgroup files the local executor reads. Linux only; null elsewhere. */
import { readdirSync, readFileSync } from 'node:fs';

/** Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot. */
export function readProcStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : null;
  } catch {
    return null;
  }
}

/** True when the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The arguments a process was started with; null when it is gone or /proc does not say. */
export function readCmdline(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return null;
  }
}

/** The cgroup v2 `oom_kill` counter of this process's cgroup, or null where unavailable. */
export function readOomKillCount(): number | null {
  try {
    const cgroup = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').find((l) => l.startsWith('0::'));
    const path = cgroup ? `/sys/fs/cgroup${cgroup.slice(3)}/memory.events` : '/sys/fs/cgroup/memory.events';
    const events = readFileSync(path.replace(/\/+/g, '/'), 'utf8');
    const match = /^oom_kill (\d+)$/m.exec(events);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Whether `pid` (a wrapper shell) has started its command: it has a child, and that child has
 * exec'd (its command line is no longer the shell's own, as it is between fork and exec).
 * True where the kernel does not say.
 */
export function commandStarted(pid: number): boolean {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (children === '') return false;
    const child = children.split(' ')[0];
    return readFileSync(`/proc/${child}/cmdline`).compare(readFileSync(`/proc/${pid}/cmdline`)) !== 0;
  } catch {
    return true;
  }
}

/** The children of `pid` (all its threads'), from /proc; empty when it is gone or /proc does not say. */
export function readChildren(pid: number): number[] {
  try {
    const children: number[] = [];
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text !== '') children.push(...text.split(' ').map(Number));
    }
    return children;
  } catch {
    return [];
  }
}

/** `pid` and every process below it, as /proc shows them now. */
export function processTree(pid: number): Set<number> {
  const tree = new Set<number>([pid]);
  const todo = [pid];
  while (todo.length > 0) {
    for (const child of readChildren(todo.pop()!)) {
      if (!tree.has(child)) {
        tree.add(child);
        todo.push(child);
      }
    }
  }
  return tree;
}

/** One variable of a process's environment as it was started; null when unset or unreadable. */
export function readEnvVar(pid: number, name: string): string | null {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith(`${name}=`));
    return entry === undefined ? null : entry.slice(name.length + 1);
  } catch {
    return null;
  }
}
