"""The hierarchical indicator framework.

A framework is a tree of nodes. Leaves are *indicators* (columns of the data);
inner nodes are *aggregates* formed from their children. Every node has a code,
Chinese and English names, a parent, a weight relative to its siblings and a
direction (+1: higher is better, -1: lower is better).

Levels follow COINr: indicators are level 1 and an aggregate is one level above
its highest child, ``level(a) = 1 + max(level(c) for c in children(a))``, so the
top of the tree has the highest level. A level given in the input is checked
against that rule.

The framework also carries the non-hierarchy columns of a COINr ``iMeta`` table:
``Group`` rows (categorical columns of the data that group units) and
``Denominator`` rows (columns an indicator can be divided by).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from ..errors import SpecError, describe_rows


class Node(BaseModel):
    """One node of the framework (an indicator or an aggregate)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    name: str | None = None
    name_en: str | None = None
    parent: str | None = None
    type: Literal["indicator", "aggregate"] = "indicator"
    level: int | None = None
    weight: float = 1.0
    direction: Literal[1, -1] = 1
    unit: str | None = None
    aggregation: str | None = None
    goal_min: float | None = None
    goal_max: float | None = None
    transform: Literal["log"] | None = None
    denominator: str | None = None
    target: float | None = None

    @field_validator("code")
    @classmethod
    def _code_nonempty(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("node code is empty")
        return v

    @field_validator("weight")
    @classmethod
    def _weight_finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError(f"weight must be a finite number, got {v}")
        return v

    @property
    def is_indicator(self) -> bool:
        return self.type == "indicator"

    def label(self, lang: str = "zh") -> str:
        """Display name in ``lang`` ('zh' or 'en'), falling back to the other, then the code."""
        first, second = (self.name, self.name_en) if lang == "zh" else (self.name_en, self.name)
        return first or second or self.code


class Framework:
    """A validated indicator tree.

    Parameters
    ----------
    nodes : sequence of Node
        Indicators and aggregates in any order; the order is kept for output.
    groups, denominators : sequence of str
        Codes of data columns that group units (COINr ``Group`` rows) or can
        divide indicators (COINr ``Denominator`` rows).
    source : str
        Where the framework came from, used in error messages.

    Raises
    ------
    SpecError
        duplicate codes, unknown parents, cycles, negative weights, aggregates
        without children, indicators with children, more than one top node,
        inconsistent levels.
    """

    def __init__(
        self,
        nodes: Sequence[Node],
        *,
        groups: Sequence[str] = (),
        denominators: Sequence[str] = (),
        source: str = "framework",
    ) -> None:
        self.source = source
        self.groups = tuple(groups)
        self.denominators = tuple(denominators)
        self._validate_codes(nodes)
        self._by_code = {n.code: n for n in nodes}
        self.children: dict[str, list[str]] = {n.code: [] for n in nodes}
        for n in nodes:
            if n.parent is not None:
                self.children[n.parent].append(n.code)
        self._validate_shape(nodes)
        levels = self._compute_levels(nodes)
        self.nodes: tuple[Node, ...] = tuple(
            n if n.level == levels[n.code] else n.model_copy(update={"level": levels[n.code]})
            for n in nodes
        )
        self._by_code = {n.code: n for n in self.nodes}
        self.root = next(n.code for n in self.nodes if n.parent is None)
        self.indicators = tuple(n.code for n in self.nodes if n.is_indicator)
        self.aggregates = tuple(n.code for n in self.nodes if not n.is_indicator)
        self.max_level = max(levels.values())

    # ------------------------------------------------------------------ validation
    def _validate_codes(self, nodes: Sequence[Node]) -> None:
        seen: dict[str, int] = {}
        dups = []
        for n in nodes:
            if n.code in seen:
                dups.append(n.code)
            seen[n.code] = 1
        if dups:
            raise SpecError(f"{self.source}: duplicate node codes: {describe_rows(sorted(set(dups)))}")
        clash = sorted(set(seen) & (set(self.groups) | set(self.denominators)))
        if clash:
            raise SpecError(
                f"{self.source}: codes used both as framework nodes and as group/denominator columns: "
                f"{describe_rows(clash)}"
            )
        bad_parent = [(n.code, n.parent) for n in nodes if n.parent is not None and n.parent not in seen]
        if bad_parent:
            listed = "; ".join(f"{c} -> parent {p!r}" for c, p in bad_parent[:10])
            raise SpecError(
                f"{self.source}: unknown parent codes ({listed}); parents must be aggregate codes of the "
                f"framework: {describe_rows(n.code for n in nodes if n.type == 'aggregate')}"
            )
        negative = [f"{n.code} ({n.weight:g})" for n in nodes if n.weight < 0]
        if negative:
            raise SpecError(f"{self.source}: weights must not be negative: {describe_rows(negative)}")

    def _validate_shape(self, nodes: Sequence[Node]) -> None:
        by = self._by_code
        # cycle detection by following parents; paths longer than the node count must loop
        for n in nodes:
            path = [n.code]
            cur = n
            while cur.parent is not None:
                if cur.parent in path:
                    cycle = " -> ".join(path[path.index(cur.parent):] + [cur.parent])
                    raise SpecError(f"{self.source}: the framework has a cycle: {cycle}")
                path.append(cur.parent)
                cur = by[cur.parent]
        roots = [n.code for n in nodes if n.parent is None]
        if len(roots) != 1:
            raise SpecError(
                f"{self.source}: the framework needs exactly one top node (a node with no parent); "
                f"found {len(roots)}: {describe_rows(roots) or 'none'}"
            )
        leaf_aggs = [n.code for n in nodes if n.type == "aggregate" and not self.children[n.code]]
        if leaf_aggs:
            raise SpecError(f"{self.source}: aggregates with no children: {describe_rows(leaf_aggs)}")
        parent_inds = [n.code for n in nodes if n.type == "indicator" and self.children[n.code]]
        if parent_inds:
            raise SpecError(
                f"{self.source}: indicators cannot have children (make them Type Aggregate): "
                f"{describe_rows(parent_inds)}"
            )
        if by[roots[0]].type == "indicator":
            raise SpecError(f"{self.source}: the top node {roots[0]!r} is an indicator; it must be an aggregate")

    def _compute_levels(self, nodes: Sequence[Node]) -> dict[str, int]:
        levels: dict[str, int] = {}

        def level(code: str) -> int:
            if code not in levels:
                kids = self.children[code]
                levels[code] = 1 if not kids else 1 + max(level(c) for c in kids)
            return levels[code]

        for n in nodes:
            level(n.code)
        bad = []
        for n in nodes:
            if n.level is None:
                continue
            if n.is_indicator and n.level != 1:
                bad.append(f"{n.code}: indicator at Level {n.level} (indicators are Level 1)")
            elif not n.is_indicator and n.level != levels[n.code]:
                kids = ", ".join(f"{c} (Level {levels[c]})" for c in self.children[n.code][:5])
                bad.append(
                    f"{n.code}: Level {n.level}, but its children are {kids}; expected Level {levels[n.code]}"
                )
        if bad:
            raise SpecError(f"{self.source}: inconsistent levels: " + "; ".join(bad[:10]))
        return levels

    # ------------------------------------------------------------------ access
    def __getitem__(self, code: str) -> Node:
        try:
            return self._by_code[code]
        except KeyError:
            raise SpecError(
                f"{self.source}: unknown node {code!r}; nodes are {describe_rows(self._by_code, 15)}"
            ) from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self):
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(n.code for n in self.nodes)

    def level_of(self, code: str) -> int:
        return self[code].level  # type: ignore[return-value]

    def parents_bottom_up(self) -> list[str]:
        """Aggregate codes ordered so that every child is computed before its parent."""
        return sorted(self.aggregates, key=lambda c: (self.level_of(c), self.codes.index(c)))

    def descendants(self, code: str, *, indicators_only: bool = False) -> list[str]:
        out: list[str] = []
        stack = list(reversed(self.children[code]))
        while stack:
            c = stack.pop()
            if not (indicators_only and not self[c].is_indicator):
                out.append(c)
            stack.extend(reversed(self.children[c]))
        return out

    def ancestors(self, code: str) -> list[str]:
        out = []
        cur = self[code].parent
        while cur is not None:
            out.append(cur)
            cur = self[cur].parent
        return out

    def output_order(self) -> list[str]:
        """Codes by level (indicators first), keeping declaration order within a level."""
        return sorted(self.codes, key=lambda c: (self.level_of(c), self.codes.index(c)))

    def replace_weights(self, weights: dict[str, float]) -> "Framework":
        nodes = [n.model_copy(update={"weight": float(weights[n.code])}) if n.code in weights else n for n in self.nodes]
        return Framework(nodes, groups=self.groups, denominators=self.denominators, source=self.source)

    def to_records(self) -> list[dict]:
        return [n.model_dump(exclude_none=True) for n in self.nodes]


def framework_from_records(
    records: Iterable[dict], *, groups: Sequence[str] = (), denominators: Sequence[str] = (), source: str = "framework"
) -> Framework:
    """Build a framework from flat dicts (one per node), wrapping pydantic errors in SpecError."""
    nodes = []
    for i, rec in enumerate(records):
        try:
            nodes.append(Node(**rec))
        except Exception as exc:  # pydantic.ValidationError
            code = rec.get("code", f"#{i + 1}")
            raise SpecError(f"{source}: node {code!r}: {_pydantic_message(exc)}") from None
    return Framework(nodes, groups=groups, denominators=denominators, source=source)


def _pydantic_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    parts = []
    for e in errors():
        loc = ".".join(str(x) for x in e.get("loc", ()))
        parts.append(f"{loc}: {e.get('msg')} (got {e.get('input')!r})" if loc else str(e.get("msg")))
    return "; ".join(parts)


def nested_to_records(tree: dict | list, parent: str | None = None) -> list[dict]:
    """Flatten the YAML nested form (nodes with ``children`` lists) into flat records.

    A node with ``children`` is an aggregate, a node without is an indicator,
    unless ``type`` says otherwise.
    """
    items = tree if isinstance(tree, list) else [tree]
    out: list[dict] = []
    for item in items:
        if not isinstance(item, dict):
            raise SpecError(f"framework: each node must be a mapping with a 'code'; got {item!r}")
        rec = {k: v for k, v in item.items() if k != "children"}
        kids = item.get("children")
        if parent is not None:
            if "parent" in rec and rec["parent"] != parent:
                raise SpecError(
                    f"framework: node {rec.get('code')!r} is nested under {parent!r} but declares parent {rec['parent']!r}"
                )
            rec["parent"] = parent
        if "name" in rec and isinstance(rec["name"], dict):
            names = rec.pop("name")
            rec["name"] = names.get("zh")
            rec["name_en"] = names.get("en")
        rec.setdefault("type", "aggregate" if kids else "indicator")
        out.append(rec)
        if kids:
            out.extend(nested_to_records(kids, parent=rec.get("code")))
    return out
