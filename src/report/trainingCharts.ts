// Training histories (history.json): per epoch — training and validation
// loss, 1 − R², learning rate, one set of panels per model — and the
// validation 1 − R² of all models against wall-clock time, the axis on which
// runs with a time budget compare.

import { modelColor, modelColorChannel, WIDE_IMAGE, type Chart, type Panel } from './chartKit.js';
import type { ReportData } from './types.js';

export function trainingChart(data: ReportData): Chart {
  // One row per model: epochs differ by orders of magnitude between a network (hundreds) and boosted
  // trees (thousands of rounds), and losses are in each model's own transformed units, so shared axes would hide the curves.
  const models = data.models.filter((m) => m.history.length > 1);
  const closedForm = data.models.filter((m) => m.history.length === 1);
  const marks: Record<string, number> = {};
  const panels = models.flatMap((m): Panel[] => {
    const x = { field: 'epoch', type: 'quantitative' as const, title: m.modelType === 'bdt' ? 'boosting round' : 'epoch', axis: { tickMinStep: 1 }, scale: { zero: false } };
    const loss = m.history.flatMap((r) => [
      { epoch: r.epoch, series: 'train', value: r.trainLoss > 0 ? r.trainLoss : null },
      { epoch: r.epoch, series: 'validation', value: r.valLoss > 0 ? r.valLoss : null },
    ]);
    // R² of a good surrogate is 0.99999…: on a linear axis every curve is a flat line at 1, so plot 1 − R² on a log axis.
    const r2 = m.history.map((r) => ({ epoch: r.epoch, value: 1 - r.valR2 > 0 ? 1 - r.valR2 : null }));
    const lr = m.history.map((r) => ({ epoch: r.epoch, value: r.lr > 0 ? r.lr : null }));
    marks[`loss_${m.id}`] = loss.length;
    marks[`r2_${m.id}`] = r2.length;
    marks[`lr_${m.id}`] = lr.length;
    const color = modelColor(data, m);
    const panel = (name: string, values: object[], title: string) => ({
      name: `${name}_${m.id}`,
      title: m.label,
      height: 170,
      data: { values },
      mark: { type: 'line' as const, strokeWidth: 1.5, color },
      encoding: { x, y: { field: 'value', type: 'quantitative' as const, title, scale: { type: 'log' as const } } },
    });
    return [
        {
          ...panel('loss', loss, 'MSE (dashed: training)'),
          encoding: {
            x,
            y: { field: 'value', type: 'quantitative' as const, title: 'MSE (dashed: training)', scale: { type: 'log' as const } },
            // Said in the axis title: a legend inside concatenated panels lands beside the whole row, far from its curves.
            strokeDash: { field: 'series', type: 'nominal' as const, scale: { domain: ['train', 'validation'], range: [[4, 3], [1, 0]] }, legend: null },
          },
        },
        panel('r2', r2, '1 − R² (validation)'),
        panel('lr', lr, 'learning rate'),
      ];
  });
  const fits = closedForm.map((m) => `${m.label} is a closed-form fit (train MSE ${m.history[0].trainLoss.toPrecision(3)}, validation MSE ${m.history[0].valLoss.toPrecision(3)}, R² ${m.history[0].valR2.toFixed(6)})`);
  return {
    id: 'training',
    title: 'Training curves',
    caption:
      'Per epoch (boosting round for trees), three panels per model: training (dashed) and validation MSE of the transformed target, ' +
      "1 − R² on the validation split, and the learning rate, all on log axes. Losses are in each model's own transformed units." +
      (fits.length > 0 ? ` ${fits.join('; ')}.` : ''),
    layout: 250,
    image: { columns: 3, width: 290 },
    panels,
    marks,
  };
}

export function wallTimeChart(data: ReportData): Chart {
  const models = data.models.filter((m) => m.history.length > 1);
  const rows = models.flatMap((m) => m.history.map((r) => ({ model: m.label, t: r.elapsedS, epoch: r.epoch, value: 1 - r.valR2 > 0 ? 1 - r.valR2 : null })));
  const total = models.map((m) => `${m.label} ${m.history[m.history.length - 1].elapsedS.toFixed(1)} s`);
  return {
    id: 'wall-time',
    title: 'Validation 1 − R² against wall time',
    caption:
      "1 − R² on each model's validation split after every epoch (boosting round), against the training wall-clock seconds up to it " +
      '(summed over resumed runs; data loading excluded), all models on one log axis: at equal time, lower is better. ' +
      "R² is in each model's transformed target space. " +
      `Training time: ${total.join('; ')}.`,
    layout: 'wide',
    image: WIDE_IMAGE,
    panels: [
      {
        height: 300,
        layer: [
          {
            name: 'walltime',
            data: { values: rows },
            mark: { type: 'line', strokeWidth: 1.5 },
            encoding: {
              x: { field: 't', type: 'quantitative', title: 'wall time (s)' },
              y: { field: 'value', type: 'quantitative', title: '1 − R² (validation)', scale: { type: 'log' } },
              color: modelColorChannel(data, models),
              tooltip: [
                { field: 'model', type: 'nominal' },
                { field: 'epoch', type: 'quantitative' },
                { field: 't', type: 'quantitative', title: 'seconds', format: '.1f' },
                { field: 'value', type: 'quantitative', title: '1 − R²', format: '.3e' },
              ],
            },
          },
        ],
      },
    ],
    marks: { walltime: rows.length },
  };
}
