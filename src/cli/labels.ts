import type { ModelHeader } from '../io/modelStore.js';

/** Paper 1's names: "sk-DNN 9-36", "DNN 8-56", "poly deg 8". */
export function modelLabel(h: Pick<ModelHeader, 'config'>): string {
  const c = h.config;
  const name = c.name === '' ? '' : `${c.name}: `;
  switch (c.model_type) {
    case 'skdnn':
      return `${name}sk-DNN ${c.depth}-${c.width}`;
    case 'dnn':
      return `${name}DNN ${c.depth}-${c.width}`;
    case 'poly':
      return `${name}poly deg ${c.degree}`;
    case 'mlp':
      return `${name}${c.activation === 'rational' ? `GroupKAN-${c.rational_groups} ` : ''}MLP${c.features === 'invariants' || c.features === 'momenta+invariants' ? '-I' : ''} ${c.depth}-${c.width}`;
    case 'kan':
      return `${name}KAN ${c.depth}-${c.width}`;
    case 'ds':
      return `${name}${c.features === 'momenta+invariants' ? 'DSI' : 'DS'} ${c.depth}-${c.width}`;
    default:
      return `${name}${String(c.model_type)}`;
  }
}
