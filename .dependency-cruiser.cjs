// The architecture as rules dependency-cruiser checks (`npm run lint:deps`,
// part of `npm test`): src/ folders form layers, lowest first, and a module
// may import only from its own layer or a lower one — so the folder graph
// is acyclic by construction — and no module cycle exists anywhere.
// Type-only imports vanish at compile time and are not counted.
const LAYERS = [
  'util', 'kernels', 'transforms', 'data', 'features', 'metrics', 'symmetry', 'config', 'graph', 'io', 'nn', 'uncertainty',
  'models', 'export', 'training', 'report', 'sets', 'sweep', 'cli',
];

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer} sits below ${LAYERS.slice(i + 1).join(', ')}: it may not import them`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'modules import each other in a cycle', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'entry-on-top',
      comment: 'src/index.ts is the package entry: nothing in src/ imports it',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'src-not-test',
      comment: 'the package does not depend on test code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: false,
  },
};
