// Exports of a trained model to portable forms: ONNX, C99 (+ Fortran),
// XGBoost JSON, and a copy of model.ampfit with its stored graph (libampfit). Each format walks the model graph (src/graph/) that
// describe.ts has the live model emit, never a model type's internals, so a
// model type is exportable as soon as it emits its ops.

export {
  describeSurrogate, forestLayout, graphSummary, modelGraph, type ExportModel, type ExportInfo, type ForestBody, type ForestLayout,
} from './describe.js';
export { exportOnnx, ONNX_IR_VERSION, ONNX_IR_VERSION_ML, ONNX_ML_OPSET, ONNX_OPSET } from './onnx.js';
export { exportC, hexFloat, hexFloat32, sanitizeName, type CExport } from './c/index.js';

export const EXPORT_FORMATS = ['onnx', 'c', 'xgboost-json', 'ampfit'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
