import { parseArgs } from 'node:util';
import { AgentAccountError, AgentAccounts, type AgentRole } from '../agent/accounts/agentAccounts';
import { ConfigError, loadConfig } from '../config/config';
import { connectRedisTopology } from '../adapters/store/redisClient';
import { RedisStore } from '../adapters/store/redisStore';

const USAGE = `usage: npm run agents -- add NAME [--role agent|supervisor]
       npm run agents -- list
       npm run agents -- remove NAME`;

export interface AgentsCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * Manages the panel's agents in the configured shared store (the gateway's own environment: REDIS_*,
 * REDIS_KEY_PREFIX, VAULT_KEY). `add` prints the new agent's key, once. Answers the exit code.
 */
export async function runAgentsCommand(argv: string[], env: NodeJS.ProcessEnv, io: AgentsCommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { role: { type: 'string', default: 'agent' } } });
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, name, ...extra] = parsed.positionals;
  const role = parsed.values.role as AgentRole;
  const shapeOk = (command === 'list' && name === undefined) || ((command === 'add' || command === 'remove') && name !== undefined);
  if (!shapeOk || extra.length > 0 || (role !== 'agent' && role !== 'supervisor')) {
    io.err(USAGE);
    return 2;
  }

  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) io.err(`config error: ${problem}`);
    return 1;
  }
  // Agents must be where every gateway process reads them, and hashed as the gateway hashes them.
  const topology = config.redis.topology;
  if (!topology) {
    io.err('REDIS_URL: required: agents live in the shared store (the embedded memory store belongs to one running gateway, which creates its own first agent in development)');
    return 1;
  }
  if (config.generated.vaultKey) {
    io.err("VAULT_KEY: required: agent keys are hashed with a key derived from it (use the gateway's)");
    return 1;
  }

  const store = new RedisStore(await connectRedisTopology(topology), config.redis.keyPrefix);
  const agents = new AgentAccounts(store, config.vaultKey);
  try {
    switch (command) {
      case 'add': {
        const { account, key } = await agents.add(name!, role, new Date());
        io.out(`added ${account.role} "${account.name}"; their key (shown only now):`);
        io.out(key);
        return 0;
      }
      case 'remove':
        if (await agents.remove(name!)) {
          io.out(`removed "${name}": their key no longer signs in`);
          return 0;
        }
        io.err(`no agent named "${name}"`);
        return 1;
      default: {
        const accounts = await agents.list();
        if (accounts.length === 0) io.out('no agents');
        for (const a of accounts) io.out(`${a.name}\t${a.role}\tadded ${a.createdAt}`);
        return 0;
      }
    }
  } catch (error) {
    if (!(error instanceof AgentAccountError)) throw error;
    io.err(error.message);
    return 1;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  runAgentsCommand(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
