// Exports of a trained model to portable forms: ONNX and C99 (+ Fortran).
// Each format reads the neutral description from describe.ts, never a model
// type's internals, so a model family is made exportable in one place.

export {
  describeSurrogate, EXPORTABLE_TYPES, forestLayout, type ExportModel, type ExportBody, type ExportInfo, type ForestBody, type ForestLayout, type OutputMap,
} from './describe.js';
export { exportOnnx, ONNX_IR_VERSION, ONNX_IR_VERSION_ML, ONNX_ML_OPSET, ONNX_OPSET } from './onnx.js';
export { exportC, hexFloat, hexFloat32, sanitizeName, type CExport } from './c.js';

export const EXPORT_FORMATS = ['onnx', 'c', 'xgboost-json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
