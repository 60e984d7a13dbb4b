#!/usr/bin/env node
// Plays the `app` channel from a terminal: lines typed on stdin are sent, every message of the
// customer (from any channel) is printed with the channel it came from.
//
//   node examples/terminal-app/index.mjs --api http://127.0.0.1:8787 --key pk_… [--storage DIR] [--token JWT]
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createClient } from '@threadline/sdk-core';
import { createFetchPlatform } from '@threadline/sdk-core/fetch';
import { createFileStorage } from './file-storage.mjs';

const HELP = `Usage: node examples/terminal-app/index.mjs --api URL --key pk_… [options]

  --api URL        the Threadline API (e.g. http://127.0.0.1:8787)
  --key pk_…       the app's publishable key
  --storage DIR    where the device's anonymous id and unsent messages live (default ~/.threadline-terminal)
  --channel SLUG   default app
  --token JWT      an identity token from the merchant backend: log in as that user

Type a message and press Enter. Commands: /history  /human  /handoff  /resume CODE  /login JWT  /logout  /quit`;

const { values } = parseArgs({
  options: {
    api: { type: 'string' },
    key: { type: 'string' },
    storage: { type: 'string' },
    channel: { type: 'string', default: 'app' },
    token: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || !values.api || !values.key) {
  console.log(HELP);
  process.exit(values.help ? 0 : 2);
}

const who = (message) =>
  message.author.type === 'customer' ? 'you' : (message.author.name ?? message.author.type);
const print = (line) => process.stdout.write(`${line}\n`);
const show = (message) => print(`[${message.channel}] ${who(message)}: ${message.text}`);

const client = createClient({
  appKey: values.key,
  apiUrl: values.api,
  channel: values.channel,
  platform: createFetchPlatform({
    storage: createFileStorage(values.storage ?? join(homedir(), '.threadline-terminal')),
    device: { platform: 'terminal', locale: Intl.DateTimeFormat().resolvedOptions().locale },
  }),
  logger: { warn: () => {}, error: (m) => console.error(m) },
});

client.on('message', show);
client.on('connection', (status) => print(`· ${status}`));
client.on('conversation', (c) =>
  print(`· conversation ${c.status}${c.assignedAgent?.name ? ` (${c.assignedAgent.name})` : ''}`),
);
client.on('typing', (t) => t.typing && print(`· ${t.author.name ?? t.author.type} is typing…`));
client.on('ticket', (t) => print(`· ticket ${t.change}: ${JSON.stringify(t.ticket)}`));
client.on('error', (e) => console.error(`! ${e.code}: ${e.message}`));

async function run(line) {
  const [command, ...rest] = line.split(/\s+/);
  const arg = rest.join(' ');
  switch (command) {
    case '/history': {
      const page = await client.timeline({ limit: 20 });
      for (const message of page.messages) show(message);
      return;
    }
    case '/human':
      await client.escalate('asked from the terminal');
      return;
    case '/handoff': {
      const { code, shortCode, url } = await client.handoff({});
      print(`· continue elsewhere with ${url ?? code} (on the phone, read out ${shortCode})`);
      return;
    }
    case '/resume': {
      const resumed = await client.resume(arg);
      print(`· resumed from ${resumed.handoff?.fromChannel ?? '?'} as ${resumed.customer.id}`);
      return;
    }
    case '/login': {
      const { customer, merged } = await client.identify(arg);
      print(`· logged in as ${customer.id}${merged ? ' (history merged)' : ''}`);
      return;
    }
    case '/logout':
      await client.reset();
      print('· logged out; this terminal is a new anonymous visitor');
      return;
    case '/quit':
      return quit();
    default:
      // Not awaited: sends queue in typing order and go out when they can; the echo and the
      // replies arrive through the 'message' listener.
      client.send(line).catch((error) => console.error(`! not sent (${error.code}): ${line}`));
  }
}

let closing = false;
async function quit() {
  if (closing) return;
  closing = true;
  // Give queued messages a moment to go out; whatever is left stays stored for next time.
  for (let i = 0; i < 20 && client.pending().length; i++) await new Promise((r) => setTimeout(r, 100));
  client.close();
  process.exit(0);
}

const started = await client.start().catch((error) => {
  console.error(`! could not start: ${error.code}: ${error.message} (messages will be queued)`);
  return null;
});
if (values.token)
  await client.identify(values.token).catch((e) => console.error(`! login failed: ${e.message}`));
const state = client.getState();
print(
  `· ${state.customer?.identified ? 'logged in' : 'anonymous'} as ${state.customer?.id ?? '?'} on ${values.channel}` +
    (started?.conversation ? ` — conversation ${started.conversation.status}` : ''),
);

// One line at a time, in order, so sends keep the order they were typed in.
let chain = Promise.resolve();
const input = createInterface({ input: process.stdin });
input.on('line', (raw) => {
  const line = raw.trim();
  if (!line) return;
  chain = chain
    .then(() => run(line))
    .catch((error) => console.error(`! ${error.code ?? 'error'}: ${error.message}`));
});
input.on('close', () => chain.then(quit));
process.on('SIGINT', quit);
