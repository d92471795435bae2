set -e
cd /work/main
export SPINLENS_DATA=../shared/data
.venv/bin/python scripts/experiments/s11/post.py runs/acc/s7 runs/acc/thA S7 2026.11.26.6 2>&1 | tail -1
.venv/bin/python benchmarks/coverage_transfer.py runs/acc/builtS7 --quantile --write runs/acc/thS7 2>&1 | tail -4
cp runs/acc/thA/span_lexicon.npz runs/acc/thS7/
.venv/bin/python scripts/experiments/s11/post.py runs/acc/s7 runs/acc/thS7 S7q 2026.11.26.6 2>&1 | tail -1
.venv/bin/python benchmarks/select_se21.py runs/acc/builtS7q 2>&1 | tail -1
.venv/bin/python benchmarks/ptc_dev.py --model-dir runs/acc/builtS7q --markdown runs/acc/ptc_dev_S7q.md 2>&1 | tail -1
