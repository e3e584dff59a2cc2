// What the model labels and the report say about a model, read off its graph
// (the ops the live model emitted) rather than re-derived from its stored
// spec: a wrapper that emits its op is described, whatever model it wraps.
// One `switch` over every op kind, so a new op is a compile error here too.

import type { GraphOp, ModelGraph } from './ops.js';

export interface GraphFacts {
  /** A symmetry wrapper: folded into 1/order of the domain, or the mean over the `order` images of the input. */
  readonly symmetry: { readonly mode: 'fold' | 'average'; readonly order: number } | null;
  /** An angular model's harmonic head: l ≤ lMax per decay, over `decays` decays. */
  readonly angular: { readonly lMax: number; readonly decays: number } | null;
  /** How many inputs are read as (cos, sin) of a period. */
  readonly periodic: number;
  /** Inputs also read through their edge logarithms. */
  readonly logEdges: number;
  /**
   * Ops that predict runs on the kernels (src/kernels: dense layers, rational
   * and KAN activations, forests); a graph without any is evaluated in plain
   * TypeScript loops (polynomials, and what wraps them).
   */
  readonly kernelOps: number;
}

export function graphFacts(graph: ModelGraph): GraphFacts {
  let symmetry: GraphFacts['symmetry'] = null;
  let angular: GraphFacts['angular'] = null;
  let periodic = 0;
  let logEdges = 0;
  let kernelOps = 0;
  for (const op of graph.ops) {
    switch (op.kind) {
      case 'fold':
        symmetry = { mode: 'fold', order: op.group.elements.length };
        break;
      case 'orbit':
        symmetry = { mode: 'average', order: op.group.elements.length };
        break;
      case 'angularHead':
        angular = { lMax: op.lMax, decays: op.decays.length };
        break;
      // Under an orbit every image of the network emits its own input stage: count one.
      case 'periodic':
        periodic = Math.max(periodic, op.periods.length);
        break;
      case 'logEdges':
        logEdges = Math.max(logEdges, graph.widths[op.input]);
        break;
      // L-GATr's equivariant linear maps are gemm calls, one per grade block.
      case 'dense': case 'rational': case 'kanExpand': case 'forest': case 'mvLinear':
        kernelOps++;
        break;
      // Activations run inside the dense kernel; the rest is bookkeeping around the networks.
      case 'activation': case 'gather': case 'concat': case 'momentumFeatures': case 'legendre': case 'mean':
      case 'variance': case 'inverseTransform': case 'sigma':
      case 'mvEmbed': case 'mvNorm': case 'mvGate': case 'mvBilinear': case 'mvAttention': case 'mvReadout':
        break;
      default:
        return unknownOp(op);
    }
  }
  return { symmetry, angular, periodic, logEdges, kernelOps };
}

function unknownOp(op: never): never {
  throw new Error(`graphFacts: op kind ${(op as GraphOp).kind} is not handled`);
}
