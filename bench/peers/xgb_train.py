#!/usr/bin/env python3
"""XGBoost peer of bench/gbdt.ts: trains XGBoost `hist` on the arrays the
bench wrote (the same split and transformed target ampfit trains on), and
prints one JSON line with its training time, model sizes and prediction
throughput; writes its test-set predictions (float64 copies of XGBoost's
float32 outputs, training space) to <dir>/pred_xgb.f64.

    /usr/bin/python3 bench/peers/xgb_train.py --dir DIR --threads 2 --rounds 300 \
        --max-depth 10 --eta 0.1 --max-bin 256 --lambda 1 --min-child-weight 1 \
        --base-score 0.0123

DIR holds meta.json ({"d", "n_train", "n_val", "n_test"}) and raw
little-endian float64 arrays x_train.f64 (n_train x d, row-major),
y_train.f64, x_val.f64, y_val.f64, x_test.f64.

Protocol (the same as ampfit's side in bench/gbdt.ts):
- training time = building the DMatrix objects (XGBoost's copy of the inputs;
  its quantile sketch and bin index are built inside the first round) plus
  xgb.train for exactly --rounds rounds, with the validation set as an eval
  set (validation RMSE computed every round, as ampfit's booster does) and no
  early stopping;
- base_score = --base-score (the mean training target, what ampfit uses);
  no subsampling; squared error; depthwise growth;
- prediction: Booster.inplace_predict on the float64 test inputs with
  nthread = --threads, the best of several timed repetitions.
"""

import argparse
import json
import os
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--max-depth", type=int, required=True)
    p.add_argument("--eta", type=float, required=True)
    p.add_argument("--max-bin", type=int, required=True)
    p.add_argument("--lambda", dest="reg_lambda", type=float, default=1.0)
    p.add_argument("--min-child-weight", type=float, default=1.0)
    p.add_argument("--base-score", type=float, required=True)
    p.add_argument("--predict-seconds", type=float, default=1.0,
                   help="keep repeating the timed prediction until this much time has passed")
    return p.parse_args()


def main():
    args = parse_args()
    import numpy as np
    import xgboost as xgb

    with open(os.path.join(args.dir, "meta.json")) as f:
        meta = json.load(f)
    d = meta["d"]

    def load(name, rows, cols):
        a = np.fromfile(os.path.join(args.dir, name), dtype="<f8")
        if a.size != rows * cols:
            sys.exit(f"xgb_train.py: {name} has {a.size} values, expected {rows} x {cols}")
        return a.reshape(rows, cols) if cols > 1 else a

    x_train = load("x_train.f64", meta["n_train"], d)
    y_train = load("y_train.f64", meta["n_train"], 1)
    x_val = load("x_val.f64", meta["n_val"], d)
    y_val = load("y_val.f64", meta["n_val"], 1)
    x_test = load("x_test.f64", meta["n_test"], d)

    params = {
        "objective": "reg:squarederror",
        "tree_method": "hist",
        "grow_policy": "depthwise",
        "max_depth": args.max_depth,
        "eta": args.eta,
        "max_bin": args.max_bin,
        "lambda": args.reg_lambda,
        "alpha": 0.0,
        "gamma": 0.0,
        "min_child_weight": args.min_child_weight,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "base_score": args.base_score,
        "nthread": args.threads,
        "eval_metric": "rmse",
        "seed": 1,
    }

    t0 = time.perf_counter()
    cpu0 = os.times()
    dtrain = xgb.DMatrix(x_train, label=y_train, nthread=args.threads)
    dval = xgb.DMatrix(x_val, label=y_val, nthread=args.threads)
    evals_result = {}
    booster = xgb.train(params, dtrain, num_boost_round=args.rounds, evals=[(dval, "val")],
                        evals_result=evals_result, verbose_eval=False)
    train_s = time.perf_counter() - t0
    cpu1 = os.times()

    sizes = {}
    for ext in ("json", "ubj"):
        path = os.path.join(args.dir, f"xgb_model.{ext}")
        booster.save_model(path)
        sizes[ext] = os.path.getsize(path)
    # XGBoost's nodes: every tree's num_nodes from its JSON dump of the model.
    with open(os.path.join(args.dir, "xgb_model.json")) as f:
        model = json.load(f)
    trees = model["learner"]["gradient_booster"]["model"]["trees"]
    nodes = sum(int(t["tree_param"]["num_nodes"]) for t in trees)

    booster.set_param({"nthread": args.threads})
    pred = booster.inplace_predict(x_test)  # warm-up
    best = float("inf")
    reps = 0
    t_start = time.perf_counter()
    while reps < 3 or time.perf_counter() - t_start < args.predict_seconds:
        t = time.perf_counter()
        pred = booster.inplace_predict(x_test)
        best = min(best, time.perf_counter() - t)
        reps += 1
    np.asarray(pred, dtype="<f8").tofile(os.path.join(args.dir, "pred_xgb.f64"))

    print(json.dumps({
        "xgboost": xgb.__version__,
        "train_s": train_s,
        "train_cpu_s": (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system),
        "rounds": booster.num_boosted_rounds(),
        "trees": len(trees),
        "nodes": nodes,
        "val_rmse_last": evals_result["val"]["rmse"][-1],
        "json_bytes": sizes["json"],
        "ubj_bytes": sizes["ubj"],
        "predict_s": best,
        "predict_reps": reps,
        "predict_points_per_s": meta["n_test"] / best,
        "pred_dtype": str(pred.dtype),
    }))


if __name__ == "__main__":
    main()
