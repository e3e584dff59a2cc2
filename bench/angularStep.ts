// One training step of zz8d's angular model (examples/zz8d-best.json's
// network: sk-DNN 3-128 on 4 production inputs, the l ≤ 2 head of two decays,
// the Born-shape term) without data loading, batching or validation: forward,
// backward and Adam on a fixed batch of random rows. Small enough to run under
// valgrind, whose instruction counts do not depend on the machine's load:
//
//   node dist/bench/angularStep.js [--steps 200] [--block 10] [--threads 1] [--batch 512] [--heads ts,native]
//   valgrind --tool=callgrind --smc-check=all node dist/bench/angularStep.js --steps 20
//
// --heads ts,native trains two copies side by side, one with the head on the
// TypeScript reference (what ran before the native kernel), one native,
// alternating blocks of --block steps so a change in the machine's load hits
// both alike. Per variant it prints the best and median wall ms per step over
// the blocks, the best CPU ms, the share of wall time in the head, dense and
// Adam kernel calls, and the loss after the steps (the same for every
// variant and build up to rounding). On this shared VM the CPU time of a 1-thread
// run moves far less with the load than its wall time (time slices taken by
// other processes are not charged to it); with 2 threads it also counts the
// pool's workers, spinning included.

import { getKernels, reference, type Kernels } from '../src/kernels/index.js';
import type { InputStageSpec } from '../src/features/angular.js';
import { Adam } from '../src/nn/adam.js';
import { BornShapeObjective } from '../src/nn/bornShapeObjective.js';
import { parseNetworkConfig } from '../src/nn/config.js';
import { glorotUniform } from '../src/nn/init.js';
import { Network } from '../src/nn/network.js';
import { innerOutputs, StructuredNetwork, zeroHeadOutputs } from '../src/nn/structuredNetwork.js';
import { TargetTransform } from '../src/transforms/target.js';
import { Rng } from '../src/util/rng.js';
import { foreignCpusSince, loadMark } from './machineLoad.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const decay = (cos: number, phi: number): { name: string; cos: { index: number; offset: number; scale: number }; phi: { index: number; offset: number; scale: number } } => ({
  name: `x${cos + 1}`, cos: { index: cos, offset: -1, scale: 2 }, phi: { index: phi, offset: 0, scale: 2 * Math.PI },
});

const STAGE: InputStageSpec = { inputDim: 9, plain: [0, 1, 2, 3], periodic: [], logEdges: [], angular: { lMax: 2, decays: [decay(4, 5), decay(6, 7)] } };

/** Kernel calls whose time the breakdown reports, by group. */
const TIMED: Record<string, readonly (keyof Kernels)[]> = {
  head: ['angularHeadForward', 'angularHeadBackward'],
  dense: ['denseForward', 'denseBackward', 'gemm'],
  adam: ['adamStep'],
};

/** The kernels with every TIMED call charged to its group in `spent` (ms); `tsHead`: the head on the TypeScript reference. */
function timedKernels(base: Kernels, tsHead: boolean, spent: Map<string, number>): Kernels {
  const k: Record<string, unknown> = { ...base };
  if (tsHead) {
    k.angularHeadForward = reference.angularHeadForward;
    k.angularHeadBackward = reference.angularHeadBackward;
  }
  for (const [group, names] of Object.entries(TIMED)) {
    for (const name of names) {
      const f = k[name] as ((...a: unknown[]) => unknown) | undefined;
      if (f === undefined) continue;
      k[name] = (...a: unknown[]): unknown => {
        const t = performance.now();
        const r = f(...a);
        spent.set(group, (spent.get(group) ?? 0) + performance.now() - t);
        return r;
      };
    }
  }
  return k as unknown as Kernels;
}

interface Variant {
  readonly name: string;
  readonly kernels: Kernels;
  readonly step: () => number;
  readonly spent: Map<string, number>;
  readonly blocks: { wall: number; cpu: number }[];
  loss: number;
}

function variant(name: string, native: Kernels, tsHead: boolean, batch: number): Variant {
  const spent = new Map<string, number>();
  const kernels = timedKernels(native, tsHead, spent);
  // The same seed for every variant: the same weights and rows.
  const rng = new Rng('angular-step');
  const outputs = innerOutputs(STAGE, true);
  const inner = new Network(parseNetworkConfig({ type: 'skdnn', inputDim: 4, depth: 3, width: 128, activation: { name: 'silu', param: 0 }, outputs }), kernels);
  glorotUniform(inner.plan, inner.params, rng);
  zeroHeadOutputs(inner.layers()[inner.layers().length - 1]);
  const yFit = Float64Array.from({ length: 1000 }, () => 0.1 + 0.05 * rng.normal());
  const net = new StructuredNetwork(STAGE, TargetTransform.fit('asinh-standardize', yFit).toJSON(), inner, { column: 8, shift: -20, scale: 2.5 });
  const objective = new BornShapeObjective(net, 1);
  const adam = new Adam(net.paramCount);
  const x = Float64Array.from({ length: batch * 9 }, (_, i) => (i % 9 === 8 ? rng.normal() : rng.uniform()));
  const y = Float64Array.from({ length: batch }, () => rng.normal());
  const step = (): number => {
    const loss = objective.lossAndGradient(x, y, batch);
    adam.update(kernels, net.params, net.grads, 1e-3);
    return loss;
  };
  return { name, kernels, step, spent, blocks: [], loss: NaN };
}

function main(): void {
  const steps = Number(option('steps', '200'));
  const block = Number(option('block', '10'));
  const batch = Number(option('batch', '512'));
  const native = getKernels('native');
  native.setThreads(Number(option('threads', '1')));
  // --heads ts,native alternates the head on the TypeScript reference (the code before the kernel) with the native one.
  const heads = option('heads', 'native').split(',');
  const variants = heads.map((h) => variant(h, native, h === 'ts', batch));
  // The first steps compile the hot paths; they are not timed.
  for (const v of variants) for (let s = 0; s < 5; s++) v.step();
  for (const v of variants) v.spent.clear();
  const mark = loadMark();
  let totalWall = 0;
  for (let done = 0; done < steps; done += block) {
    for (const v of variants) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let s = 0; s < block; s++) v.loss = v.step();
      const cpu = process.cpuUsage(c0);
      const wall = performance.now() - t0;
      totalWall += wall;
      v.blocks.push({ wall: wall / block, cpu: (cpu.user + cpu.system) / 1000 / block });
    }
  }
  const foreign = foreignCpusSince(mark);
  for (const v of variants) {
    const walls = v.blocks.map((b) => b.wall).sort((a, b) => a - b);
    const cpus = v.blocks.map((b) => b.cpu).sort((a, b) => a - b);
    const sum = v.blocks.reduce((a, b) => a + b.wall, 0) * block;
    const share = (g: string): string => `${((100 * (v.spent.get(g) ?? 0)) / sum).toFixed(1)}%`;
    const other = 100 - [...v.spent.values()].reduce((a, b) => a + b, 0) * (100 / sum);
    process.stdout.write(
      `head=${v.name} threads=${native.threads()} batch=${batch} best_wall_ms=${walls[0].toFixed(3)} median_wall_ms=${walls[walls.length >> 1].toFixed(3)} ` +
        `best_cpu_ms=${cpus[0].toFixed(3)} samples_per_s_best=${((batch * 1000) / walls[0]).toFixed(0)} ` +
        `time_in head=${share('head')} dense=${share('dense')} adam=${share('adam')} rest=${other.toFixed(1)}% ` +
        `loss_after_${v.blocks.length * block + 5}_steps=${v.loss.toPrecision(17)}\n`,
    );
  }
  process.stdout.write(`foreign_cpus=${foreign?.toFixed(2) ?? '?'} over ${(totalWall / 1000).toFixed(1)} s\n`);
}

main();
