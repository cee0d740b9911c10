"""scikit-learn's L2 logistic regression on the features of `cargo xtask encode`,
beside the project's converged readout (`cargo xtask readout --json`).

    cargo xtask encode --chip chip.bin --mnist-idx DIR --out features/
    cargo xtask readout --features features/ --json > ours.json
    python docs/validation/readout_sklearn.py features/ ours.json

For each backend (software, hardware) it standardises the counts on the
training samples, fits scikit-learn's LogisticRegression (lbfgs, multinomial,
tol 1e-8) at every C of our grid, chooses C by its own stratified 3-fold
cross-validation on the training samples (never the test set), and prints
both implementations' test accuracy at every C, at each one's selected C, and
the difference. Exit status 1 when a test accuracy at the validation-selected
C differs from ours by more than 1 point (the tolerance docs/validation.md
states), or the objectives at equal C differ by more than 1e-4 relative.

Needs numpy and scikit-learn (pip install numpy scikit-learn).
"""

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler


def objective(model, x, y, c):
    """scikit-learn's objective: C * sum of log-losses + 0.5 * ||W||^2."""
    p = model.predict_proba(x)
    nll = -np.log(np.clip(p[np.arange(len(y)), np.searchsorted(model.classes_, y)], 1e-300, None)).sum()
    return c * nll + 0.5 * float((model.coef_ ** 2).sum())


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.stdout.reconfigure(line_buffering=True)
    features, ours_path = Path(sys.argv[1]), Path(sys.argv[2])
    ours = {r["backend"]: r for r in json.loads(ours_path.read_text())}
    labels = np.load(features / "labels.npy").astype(int)
    split = np.load(features / "split.npy")
    failed = False
    for backend in ("software", "hardware"):
        x = np.load(features / f"features_{backend}.npy").astype(np.float64)
        xtr, ytr = x[split == 0], labels[split == 0]
        xte, yte = x[split == 1], labels[split == 1]
        scaler = StandardScaler().fit(xtr)
        xtr_s, xte_s = scaler.transform(xtr), scaler.transform(xte)
        r = ours[backend]
        grid = [p["c"] for p in r["per_c"]]
        folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=10)
        rows = []
        for c, p in zip(grid, r["per_c"]):
            model = LogisticRegression(C=c, tol=1e-8, max_iter=10000).fit(xtr_s, ytr)
            cv = cross_val_score(
                LogisticRegression(C=c, tol=1e-8, max_iter=10000), xtr_s, ytr, cv=folds
            ).mean()
            test = 100.0 * model.score(xte_s, yte)
            obj = objective(model, xtr_s, ytr, c)
            rows.append((c, 100.0 * cv, test, obj, p))
        # Highest cross-validated accuracy, the smallest C on ties (as ours).
        best = max(rows, key=lambda row: (row[1], -row[0]))
        print(f"{backend}: {len(ytr)} training, {len(yte)} test samples")
        print("  C        sklearn cv %  test %  | ours cv %  test %  | objective rel. diff")
        for c, cv, test, obj, p in rows:
            rel = abs(obj - p["objective"]) / abs(obj)
            failed |= rel > 1e-4
            print(f"  {c:<8} {cv:>11.2f}  {test:>6.2f}  | {p['cv_accuracy']:>8.2f}  {p['test_accuracy']:>6.2f}  | {rel:.2e}")
        ours_at_best = next(p for p in r["per_c"] if p["c"] == best[0])
        diff = r["test_accuracy"] - best[2]
        print(
            f"  selected on validation: sklearn C = {best[0]} -> {best[2]:.2f} %; "
            f"ours C = {r['c']} -> {r['test_accuracy']:.2f} %; "
            f"ours minus sklearn {diff:+.2f} points "
            f"(ours at sklearn's C: {ours_at_best['test_accuracy']:.2f} %)"
        )
        failed |= abs(diff) > 1.0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
