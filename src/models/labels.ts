import type { ModelHeader } from '../io/modelStore.js';

/** Paper 1's names: "sk-DNN 9-36", "DNN 8-56", "poly deg 8"; a symmetric model adds how: "sk-DNN 9-36 fold/4". */
export function modelLabel(h: Pick<ModelHeader, 'config'> & Partial<Pick<ModelHeader, 'regressor'>>): string {
  const c = h.config;
  const name = c.name === '' ? '' : `${c.name}: `;
  return `${name}${architecture(c)}${structureSuffix(c)}${symmetrySuffix(h.regressor)}`;
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

/** " angular l≤2×2" (harmonic head over 2 decays), " periodic×2" (inputs read as cos/sin). */
function structureSuffix(c: ModelHeader['config']): string {
  const a = c.angular ?? null;
  const periodic = c.data.periodic ?? [];
  return (a === null ? '' : ` angular l≤${a.l_max}×${a.decays.length}`) + (periodic.length === 0 ? '' : ` periodic×${periodic.length}`);
}

/** " fold/4" (a quarter of the domain) or " average×4" (four evaluations), from the stored spec. */
function symmetrySuffix(regressor: Record<string, unknown> | undefined): string {
  if (regressor?.type !== 'symmetric') return '';
  const s = regressor.symmetry as { mode?: string; group_order?: number } | undefined;
  return s?.mode === 'fold' ? ` fold/${s.group_order}` : ` average×${s?.group_order}`;
}
