"""Holdings of unknown size in an ownership answer: shareholder roles without a ratio are never dropped in silence.

Registry extracts and leaks (ICIJ Offshore Leaks gives no ratio at all) hold many shareholdings whose size is
not stated. Penetration cannot multiply them, so they carry no cumulative percentage; the answer lists each one
that touches the subject or a holding it reached (up: the owners of those, down: what they hold), with the known
path that leads to it, as ``holdings_of_unknown_size``. They are not followed further: beyond an unknown share
even the direction of control is a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from graphsvc.analytics.adjacency import Adjacency

if TYPE_CHECKING:
    from graphsvc.analytics.ownership import Penetration

MAX_UNKNOWN = 100  # listed; the rest are counted


def unknown_size_holdings(graph: Adjacency, result: Penetration, *, limit: int = MAX_UNKNOWN) -> dict[str, Any]:
    """``{"holdings_of_unknown_size": [...], "more_unknown_size": n}`` for a penetration result."""
    shareholder = graph.code_of("shareholder")
    reached: list[tuple[int, list[int]]] = [(result.subject, [])]
    reached += [(h.node, h.paths[0] if h.paths else []) for h in result.holdings.values()]
    found: list[dict[str, Any]] = []
    seen: set[int] = set()
    for node, path in sorted(reached, key=lambda item: (len(item[1]), graph.ids[item[0]])):
        edges = graph.in_edges(node) if result.direction == "up" else graph.out_edges(node)
        for e in edges.tolist():
            if graph.role_code[e] != shareholder or not np.isnan(graph.ratio[e]) or e in seen:
                continue
            seen.add(e)
            other = int(graph.source[e] if result.direction == "up" else graph.target[e])
            found.append(
                {
                    **graph.describe(other),
                    "percent": None,
                    "size": "unknown",
                    "via": graph.ids[node],
                    "depth": len(path) + 1,
                    "path": [graph.edge(x).as_dict() for x in [*path, e]],
                }
            )
    found.sort(key=lambda row: (row["depth"], str(row["subject_id"]), str(row["via"])))
    return {"holdings_of_unknown_size": found[:limit], "more_unknown_size": max(0, len(found) - limit)}


__all__ = ["unknown_size_holdings"]
