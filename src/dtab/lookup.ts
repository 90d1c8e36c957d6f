/**
 * Which dentries match a path, without scanning the whole dtab: prefixes are kept in a trie keyed
 * by segment (with a separate branch for `*`), so a lookup costs about the length of the path plus
 * the matches, whatever the size of the dtab. Delegating every prefix of a large dtab through one
 * index is then linear in the dtab, where a scan per lookup made it quadratic.
 */

import type { Dentry, Dtab, Path } from "./types.js";

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  wildcard: TrieNode | undefined;
  /** Positions in the dtab of the dentries whose prefix ends here. */
  readonly ends: number[];
}

const newNode = (): TrieNode => ({ children: new Map(), wildcard: undefined, ends: [] });

export class DtabIndex {
  private readonly root = newNode();
  /** Trie nodes visited and dentries matched so far: the work done, for tests that count it. */
  steps = 0;

  constructor(readonly dtab: Dtab) {
    dtab.forEach((dentry, position) => {
      let node = this.root;
      for (const segment of dentry.prefix) {
        if (typeof segment === "string") {
          const child = node.children.get(segment) ?? newNode();
          node.children.set(segment, child);
          node = child;
        } else {
          node = node.wildcard ??= newNode();
        }
      }
      node.ends.push(position);
    });
  }

  /** The dentries whose prefix matches `path`, latest first (later dentries take precedence). */
  matching(path: Path): Dentry[] {
    const positions: number[] = [];
    // Depth-first over (node, depth) pairs; a wildcard branch follows any segment.
    const pending: [TrieNode, number][] = [[this.root, 0]];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const [node, depth] = next;
      this.steps++;
      for (const position of node.ends) positions.push(position);
      const segment = path[depth];
      if (segment === undefined) continue;
      const child = node.children.get(segment);
      if (child !== undefined) pending.push([child, depth + 1]);
      if (node.wildcard !== undefined) pending.push([node.wildcard, depth + 1]);
    }
    this.steps += positions.length;
    return positions.sort((a, b) => b - a).map((position) => this.dtab[position] as Dentry);
  }
}
