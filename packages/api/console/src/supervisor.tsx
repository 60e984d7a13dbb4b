import type { QueueFigures } from '@threadline/sdk-core/protocol';
import { useEffect } from 'preact/hooks';
import { channelName, customerName, secondsSince } from './format';
import { ChannelMark } from './inbox';
import { type ConsoleStore, useNow } from './store';

function FiguresTable({
  store,
  caption,
  keyLabel,
  rows,
}: {
  store: ConsoleStore;
  caption: string;
  keyLabel: string;
  rows: (QueueFigures & { key: string; label: preact.ComponentChildren })[];
}) {
  const s = store.t();
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{keyLabel}</th>
          <th scope="col">{s.waitingCount}</th>
          <th scope="col">{s.longestWait}</th>
          <th scope="col">{s.agentsOnline}</th>
          <th scope="col">{s.freeCapacity}</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={5}>{s.nothingWaiting}</td>
          </tr>
        )}
        {rows.map((r) => (
          <tr key={r.key} data-key={r.key}>
            <th scope="row">{r.label}</th>
            <td>{r.waiting}</td>
            <td class={r.longestWaitSec > 120 ? 'late' : ''}>{s.ago(r.longestWaitSec)}</td>
            <td>{r.agentsOnline}</td>
            <td>{r.freeCapacity}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SupervisorView({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const now = useNow();
  const { queue, agents } = store.state;
  useEffect(() => {
    void store.refreshTeam();
    // Figures also arrive live; a slow refresh keeps the wait times honest between events.
    const timer = setInterval(() => void store.refreshTeam(), 15_000);
    return () => clearInterval(timer);
  }, [store]);
  const open = [...store.state.rows.values()].filter((r) => r.status === 'queued' || r.status === 'assigned');
  const waits = open
    .filter((r) => r.status === 'queued')
    .sort((a, b) => Date.parse(a.waitingSince ?? a.updatedAt) - Date.parse(b.waitingSince ?? b.updatedAt));
  const assigned = open.filter((r) => r.status === 'assigned');
  const available = agents.filter((a) => a.active && a.presence !== 'offline');
  const reassign = (id: string, agentId: string) => {
    if (agentId) void store.transfer({ agentId }, id);
  };
  const ReassignSelect = ({ id, name, owner }: { id: string; name: string; owner?: string }) => (
    <label>
      <span class="sr">{s.reassignTo(name)}</span>
      <select value="" onChange={(e) => reassign(id, e.currentTarget.value)} data-part="reassign">
        <option value="">{s.reassign}…</option>
        {available
          .filter((a) => a.id !== owner)
          .map((a) => (
            <option key={a.id} value={a.id} disabled={a.load >= a.capacity}>
              {a.name} ({a.load}/{a.capacity})
            </option>
          ))}
      </select>
    </label>
  );
  return (
    <main class="supervisor" aria-labelledby="sup-title" data-part="supervisor">
      <h1 id="sup-title">{s.supervisor}</h1>
      {/* Follow-up rules and shop settings live here, not in the header: it keeps one line at 1024 wide. */}
      <nav class="sup-links" aria-label={s.supervisorPages}>
        <button type="button" class="link" data-action="followups" onClick={() => store.setView('followups')}>
          {s.followups} ›
        </button>
        <button type="button" class="link" data-action="shop-settings" onClick={() => store.setView('shop')}>
          {s.shopSettings} ›
        </button>
      </nav>
      {queue && (
        <section class="totals" aria-label={s.total}>
          <div>
            <span>{s.waitingCount}</span>
            <b data-total="waiting">{queue.total.waiting}</b>
          </div>
          <div>
            <span>{s.assigned}</span>
            <b>{queue.total.assigned}</b>
          </div>
          <div>
            <span>{s.longestWait}</span>
            <b>{s.ago(queue.total.longestWaitSec)}</b>
          </div>
          <div>
            <span>{s.agentsOnline}</span>
            <b>{queue.total.agentsOnline}</b>
          </div>
          <div>
            <span>{s.freeCapacity}</span>
            <b>{queue.total.freeCapacity}</b>
          </div>
        </section>
      )}
      <div class="sup-grid">
        {queue && (
          <FiguresTable
            store={store}
            caption={s.queueByChannel}
            keyLabel={s.channel}
            rows={queue.channels.map((c) => ({
              ...c,
              key: c.channel,
              label: (
                <>
                  <ChannelMark channel={c.channel} label={channelName(s, c.channel)} />{' '}
                  {channelName(s, c.channel)}
                </>
              ),
            }))}
          />
        )}
        {queue && (
          <FiguresTable
            store={store}
            caption={s.queueBySkill}
            keyLabel={s.skill}
            rows={queue.skills.map((k) => ({ ...k, key: k.skill, label: store.skillName(k.skill) }))}
          />
        )}
        <table data-part="agents">
          <caption>{s.agents}</caption>
          <thead>
            <tr>
              <th scope="col">{s.agent}</th>
              <th scope="col">{s.presence}</th>
              <th scope="col">{s.load}</th>
              <th scope="col">{s.skill}</th>
            </tr>
          </thead>
          <tbody>
            {agents
              .filter((a) => a.active)
              .map((a) => (
                <tr key={a.id} data-agent-id={a.id}>
                  <th scope="row">{a.name}</th>
                  <td>
                    <span class={`presence-pill presence-${a.presence}`}>{s[a.presence]}</span>
                  </td>
                  <td>
                    <meter min={0} max={a.capacity} value={a.load} aria-label={`${s.load} ${a.name}`} />{' '}
                    <span data-part="load">
                      {a.load}/{a.capacity}
                    </span>
                  </td>
                  <td>{a.skills.map((k) => store.skillName(k)).join(s.listSeparator)}</td>
                </tr>
              ))}
          </tbody>
        </table>
        <table data-part="waits">
          <caption>{s.longestWaits}</caption>
          <thead>
            <tr>
              <th scope="col">{s.customer}</th>
              <th scope="col">{s.channel}</th>
              <th scope="col">{s.waiting}</th>
              <th scope="col">{s.assignedTo}</th>
              <th scope="col">{s.reassign}</th>
            </tr>
          </thead>
          <tbody>
            {[...waits, ...assigned].slice(0, 30).map((r) => {
              const name = customerName(s, r.customer);
              return (
                <tr key={r.id} data-conversation-id={r.id}>
                  <th scope="row">
                    <button type="button" class="link" onClick={() => store.select(r.id)}>
                      {name}
                    </button>
                    {r.customer.vip && <span class="vip">{s.vip}</span>}
                  </th>
                  <td>
                    <ChannelMark channel={r.lastChannel} label={channelName(s, r.lastChannel)} />
                  </td>
                  <td>{s.ago(secondsSince(r.waitingSince ?? r.assignedAt, now))}</td>
                  <td data-part="owner">{r.assignedAgent?.name ?? s.unassigned}</td>
                  <td>
                    <ReassignSelect id={r.id} name={name} owner={r.assignedAgent?.id} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </main>
  );
}
