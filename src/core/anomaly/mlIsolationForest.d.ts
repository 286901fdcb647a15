/**
 * Types for ml-isolation-forest 0.1.x, which ships none. Only what `isolationForestModel.ts` uses:
 * the public constructor and `train`, plus the trained tree nodes it copies into typed arrays.
 */
declare module 'ml-isolation-forest' {
  export interface IsolationTreeNode {
    left?: IsolationTreeNode;
    right?: IsolationTreeNode;
    splitColumn?: number;
    splitValue?: number;
    /** Set on leaves only: the training rows that reached the leaf. */
    trainingSet?: number[][];
  }

  export class IsolationForest {
    constructor(options?: { nEstimators?: number });
    nEstimators: number;
    forest: IsolationTreeNode[];
    train(trainingSet: number[][]): void;
    predict(data: number[][]): number[];
  }
}
