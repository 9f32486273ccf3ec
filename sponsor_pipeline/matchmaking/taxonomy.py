"""Owns the IAB Tech Lab Content Taxonomy 3.1 and IAB's Podcast Genre Mapping shipped in the package.

Both files are IAB Tech Lab's own (``sponsor_pipeline/data/iab/``, CC BY 3.0; attribution in
``SOURCE.md``: "IAB Tech Lab Content Taxonomy 3.1, CC BY 3.0"). No Dagster or database imports.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

DATA_PACKAGE = "sponsor_pipeline.data"
TAXONOMY_FILE = "iab/content_taxonomy_3.1.tsv"
GENRE_MAPPING_FILE = "iab/podcast_genre_mapping.tsv"

# Credit for a shared ancestor halves with every edge between either category and it, so the same
# category scores 1, parent/child 0.5, siblings (same parent) 0.25, cousins 0.0625.
EDGE_DECAY = 0.5


@dataclass(frozen=True)
class ContentTaxonomy:
    """Categories of the IAB Content Taxonomy 3.1 (704 nodes, four tiers).

    ``ids[i]`` is the IAB unique id of node ``i``, ``parent[i]`` its parent's index (-1 for tier 1),
    ``names[i]`` its name. ``similarity`` is the (n × n) matrix of :meth:`pair_similarity`.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    parent: np.ndarray
    index: dict[str, int] = field(repr=False)
    genre_to_topic: dict[str, str] = field(repr=False)
    similarity: np.ndarray = field(repr=False)

    def name(self, topic_id: str) -> str:
        i = self.index.get(topic_id)
        return self.names[i] if i is not None else topic_id

    def pair_similarity(self, a: str, b: str) -> float:
        """``EDGE_DECAY ** (d(a, lca) + d(b, lca))`` where lca is the lowest common ancestor (tree
        distance in edges); 0 when the two ids share no tier-1 ancestor or either is unknown."""
        ia, ib = self.index.get(a), self.index.get(b)
        if ia is None or ib is None:
            return 0.0
        return float(self.similarity[ia, ib])


def _read_tsv(name: str) -> list[list[str]]:
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return list(csv.reader(text.splitlines(), delimiter="\t"))


@lru_cache(maxsize=1)
def load_taxonomy() -> ContentTaxonomy:
    """Parse the shipped taxonomy (two header rows) and genre mapping; cached per process.

    Raises:
        ValueError: a category names a parent that is not in the file.
    """
    rows = [r for r in _read_tsv(TAXONOMY_FILE)[2:] if r and r[0].strip()]
    ids = tuple(r[0].strip() for r in rows)
    names = tuple(r[2].strip() for r in rows)
    index = {topic_id: i for i, topic_id in enumerate(ids)}
    parent = np.full(len(ids), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        p = r[1].strip()
        if p:
            if p not in index:
                raise ValueError(f"{TAXONOMY_FILE}: category {ids[i]} has unknown parent {p}")
            parent[i] = index[p]

    n = len(ids)
    # Ancestor chains (self first) and the distance of every node to each of its ancestors.
    subtree: dict[int, list[tuple[int, int]]] = {}
    for i in range(n):
        node, dist = i, 0
        while node >= 0:
            subtree.setdefault(node, []).append((i, dist))
            node, dist = int(parent[node]), dist + 1
    sim = np.zeros((n, n), dtype=np.float32)
    for members in subtree.values():
        idx = np.array([m for m, _ in members])
        dist = np.array([d for _, d in members], dtype=np.float32)
        block = EDGE_DECAY ** (dist[:, None] + dist[None, :])
        sim[np.ix_(idx, idx)] = np.maximum(sim[np.ix_(idx, idx)], block)

    genre_to_topic = {}
    for r in _read_tsv(GENRE_MAPPING_FILE)[1:]:
        if len(r) >= 2 and r[0].strip() and r[1].strip() in index:
            genre_to_topic[r[0].strip()] = r[1].strip()
    return ContentTaxonomy(ids, names, parent, index, genre_to_topic, sim)
