import { z } from 'zod';
import { ACTIVATIONS } from '../kernels/types.js';
import { TARGET_TRANSFORMS } from '../transforms/target.js';
import { SYMMETRY_MODES } from '../symmetry/modes.js';
import { FEATURE_KINDS } from '../features/momentumFeatures.js';
import { MOMENTUM_MAPS } from '../data/momentumMap.js';
import { MAX_L } from '../features/harmonics.js';
import { capabilities, MODEL_TYPES, typesWith } from './modelTypes.js';
import { RECIPES, recipeDefaults, type RecipeKeys } from './recipe.js';
import { momentumColumns } from '../data/momenta.js';
import { CoordinatesSchema, coordinateNameProblems } from './coordinates.js';

// The run configuration. Keys follow paper 1's configuration files where they
// mean the same thing (model_type, depth, width, scaled, initial_lr, final_lr,
// batch_size, steps_per_epoch, patience). Keys a recipe decides (src/config/recipe.ts)
// have no zod default: they are resolved from `recipe` once the rest is parsed.
// Every object is strict: an unknown key is an error, because a misspelt
// "patients": 200 silently falling back to the default wastes a day of training.

const positiveInt = z.number().int().positive();
const fraction = z.number().gt(0).lt(1);

const ParticleSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'particle names must be identifiers (they prefix column names)'),
  /** Particles of one type share a Deep Sets embedding ("g", "a", "e-", ...). */
  type: z.string().min(1),
});

export const MomentaConfigSchema = z
  .strictObject({
    particles: z.array(ParticleSchema).min(3),
    incoming: positiveInt.default(2),
    /** Largest allowed |Σ p_in − Σ p_out| per component, relative to √ŝ. */
    tolerance: z.number().positive().default(1e-6),
  })
  .superRefine((m, ctx) => {
    const names = m.particles.map((p) => p.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) ctx.addIssue({ code: 'custom', path: ['particles'], message: `particle '${dup}' is named twice` });
    if (m.incoming >= m.particles.length) {
      ctx.addIssue({ code: 'custom', path: ['incoming'], message: `incoming (${m.incoming}) must be fewer than the ${m.particles.length} particles` });
    }
  });

export const DataConfigSchema = z.strictObject({
  /** Folder, glob, file, or a list of them; relative paths are relative to the config file. */
  files: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Input columns; default: every x<number> column in header order. */
  inputs: z.array(z.string().min(1)).min(1).nullable().default(null),
  /** Target column (with `born`: the higher-order column to divide by the Born column). */
  target: z.string().min(1),
  /** Born (tree-level) column for paper 1's physics-informed normalisation target/born. */
  born: z.string().min(1).nullable().default(null),
  /**
   * A column of positive sample weights (as XGBoost's and Keras' sample_weight):
   * the loss weighs each row's squared error by it (normalised to mean 1 over
   * the training rows) and every metric counts weight instead of points.
   */
  weight: z.string().min(1).nullable().default(null),
  /** Relative errors and log transforms need a positive target; set false for targets that change sign. */
  require_positive_target: z.boolean().default(true),
  /** Skip and count bad rows instead of stopping at the first one. */
  skip_bad_rows: z.boolean().default(false),
  /** Read at most this many rows (a quick slice of a large dataset). */
  max_rows: positiveInt.nullable().default(null),
  /**
   * HDF5: the 2-D dataset (rows × columns) or the group of 1-D column
   * datasets to read (default: the root group); .npz: the member holding a
   * 2-D array. CSV, Parquet and LHE name their columns themselves.
   */
  dataset: z.string().min(1).nullable().default(null),
  /** Names of a 2-D array's columns, in order (.npy, a 2-D HDF5 dataset without a 'columns' attribute, a 2-D .npz member). */
  columns: z.array(z.string().min(1)).min(1).nullable().default(null),
  /**
   * Momentum-level data (paper 2): the inputs are the four-momenta of these
   * particles, columns <name>_E, <name>_px, <name>_py, <name>_pz; the first
   * `incoming` are incoming. Rows are checked (positive energies, momentum
   * conservation to `tolerance`·√ŝ, positive s_ij where their log is a feature).
   */
  momenta: MomentaConfigSchema.nullable().default(null),
  /**
   * Where hypercube coordinates come from, for callers that have four-momenta:
   * 'zz4l-8d', 'zz4l-4d' or 'zz4l-2d', the zz data sets' x1..xD of
   * u ū → e⁻e⁺ μ⁻μ⁺ (src/data/momentumMap.ts). Stored in the model, so
   * libampfit's ampfit_eval_momenta maps a generator's momenta itself.
   */
  momentum_map: z.enum(MOMENTUM_MAPS).nullable().default(null),
  /**
   * Periodic inputs: networks read cos(2πx/period) and sin(2πx/period) in
   * place of x, so f(0) = f(period) has no seam. A name means period 1 (a
   * hypercube angle φ = 2πx).
   */
  periodic: z.array(z.union([z.string().min(1), z.strictObject({ column: z.string().min(1), period: z.number().positive() })])).default([]),
  /**
   * Columns in [0, 1] that networks also read as ln x + 1 and ln(1 − x) + 1
   * (src/features/angular.ts says why): for coordinates whose ends are
   * forward peaks or collinear limits, such as cos θ*.
   */
  log_edges: z.array(z.string().min(1)).default([]),
});

/**
 * One decay angle as an affine map of a stored column, value = offset + scale·x.
 * A bare column name means the hypercube convention: cos θ = 2x − 1, φ = 2πx.
 */
const AngleColumnSchema = z.union([
  z.string().min(1),
  z.strictObject({ column: z.string().min(1), offset: z.number(), scale: z.number().refine((v) => v !== 0, 'scale must not be 0') }),
]);

/**
 * Decays of spin-1 bosons to massless fermion pairs (src/features/angular.ts):
 * at fixed production kinematics the target is a combination of products of
 * real spherical harmonics l ≤ l_max in each decay's (cos θ, φ), so a network
 * of the remaining ("production") inputs learns the coefficients.
 */
export const AngularConfigSchema = z.strictObject({
  decays: z.array(z.strictObject({ name: z.string().min(1).optional(), cos_theta: AngleColumnSchema, phi: AngleColumnSchema })).min(1).max(3),
  l_max: z.number().int().min(0).max(MAX_L).default(2),
  /**
   * With data.born: weight of the loss term that fits the Born's own angular
   * shape (the denominator of the ratio) to the Born column; 0 = learn it
   * from the ratio alone.
   */
  born_shape_weight: z.number().min(0).default(1),
});

/** A coordinate map: image notation "(x1, 1-x2, x4, x3)" or steps [{"reflect": "x2"}, {"swap": ["x3", "x4"]}] (src/symmetry/coordinateMap.ts). */
export const FinishConfigSchema = z.strictObject({
  /**
   * 'levenberg-marquardt': JᵀJ formed and factorised, exact steps along the μ
   * path, for networks of up to 12 000 parameters. 'gauss-newton-cg': the
   * damped Gauss–Newton step by truncated conjugate gradients on JᵀJ·v
   * products, matrix-free, for networks of any size.
   */
  method: z.enum(['levenberg-marquardt', 'gauss-newton-cg']).default('levenberg-marquardt'),
  /**
   * The fraction of time_budget_s the phase gets: Adam hands over after
   * (1 − share)·time_budget_s, and with lr_clock 'time' its schedule cools
   * over that part. null: Adam runs until it stops (epochs or patience).
   */
  share: z.number().gt(0).lt(1).nullable().default(0.3),
  /** Training rows the squared error is taken over, evenly spaced; null: all. Each iteration costs rows × parameters² multiply-adds. */
  rows: positiveInt.nullable().default(null),
  /** Iterations without a better validation MSE before the phase stops; null: never. */
  patience: positiveInt.nullable().default(20),
  /** Most iterations; null: no limit. */
  max_iterations: positiveInt.nullable().default(null),
  /** gauss-newton-cg: CG iterations per Gauss–Newton step at most (each costs ~5 forward passes over the rows); ignored by levenberg-marquardt. */
  cg_iterations: positiveInt.default(50),
  /** gauss-newton-cg: a step's CG solve ends when the preconditioned residual falls below this fraction of its start. */
  cg_tolerance: z.number().gt(0).lt(1).default(1e-4),
});

export const MapSpecSchema = z.union([
  z.string().min(1),
  z.array(z.union([z.strictObject({ reflect: z.string().min(1) }), z.strictObject({ swap: z.tuple([z.string().min(1), z.string().min(1)]) })])).min(1),
]);

export const SymmetrySchema = z.strictObject({
  name: z.string().min(1),
  map: MapSpecSchema,
});

export { MODEL_TYPES } from './modelTypes.js';
/** Model types built from layers (src/nn/arch): learnable activations, KAN layers, Deep Sets. */
export const LAYER_MODEL_TYPES = ['mlp', 'kan', 'ds'] as const;
/** The fixed activations a rational activation can be initialised to approximate. */
export const RATIONAL_INITS = ['relu', 'leaky_relu', 'elu', 'softplus', 'gelu', 'silu', 'tanh'] as const;
export const LR_SCHEDULES = ['constant', 'exponential', 'polynomial', 'cosine', 'one_cycle'] as const;

const RunConfigBase = z
  .strictObject({
    /** Free text naming the run (shown in tables). */
    name: z.string().default(''),
    /**
     * What keys left out mean: 'ampfit' (default) the best measured recipe,
     * 'paper1' paper 1's settings exactly, 'paper1-baseline' its baseline.
     */
    recipe: z.enum(RECIPES).default('ampfit'),
    data: DataConfigSchema,
    seed: z.number().int().min(0).default(1),
    /**
     * Seeds the model's initialisation and batch order apart from the split:
     * null (default) = seed. Members of a seed ensemble share seed (so the
     * split) and differ here.
     */
    init_seed: z.number().int().min(0).nullable().default(null),
    /** Paper 1: 20 % test, then 60/40 train/validation of the rest. */
    test_fraction: z.number().min(0).lt(1).default(0.2),
    validation_fraction: fraction.optional(),
    target_transform: z.enum(TARGET_TRANSFORMS).optional(),
    /** Paper 1's switch: true = standardise the target, false = leave it. Alias of target_transform. */
    scaled: z.boolean().optional(),

    /** Maps g with f(g·x) = f(x); `ampfit symmetry check` tests them on data. */
    symmetries: z.array(SymmetrySchema).default([]),
    /** How training uses the symmetries: fold inputs into a fundamental domain, average predictions over the group, or not at all. */
    symmetry_mode: z.enum(SYMMETRY_MODES).default('average'),
    /** Decay-angle structure (dnn, skdnn): the network sees the production inputs, its outputs multiply the harmonic basis. */
    angular: AngularConfigSchema.nullable().default(null),

    model_type: z.enum(MODEL_TYPES).default('skdnn'),
    /** DNN: hidden layers; sk-DNN: blocks. */
    depth: positiveInt.default(9),
    width: positiveInt.default(36),
    /** 'rational': paper 2's learnable P/Q activation (GroupKAN; model types mlp and ds). */
    activation: z.enum([...ACTIVATIONS, 'rational']).optional(),
    /** leaky_relu negative slope (Keras' default 0.3, which paper 1 used) or elu alpha. */
    activation_param: z.number().min(0).optional(),
    /**
     * With data.momenta: what the network reads — the scaled momenta, the logs
     * of all s_ij (MLP-I; with ds: DSI), or both. Default 'momenta'.
     */
    features: z.enum(FEATURE_KINDS).optional(),
    /** rational: channel groups sharing one P/Q (GroupKAN-g); must divide every width. */
    rational_groups: positiveInt.default(1),
    /** rational: degrees of the numerator P and the safe denominator Q = 1 + Σ|b_k x^k|. */
    rational_degrees: z.tuple([z.number().int().min(1).max(12), z.number().int().min(1).max(12)]).default([5, 4]),
    /** rational: the fixed activation P/Q is initialised to approximate (least squares on [−r, r]). */
    rational_init: z.enum(RATIONAL_INITS).default('gelu'),
    rational_init_range: z.number().positive().default(3),
    /** kan: grid intervals of the cubic B-splines, and the range the grid covers. */
    kan_grid: positiveInt.max(200).default(10),
    kan_range: z.tuple([z.number(), z.number()]).default([-1, 1]),
    /** ds: width of the per-particle embedding (paper 2: 64) and its number of dense layers. */
    ds_latent: positiveInt.default(64),
    ds_embed_depth: positiveInt.default(2),
    /** lgatr: attention heads; width (multivector channels) must be a multiple of them, and even (half geometric product, half join). */
    lgatr_heads: positiveInt.default(2),
    /** poly: total degree of the polynomial basis. */
    degree: positiveInt.max(40).default(8),
    /** poly: ridge penalty on the standardised normal equations. */
    ridge: z.number().min(0).default(1e-10),

    // bdt: histogram gradient-boosted trees. Keys and meanings are XGBoost's
    // (tree_method "hist"; src/models/gbdt/params.ts says what exactly is
    // matched), so a tuned XGBoost configuration carries over; defaults are
    // paper 1's BDT recipe (learning rate 0.01, depth 20 for zz2d, 25 rounds
    // of early stopping) and XGBoost's own for the rest.
    /** bdt: bins per feature (XGBoost max_bin). */
    max_bin: z.number().int('max_bin must be an integer').min(2, 'max_bin must be at least 2').max(65535, 'max_bin must be at most 65535').default(256),
    /** bdt: maximum tree depth, root at depth 0 (XGBoost max_depth; its 0 = "no limit" is not supported). */
    max_depth: z.number().int('max_depth must be an integer').min(1, 'max_depth must be at least 1').max(50, 'max_depth must be at most 50').default(20),
    /** bdt: shrinkage of every leaf value (XGBoost eta / learning_rate). Alias: eta. */
    learning_rate: z.number().gt(0, 'learning_rate (eta) must be greater than 0').max(1, 'learning_rate (eta) must be at most 1').optional(),
    eta: z.number().gt(0, 'eta must be greater than 0').max(1, 'eta must be at most 1').optional(),
    /** bdt: minimum hessian sum (= rows, for squared error) in each child of a split. */
    min_child_weight: z.number().min(0, 'min_child_weight must be >= 0').default(1),
    /** bdt: L2 penalty on leaf weights (XGBoost lambda / reg_lambda). Alias: reg_lambda. */
    lambda: z.number().min(0, 'lambda must be >= 0').optional(),
    reg_lambda: z.number().min(0, 'reg_lambda must be >= 0').optional(),
    /** bdt: minimum loss reduction for a split (XGBoost gamma / min_split_loss). Alias: min_split_loss. */
    gamma: z.number().min(0, 'gamma must be >= 0').optional(),
    min_split_loss: z.number().min(0, 'min_split_loss must be >= 0').optional(),
    /** bdt: per tree, each training row is used with this probability. */
    subsample: z.number().gt(0, 'subsample must be greater than 0').max(1, 'subsample must be at most 1').default(1),
    /** bdt: per tree, this fraction of the input features is used. */
    colsample_bytree: z.number().gt(0, 'colsample_bytree must be greater than 0').max(1, 'colsample_bytree must be at most 1').default(1),
    /** bdt: maximum boosting rounds (trees); early stopping usually ends the run first. */
    n_estimators: positiveInt.default(10000),
    /** bdt: rounds without a better validation RMSE before stopping (paper 1: 25). */
    early_stopping_rounds: positiveInt.default(25),

    // Learned uncertainties (paper 2; src/uncertainty/), for every network model type:
    // the network gets a second output, log σ², and trains on the
    // heteroscedastic loss; 'bnn' and 'ensemble' add statistical uncertainties.
    uncertainty: z.enum(['none', 'heteroscedastic', 'bnn', 'ensemble']).default('none'),
    /** bnn: width σ_p of the Gaussian prior on every Bayesian weight. */
    bnn_prior_width: z.number().positive().default(1),
    /** bnn: only the output layer is Bayesian (paper 2's stable choice for deep networks). */
    bnn_last_layer_only: z.boolean().default(false),
    /** bnn: weight samples M averaged over at prediction. */
    bnn_samples: z.number().int().min(2).default(50),
    /** ensemble: members trained together. */
    ensemble_members: z.number().int().min(2).default(5),
    /** ensemble: strength β of the function-space repulsion; 0 = plain ensemble; null = 1/N_train (paper 2). */
    ensemble_beta: z.number().min(0).nullable().default(null),
    /** Fit one global σ_syst scale on the training set after training (paper 2's calibration). */
    calibrate_sigma: z.boolean().default(true),

    initial_lr: z.number().positive().optional(),
    final_lr: z.number().positive().optional(),
    lr_schedule: z.enum(LR_SCHEDULES).optional(),
    /** Epochs over which the schedule runs from initial_lr to final_lr (paper 1: 2500). */
    decay_epochs: positiveInt.optional(),
    /**
     * What drives the schedule: 'epochs' (paper 1; reproducible bit for bit) or
     * 'time': the schedule runs its decay_epochs in time_budget_s seconds of
     * training, so it cools fully within the budget whatever the speed.
     */
    lr_clock: z.enum(['epochs', 'time']).optional(),
    /** Exponent of the polynomial schedule (1 = linear, as Keras' PolynomialDecay). */
    lr_power: z.number().positive().default(1),
    batch_size: positiveInt.default(512),
    /** Batches per epoch; null = one pass over the training set. Paper 1: 4000. */
    steps_per_epoch: positiveInt.nullable().optional(),
    /** Upper bound on epochs; early stopping usually ends the run first. */
    epochs: positiveInt.optional(),
    /** Epochs without a better validation MSE before stopping (paper 1: 200). */
    patience: positiveInt.optional(),
    /** Stop cleanly after this many seconds of training, keeping the best weights. */
    time_budget_s: z.number().positive().nullable().default(null),
    /**
     * A second-order finishing phase after Adam (src/nn/finish/) on the
     * training MSE, from Adam's best weights: Levenberg–Marquardt (networks
     * of up to 12 000 parameters) or matrix-free Gauss–Newton–CG (any size).
     * null (default): Adam only.
     */
    finish: FinishConfigSchema.nullable().default(null),

    /** Physical names and maps of input coordinates for the report's axes (src/config/coordinates.ts). */
    coordinates: CoordinatesSchema,

    /** R_τ thresholds in percent. */
    taus: z.array(z.number().positive()).min(1).default([1, 0.1, 0.01]),
    /** Kernel threads (default: all cores). */
    threads: positiveInt.nullable().default(null),
    /** 'auto' uses the native kernel when it is built. */
    backend: z.enum(['auto', 'native', 'typescript']).default('auto'),
  });

export const RunConfigSchema = RunConfigBase
  .superRefine((parsed, ctx) => {
    const c = { ...parsed, ...withRecipe(parsed) };
    if (c.recipe === 'paper1-baseline' && c.data.born !== null) {
      ctx.addIssue({ code: 'custom', path: ['recipe'], message: "recipe 'paper1-baseline' regresses the raw target (paper 1's baseline): remove data.born, or use recipe 'paper1'" });
    }
    if (c.lr_clock === 'time' && c.time_budget_s === null) {
      ctx.addIssue({ code: 'custom', path: ['lr_clock'], message: "lr_clock: 'time' needs time_budget_s (the time the schedule runs over)" });
    }
    if (c.final_lr > c.initial_lr) {
      ctx.addIssue({ code: 'custom', path: ['final_lr'], message: `final_lr (${c.final_lr}) must not exceed initial_lr (${c.initial_lr})` });
    }
    if (c.target_transform !== undefined && c.scaled !== undefined) {
      const implied = c.scaled ? 'standardize' : 'none';
      if (implied !== c.target_transform) {
        ctx.addIssue({
          code: 'custom',
          path: ['scaled'],
          message: `scaled: ${c.scaled} contradicts target_transform: '${c.target_transform}'; give only one`,
        });
      }
    }
    for (const [key, alias] of BDT_ALIASES) {
      if (c[key] !== undefined && c[alias] !== undefined && c[key] !== c[alias]) {
        ctx.addIssue({ code: 'custom', path: [alias], message: `${alias}: ${c[alias]} contradicts ${key}: ${c[key]} (the same XGBoost parameter); give only one` });
      }
    }
    const names = c.symmetries.map((m) => m.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: ['symmetries', i, 'name'], message: `symmetry name '${name}' is used twice` });
    });
    if (c.uncertainty !== 'none' && !capabilities(c.model_type).uncertainty) {
      ctx.addIssue({ code: 'custom', path: ['uncertainty'], message: `uncertainty: '${c.uncertainty}' needs a neural model_type (${typesWith((t) => t.uncertainty).join(', ')}), not '${c.model_type}'` });
    }
    if (c.data.momenta !== null && c.symmetries.length > 0) {
      // Maps act on hypercube coordinates; a particle exchange on four-momenta is another kind of map.
      ctx.addIssue({ code: 'custom', path: ['symmetries'], message: 'symmetries act on hypercube coordinates x1..xD; they cannot be declared with data.momenta yet' });
    }
    if (c.data.weight !== null) {
      // Only squared-error fits weigh rows; the others would silently ignore the column.
      const weightIssue = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
      if (c.uncertainty !== 'none') weightIssue(['data', 'weight'], `data.weight cannot be combined with uncertainty: '${c.uncertainty}' (its likelihood takes no sample weights yet)`);
      if (c.finish !== null) weightIssue(['data', 'weight'], 'data.weight cannot be combined with finish (the finishing phase fits unweighted residuals); set finish: null');
      if (c.angular !== null && c.angular.born_shape_weight > 0) weightIssue(['data', 'weight'], 'data.weight cannot be combined with angular.born_shape_weight > 0 (the Born-shape term takes no sample weights); set it to 0');
      for (const [key, column] of [['target', c.data.target], ['born', c.data.born]] as const) {
        if (column === c.data.weight) weightIssue(['data', 'weight'], `data.weight '${column}' is also data.${key}`);
      }
    }
    checkArchitecture(c, ctx);
    checkCoordinates(c, ctx);
    checkFinish(c, ctx);
    const transform = c.target_transform;
    checkInputStructure(c, ctx, transform);
    if ((transform === 'log' || transform === 'log-standardize') && !c.data.require_positive_target) {
      ctx.addIssue({ code: 'custom', path: ['target_transform'], message: `'${transform}' needs a positive target; it cannot be combined with data.require_positive_target: false` });
    }
  });

/** The finishing phase minimises a squared error of one network output: what it cannot finish is named here. */
function checkFinish(c: z.output<typeof RunConfigBase>, ctx: z.RefinementCtx): void {
  const f = c.finish;
  if (f === null) return;
  const issue = (message: string): void => ctx.addIssue({ code: 'custom', path: ['finish'], message });
  if (f.share !== null && c.time_budget_s === null) issue('finish.share is a fraction of time_budget_s: set time_budget_s, or finish.share: null to finish when Adam stops');
  if (f.share === null && f.patience === null && f.max_iterations === null) issue('finish: with share, patience and max_iterations all null the phase never ends; set one');
  if (c.uncertainty !== 'none') issue(`finish cannot be combined with uncertainty: '${c.uncertainty}' (its loss is not a squared error)`);
  if (c.angular !== null && c.angular.born_shape_weight > 0) {
    issue('finish cannot be combined with angular.born_shape_weight > 0 (the Born-shape term is a second loss); set it to 0');
  }
}

/**
 * Coordinate names against the inputs the config names (data.inputs, the
 * momentum columns) or, when the inputs are every x<number> column of the
 * files, against that pattern; training checks them again against the files.
 */
function checkCoordinates(c: z.output<typeof RunConfigBase>, ctx: z.RefinementCtx): void {
  const named = c.data.momenta !== null ? momentumColumns(c.data.momenta) : c.data.inputs;
  const known = named === null ? (n: string) => /^x\d+$/.test(n) : (n: string) => named.includes(n);
  const words = named === null ? 'the inputs are the x<number> columns' : `inputs: ${named.join(', ')}`;
  for (const p of coordinateNameProblems(c.coordinates, known, words)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
}

/** Combinations of architecture keys that cannot work, named before any data is read. */
function checkArchitecture(c: z.output<typeof RunConfigBase>, ctx: z.RefinementCtx): void {
  if (c.activation === 'rational' && capabilities(c.model_type).activation !== 'rational') {
    ctx.addIssue({ code: 'custom', path: ['activation'], message: `activation 'rational' (GroupKAN) needs model_type ${typesWith((t) => t.activation === 'rational').map((t) => `'${t}'`).join(' or ')}, not '${c.model_type}'` });
  }
  if (c.features !== undefined && c.data.momenta === null) {
    ctx.addIssue({ code: 'custom', path: ['features'], message: 'features needs data.momenta (the particles whose four-momenta are the inputs)' });
  }
  if (c.data.momenta !== null && c.data.momentum_map !== null) {
    ctx.addIssue({ code: 'custom', path: ['data', 'momentum_map'], message: 'data.momentum_map maps momenta to hypercube coordinates; a data.momenta model reads the momenta themselves: give one of them' });
  }
  if (c.data.momenta !== null && c.data.inputs !== null) {
    ctx.addIssue({ code: 'custom', path: ['data', 'inputs'], message: 'give data.inputs or data.momenta, not both (momenta name their own columns)' });
  }
  if (capabilities(c.model_type).momenta === 'required' && c.data.momenta === null) {
    ctx.addIssue({ code: 'custom', path: ['model_type'], message: `model_type '${c.model_type}'${c.model_type === 'ds' ? ' (Deep Sets)' : ''} needs data.momenta` });
  } else if (c.data.momenta !== null && !capabilities(c.model_type).momenta) {
    ctx.addIssue({ code: 'custom', path: ['data', 'momenta'], message: `model_type '${c.model_type}' cannot read data.momenta (${typesWith((t) => t.momenta !== false).join(', ')} can)` });
  }
  if (c.model_type === 'ds' && c.data.momenta !== null && c.features === 'invariants') {
    ctx.addIssue({ code: 'custom', path: ['features'], message: "model_type 'ds' embeds the momenta: features must be 'momenta' (DS) or 'momenta+invariants' (DSI)" });
  }
  if (c.model_type === 'lgatr') checkLGATr(c, ctx);
  if (c.activation === 'rational' && c.width % c.rational_groups !== 0) {
    ctx.addIssue({ code: 'custom', path: ['rational_groups'], message: `rational_groups (${c.rational_groups}) must divide width (${c.width})` });
  }
  if (c.activation === 'rational' && c.model_type === 'ds' && c.ds_latent % c.rational_groups !== 0) {
    ctx.addIssue({ code: 'custom', path: ['rational_groups'], message: `rational_groups (${c.rational_groups}) must divide ds_latent (${c.ds_latent})` });
  }
  if (c.kan_range[0] >= c.kan_range[1]) {
    ctx.addIssue({ code: 'custom', path: ['kan_range'], message: `kan_range must be [lo, hi] with lo < hi, got [${c.kan_range.join(', ')}]` });
  }
}

function checkLGATr(c: z.output<typeof RunConfigBase>, ctx: z.RefinementCtx): void {
  if (c.features !== undefined && c.features !== 'momenta') {
    ctx.addIssue({ code: 'custom', path: ['features'], message: "model_type 'lgatr' reads the four-momenta themselves (its invariants are built inside): features must be 'momenta'" });
  }
  if (c.width % c.lgatr_heads !== 0 || c.width % 2 !== 0) {
    ctx.addIssue({ code: 'custom', path: ['width'], message: `lgatr: width (${c.width} multivector channels) must be even and a multiple of lgatr_heads (${c.lgatr_heads})` });
  }
}

/** The angular structure and periodic inputs: what they combine with, named before any data is read. */
function checkInputStructure(c: z.output<typeof RunConfigBase>, ctx: z.RefinementCtx, transform: (typeof TARGET_TRANSFORMS)[number]): void {
  const periodic = c.data.periodic.map((p) => (typeof p === 'string' ? p : p.column));
  const neural = capabilities(c.model_type).structuredHead;
  const heads = typesWith((t) => t.structuredHead).join(' or ');
  const inputLists = [
    { key: 'periodic', names: periodic, reads: 'cos/sin' },
    { key: 'log_edges', names: c.data.log_edges, reads: 'ln x and ln(1 − x)' },
  ] as const;
  for (const { key, names, reads } of inputLists) {
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: ['data', key, i], message: `data.${key}: column '${name}' is listed twice` });
    });
    if (names.length === 0) continue;
    if (!neural) ctx.addIssue({ code: 'custom', path: ['data', key], message: `data.${key} needs model_type ${heads} (the network reads ${reads}), not '${c.model_type}'` });
    if (c.data.momenta !== null) ctx.addIssue({ code: 'custom', path: ['data', key], message: `data.${key} names hypercube columns; it cannot be combined with data.momenta` });
  }
  c.data.log_edges.forEach((name, i) => {
    if (periodic.includes(name)) ctx.addIssue({ code: 'custom', path: ['data', 'log_edges', i], message: `'${name}' is periodic (data.periodic): a periodic coordinate has no edges` });
  });
  const a = c.angular;
  if (a === null) return;
  if (!neural) ctx.addIssue({ code: 'custom', path: ['angular'], message: `angular needs model_type ${heads} (a network emits the harmonic coefficients), not '${c.model_type}'` });
  if (c.data.momenta !== null) ctx.addIssue({ code: 'custom', path: ['angular'], message: 'angular names hypercube columns; it cannot be combined with data.momenta' });
  if (c.uncertainty !== 'none') ctx.addIssue({ code: 'custom', path: ['angular'], message: `angular cannot be combined with uncertainty: '${c.uncertainty}' yet` });
  if (transform === 'log' || transform === 'log-standardize') {
    ctx.addIssue({
      code: 'custom', path: ['target_transform'],
      message: `angular models predict a ratio of harmonic sums that may cross zero: use target_transform 'asinh-standardize' (log-like for large targets) or 'standardize', not '${transform}'`,
    });
  }
  if (a.born_shape_weight !== 1 && c.data.born === null) {
    ctx.addIssue({ code: 'custom', path: ['angular', 'born_shape_weight'], message: 'born_shape_weight weighs the fit of the Born column: it needs data.born' });
  }
  const used = new Map<string, string>();
  a.decays.forEach((d, i) => {
    for (const role of ['cos_theta', 'phi'] as const) {
      const spec = d[role];
      const column = typeof spec === 'string' ? spec : spec.column;
      const where = `decay ${d.name ?? i + 1} ${role}`;
      const earlier = used.get(column);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['angular', 'decays', i, role], message: `column '${column}' is used twice (${earlier} and ${where})` });
      used.set(column, where);
      for (const { key, names } of [{ key: 'periodic', names: periodic }, { key: 'log_edges', names: c.data.log_edges }]) {
        if (names.includes(column)) {
          ctx.addIssue({ code: 'custom', path: ['data', key], message: `'${column}' is a decay angle (${where}); the harmonic basis already treats it, do not list it in data.${key}` });
        }
      }
    }
  });
}

export type RunConfigInput = z.input<typeof RunConfigSchema>;
type ParsedRunConfig = z.output<typeof RunConfigSchema>;

/** XGBoost's parameter aliases: [ampfit's key, the alias XGBoost also accepts]. */
const BDT_ALIASES = [['learning_rate', 'eta'], ['lambda', 'reg_lambda'], ['gamma', 'min_split_loss']] as const;
type AliasKey = (typeof BDT_ALIASES)[number][1];
const BDT_DEFAULTS = { learning_rate: 0.01, lambda: 1, gamma: 0 } as const;

/** The resolved configuration: every default filled in (recipe keys included), aliases folded. */
export type RunConfig = Omit<ParsedRunConfig, 'scaled' | keyof RecipeKeys | 'activation_param' | AliasKey | keyof typeof BDT_DEFAULTS> & RecipeKeys & {
  readonly activation_param: number;
  readonly learning_rate: number;
  readonly lambda: number;
  readonly gamma: number;
};

/** The recipe keys of a parsed config: the user's where given, else the recipe's. */
function withRecipe(c: z.output<typeof RunConfigBase>): RecipeKeys {
  const r = recipeDefaults({
    recipe: c.recipe,
    positiveTarget: c.data.require_positive_target,
    angular: c.angular !== null,
    timeBudgetS: c.time_budget_s,
    epochs: c.epochs,
    lrClock: c.lr_clock,
  });
  return {
    activation: c.activation ?? r.activation,
    target_transform: c.target_transform ?? (c.scaled === undefined ? r.target_transform : c.scaled ? 'standardize' : 'none'),
    initial_lr: c.initial_lr ?? r.initial_lr,
    // A constant schedule (the baseline) has one rate: a user's initial_lr is it.
    final_lr: c.final_lr ?? (r.lr_schedule === 'constant' && c.lr_schedule === undefined ? c.initial_lr ?? r.final_lr : r.final_lr),
    lr_schedule: c.lr_schedule ?? r.lr_schedule,
    decay_epochs: c.decay_epochs ?? r.decay_epochs,
    lr_clock: c.lr_clock ?? r.lr_clock,
    steps_per_epoch: c.steps_per_epoch === undefined ? r.steps_per_epoch : c.steps_per_epoch,
    epochs: c.epochs ?? r.epochs,
    patience: c.patience ?? r.patience,
    validation_fraction: c.validation_fraction ?? r.validation_fraction,
  };
}

export function finishConfig(parsed: ParsedRunConfig): RunConfig {
  const {
    scaled: _scaled, activation_param, eta, reg_lambda, min_split_loss,
    learning_rate, lambda, gamma, ...rest
  } = parsed;
  const recipe = withRecipe(parsed);
  const defaultParam = recipe.activation === 'leaky_relu' ? 0.3 : recipe.activation === 'elu' ? 1 : 0;
  return {
    ...rest,
    ...recipe,
    activation_param: activation_param ?? defaultParam,
    learning_rate: learning_rate ?? eta ?? BDT_DEFAULTS.learning_rate,
    lambda: lambda ?? reg_lambda ?? BDT_DEFAULTS.lambda,
    gamma: gamma ?? min_split_loss ?? BDT_DEFAULTS.gamma,
  };
}
