/**
 * An isolation forest grown with ml-isolation-forest, one tree per random subsample (as in Liu et
 * al. and scikit-learn), then copied into typed arrays.
 *
 * Why not use the library's forest as it is: it grows every tree on all rows (cost and depth grow
 * with the window), draws from `Math.random` (no reproducible runs) and keeps each leaf's rows
 * alive (a few MB per forest; a thousand targets would hold gigabytes). Here each tree is grown by
 * the library on a subsample of `subsampleSize` rows with a seeded source, and only split columns,
 * split values and leaf sizes are kept: about 13 bytes a node.
 */
import { IsolationForest, type IsolationTreeNode } from 'ml-isolation-forest';
import type { RandomSource } from './seededRandom';

export interface IsolationForestOptions {
  treeCount: number;
  /** Rows drawn (without replacement) for each tree. */
  subsampleSize: number;
}

/** Average path length of an unsuccessful search in a binary search tree of `n` rows (Liu et al.). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * Math.log(n - 1) + 0.57721 - (2 * (n - 1)) / n;
}

export class IsolationForestModel {
  /** Split column of each node, or -1 for a leaf. */
  private readonly columns: Int8Array;
  private readonly splitValues: Float64Array;
  /** For an inner node the index of its right child (the left child is the next node); for a leaf its row count. */
  private readonly links: Int32Array;
  private readonly roots: Int32Array;
  private readonly normaliser: number;

  private constructor(columns: Int8Array, splitValues: Float64Array, links: Int32Array, roots: Int32Array, rowsPerTree: number) {
    this.columns = columns;
    this.splitValues = splitValues;
    this.links = links;
    this.roots = roots;
    this.normaliser = averagePathLength(rowsPerTree);
  }

  /** Grows a forest on `rows` (each row the same number of features, at most 127). */
  static train(rows: readonly (readonly number[])[], options: IsolationForestOptions, random: RandomSource): IsolationForestModel {
    if (rows.length < 2) throw new Error('An isolation forest needs at least two rows to train on.');
    const sampleSize = Math.min(options.subsampleSize, rows.length);
    const columns: number[] = [];
    const splitValues: number[] = [];
    const links: number[] = [];
    const roots = new Int32Array(options.treeCount);
    const indices = Array.from(rows, (_, i) => i);
    for (let tree = 0; tree < options.treeCount; tree++) {
      // Partial Fisher-Yates: the first sampleSize entries become a uniform sample without replacement.
      for (let i = 0; i < sampleSize; i++) {
        const j = i + Math.floor(random() * (indices.length - i));
        const swap = indices[i]!;
        indices[i] = indices[j]!;
        indices[j] = swap;
      }
      const sample = indices.slice(0, sampleSize).map((i) => rows[i]! as number[]);
      const grown = growLibraryTree(sample, random);
      roots[tree] = columns.length;
      flatten(grown, columns, splitValues, links);
    }
    return new IsolationForestModel(Int8Array.from(columns), Float64Array.from(splitValues), Int32Array.from(links), roots, sampleSize);
  }

  /** Score in (0, 1]: about 0.5 or below for ordinary rows, towards 1 for rows that isolate quickly. */
  score(row: ArrayLike<number>): number {
    let total = 0;
    const { columns, splitValues, links, roots } = this;
    for (let tree = 0; tree < roots.length; tree++) {
      let node = roots[tree]!;
      let depth = 0;
      for (;;) {
        const column = columns[node]!;
        if (column < 0) {
          total += depth + averagePathLength(links[node]!);
          break;
        }
        node = row[column]! < splitValues[node]! ? node + 1 : links[node]!;
        depth++;
      }
    }
    return 2 ** (-total / roots.length / this.normaliser);
  }

  /** Bytes held by the typed arrays (what stays alive between retrains). */
  get byteSize(): number {
    return this.columns.byteLength + this.splitValues.byteLength + this.links.byteLength + this.roots.byteLength;
  }
}

/**
 * The library draws its split column and split value from `Math.random`. Training is synchronous,
 * so swapping in the seeded source for the duration of one call cannot leak into other code.
 */
function growLibraryTree(sample: number[][], random: RandomSource): IsolationTreeNode {
  const forest = new IsolationForest({ nEstimators: 1 });
  const original = Math.random;
  Math.random = random;
  try {
    forest.train(sample);
  } finally {
    Math.random = original;
  }
  const root = forest.forest[0];
  if (!root) throw new Error('ml-isolation-forest produced no tree; its internals may have changed (expected version 0.1.x).');
  return root;
}

/** Pre-order copy, iterative so a degenerate deep tree cannot overflow the stack. */
function flatten(root: IsolationTreeNode, columns: number[], splitValues: number[], links: number[]): void {
  const stack: { node: IsolationTreeNode; parentSlot: number }[] = [{ node: root, parentSlot: -1 }];
  while (stack.length > 0) {
    const { node, parentSlot } = stack.pop()!;
    const index = columns.length;
    if (parentSlot >= 0) links[parentSlot] = index;
    if (node.left && node.right && node.splitColumn !== undefined && node.splitValue !== undefined) {
      columns.push(node.splitColumn);
      splitValues.push(node.splitValue);
      links.push(-1);
      // Right is pushed first so the left child is emitted right after its parent.
      stack.push({ node: node.right, parentSlot: index });
      stack.push({ node: node.left, parentSlot: -1 });
    } else {
      columns.push(-1);
      splitValues.push(0);
      links.push(node.trainingSet?.length ?? 0);
    }
  }
}
