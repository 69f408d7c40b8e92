"""Length control audited on fake length-only judges (tests/length_data.py): nine simulated
models of 40 to 700 median words, two judges whose ratings depend on answer length alone.

Scenarios, each over several seeds:
- null: no model effect. LC spread (max - min over the nine), LC pairs whose 95% interval
  excludes 0 (of 36), Spearman of LC with median words; beside them the spread LC would have
  with the judges' true length curve (the noise floor);
- model set: each model's LC with all nine, beside the four shortest others and beside the
  four longest others (the largest change); with reference models (--length-reference: the
  40, 90, 180, 350 and 700-word models, on which alone the length curve is then fitted), each
  model's LC in a report of the reference models (and it) against its LC beside all nine;
- planted: the same lengths plus model effects of +0.6 (m3) and -0.6 (m6): the planted pairs
  found, the null pairs not;
- floor: crisis_referral fails shorter answers more often; the safety contrast of failing
  against passing answers, raw (pooled) and adjusted (within model, at equal length).

With --coverage N, instead: over N other seeds, how often the adjusted contrast's 95% interval
covers its true value 0 (a calibrated interval misses in about 5% of seeds, so "covers 0" can
only hold as a rate), and in both modes the distribution of the LC spread beside the true
curve's (the noise floor) and an oracle's (told each judge's exact curve shape, fitting only its
scale on the same models: the best any fit of the curve could do), and of the flagged LC pairs;
writes
benchmarks/results/length_control_coverage.json.

Prints tables; writes benchmarks/results/length_control.json.
Run: PYTHONPATH=. .venv/bin/python benchmarks/length_control.py [--seeds 8] [--resamples 10000]
     [--coverage N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
PLANTED = (0.0, 0.0, 0.0, 0.6, 0.0, 0.0, -0.6, 0.0, 0.0)
#: The reference models of the second mode: every other one of the nine, spanning the lengths.
REFERENCE = (0, 2, 4, 6, 8)
NINE_WORDS = (40, 60, 90, 130, 180, 250, 350, 500, 700)
MODES = ("every model", "reference")


def _models(results) -> list[str]:
    return sorted(results.judgments["model"].unique(), key=lambda m: int(m.split("-")[1][:-1]))


def _reference(mode: str) -> tuple[str, ...]:
    """The simulated models' names of the reference mode (tests/length_data.py names them)."""
    return tuple(f"m{i}-{NINE_WORDS[i]}w" for i in REFERENCE) if mode == "reference" else ()


def _analyse(results, resamples: int, mode: str = "every model"):
    from mentalbench.report import ReportOptions
    from mentalbench.report.analysis import analyse

    reference = _reference(mode)
    return analyse(results, ReportOptions(resamples=resamples, metrics=("metrics_mean",),
                                          length_reference=reference))


def null_scenario(seed: int, resamples: int, mode: str) -> dict:
    """Spread, flagged pairs and Spearman of LC on length-only judges."""
    from scipy.stats import spearmanr

    from tests.length_data import JUDGES, METRICS, Scenario, simulate

    results = simulate(Scenario(seed=seed))
    a = _analyse(results, resamples, mode)
    out = {}
    j = results.judgments
    for judge in a.cube.judges:
        s = a.scores[a.scores["judge"] == judge]
        p = a.pairs[a.pairs["judge"] == judge]
        row = {"raw_spread": float(s["mean"].max() - s["mean"].min()),
               "lc_spread": float(s["lc"].max() - s["lc"].min()),
               "raw_flagged": int(((p["ci_low"] > 0) | (p["ci_high"] < 0)).sum()),
               "lc_flagged": int(((p["lc_ci_low"] > 0) | (p["lc_ci_high"] < 0)).sum()),
               "lc_holm_flagged": int((p["lc_p_holm"] < 0.05).sum()),
               "spearman_raw_words": float(spearmanr(s["mean"], s["median_words"])[0]),
               "spearman_lc_words": float(spearmanr(s["lc"], s["median_words"])[0])}
        if judge in JUDGES:  # the noise floor: LC with the judge's own curve
            mine = j[j["judge"] == judge]
            resid = mine[list(METRICS)].mean(axis=1) - JUDGES[judge](mine["words"])
            floor = resid.groupby(mine["model"]).mean()
            row["true_curve_spread"] = float(floor.max() - floor.min())
            error = s.set_index("model")["lc"] - floor  # LC less the true curve's, centred
            row["lc_error"] = (error - error.mean()).reindex(_models(results)).tolist()
        row["form"] = a.length.set_index("judge").loc[judge, "form"]
        out[judge] = row
    return out


def model_set_scenario(seed: int) -> dict:
    """How far each model's LC moves when the other models in the report change: beside the
    four shortest others, beside the four longest others (LC points need no resamples)."""
    from tests.length_data import Scenario, keep_models, simulate

    results = simulate(Scenario(seed=seed))
    models = _models(results)
    full = _analyse(results, 100).scores.set_index(["judge", "model"])["lc"]
    rows: list = []
    for model in models:
        others = [m for m in models if m != model]
        for name, group in (("shortest", others[:4]), ("longest", others[-4:])):
            lc = _analyse(keep_models(results, [model, *group]), 100).scores.set_index(
                ["judge", "model"])["lc"]
            rows += [(judge, float(abs(lc[judge, model] - full[judge, model])), model, name)
                     for judge in ("sat", "logit", "panel")]
    return _changes(rows, models)


def reference_set_scenario(seed: int) -> dict:
    """With reference models: each model's LC in the full report against a report of the
    reference models and it alone (the reference models: against the reference alone)."""
    from tests.length_data import Scenario, keep_models, simulate

    results = simulate(Scenario(seed=seed))
    models = _models(results)
    reference = list(_reference("reference"))
    full = _analyse(results, 100, "reference").scores.set_index(["judge", "model"])["lc"]
    rows: list = []
    for model in models:
        keep = reference if model in reference else [*reference, model]
        lc = _analyse(keep_models(results, keep), 100, "reference").scores.set_index(
            ["judge", "model"])["lc"]
        rows += [(judge, float(abs(lc[judge, model] - full[judge, model])), model,
                  "the reference only") for judge in ("sat", "logit", "panel")]
    return _changes(rows, models)


def _changes(rows: list, models: list[str]) -> dict:
    out = {}
    for judge in ("sat", "logit", "panel"):
        mine = [r[1:] for r in rows if r[0] == judge]
        worst = max(mine)
        middle = max(c for c, m, _ in mine if m == models[len(models) // 2])
        out[judge] = {"max_change": worst[0], "model": worst[1], "beside": worst[2],
                      "over_0.05": sum(c > 0.05 for c, _, _ in mine), "cases": len(mine),
                      "middle_model": models[len(models) // 2], "middle_change": middle,
                      "all": mine}
    return out


def planted_scenario(seed: int, resamples: int, mode: str) -> dict:
    """Planted model effects found by LC, nulls not."""
    from tests.length_data import Scenario, simulate

    a = _analyse(simulate(Scenario(seed=seed, effect=PLANTED)), resamples, mode)
    out = {}
    for judge in a.cube.judges:
        p = a.pairs[a.pairs["judge"] == judge]
        models = list(a.cube.models)
        truth = {(ma, mb): PLANTED[models.index(ma)] - PLANTED[models.index(mb)]
                 for ma, mb in zip(p["model_a"], p["model_b"], strict=True)}
        real = np.array([truth[k] != 0 for k in zip(p["model_a"], p["model_b"], strict=True)])
        flagged = ((p["lc_ci_low"] > 0) | (p["lc_ci_high"] < 0)).to_numpy()
        error = p["lc_diff"].to_numpy() - np.array(list(truth.values()))
        out[judge] = {"planted_pairs": int(real.sum()), "planted_found": int((flagged & real).sum()),
                      "null_pairs": int((~real).sum()), "null_flagged": int((flagged & ~real).sum()),
                      "max_abs_error": float(np.abs(error).max())}
    return out


def floor_scenario(seed: int, resamples: int) -> dict:
    """Raw against adjusted safety contrast of crisis_referral fails on length-only judges."""
    from tests.length_data import Scenario, simulate

    a = _analyse(simulate(Scenario(seed=seed)), resamples)
    r = a.check_ratings.set_index("judge")
    return {j: {k: float(r.loc[j, k]) for k in ("raw_diff", "raw_low", "raw_high",
                                                 "adjusted_diff", "adjusted_low", "adjusted_high")}
            for j in r.index}


def oracle_spread(seed: int) -> dict[tuple[str, str], float]:
    """Per (mode, judge): the LC spread of an estimator told the judge's exact curve shape,
    fitting only its scale on the mode's models (model and question effects removed): the best
    any fit of the curve could do."""
    from tests.length_data import JUDGES, METRICS, Scenario, simulate

    results = simulate(Scenario(seed=seed))
    models = _models(results)
    out = {}
    for judge, curve in JUDGES.items():
        mine = results.judgments[results.judgments["judge"] == judge]
        table = mine.assign(s=mine[list(METRICS)].mean(axis=1), x=curve(mine["words"]))
        y = table.pivot(index="model", columns="question_id", values="s").loc[models].to_numpy()
        x = table.pivot(index="model", columns="question_id", values="x").loc[models].to_numpy()

        def centred(a):
            return a - a.mean(1, keepdims=True) - a.mean(0, keepdims=True) + a.mean()
        for mode in MODES:
            rows = list(REFERENCE) if mode == "reference" else list(range(len(models)))
            yr, xr = centred(y[rows]), centred(x[rows])
            lc = (y - (xr * yr).sum() / (xr * xr).sum() * x).mean(axis=1)
            out[mode, judge] = float(lc.max() - lc.min())
    return out


def coverage(seeds: int, resamples: int) -> None:
    """Coverage of the adjusted floor contrast, and LC's spread and flagged pairs in both modes,
    over many seeds."""
    from mentalbench.results.rates import wilson

    covered: dict[str, list[bool]] = {}
    null: dict[tuple[str, str], list[dict]] = {}
    for seed in range(1000, 1000 + seeds):  # seeds apart from the main run's
        for judge, f in floor_scenario(seed, resamples).items():
            covered.setdefault(judge, []).append(f["adjusted_low"] <= 0 <= f["adjusted_high"])
        oracle = oracle_spread(seed)
        for mode in MODES:
            for judge, n in null_scenario(seed, resamples, mode).items():
                null.setdefault((mode, judge), []).append(
                    {**n, "oracle_spread": oracle.get((mode, judge), np.nan)})
        print(f"  seed {seed} done", file=sys.stderr, flush=True)
    out: dict = {"seeds": seeds, "resamples": resamples, "floor": {}, "null": {}}
    print(f"{'judge':7} adjusted floor contrast: 95% CI covers 0")
    for judge, hits in covered.items():
        low, high = wilson(sum(hits), len(hits))
        out["floor"][judge] = {"covers_0": sum(hits), "of": len(hits), "wilson": [low, high]}
        print(f"{judge:7} {sum(hits)}/{len(hits)} ({low:.2f}-{high:.2f})")
    print(f"\n{'LC fitted on':12} {'judge':6} {'spread <= 0.15':>14} {'true curve':>10} "
          f"{'oracle':>7} "
          f"{'spread median, 90%, max':>24} {'<= 4/36 flagged':>15} {'flagged max':>11} "
          f"{'pairs flagged':>13} {'any Holm':>8}")
    for (mode, judge), rows in null.items():
        spread = np.array([r["lc_spread"] for r in rows])
        flagged = np.array([r["lc_flagged"] for r in rows])
        holm = np.array([r["lc_holm_flagged"] for r in rows])
        floor = np.array([r.get("true_curve_spread", np.nan) for r in rows])
        oracle = np.array([r["oracle_spread"] for r in rows])
        out["null"][f"{mode}/{judge}"] = {"lc_spread": spread.tolist(),
                                          "true_curve_spread": floor.tolist(),
                                          "oracle_spread": oracle.tolist(),
                                          "lc_flagged": flagged.tolist(),
                                          "lc_holm_flagged": holm.tolist()}
        if judge != "panel":  # a bias would show as a mean error per model far from 0
            bias = np.abs(np.mean([r["lc_error"] for r in rows], axis=0)).max()
            out["null"][f"{mode}/{judge}"]["largest_mean_error"] = float(bias)
        print(f"{mode:12} {judge:6} {int((spread <= 0.15).sum()):>10}/{len(spread)} "
              + (f"{int((floor <= 0.15).sum()):>6}/{len(floor)} "
                 f"{int((oracle <= 0.15).sum()):>3}/{len(oracle)}" if judge != "panel" else
                 f"{'':>18}")
              + f"  {np.median(spread):.3f}, {np.quantile(spread, 0.9):.3f}, {spread.max():.3f}"
              f" {int((flagged <= 4).sum()):>11}/{len(flagged)} {flagged.max():>11} "
              f"{flagged.sum() / (36 * len(flagged)):>13.3f} {int((holm > 0).sum()):>4}/{len(holm)}"
              + (f"  largest mean error {bias:.3f}" if judge != "panel" else ""))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "length_control_coverage.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RESULTS / 'length_control_coverage.json'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--coverage", type=int, metavar="N",
                        help="coverage and spread over N seeds instead of the scenarios")
    args = parser.parse_args()
    if args.coverage:
        coverage(args.coverage, args.resamples)
        return
    result = {"resamples": args.resamples, "seeds": {},
              "reference_models": [NINE_WORDS[i] for i in REFERENCE]}
    for seed in range(args.seeds):
        result["seeds"][seed] = r = {
            mode: {"null": null_scenario(seed, args.resamples, mode),
                   "planted": planted_scenario(seed, args.resamples, mode)} for mode in MODES}
        r["every model"]["model_set"] = model_set_scenario(seed)
        r["reference"]["model_set"] = reference_set_scenario(seed)
        r["floor"] = floor_scenario(seed, args.resamples)
        print(f"seed {seed}")
        for mode in MODES:
            print(f" LC curve fitted on: {mode}"
                  + (f" models {[NINE_WORDS[i] for i in REFERENCE]} (words)"
                     if mode == "reference" else ""))
            for judge, n in r[mode]["null"].items():
                print(f"  null    {judge:6} spread raw {n['raw_spread']:.2f} LC "
                      f"{n['lc_spread']:.3f} (true curve "
                      f"{n.get('true_curve_spread', float('nan')):.3f})  flagged raw "
                      f"{n['raw_flagged']}/36 LC {n['lc_flagged']}/36 (Holm "
                      f"{n['lc_holm_flagged']})  Spearman raw {n['spearman_raw_words']:+.2f} LC "
                      f"{n['spearman_lc_words']:+.2f}  form {n['form']}")
            for judge, m in r[mode]["model_set"].items():
                print(f"  set     {judge:6} max LC change {m['max_change']:.3f} ({m['model']} "
                      f"beside {m['beside']}); {m['over_0.05']}/{m['cases']} changes > 0.05; "
                      f"{m['middle_model']}: {m['middle_change']:.3f}")
            for judge, p in r[mode]["planted"].items():
                print(f"  planted {judge:6} found {p['planted_found']}/{p['planted_pairs']}, "
                      f"null flagged {p['null_flagged']}/{p['null_pairs']}, max |LC diff - "
                      f"truth| {p['max_abs_error']:.3f}")
        for judge, f in r["floor"].items():
            print(f"  floor   {judge:6} raw {f['raw_diff']:+.2f} [{f['raw_low']:+.2f}, "
                  f"{f['raw_high']:+.2f}]  adjusted {f['adjusted_diff']:+.3f} "
                  f"[{f['adjusted_low']:+.3f}, {f['adjusted_high']:+.3f}]")
        sys.stdout.flush()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "length_control.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS / 'length_control.json'}")


if __name__ == "__main__":
    main()
