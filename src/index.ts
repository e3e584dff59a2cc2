// Public API of the ampfit package.
export { loadModel, Surrogate } from './models/surrogate.js';
export {
  describeSurrogate, exportC, exportOnnx, modelGraph, sanitizeName, EXPORT_FORMATS,
  type CExport, type ExportFormat, type ExportModel,
} from './export/index.js';
export { loadDataset, type Dataset, type DataSpec } from './data/dataset.js';
export { readDataBlocks, detectFormat, type RowBlock, type ReadReport, type DataFormat } from './data/readers/index.js';
export { resolveDataFiles } from './data/files.js';
export { splitRows, PAPER_SPLIT } from './data/split.js';
export { TargetTransform } from './transforms/target.js';
export { precisionMetrics, relativeErrors, type PrecisionMetrics } from './metrics/precision.js';
export { formatPrecisionTable } from './metrics/table.js';
export { loadConfig, validateConfig } from './config/load.js';
export type { RunConfig } from './config/schema.js';
export { runTraining } from './training/run.js';
export { AmpfitError, DataError, ConfigError, ModelFileError } from './util/errors.js';
export { Rng } from './util/rng.js';
export { GbdtRegressor, bdtType, FOREST_BYTES_PER_NODE, forestBytes, type Forest } from './models/gbdt/index.js';
export { exportXgboostJson, xgboostExportInfo, type XgboostExportInfo } from './export/xgboostJson.js';
