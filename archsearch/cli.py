"""The `archsearch` command: search, inspect, view and retrain from the shell.

Commands: run, resume, status, plot, train, retrain, update, kill, list, export, compare, view.

Errors the user can fix (config, data, names) print one line and exit 2; Ctrl-C or SIGTERM
(`ray job stop`, a preemption) leaves a run that `archsearch resume` continues, and exits 130.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from archsearch.config import DataConfig, load_config
from archsearch.errors import ArchsearchError, ModelDescError
from archsearch.experiment import interrupts
from archsearch.experiment.home import find_run_dir, run_roots
from archsearch.space.desc import ModelDesc

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def cmd_run(args: argparse.Namespace) -> int:
    from archsearch.experiment import Experiment

    overrides = list(args.set or [])
    if args.out:
        overrides.append(f"out_dir={args.out}")
    if args.name:
        overrides.append(f"name={args.name}")
    exp = Experiment(load_config(args.config, overrides))
    _start_view(exp.run_dir, args.view)
    return _search(exp)


def cmd_resume(args: argparse.Namespace) -> int:
    from archsearch.experiment import Experiment

    return _search(Experiment.resume(args.run_dir, args.set))


def _search(exp) -> int:
    """Run the search, naming its folder when it starts and again when it ends, however it
    ends; a run refused because another driver holds it prints only that error."""
    started = []

    def announce() -> None:
        started.append(True)
        print(f"run directory: {exp.run_dir}", file=sys.stderr)

    try:
        reason = exp.run(on_start=announce)
    except KeyboardInterrupt:
        return _interrupted(exp.run_dir)
    finally:
        if started:
            print(f"run directory: {exp.run_dir}", file=sys.stderr)
    print(
        f"search stopped: {reason}\nfrontier: {exp.run_dir / 'plots' / 'frontier.png'}",
        file=sys.stderr,
    )
    return 0


def _interrupted(run_dir: str | Path) -> int:
    print(f"\ninterrupted; continue with `archsearch resume {run_dir}`", file=sys.stderr)
    return EXIT_INTERRUPTED


def cmd_status(args: argparse.Namespace) -> int:
    from archsearch.experiment.status import format_status, run_status

    status = run_status(_run_dir(args.run_dir))
    print(json.dumps(status, indent=1) if args.json else format_status(status))
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from archsearch.experiment import Experiment

    exp = Experiment.resume(_run_dir(args.run_dir))
    exp.write_outputs()
    print(exp.run_dir / "plots")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Train one described network (an exported best/<k>/model.json) and print its numbers."""
    from archsearch.jobs.inputs import JobInputs, providing
    from archsearch.jobs.run import run_job
    from archsearch.jobs.spec import JobSpec, Stage
    from archsearch.store.files import write_bytes_atomic
    from archsearch.train.weights import load_weights, weights_to_bytes

    config = load_config(args.config, args.set)
    path = Path(args.model)
    if not path.is_file():
        raise ArchsearchError(f"model description {path} does not exist")
    desc = ModelDesc.load(path)
    _check_fits_data(desc, config.data, path)
    # Read (and check) the warm-start weights before training, so a bad file is one line.
    warm_start = weights_to_bytes(load_weights(args.weights)) if args.weights else None
    out = Path(args.weights_out or path.with_name("trained.pt"))
    spec = JobSpec(
        job_id=0,
        stage=Stage.TRAIN,
        model_desc=desc,
        train_conf=config.train.model_dump(mode="json"),
        data_conf=config.data.model_dump(mode="json"),
        seed=config.seed,
    )
    with providing(JobInputs(parent_weights=warm_start)):
        result = run_job(spec)
    if not result.ok:
        print(f"training failed: {result.error}", file=sys.stderr)
        return 1
    write_bytes_atomic(out, result.weights)
    summary = {**result.metrics, "madd": result.madd, "params": result.params, "weights": str(out)}
    print(json.dumps(summary, indent=1))
    return 0


def _check_fits_data(desc: ModelDesc, data: DataConfig, path: Path) -> None:
    """A model described for other data (a CIFAR-10 model.json with the digits config) would
    fail inside training; say so before it starts."""
    shape, classes = data.sample_shape()
    if list(desc.input_shape) != list(shape) or desc.num_classes != classes:
        raise ModelDescError(
            f"{path}: the model takes inputs {list(desc.input_shape)} and {desc.num_classes} "
            f"classes; data set {data.name!r} has {list(shape)} and {classes} (set data.*)"
        )


def cmd_retrain(args: argparse.Namespace) -> int:
    """Retrain the run's top K hull points as RETRAIN jobs, then print the status tables."""
    from archsearch.experiment.retrain import retrain
    from archsearch.experiment.status import format_status, run_status

    run_dir = _run_dir(args.run_dir)
    reason = retrain(run_dir, args.top, args.set)
    print(format_status(run_status(run_dir)))
    print(f"retrain stopped: {reason}\nplot: {run_dir / 'plots' / 'retrain.png'}", file=sys.stderr)
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    from archsearch.experiment import Experiment

    Experiment.resume(_run_dir(args.run_dir)).update(
        max_jobs=args.max_jobs, max_duration_s=args.max_duration, concurrency=args.concurrency
    )
    print("update requested; a running search applies it within a few seconds")
    return 0


def cmd_kill(args: argparse.Namespace) -> int:
    from archsearch.experiment import Experiment

    Experiment.resume(_run_dir(args.run_dir)).kill(args.job_id)
    print(f"kill of job {args.job_id} requested")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from archsearch.experiment.status import format_runs, list_runs

    roots = [Path(args.out_dir)] if args.out_dir else run_roots()
    print(format_runs([run for root in roots for run in list_runs(root)]))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from archsearch.experiment.export import export_run

    print(export_run(_run_dir(args.run_dir), args.format, args.output))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from archsearch.experiment.compare import compare_runs, format_comparison

    rows = compare_runs([_run_dir(d) for d in args.run_dirs], Path(args.plot), args.madd or None)
    print(json.dumps(rows, indent=1) if args.json else format_comparison(rows))
    print(f"plot: {args.plot}", file=sys.stderr)
    return 0


def cmd_view(args: argparse.Namespace) -> int:
    from archsearch.view import ViewServer

    run_dirs = [_run_dir(d) for d in args.run_dirs]
    server = ViewServer(run_dirs, host=args.host, port=args.port, read_only=args.read_only)
    print(f"archsearch view: {server.start()}  (Ctrl-C stops it)", flush=True)
    server.serve_forever()
    return 0


def _start_view(run_dir: Path, port: int | None) -> None:
    """`run --view [PORT]`: serve the run's web view from this process while it searches."""
    if port is None:
        return
    from archsearch.view import ViewServer

    print(f"web view: {ViewServer([run_dir], port=port).start()}", file=sys.stderr)


def _run_dir(path: str) -> Path:
    return find_run_dir(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archsearch", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log INFO to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def overrides(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--set",
            action="append",
            metavar="KEY=VALUE",
            help="override a config value, e.g. --set budget.max_jobs=200",
        )

    p = sub.add_parser("run", help="start a search from a config file")
    p.add_argument("config")
    p.add_argument("--out", help="parent folder of run directories (default: runs)")
    p.add_argument("--name", help="run name (default: the config's name)")
    p.add_argument(
        "--view",
        nargs="?",
        type=int,
        const=8080,
        metavar="PORT",
        help="serve the live web view on 127.0.0.1 while it runs (default port 8080)",
    )
    overrides(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("resume", help="continue a run after a crash, kill or Ctrl-C")
    p.add_argument("run_dir")
    overrides(p)
    p.set_defaults(func=cmd_resume)

    p = sub.add_parser("status", help="jobs by stage and state, the hull, elapsed time")
    p.add_argument("run_dir")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("plot", help="redraw plots/, hull.json and best/ of a run")
    p.add_argument("run_dir")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("train", help="train one described model (e.g. best/0/model.json)")
    p.add_argument("model", help="a model.json")
    p.add_argument("--config", help="config for data and training (default: built-in)")
    p.add_argument("--weights", help="warm-start from these weights")
    p.add_argument("--weights-out", help="where to save the trained weights")
    overrides(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("retrain", help="retrain the top K hull points longer, with the recipe")
    p.add_argument("run_dir")
    p.add_argument("--top", type=int, metavar="K", help="hull points (default: retrain.top)")
    overrides(p)
    p.set_defaults(func=cmd_retrain)

    p = sub.add_parser("update", help="change a running search's budgets or concurrency")
    p.add_argument("run_dir")
    p.add_argument("--max-jobs", type=int)
    p.add_argument("--max-duration", type=float, metavar="SECONDS")
    p.add_argument("--concurrency", type=int, help="jobs in flight at most")
    p.set_defaults(func=cmd_update)

    p = sub.add_parser("kill", help="cancel one running job of a running search")
    p.add_argument("run_dir")
    p.add_argument("job_id", type=int)
    p.set_defaults(func=cmd_kill)

    p = sub.add_parser("list", help="the runs under a folder, with their state")
    p.add_argument("out_dir", nargs="?", help="default: ./runs and ~/archsearch/runs")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("export", help="all trials (csv) or trials, curves and hull (json)")
    p.add_argument("run_dir")
    p.add_argument("--format", choices=["csv", "json"], default="json")
    p.add_argument("--output", help="file to write (default: RUN_DIR/export/...)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("compare", help="frontiers of several runs on one plot, with numbers")
    p.add_argument("run_dirs", nargs="+")
    p.add_argument("--plot", default="compare.png", help="where to write the plot")
    p.add_argument("--madd", type=float, action="append", help="MAdd level for error-at-MAdd")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("view", help="the live web view of one run, or several overlaid")
    p.add_argument("run_dirs", nargs="+", metavar="run_dir")
    p.add_argument("--port", type=int, default=8080, help="0: any free port (default 8080)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; any other needs the printed token)",
    )
    p.add_argument("--read-only", action="store_true", help="no controls (update, kill, stop)")
    p.set_defaults(func=cmd_view)
    return parser


def main(argv: list[str] | None = None) -> int:
    interrupts.install()  # SIGTERM = Ctrl-C from here on, whenever it arrives
    args = build_parser().parse_args(argv)
    # INFO always reaches the run's log.txt; stderr shows it only with -v (the progress line
    # would be drowned otherwise).
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.INFO if args.verbose else logging.WARNING)
    stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(stderr)
    logging.getLogger("archsearch").setLevel(logging.INFO)
    if args.verbose:  # Ray's own warnings and its workers' output too (engine/ray_engine.py)
        os.environ["ARCHSEARCH_VERBOSE"] = "1"
    try:
        return args.func(args)
    except ArchsearchError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # no run at hand to name (e.g. before it was created)
        return _interrupted("RUN_DIR")
    except BrokenPipeError:  # `archsearch status RUN | head`: the reader left early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
