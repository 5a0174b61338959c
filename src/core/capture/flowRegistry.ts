import { canonicalFlowText, flowTextHash } from '../flows/flowContent';
import type { Flow } from '../flows/schema';
import { createCaptureMachine, type CaptureMachine } from './machine';

export interface CompiledFlow {
  flow: Flow;
  machine: CaptureMachine;
  /** The flow's canonical text, as kept in the store for calls started on it. */
  text: string;
  /** The hash of `text`: with the id, what a call started on this flow is pinned to. */
  hash: string;
}

/** Compiles a validated flow: its machine, its canonical text and that text's hash. */
export function compileFlow(flow: Flow): CompiledFlow {
  const text = canonicalFlowText(flow);
  return { flow, machine: createCaptureMachine(flow), text, hash: flowTextHash(text) };
}

/** The locale to speak: the asked one when the flow has it, else the flow's default. */
export function localeOf(flow: Flow, wanted: string | null | undefined): string {
  return wanted && wanted in flow.locales ? wanted : flow.defaultLocale;
}

/** Flows validated at start, each compiled to its machine once rather than on every webhook. */
export class FlowRegistry {
  private readonly compiled = new Map<string, CompiledFlow>();

  constructor(
    flows: Map<string, Flow>,
    readonly defaultFlowId: string,
  ) {
    for (const [id, flow] of flows) this.compiled.set(id, compileFlow(flow));
    if (!this.compiled.has(defaultFlowId)) {
      throw new Error(`DEFAULT_FLOW: no flow "${defaultFlowId}" (have: ${[...this.compiled.keys()].join(', ')})`);
    }
    // The self-service number has nobody to guide the caller: its flow must speak.
    if (this.compiled.get(defaultFlowId)!.flow.guide === 'agent') {
      throw new Error(`DEFAULT_FLOW: "${defaultFlowId}" is agent-guided; the default flow must speak its prompts`);
    }
  }

  ids(): string[] {
    return [...this.compiled.keys()];
  }

  has(id: string): boolean {
    return this.compiled.has(id);
  }

  /** The compiled flow; throws for an unknown id, which callers check with `has` first. */
  get(id: string): CompiledFlow {
    const found = this.compiled.get(id);
    if (!found) throw new Error(`unknown flow "${id}"`);
    return found;
  }

  get default(): CompiledFlow {
    return this.get(this.defaultFlowId);
  }

  /** The locale to speak: the asked one when the flow has it, else the flow's default. */
  localeFor(flowId: string, wanted: string | null | undefined): string {
    return localeOf(this.get(flowId).flow, wanted);
  }
}
