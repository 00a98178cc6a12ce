"""Run a Petridish search (or resume one). The canonical entry point, also for `ray job submit`.

    python scripts/search.py --config confs/petridish.yaml
    python scripts/search.py --config confs/petridish.yaml --out runs --set budget.max_jobs=200
    python scripts/search.py --resume runs/petridish
    ray job submit --address http://127.0.0.1:8265 --working-dir . -- \
        python scripts/search.py --config confs/petridish_smoke.yaml

Inside `ray job submit` the driver connects to that cluster (RAY_ADDRESS); otherwise it
connects to a running local cluster or starts one.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a plain checkout too

from archsearch.cli import main


def to_cli_args(argv: list[str]) -> list[str]:
    parser = argparse.ArgumentParser(description="Petridish search on Ray")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--config", help="YAML config, e.g. confs/petridish.yaml")
    group.add_argument("--resume", metavar="RUN_DIR", help="continue runs/<name>")
    parser.add_argument("--out", help="parent folder of run directories (default: runs)")
    parser.add_argument("--name", help="run name (default: the config's name)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    cli = ["-v"] if args.verbose else []
    if args.resume:
        cli += ["resume", args.resume]
    else:
        cli += ["run", args.config]
        cli += ["--out", args.out] if args.out else []
        cli += ["--name", args.name] if args.name else []
    for item in args.set:
        cli += ["--set", item]
    return cli


if __name__ == "__main__":
    sys.exit(main(to_cli_args(sys.argv[1:])))
