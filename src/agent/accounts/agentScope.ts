import type { AgentRole } from './agentAccounts';

/** Who is looking at the panel. */
export interface Viewer {
  name: string;
  role: AgentRole;
}

/**
 * A bridge belongs to the agent who took it (the first to start a capture on it); until then any
 * agent may see and take it. A supervisor sees every bridge.
 */
export function canSee(viewer: Viewer, owner: string | null | undefined): boolean {
  return viewer.role === 'supervisor' || !owner || owner === viewer.name;
}

/** Only the bridge's own agent drives its capture; a supervisor may also cancel anyone's. */
export function mayAct(viewer: Viewer, owner: string | null | undefined, action: string): boolean {
  if (!owner || owner === viewer.name) return true;
  return viewer.role === 'supervisor' && action === 'cancel';
}
