import type { Flow } from '../flows/schema';
import { createCaptureMachine, type CaptureMachine } from './machine';

export interface CompiledFlow {
  flow: Flow;
  machine: CaptureMachine;
}

/** Flows validated at start, each compiled to its machine once rather than on every webhook. */
export class FlowRegistry {
  private readonly compiled = new Map<string, CompiledFlow>();

  constructor(
    flows: Map<string, Flow>,
    readonly defaultFlowId: string,
  ) {
    for (const [id, flow] of flows) this.compiled.set(id, { flow, machine: createCaptureMachine(flow) });
    if (!this.compiled.has(defaultFlowId)) {
      throw new Error(`DEFAULT_FLOW: no flow "${defaultFlowId}" (have: ${[...this.compiled.keys()].join(', ')})`);
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
    const { flow } = this.get(flowId);
    return wanted && wanted in flow.locales ? wanted : flow.defaultLocale;
  }
}
