import { channelName, dateTime, money, term } from './format';
import type { Strings } from './i18n';
import { ChannelMark } from './inbox';
import type { ConsoleStore } from './store';

const TICKET_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const;

/** An attribute's value as text: yes / no in the agent's language for booleans (not `true`). */
const show = (s: Strings, value: unknown) =>
  value === null || value === undefined
    ? ''
    : typeof value === 'boolean'
      ? value
        ? s.yes
        : s.no
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);

export function ProfilePanel({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const lang = store.state.lang;
  const profile = store.state.profile;
  if (!store.state.detail) return <aside class="profile" aria-label={s.profile} />;
  if (!profile)
    return (
      <aside class="profile" aria-label={s.profile} aria-busy="true">
        <h2>{s.profile}</h2>
      </aside>
    );
  // A phone on file that is also the shopper's phone identity is shown once (both read 138****5678).
  const contact = Object.entries(profile.contact).filter(
    ([k, v]) => v && !profile.identities.some((i) => i.kind === k && i.value === v),
  );
  const attributes = Object.entries(profile.attributes);
  return (
    <aside class="profile" aria-labelledby="profile-title" data-part="profile">
      <h2 id="profile-title">
        {profile.customer.name ?? s.profile}
        {profile.customer.vip && <span class="vip">{s.vip}</span>}
      </h2>
      <section aria-labelledby="p-identities">
        <h3 id="p-identities">{s.identities}</h3>
        <ul class="kv">
          {profile.identities.map((i) => (
            <li key={`${i.kind}:${i.value}`}>
              <span data-kind={i.kind}>{term(s, 'identityKinds', i.kind)}</span>
              <b>{i.value}</b>
            </li>
          ))}
          {contact.map(([k, v]) => (
            <li key={k}>
              <span data-kind={k}>{term(s, 'contactFields', k)}</span>
              <b>{v}</b>
            </li>
          ))}
        </ul>
      </section>
      {attributes.length > 0 && (
        <section aria-labelledby="p-attributes">
          <h3 id="p-attributes">{s.attributes}</h3>
          <ul class="kv">
            {attributes.map(([k, v]) => (
              <li key={k}>
                <span>{k}</span>
                <b>{show(s, v)}</b>
              </li>
            ))}
          </ul>
        </section>
      )}
      <label class="consent" data-part="marketing-consent" title={s.marketingOptOutHint}>
        <input
          type="checkbox"
          checked={profile.attributes.marketingOptOut === true}
          onChange={(e) => store.setMarketingOptOut(e.currentTarget.checked)}
        />{' '}
        {s.marketingOptOut}
      </label>
      <section aria-labelledby="p-cart" data-part="cart">
        <h3 id="p-cart">{s.cart}</h3>
        {profile.cart.length === 0 ? (
          <p class="muted">{s.emptyCart}</p>
        ) : (
          <ul class="items">
            {profile.cart.map((line) => (
              <li key={line.sku} data-sku={line.sku}>
                <span>{line.name ?? line.sku}</span>
                <b>×{line.quantity}</b>
              </li>
            ))}
          </ul>
        )}
      </section>
      <Suggestions store={store} />
      {profile.recentViews.length > 0 && (
        <section aria-labelledby="p-views">
          <h3 id="p-views">{s.recentViews}</h3>
          <ul class="items">
            {profile.recentViews.slice(0, 5).map((v) => (
              <li key={`${v.productId}${v.at}`}>
                <span>{v.name ?? v.productId}</span>
                {v.channel && <ChannelMark channel={v.channel} label={channelName(s, v.channel)} />}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="p-orders" data-part="orders">
        <h3 id="p-orders">{s.orders}</h3>
        {profile.orders.length === 0 ? (
          <p class="muted">{s.noOrders}</p>
        ) : (
          <ul class="orders">
            {profile.orders.map((o) => (
              <li key={o.id}>
                <div>
                  <b>{o.id}</b>{' '}
                  <span class="pill" data-status={o.status}>
                    {term(s, 'orderStatuses', o.status)}
                  </span>
                  <span class="amount">{money(o.amount, o.currency, lang)}</span>
                </div>
                <div class="muted">{o.items.map((i) => `${i.name} ×${i.quantity}`).join('，')}</div>
                {o.trackingNumber && (
                  <div class="muted">
                    {s.tracking}: {o.carrier ? `${o.carrier} ` : ''}
                    {o.trackingNumber}
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="p-tickets" data-part="tickets">
        <h3 id="p-tickets">{s.tickets}</h3>
        {profile.tickets.length === 0 ? (
          <p class="muted">{s.noTickets}</p>
        ) : (
          <ul class="tickets">
            {profile.tickets.map((t) => (
              <li key={t.id} data-ticket-id={t.id}>
                <div>
                  <b data-type={t.type}>{term(s, 'ticketTypes', t.type)}</b>{' '}
                  {t.orderId && <span>{t.orderId}</span>}
                </div>
                {t.reason && (
                  <div class="muted" data-reason={t.reason}>
                    {term(s, 'ticketReasons', t.reason)}
                  </div>
                )}
                <label>
                  <span class="sr">
                    {s.status} {t.id}
                  </span>
                  <select
                    value={t.status}
                    onChange={(e) => store.setTicketStatus(t.id, e.currentTarget.value)}
                  >
                    {TICKET_STATUSES.map((st) => (
                      <option key={st} value={st}>
                        {s.ticketStatuses[st]}
                      </option>
                    ))}
                  </select>
                </label>
                <time class="muted" dateTime={t.updatedAt}>
                  {dateTime(t.updatedAt, lang)}
                </time>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="p-channels">
        <h3 id="p-channels">{s.channelsUsed}</h3>
        <ul class="items">
          {profile.channels.map((c) => (
            <li key={c.channel}>
              <span>
                <ChannelMark channel={c.channel} label={channelName(s, c.channel)} />{' '}
                {channelName(s, c.channel)}
              </span>
              <b>{c.messages}</b>
            </li>
          ))}
        </ul>
      </section>
    </aside>
  );
}

/**
 * Up to three products for the customer's cart and recent views (the profile's `suggestions`),
 * each with why (goes with / instead of / like what) and a button that sends it as a link card —
 * on a phone call, to the customer's mini-program, app or web chat.
 */
function Suggestions({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const profile = store.state.profile!;
  if (profile.suggestions.length === 0) return null;
  const names = new Map<string, string>();
  for (const line of profile.cart) if (line.name) names.set(String(line.productId ?? line.sku), line.name);
  for (const view of profile.recentViews) if (view.name) names.set(view.productId, view.name);
  return (
    <section aria-labelledby="p-suggestions" data-part="suggestions">
      <h3 id="p-suggestions">{s.suggestions}</h3>
      <ul class="suggestions">
        {profile.suggestions.map((item) => (
          <li key={item.productId} data-product-id={item.productId} data-reason={item.reason}>
            <div>
              <b>{item.name}</b>
              {item.price !== null && (
                <span class="amount">{money(item.price, 'CNY', store.state.lang)}</span>
              )}
            </div>
            <div class="muted">
              {term(s, 'suggestionReasons', item.reason)} {names.get(item.because) ?? item.because}
            </div>
            <button
              type="button"
              data-part="send-suggestion"
              disabled={!item.url}
              title={item.url ?? s.noProductPage}
              onClick={() => store.sendSuggestion(item)}
            >
              {s.sendAsCard}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
