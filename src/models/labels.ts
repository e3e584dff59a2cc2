// The models' names in tables, reports and exports. The family and its size
// are the config's (paper 1's names: the config says which family a network
// is, which its ops cannot tell apart); what wrappers and heads add
// (symmetry, harmonic head, periodic inputs) is read off the model's graph
// (src/graph/facts.ts), so a wrapper is named by the op it emits.

import { GraphBuilder, NotExportableError } from '../graph/builder.js';
import { graphFacts, type GraphFacts } from '../graph/facts.js';
import type { ModelGraph } from '../graph/ops.js';
import type { ModelHeader } from '../io/modelStore.js';
import type { Regressor } from './regressor.js';

type LabelHeader = Pick<ModelHeader, 'config' | 'inputs'>;

/** Paper 1's names: "sk-DNN 9-36", "DNN 8-56", "poly deg 8"; a symmetric model adds how: "sk-DNN 9-36 fold/4". */
export function modelLabel(h: LabelHeader, regressor: Regressor): string {
  return graphLabel(h, regressorGraph(h.inputs, regressor));
}

/** The same from a graph already at hand (null: a model with no graph form yet, named by its config alone). */
export function graphLabel(h: Pick<ModelHeader, 'config'>, graph: ModelGraph | null): string {
  const c = h.config;
  const name = c.name === '' ? '' : `${c.name}: `;
  return `${name}${architecture(c)}${graph === null ? '' : structureSuffix(graphFacts(graph))}`;
}

/** The regressor's own ops (no target transform), or null for a model that has no graph form yet (L-GATr). */
export function regressorGraph(inputs: readonly string[], regressor: Regressor): ModelGraph | null {
  const g = new GraphBuilder(inputs);
  try {
    return g.finish(regressor.emit(g, 0).value, null);
  } catch (e) {
    if (e instanceof NotExportableError) return null;
    throw e;
  }
}

function architecture(c: ModelHeader['config']): string {
  switch (c.model_type) {
    case 'skdnn':
      return `sk-DNN ${c.depth}-${c.width}`;
    case 'dnn':
      return `DNN ${c.depth}-${c.width}`;
    case 'poly':
      return `poly deg ${c.degree}`;
    case 'mlp':
      return `${c.activation === 'rational' ? `GroupKAN-${c.rational_groups} ` : ''}MLP${c.features === 'invariants' || c.features === 'momenta+invariants' ? '-I' : ''} ${c.depth}-${c.width}`;
    case 'kan':
      return `KAN ${c.depth}-${c.width}`;
    case 'lgatr':
      return `L-GATr ${c.depth}-${c.width}`;
    case 'ds':
      return `${c.features === 'momenta+invariants' ? 'DSI' : 'DS'} ${c.depth}-${c.width}`;
    default:
      return String(c.model_type);
  }
}

/** " angular l≤2×2" (harmonic head over 2 decays), " periodic×2" (inputs read as cos/sin), " log-edges×1" (an input also read as its edge logarithms), " fold/4" (a quarter of the domain) or " average×4" (four evaluations). */
function structureSuffix(f: GraphFacts): string {
  const angular = f.angular === null ? '' : ` angular l≤${f.angular.lMax}×${f.angular.decays}`;
  const periodic = f.periodic === 0 ? '' : ` periodic×${f.periodic}`;
  const logEdges = f.logEdges === 0 ? '' : ` log-edges×${f.logEdges}`;
  const symmetry = f.symmetry === null ? '' : f.symmetry.mode === 'fold' ? ` fold/${f.symmetry.order}` : ` average×${f.symmetry.order}`;
  return angular + periodic + logEdges + symmetry;
}
