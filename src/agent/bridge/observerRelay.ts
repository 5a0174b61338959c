import type { CallSession } from '../../core/capture/callSession';
import type { CaptureField } from '../../core/flows/schema';
import type { CaptureChange, CaptureObserver } from '../../core/capture/captureObserver';

/**
 * Lets the turn runner be built before its observer: the bridge needs the runner, the runner
 * reports to the bridge. Until something is attached, turns are not observed.
 */
export class ObserverRelay implements CaptureObserver {
  private target: CaptureObserver | null = null;

  attach(target: CaptureObserver): void {
    this.target = target;
  }

  async follows(callSid: string): Promise<boolean> {
    if (!this.target) return false;
    return this.target.follows ? this.target.follows(callSid) : true;
  }

  async turnCommitted(change: CaptureChange): Promise<void> {
    await this.target?.turnCommitted(change);
  }

  async returnUrl(session: CallSession): Promise<string | null> {
    return this.target?.returnUrl ? this.target.returnUrl(session) : null;
  }

  async keysTyped(session: CallSession, field: CaptureField, keys: number): Promise<void> {
    await this.target?.keysTyped?.(session, field, keys);
  }
}
