import Redis, { type RedisOptions } from 'ioredis';

/** Options of a client with ioredis's usual replies (the kind BullMQ expects). */
type LegacyOptions = Omit<RedisOptions, 'replyMapping'>;

/**
 * The job queue's Redis client. It keeps the copies BullMQ makes of it (the worker's blocking
 * connection is one), so that closing the queue can finish them too: BullMQ ends them, but not in a
 * way that settles what they still hold when Redis is gone (see `settleStranded`).
 */
export class ClosableRedis extends Redis {
  private readonly copies: Redis[] = [];
  /** The clients whose last move was to wait before reconnecting: they have no socket. */
  private readonly waitingToReconnect = new Set<Redis>();
  private closed = false;

  constructor(...args: [url: string, options: LegacyOptions] | [options: LegacyOptions]) {
    // ioredis reads its arguments by their kinds, whatever their number.
    super(...(args as [string, LegacyOptions]));
    this.follow(this);
  }

  override duplicate<O extends Partial<RedisOptions> | undefined = undefined>(override?: O): Redis {
    const copy = super.duplicate(override) as Redis;
    this.copies.push(copy);
    this.follow(copy);
    return copy;
  }

  /**
   * Call after ending the clients. One ended while it waited to reconnect to a Redis that went away
   * keeps its queued commands pending for good: ioredis settles them only when a connection closes,
   * and ending it just cancels the retry (BullMQ then marks it ended all the same). BullMQ's blocking
   * read is such a command, and its watchdog timer (up to 11 s) then kept a closed gateway's process
   * alive. One more connection attempt, made with the client already told to end, closes it either
   * way: refused, the client ends and rejects what it held; accepted (Redis came back), it is ended
   * at once. A client that did end is left alone: an attempt would reconnect it for good.
   */
  settleStranded(): void {
    this.closed = true;
    for (const client of this.waitingToReconnect) this.settle(client);
  }

  private settle(client: Redis): void {
    this.waitingToReconnect.delete(client);
    // BullMQ took its listeners off on close; the refused attempt's error is expected.
    client.on('error', () => undefined);
    // Told to end again, so that the attempt, whatever its outcome, cannot start a reconnect loop.
    client.disconnect();
    client.connect().then(
      () => client.disconnect(),
      () => undefined,
    );
  }

  /**
   * BullMQ's fetch loop may still be winding down after the close and reconnect an ended client
   * (its blocking connection, after a reset); such a client is ended again once it is up, or
   * settled if Redis is gone by then, instead of reconnecting for good.
   */
  private follow(client: Redis): void {
    client.on('reconnecting', () => {
      if (this.closed) this.settle(client);
      else this.waitingToReconnect.add(client);
    });
    client.on('ready', () => {
      if (this.closed) client.disconnect();
    });
    for (const moved of ['connecting', 'connect', 'ready', 'end']) client.on(moved, () => this.waitingToReconnect.delete(client));
  }
}
