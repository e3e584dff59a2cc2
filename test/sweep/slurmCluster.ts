// A real single-node Slurm cluster for the tests, entirely inside a temporary
// directory: munged with a generated key and its own socket, slurmctld and
// slurmd in the foreground as child processes of the test, on free ports of
// localhost. stop() cancels every job and ends every daemon it started.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../helpers.js';

const SBIN = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
export const SLURM_PROGRAMS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'sinfo'];

export function findProgram(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...SBIN]) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Polls `check` every `everyMs` until it returns a value, or throws after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | null | undefined | false, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class SlurmCluster {
  readonly dir = tempDir('ampfit-slurm-');
  readonly conf = join(this.dir, 'slurm.conf');
  private readonly daemons: Array<{ name: string; child: ChildProcess }> = [];
  /** What the sweep commands need in their environment to reach this cluster. */
  readonly env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: this.conf };

  async start(): Promise<void> {
    chmodSync(this.dir, 0o700);
    const munge = join(this.dir, 'munge');
    for (const d of [munge, join(this.dir, 'state'), join(this.dir, 'spool'), join(this.dir, 'log')]) mkdirSync(d, { mode: 0o700 });
    const key = join(munge, 'munge.key');
    writeFileSync(key, randomBytes(1024), { mode: 0o600 });
    const socket = join(munge, 'munge.socket');
    this.daemon('munged', findProgram('munged') as string, [
      '--foreground', '--force', `--key-file=${key}`, `--socket=${socket}`,
      `--pid-file=${join(munge, 'munged.pid')}`, `--seed-file=${join(munge, 'munged.seed')}`, `--log-file=${join(this.dir, 'log/munged.log')}`,
    ]);
    await waitFor('munged to create its socket', 10000, () => existsSync(socket));

    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    // Memory is not scheduled (CR_Core): with it, a job asking for none would take the whole node.
    const realMemoryMb = Math.max(256, Math.floor(totalmem() / 2 ** 20) - 512);
    writeFileSync(
      this.conf,
      [
        'ClusterName=ampfittest',
        'SlurmctldHost=localhost(127.0.0.1)',
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'MpiDefault=none',
        `StateSaveLocation=${join(this.dir, 'state')}`,
        `SlurmdSpoolDir=${join(this.dir, 'spool')}`,
        `SlurmctldPidFile=${join(this.dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${join(this.dir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${join(this.dir, 'log/slurmctld.log')}`,
        `SlurmdLogFile=${join(this.dir, 'log/slurmd.log')}`,
        'ReturnToService=2',
        // scancel's SIGKILL follows its SIGTERM after this many seconds.
        'KillWait=5',
        'MinJobAge=600',
        `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${availableParallelism()} RealMemory=${realMemoryMb} State=UNKNOWN`,
        'PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    this.daemon('slurmctld', findProgram('slurmctld') as string, ['-D', '-c', '-i', '-f', this.conf]);
    this.daemon('slurmd', findProgram('slurmd') as string, ['-D', '-N', 'localhost', '-f', this.conf]);
    try {
      await waitFor('the node to come up', 30000, () => {
        const r = this.run('sinfo', ['--noheader', '--format=%t']);
        return r.status === 0 && /^idle/m.test(r.stdout);
      }, 200);
    } catch (e) {
      const reason = this.run('sinfo', ['--noheader', '--list-reasons']).stdout.trim();
      throw new Error(`${(e as Error).message}${reason === '' ? '' : `; sinfo says: ${reason}`}\n${this.logs()}`);
    }
  }

  run(program: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(program, args, { env: this.env, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** The daemons' logs, for a failing assertion's message. */
  logs(): string {
    return ['munged.out', 'slurmctld.out', 'slurmctld.log', 'slurmd.out', 'slurmd.log'].map((name) => {
      const f = join(this.dir, 'log', name);
      return existsSync(f) ? `--- ${f}:\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}` : '';
    }).join('\n');
  }

  async stop(): Promise<void> {
    if (this.daemons.length === 0) return;
    // Batch steps outlive slurmd: cancel them first, while slurmctld still answers.
    this.run('scancel', ['--me']);
    await waitFor('the cancelled jobs to end', 20000, () => {
      const r = this.run('squeue', ['--noheader', '--me']);
      return r.status !== 0 || r.stdout.trim() === '';
    }, 200).catch(() => undefined);
    for (const { child } of [...this.daemons].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    this.daemons.length = 0;
  }

  private daemon(name: string, program: string, args: readonly string[]): void {
    const out = openSync(join(this.dir, 'log', `${name}.out`), 'a');
    const child = spawn(program, args, { env: this.env, stdio: ['ignore', out, out] });
    this.daemons.push({ name, child });
  }
}
