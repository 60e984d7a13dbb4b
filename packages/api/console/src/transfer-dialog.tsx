import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConsoleStore } from './store';

/** Transfer the open conversation (or, from the supervisor view, any one) to an agent or a skill. */
export function TransferDialog({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const ref = useRef<HTMLDialogElement>(null);
  const owner = store.state.detail?.conversation.assignedAgent?.id;
  const agents = store.state.agents.filter((a) => a.active && a.presence !== 'offline' && a.id !== owner);
  // Nobody else online: a skill (back to the queue) is the only transfer that can work.
  const [target, setTarget] = useState<'agent' | 'skill'>(agents.length ? 'agent' : 'skill');
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const blocked = target === 'agent' && agents.length === 0;
  return (
    <dialog
      ref={ref}
      aria-labelledby="transfer-title"
      onClose={() => store.openDialog(null)}
      data-part="transfer"
    >
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const note = String(form.get('note') ?? '').trim() || undefined;
          await store.transfer(
            target === 'agent'
              ? { agentId: String(form.get('agent')), note }
              : { skill: String(form.get('skill')), note },
          );
        }}
      >
        <h2 id="transfer-title">{s.transferTo}</h2>
        <fieldset>
          <legend class="sr">{s.transferTo}</legend>
          <label>
            <input
              type="radio"
              name="target"
              checked={target === 'agent'}
              onChange={() => setTarget('agent')}
            />
            {s.agentOption}
          </label>
          <label>
            <input
              type="radio"
              name="target"
              checked={target === 'skill'}
              onChange={() => setTarget('skill')}
            />
            {s.skillOption}
          </label>
        </fieldset>
        {blocked ? (
          <p class="muted" role="status" data-part="no-agent">
            {s.noAgentOnline}
          </p>
        ) : target === 'agent' ? (
          <label>
            {s.agent}
            <select name="agent" required>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} · {s[a.presence]} · {a.load}/{a.capacity}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label>
            {s.skill}
            <select name="skill" required>
              {store.state.skills.map((k) => (
                <option key={k} value={k}>
                  {store.skillName(k)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {s.transferNote}
          <textarea name="note" rows={2} maxLength={4000} />
        </label>
        <div class="dialog-actions">
          <button type="button" onClick={() => store.openDialog(null)}>
            {s.cancel}
          </button>
          <button type="submit" class="primary" disabled={blocked}>
            {s.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}
