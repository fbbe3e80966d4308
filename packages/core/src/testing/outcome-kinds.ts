import type { PublishOutcome } from '../backend.js';

/** Each outcome as one word ('published', or its failure kind), for comparing a batch's outcomes. */
export function outcomeKinds(outcomes: readonly PublishOutcome[]): string[] {
  return outcomes.map((outcome) => (outcome.ok ? 'published' : outcome.failure));
}
