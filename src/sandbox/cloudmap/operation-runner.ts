import { newOperationId } from "./ids.js";
import type { CloudMapState, OperationRecord, OperationStatus, OperationType } from "./state.js";

/** How long an asynchronous operation takes, in real milliseconds: far faster than Cloud Map. */
export interface OperationTiming {
  /** From SUBMITTED to PENDING. */
  readonly submittedMs: number;
  /** From PENDING to SUCCESS or FAIL. */
  readonly pendingMs: number;
}

export const DEFAULT_TIMING: OperationTiming = { submittedMs: 50, pendingMs: 100 };

/** What an operation does to the account when it ends. */
export interface OperationEffect {
  /** Makes the change visible; runs at SUCCESS only. */
  apply(): void;
  /** Runs when the operation ends either way: releases what the submission reserved. */
  settle(): void;
}

/**
 * Runs Cloud Map's asynchronous operations: SUBMITTED, then PENDING, then SUCCESS (the effect
 * applied) or FAIL when the test failed its type at submission time (nothing applied).
 */
export class OperationRunner {
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly state: CloudMapState,
    private readonly timing: OperationTiming,
  ) {}

  /** Records a SUBMITTED operation; `run` starts it once the caller has linked it to its records. */
  open(type: OperationType, targets: Readonly<Record<string, string>>): OperationRecord {
    const now = new Date();
    const operation: OperationRecord = {
      id: newOperationId(),
      type,
      status: "SUBMITTED",
      createdAt: now,
      updatedAt: now,
      targets,
      failure: undefined,
    };
    this.state.operations.set(operation.id, operation);
    return operation;
  }

  run(operation: OperationRecord, effect: OperationEffect): void {
    const failure = this.state.failures.get(operation.type);
    this.#after(this.timing.submittedMs, () => {
      move(operation, "PENDING");
      this.#after(this.timing.pendingMs, () => {
        if (failure === undefined) effect.apply();
        effect.settle();
        operation.failure = failure;
        move(operation, failure === undefined ? "SUCCESS" : "FAIL");
      });
    });
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #after(ms: number, step: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      step();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }
}

function move(operation: OperationRecord, status: OperationStatus): void {
  operation.status = status;
  operation.updatedAt = new Date();
}
