"""Names of the DARTS primitives. The torch implementations live in ``archsearch.nn.ops``;
this list is here so that descriptions can be built and checked without importing torch."""

PRIMITIVES: tuple[str, ...] = (
    "none",
    "skip_connect",
    "avg_pool_3x3",
    "max_pool_3x3",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)

# What a Petridish search node or a seed cell may choose from: "none" contributes nothing.
SEARCHABLE_PRIMITIVES: tuple[str, ...] = tuple(p for p in PRIMITIVES if p != "none")

# Edge ops that are not primitives: they mix candidates named in ``params["primitives"]``
# (``petridish``: every candidate input x primitive; ``mixed``: one input, every primitive).
COMPOSITE_OPS: tuple[str, ...] = ("petridish", "mixed")
