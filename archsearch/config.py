"""The YAML config as pydantic models: the one place for defaults and validation.

Every field carries its meaning; this module *is* the config reference. ``load_config`` turns
any validation failure into a ``ConfigError`` that names the file, the dotted key, the value
given and what is allowed.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from archsearch.errors import ConfigError
from archsearch.space.builders import check_macro, macro_grid
from archsearch.space.primitives import SEARCHABLE_PRIMITIVES


class Section(BaseModel):
    # A typo'd key is an error, never silently ignored.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# The data sets of archsearch.data's registry (a test checks the two agree); the names live
# here so that validating a config imports no torch.
DATASET_NAMES = (
    "digits",
    "synthetic",
    "cifar10",
    "cifar100",
    "mnist",
    "fashion_mnist",
    "image_folder",
    "npz",
)
# "package.module:function", the form of a plug-in loader's name.
PLUGIN_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")


class DataConfig(Section):
    # One of DATASET_NAMES, or "package.module:function": a plug-in loader, a function
    # DataConfig -> archsearch.data.Arrays (see archsearch/data/plugin.py and the README).
    name: str = "digits"
    # Where the data is: the folder of cifar10 (data_batch_1.bin ...), cifar100 (train.bin,
    # test.bin), mnist/fashion_mnist (train-images-idx3-ubyte[.gz] ...) and image_folder
    # (root/<class>/*.png, or root/train|val|test/<class>/...); npz: the .npz file itself.
    root: str | None = None
    limit: int | None = Field(None, ge=1)  # keep at most this many training samples
    val_limit: int | None = Field(None, ge=1)  # keep at most this many validation samples
    test_limit: int | None = Field(None, ge=1)  # keep at most this many test samples
    # Share of a data set without a test split of its own (digits, synthetic; image_folder and
    # npz unless they bring one) held out as the test split, stratified and seeded, before the
    # validation split is taken from the rest; no search decision sees it. 0: no test split.
    # digits at 0.2: 1149 train, 288 val, 360 test of 1797.
    test_fraction: float = Field(0.2, ge=0, lt=1)
    # Share of the training data held out for validation when the data set has no validation
    # split of its own; cifar10/100 and mnist carve it from their training files, since their
    # official test files are the test split.
    val_fraction: float = Field(0.2, gt=0, lt=1)
    seed: int = 0  # split and subsampling seed
    # npz/plug-in: labels are 0..num_classes-1 (null: the plug-in's own num_classes, else the
    # largest label + 1)
    num_classes: int | None = Field(None, ge=2)
    image_size: int = Field(32, ge=1)  # image_folder: every image resized to this x this pixels
    channels: Literal[1, 3] = 3  # image_folder: 1 decodes to grayscale, 3 to RGB
    # image_folder: folder of the decoded-array cache; null: <root>/.archsearch_cache when the
    # data folder is writable, else ~/.cache/archsearch (see archsearch/data/image_folder.py)
    cache_dir: str | None = None
    cifar100_labels: Literal["fine", "coarse"] = "fine"  # cifar100: 100 fine or 20 coarse classes
    synthetic_samples: int = Field(512, ge=2)  # synthetic: number of samples
    synthetic_shape: tuple[int, int, int] = (3, 8, 8)  # synthetic: (C, H, W)
    synthetic_classes: int = Field(4, ge=2)  # synthetic: number of classes
    # synthetic: "means" (a random mean image per class, plus noise) or "pairs" (two dots
    # PAIR_DISTANCE apart in a row, class 1 when their signs differ; 2 classes): only a network
    # whose receptive field spans both dots beats chance, a probe for one-shot search tests.
    synthetic_task: Literal["means", "pairs"] = "means"

    @field_validator("name")
    @classmethod
    def _known_name(cls, name: str) -> str:
        if name in DATASET_NAMES or PLUGIN_NAME.fullmatch(name):
            return name
        raise ValueError(
            f"unknown data set {name!r}; allowed: {', '.join(DATASET_NAMES)}, or "
            "'package.module:function' naming a plug-in loader"
        )

    @model_validator(mode="after")
    def _pairs_have_two_classes(self) -> DataConfig:
        if self.synthetic_task == "pairs" and self.synthetic_classes != 2:
            raise ValueError(
                f"synthetic_task 'pairs' has 2 classes; got synthetic_classes="
                f"{self.synthetic_classes}"
            )
        return self

    def sample_shape(self) -> tuple[tuple[int, int, int], int]:
        """(input shape (C, H, W), number of classes), known before any job runs: from the
        config, or from the files' headers and class folders (image_folder, npz, mnist); a
        plug-in loader is called (once: load_data reuses its arrays)."""
        from archsearch.data.registry import sample_shape  # archsearch.data imports this module

        return sample_shape(self)


class ModelConfig(Section):
    init_channels: int = Field(8, ge=1)  # channels of the first cells (doubled per reduction)
    edges_per_node: int = Field(2, ge=1)  # seed cells: edges of each random node
    primitives: list[str] = Field(default_factory=lambda: list(SEARCHABLE_PRIMITIVES))

    @model_validator(mode="after")
    def _known_primitives(self) -> ModelConfig:
        unknown = [p for p in self.primitives if p not in SEARCHABLE_PRIMITIVES]
        if unknown:
            raise ValueError(
                f"unknown primitive(s) {unknown}; allowed: {', '.join(SEARCHABLE_PRIMITIVES)}"
            )
        return self


class TrainConfig(Section):
    epochs: int = Field(3, ge=1)  # passes over the training set
    batch_size: int = Field(64, ge=1)
    eval_batch_size: int = Field(256, ge=1)
    lr: float = Field(0.05, gt=0)  # SGD learning rate at the start of the cosine schedule
    lr_min: float = Field(0.0, ge=0)  # cosine schedule floor
    schedule: Literal["cosine", "constant"] = "cosine"
    momentum: float = Field(0.9, ge=0, lt=1)
    nesterov: bool = False
    weight_decay: float = Field(3e-4, ge=0)
    grad_clip: float | None = Field(5.0, gt=0)  # max gradient norm; null disables clipping
    arch_lr: float = Field(0.01, gt=0)  # Adam learning rate of architecture weights
    arch_l1: float = Field(1e-3, ge=0)  # L1 penalty on Petridish architecture weights
    device: Literal["auto", "cpu", "cuda"] = "auto"  # auto: CUDA when one is visible
    # --- The training recipe of DARTS' and archai's final evaluation; every part is off by
    # default (digits) and on in confs/petridish_cifar10.yaml (drop_path and aux_weight in its
    # `retrain.train`, as archai uses them only when it retrains the final models).
    crop_padding: int = Field(0, ge=0)  # random crop after padding each side (CIFAR: 4); 0 off
    hflip: bool = False  # mirror half the samples left-right (CIFAR: true; never for digits)
    cutout: int = Field(0, ge=0)  # side of a square zeroed at a random centre (DARTS: 16); 0 off
    # Probability of dropping a cell edge's output per sample (the rest scaled by 1 / keep),
    # rising linearly from 0 at the first epoch to this (archai: 0.2): max * epoch / epochs.
    drop_path: float = Field(0.0, ge=0, lt=1)
    # Weight of the auxiliary head's loss (DARTS: 0.4); the head reads the second reduction
    # cell (the last one when there are fewer) in training only, so it is in neither the
    # network's MAdd nor its weights file; 0: no auxiliary head.
    aux_weight: float = Field(0.0, ge=0)
    # Autocast dtype of forward passes on CUDA (fp16 adds a gradient scaler); on the CPU
    # training stays fp32 whatever this says.
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"
    channels_last: bool = False  # NHWC tensors on CUDA (faster convolutions); no-op on CPU


class MacroGrid(Section):
    """Lists of reductions, cells and nodes; their valid combinations are the macros."""

    what: ClassVar[str] = "macro"  # what a combination is called in the error message

    reductions: list[int] = Field(default_factory=lambda: [1, 2])
    cells: list[int] = Field(default_factory=lambda: [3, 4, 5])
    nodes: list[int] = Field(default_factory=lambda: [1, 2])

    def combinations(self) -> list[tuple[int, int, int]]:
        """Every valid (reductions, cells, nodes); invalid ones are skipped, as archai does."""
        return macro_grid(self)

    @model_validator(mode="after")
    def _some_valid(self) -> MacroGrid:
        if not self.combinations():
            raise ValueError(
                f"no valid {self.what}: every combination of reductions={self.reductions}, "
                f"cells={self.cells} has cells < 2 * reductions + 1"
            )
        return self


class SeedGrid(MacroGrid):
    """Petridish's seeds: every valid combination is trained first."""

    what: ClassVar[str] = "seed"


class PetridishConfig(Section):
    name: Literal["petridish"] = "petridish"
    seed_grid: SeedGrid = Field(default_factory=SeedGrid)
    # How each seed-grid combination is seeded, one seed per entry: "identity" cells whose nodes
    # only pass a state on (skip_connect; max_pool_3x3 where a reduction cell halves the
    # resolution), the cheapest network of that macro shape, which Petridish then grows (as
    # archai's seeds are; their two ops are used whatever model.primitives says); "random" DARTS
    # cells with model.edges_per_node edges per node.
    seed_ops: list[Literal["identity", "random"]] = Field(
        default_factory=lambda: ["identity", "random"], min_length=1
    )
    search_epochs: int = Field(1, ge=1)  # epochs of the SEARCH stage (architecture weights)
    top_k: int = Field(3, ge=1)  # (input, primitive) pairs kept when a search node is finalised
    # top_k of an identity seed's first growth: one op keeps the child a small step right of the
    # cheapest seeds, so the hull's cheap end is grown in small steps, not jumped over.
    identity_top_k: int = Field(1, ge=1)
    eps: float = Field(0.025, ge=0)  # eps-band: error <= (1 + eps) * hull error at that MAdd
    max_madd: float = Field(2e8, gt=0)  # never grow a parent at or beyond this MAdd
    max_hull_points: int = Field(100, ge=1)  # stop once the hull has this many points
    # Parent sampling: a band member's weight is (1 + log10(madd / smallest madd)) ** -madd_weight
    # / (1 + times drawn); 1: a 10x larger parent is drawn half as often, 0: MAdd is ignored.
    madd_weight: float = Field(1.0, ge=0)

    @field_validator("seed_ops")
    @classmethod
    def _no_repeated_seed_ops(cls, ops: list[str]) -> list[str]:
        if len(set(ops)) != len(ops):
            raise ValueError(f"seed_ops {ops} names a kind twice; each of identity, random once")
        return ops


class MacroSpace(MacroGrid):
    """The macro parameters random search and evolution draw from (Petridish's seed grid plus
    the node counts Petridish reaches by growing), so all strategies share one model space."""

    nodes: list[int] = Field(default_factory=lambda: [1, 2, 3, 4])


class RandomSearchConfig(Section):
    name: Literal["random"] = "random"
    space: MacroSpace = Field(default_factory=MacroSpace)
    madd_weight: float = Field(0.02, ge=0)  # ranking: top-1 - madd_weight * log10(MAdd)


class EvolutionConfig(Section):
    name: Literal["evolution"] = "evolution"  # regularized (aging) evolution, Real et al. 2019
    space: MacroSpace = Field(default_factory=MacroSpace)
    population: int = Field(16, ge=2)  # models kept alive; the oldest dies when a child joins
    sample_size: int = Field(4, ge=1)  # tournament size: the best of this many becomes a parent
    madd_weight: float = Field(0.02, ge=0)  # fitness: top-1 - madd_weight * log10(MAdd)
    mutations: list[Literal["op", "input", "insert_node"]] = Field(
        default_factory=lambda: ["op", "input", "insert_node"], min_length=1
    )  # drawn uniformly per child


class GridSearchConfig(Section):
    name: Literal["grid"] = "grid"  # every macro combination once, random cells
    space: MacroSpace = Field(default_factory=MacroSpace)
    madd_weight: float = Field(0.02, ge=0)  # ranking: top-1 - madd_weight * log10(MAdd)


class OneShotMacro(Section):
    """The shape of one supernet: its cells, reduction cells and nodes per cell."""

    cells: int = Field(3, ge=1)
    reductions: int = Field(1, ge=0)
    nodes: int = Field(2, ge=1)

    @model_validator(mode="after")
    def _valid(self) -> OneShotMacro:
        check_macro(self.cells, self.reductions, self.nodes)  # InvalidMacroError is a ValueError
        return self


class OneShotConfig(Section):
    """What every one-shot (weight-sharing) strategy shares. One SUPERNET job per (macro,
    penalty weight) trains a supernet and exports one network, which then trains as an
    ordinary POST_TRAIN job; several penalty weights give several exports: a frontier."""

    macros: list[OneShotMacro] = Field(default_factory=lambda: [OneShotMacro()], min_length=1)
    supernet_epochs: int = Field(5, ge=1)  # epochs of a SUPERNET job (train.epochs: exports)
    top_k: int = Field(2, ge=1)  # inputs (each with one primitive) kept per node on export
    # lambda of the MAdd penalty lambda * E[MAdd] / MAdd of the largest sub-network (accuracy
    # minus it, for the sampling methods); one exported model per value.
    penalty_weights: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [0.0], min_length=1
    )
    arch_fraction: float = Field(0.5, gt=0, lt=1)  # train share held out to choose the arch
    # First supernet epochs that train only the weights (uniform mixture or paths), so no
    # architecture decision is made on untrained ops, which favours parameter-free ones.
    warmup_epochs: int = Field(0, ge=0)
    warm_start: bool = True  # an export trains from its supernet weights (else from scratch)

    @model_validator(mode="after")
    def _warmup_leaves_search(self) -> OneShotConfig:
        if self.warmup_epochs >= self.supernet_epochs:
            raise ValueError(
                f"warmup_epochs={self.warmup_epochs} leaves no search epoch of "
                f"supernet_epochs={self.supernet_epochs}"
            )
        return self


class DartsConfig(OneShotConfig):
    name: Literal["darts"] = "darts"  # DARTS (Liu et al. 2019): softmax over every op
    order: Literal[1, 2] = 1  # 1: first-order; 2: unrolled second-order architecture gradient
    arch_lr: float = Field(3e-3, gt=0)  # Adam learning rate of the architecture weights
    arch_weight_decay: float = Field(1e-3, ge=0)  # Adam weight decay of the architecture weights


class GumbelDartsConfig(DartsConfig):
    name: Literal["gumbel_darts"] = "gumbel_darts"  # DARTS on Gumbel-softmax samples (SNAS)
    tau_initial: float = Field(5.0, gt=0)  # Gumbel-softmax temperature of the first epoch
    tau_decay: float = Field(0.8, gt=0, le=1)  # temperature multiplier after every epoch


class RandomOneShotConfig(OneShotConfig):
    name: Literal["random_oneshot"] = "random_oneshot"  # SPOS (Guo et al. 2020)
    population: int = Field(16, ge=2)  # sub-networks per generation of the evolution
    generations: int = Field(4, ge=1)  # generations after the random first one
    parents: int = Field(4, ge=1)  # best sub-networks kept to breed the next generation
    mutation_prob: float = Field(0.3, gt=0, le=1)  # chance a node of a child is re-drawn
    madd_min: float | None = Field(None, ge=0)  # reject sub-networks below this MAdd
    madd_max: float | None = Field(None, gt=0)  # reject sub-networks above this MAdd

    @model_validator(mode="after")
    def _ranges(self) -> RandomOneShotConfig:
        if self.parents >= self.population:
            raise ValueError(f"parents={self.parents} must be below population={self.population}")
        if None not in (self.madd_min, self.madd_max) and self.madd_min > self.madd_max:
            raise ValueError(f"madd_min={self.madd_min:g} is above madd_max={self.madd_max:g}")
        return self


class ProxylessConfig(OneShotConfig):
    name: Literal["proxyless"] = "proxyless"  # ProxylessNAS (Cai et al. 2019): binary gates
    arch_lr: float = Field(6e-3, gt=0)  # Adam learning rate of the architecture weights
    arch_weight_decay: float = Field(0.0, ge=0)  # Adam weight decay of the architecture weights


class EnasConfig(OneShotConfig):
    name: Literal["enas"] = "enas"  # ENAS (Pham et al. 2018): an LSTM controller samples paths
    controller_lr: float = Field(3.5e-3, gt=0)  # Adam learning rate of the controller
    controller_hidden: int = Field(32, ge=1)  # LSTM hidden size
    entropy_weight: float = Field(1e-4, ge=0)  # bonus on the sampled decisions' entropy
    baseline_decay: float = Field(0.95, ge=0, lt=1)  # moving-average reward baseline decay


ONESHOT_CONFIGS: tuple[type[OneShotConfig], ...] = (
    DartsConfig,
    GumbelDartsConfig,
    RandomOneShotConfig,
    ProxylessConfig,
    EnasConfig,
)

StrategyConfig = Annotated[
    PetridishConfig
    | RandomSearchConfig
    | EvolutionConfig
    | GridSearchConfig
    | DartsConfig
    | GumbelDartsConfig
    | RandomOneShotConfig
    | ProxylessConfig
    | EnasConfig,
    Field(discriminator="name"),
]


class BudgetConfig(Section):
    max_jobs: int | None = Field(None, ge=1)  # jobs submitted (every stage), then stop
    # epochs submitted, summed over jobs of every stage (a SEARCH job counts its search
    # epochs): the budget that compares strategies whose jobs train for different lengths
    max_epochs: int | None = Field(None, ge=1)
    max_duration_s: float | None = Field(None, gt=0)  # wall-clock seconds, then stop
    max_gpu_hours: float | None = Field(None, gt=0)  # sum of job time x GPUs per job


class ResourcesConfig(Section):
    engine: Literal["ray", "local"] = "ray"  # local: in-process, one job at a time
    gpus: float = Field(1.0, ge=0)  # GPUs per job (fractional allowed); CPU fallback if none
    cpus: float = Field(1.0, gt=0)  # CPUs per job; its whole CPUs are the job's torch threads
    max_concurrent: int | None = Field(None, ge=1)  # cap on jobs in flight (default: cluster)
    max_retries: int = Field(2, ge=0)  # re-runs of a job whose worker died
    # Run the next job in the same worker process (no start-up, cached data)? null: yes for
    # CPU jobs, no for GPU jobs, because a reused process stays on the GPU of its first job
    # whichever GPU Ray gives the next one (ray-project/ray#29624). true is safe, and ~2 s a
    # job faster, on nodes with one GPU each (or fake GPUs).
    reuse_workers: bool | None = None
    ray_address: str | None = None  # null: RAY_ADDRESS or a running cluster, else local
    # Custom Ray resources per job, e.g. {"A100": 1} to run jobs only on nodes started with
    # `ray start --resources='{"A100": 8}'`; they bound the jobs in flight like CPUs and GPUs.
    custom: dict[str, float] = Field(default_factory=dict)


class RetrainConfig(Section):
    """``archsearch retrain RUN_DIR``: the chosen hull points trained again, longer and with the
    full recipe, as archai's final evaluation does; recorded as RETRAIN jobs of the same run."""

    top: int = Field(3, ge=1)  # hull points to retrain, spread along the hull (--top K wins)
    epochs: int = Field(20, ge=1)  # epochs of each retrain job (archai on CIFAR-10: 600)
    # true: start from the search-time weights (only where names and shapes match); false:
    # from scratch, as archai's final evaluation does.
    warm_start: bool = False
    # train.* keys replaced for retrain jobs only, e.g. {drop_path: 0.2, aux_weight: 0.4}
    # (epochs is retrain.epochs).
    train: dict[str, Any] = Field(default_factory=dict)

    @field_validator("train")
    @classmethod
    def _train_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "epochs" in value:
            raise ValueError("set retrain.epochs, not retrain.train.epochs")
        try:
            TrainConfig.model_validate(value)
        except ValidationError as e:
            raise ValueError(validation_message("retrain.train", e)) from None
        return value


class Config(Section):
    name: str = "petridish"  # run name: runs/<name>
    out_dir: str = "runs"  # parent folder of run directories
    seed: int = 0  # global seed: seed cells, parent sampling, training
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    strategy: StrategyConfig = Field(default_factory=PetridishConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    resources: ResourcesConfig = Field(default_factory=ResourcesConfig)
    retrain: RetrainConfig = Field(default_factory=RetrainConfig)
    plot_every_s: float = Field(10.0, ge=0)  # refresh plots at most this often while searching

    @model_validator(mode="before")
    @classmethod
    def _default_strategy_name(cls, data: Any) -> Any:
        """A strategy section without ``name`` is Petridish's, the default strategy."""
        if isinstance(data, dict) and isinstance(data.get("strategy"), dict):
            data = {**data, "strategy": {"name": "petridish", **data["strategy"]}}
        return data

    @property
    def frontier_eps(self) -> float:
        """The eps-band drawn around the frontier: Petridish's eps, else archai's 0.025."""
        return getattr(self.strategy, "eps", 0.025)

    def retrain_train(self) -> TrainConfig:
        """The training settings of a retrain job: ``train`` with ``retrain.train`` and
        ``retrain.epochs`` in place of its own."""
        return TrainConfig.model_validate(
            {**self.train.model_dump(), **self.retrain.train, "epochs": self.retrain.epochs}
        )

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b=c`` -> (["a", "b"], value parsed as YAML, so ``3`` is an int and ``[1,2]`` a list)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {text!r} is not of the form key.path=value")
    return key.strip().split("."), yaml.safe_load(raw)


def _set_path(tree: dict[str, Any], path: list[str], value: Any) -> None:
    node = tree
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {'.'.join(path)}: {part!r} is not a section")
        node = child
    node[path[-1]] = value


def _union_member(annotation: Any, tag: Any) -> type[BaseModel] | None:
    """The member of a discriminated union (``strategy``) whose ``name`` is ``tag``."""
    for member in typing.get_args(
        typing.get_args(annotation)[0] if typing.get_origin(annotation) is Annotated else annotation
    ):
        fields = getattr(member, "model_fields", {})
        if "name" in fields and fields["name"].default == tag:
            return member
    return None


def _resolve(loc: tuple[Any, ...]) -> tuple[list[str], Any, Any]:
    """Walk a pydantic error location to (dotted key parts, the section that holds the last
    part, the last part). Union tags pydantic inserts (``strategy.evolution.eps``) are dropped."""
    parts: list[str] = []
    section: Any = Config
    i = 0
    while i < len(loc):
        part = loc[i]
        parts.append(str(part))
        fields = getattr(section, "model_fields", {})
        if i == len(loc) - 1 or part not in fields:
            return parts, section if i == len(loc) - 1 else None, loc[-1]
        annotation = fields[part].annotation
        member = _union_member(annotation, loc[i + 1])
        section, i = (member, i + 2) if member is not None else (annotation, i + 1)
    return parts, section, None


def _allowed(section: Any, last: Any) -> str:
    """What a location accepts: the section's keys for an unknown key, else the field's type."""
    fields = getattr(section, "model_fields", None)
    if fields is None:
        return ""
    if last not in fields:
        return "allowed keys: " + ", ".join(fields)
    annotation = fields[last].annotation
    if typing.get_origin(annotation) is Literal:
        return "allowed: " + ", ".join(map(str, typing.get_args(annotation)))
    if getattr(annotation, "model_fields", None) is not None:
        return ""  # a section: the message already says what is wrong inside it
    return f"expected {getattr(annotation, '__name__', str(annotation))}"


def validation_message(source: str, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not isinstance(p, int) or p >= 0)
        parts, section, last = _resolve(loc) if loc else ([], None, None)
        key = ".".join(parts) or "<root>"
        if e["type"] == "extra_forbidden":
            what = f"unknown key {key!r}"
        else:
            what = f"{key}: {e['msg']} (given: {e.get('input')!r})"
        # A validator's own message (value_error) already says what is allowed.
        own = e["type"].startswith("union_tag") or e["type"] == "value_error"
        allowed = "" if own else _allowed(section, last)
        lines.append(f"{source}: {what}" + (f"; {allowed}" if allowed else ""))
    return "\n".join(lines)


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Read a YAML file (or only defaults when ``path`` is None) and apply ``a.b=c`` overrides."""
    source = str(path) if path else "<defaults>"
    tree: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {source} does not exist")
        try:
            tree = yaml.safe_load(p.read_text()) or {}
        except yaml.YAMLError as e:
            raise ConfigError(f"{source}: not valid YAML: {e}") from None
        if not isinstance(tree, dict):
            raise ConfigError(f"{source}: top level must be a mapping of sections")
    for text in overrides or []:
        _set_path(tree, *parse_override(text))
    if overrides:
        source += " (with --set " + " ".join(overrides) + ")"
    try:
        return Config.model_validate(tree)
    except ValidationError as e:
        raise ConfigError(validation_message(source, e)) from None
