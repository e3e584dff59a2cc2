// One training step of zz8d's angular model (examples/zz8d-best.json's
// network: sk-DNN 3-128 on 4 production inputs, the l ≤ 2 head of two decays,
// the Born-shape term) without data loading, batching or validation: forward,
// backward and Adam on a fixed batch of random rows. Small enough to run under
// valgrind, whose instruction counts do not depend on the machine's load:
//
//   node dist/bench/angularStep.js [--steps 200] [--threads 1] [--batch 512]
//   valgrind --tool=callgrind --smc-check=all node dist/bench/angularStep.js --steps 20
//
// Prints wall and CPU ms per step and the loss after the steps (the same on
// every build up to rounding). On this shared VM the CPU time of a 1-thread
// run moves far less with the load than its wall time (time slices taken by
// other processes are not charged to it); with 2 threads it also counts the
// pool's workers, spinning included.

import { getKernels } from '../src/kernels/index.js';
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

const STAGE: InputStageSpec = { inputDim: 9, plain: [0, 1, 2, 3], periodic: [], angular: { lMax: 2, decays: [decay(4, 5), decay(6, 7)] } };

function main(): void {
  const steps = Number(option('steps', '200'));
  const batch = Number(option('batch', '512'));
  const kernels = getKernels('native');
  kernels.setThreads(Number(option('threads', '1')));
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
  let loss = NaN;
  // The first steps compile the hot paths; they are not timed.
  for (let s = 0; s < 5; s++) {
    objective.lossAndGradient(x, y, batch);
    adam.update(kernels, net.params, net.grads, 1e-3);
  }
  const mark = loadMark();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let s = 0; s < steps; s++) {
    loss = objective.lossAndGradient(x, y, batch);
    adam.update(kernels, net.params, net.grads, 1e-3);
  }
  const cpu = process.cpuUsage(c0);
  const ms = (performance.now() - t0) / steps;
  const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
  const foreign = foreignCpusSince(mark);
  process.stdout.write(
    `threads=${kernels.threads()} batch=${batch} wall_ms_per_step=${ms.toFixed(3)} cpu_ms_per_step=${cpuMs.toFixed(3)} ` +
      `samples_per_wall_s=${((batch * 1000) / ms).toFixed(0)} loss_after_${steps + 5}_steps=${loss.toPrecision(17)} foreign_cpus=${foreign?.toFixed(2) ?? '?'}\n`,
  );
}

main();
