import { randomBytes } from 'node:crypto';
import { liveRoomParams } from '@threadline/sdk-core/protocol';
import { Hono } from 'hono';

/**
 * The host's card: one compact page per room, for the phone or tablet beside the camera. It shows
 * the room's hot questions live, each with its suggested answer and a "pin this answer" button.
 * The page holds no secret: the short-lived host key (`rk_…`) travels in the URL fragment, which
 * browsers never send to a server or put in a log, and the page sends it as a Bearer credential.
 */
export function hostCardRouter() {
  const router = new Hono();
  router.get('/live/:channel/:roomId', (c) => {
    const params = liveRoomParams.safeParse(c.req.param());
    if (!params.success) {
      return c.json({ error: { code: 'not_found', message: 'No such room page.' } }, 404);
    }
    const nonce = randomBytes(16).toString('base64');
    c.header(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', 'no-store');
    return c.html(page(nonce, params.data.channel, params.data.roomId));
  });
  return router;
}

function page(nonce: string, channel: string, roomId: string): string {
  const config = JSON.stringify({ channel, roomId }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>主播助手 · 热门问题</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header class="top">
  <div class="title">
    <span class="dot" data-part="connection" title="连接中"></span>
    <h1 data-part="room-title">直播间</h1>
  </div>
  <div class="stats" data-part="stats">
    <div><b data-stat="cpm">–</b><span>评论/分钟</span></div>
    <div><b data-stat="share">–</b><span>提问占比</span></div>
    <div><b data-stat="answered">–</b><span>已@回复</span></div>
  </div>
  <div class="shelf" data-part="shelf" hidden></div>
</header>
<section class="pinned" data-part="pinned" hidden>
  <span class="pin-label">📌 已置顶</span>
  <p data-part="pinned-text"></p>
  <button type="button" class="ghost" data-action="unpin">取消置顶</button>
</section>
<main data-part="questions" aria-live="polite">
  <p class="empty" data-part="empty">正在连接直播间…</p>
</main>
<div class="toast" data-part="toast" role="status" hidden></div>
<script nonce="${nonce}">window.__ROOM__ = ${config};</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
:root{--bg:#f6f5f3;--card:#fff;--ink:#1d1d1f;--muted:#6b6b70;--line:#e7e4df;--hot:#e8452c;--accent:#1f6feb;--ok:#1a7f37}
*{box-sizing:border-box}
/* The hidden attribute wins over any display a part sets (the pin banner is a grid). */
[hidden]{display:none!important}
body{margin:0;font:15px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:var(--bg);color:var(--ink)}
.top{position:sticky;top:0;z-index:2;background:var(--ink);color:#fff;padding:12px 16px 10px}
.title{display:flex;align-items:center;gap:8px}
h1{font-size:17px;margin:0;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.dot{width:9px;height:9px;border-radius:50%;background:#999;flex:none}
.dot.live{background:#3fb950}.dot.down{background:#f85149}
.stats{display:flex;gap:8px;margin-top:10px}
.stats div{flex:1;background:rgba(255,255,255,.09);border-radius:10px;padding:6px 10px}
.stats b{display:block;font-size:20px;font-variant-numeric:tabular-nums}
.stats span{font-size:12px;color:#c9c9cf}
.shelf{margin-top:8px;font-size:13px;color:#c9c9cf}
.pinned{margin:12px 16px 0;background:#fff7e6;border:1px solid #f5d08a;border-radius:12px;padding:10px 12px;display:grid;grid-template-columns:1fr auto;gap:4px 10px;align-items:start}
.pin-label{font-size:12px;color:#8a5a00;font-weight:600;grid-column:1}
.pinned p{margin:0;grid-column:1;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.pinned button{grid-column:2;grid-row:1/span 2;align-self:center}
main{padding:12px 16px 32px;display:grid;gap:12px;grid-template-columns:1fr}
@media (min-width:900px){main{grid-template-columns:repeat(2,minmax(0,1fr));max-width:1240px;margin:0 auto}.top{padding:14px 24px}.pinned{max-width:1208px;margin:12px auto 0}}
.q{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:12px 14px;display:flex;flex-direction:column;gap:8px}
.q.hot{border-color:#f3b3a8;box-shadow:0 0 0 2px #fde3dd inset}
.q-head{display:flex;gap:8px;align-items:center}
.q-head h2{font-size:16px;margin:0;flex:1;line-height:1.35;min-width:0}
.badges{display:flex;gap:6px;flex:none;align-items:center}
.badge{font-size:12px;border-radius:999px;padding:1px 8px;white-space:nowrap;background:#eef1f5;color:var(--muted)}
.badge.hot{background:var(--hot);color:#fff}
.badge.pin{background:#fff1cc;color:#8a5a00}
.counts{display:flex;gap:6px;font-size:13px;color:var(--muted);flex-wrap:wrap}
.counts b{color:var(--ink);font-variant-numeric:tabular-nums}
.counts .now b{color:var(--hot);font-size:15px}
.examples{margin:0;padding:0;list-style:none;display:flex;gap:6px;flex-wrap:wrap}
.examples li{font-size:13px;background:#f3f2ef;border-radius:8px;padding:2px 8px;max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.answer{background:#f0f6ff;border-radius:10px;padding:8px 10px;font-size:14px}
.answer.none{background:#f6f6f6;color:var(--muted)}
.answer small{display:block;color:var(--muted);font-size:12px;margin-bottom:2px}
.q-foot{display:flex;gap:8px;align-items:center;justify-content:space-between;flex-wrap:wrap}
.progress{font-size:12px;color:var(--muted)}
button{font:inherit;border:0;border-radius:10px;padding:8px 14px;background:var(--accent);color:#fff;font-weight:600;cursor:pointer;min-height:38px}
button[disabled]{opacity:.5;cursor:default}
button.ghost{background:transparent;color:#8a5a00;border:1px solid #e6c27a;font-weight:500;padding:4px 10px;min-height:30px}
.empty{color:var(--muted);text-align:center;padding:40px 0;grid-column:1/-1}
.toast{position:fixed;left:50%;bottom:20px;transform:translateX(-50%);background:var(--ink);color:#fff;border-radius:999px;padding:8px 16px;font-size:14px}
`;

// Plain DOM, no framework: the page is small and must load fast on a phone on the studio's Wi-Fi.
const SCRIPT = `
(function(){
  var room = window.__ROOM__;
  var key = new URLSearchParams(location.hash.slice(1)).get('key') || sessionStorage.getItem('tl-host-key:' + room.channel + '/' + room.roomId);
  var base = '/v1/channels/' + encodeURIComponent(room.channel) + '/rooms/' + encodeURIComponent(room.roomId);
  var $ = function(sel){ return document.querySelector(sel); };
  var dot = $('[data-part=connection]');
  var list = $('[data-part=questions]');
  var lastId = null, retry = 0, view = null;
  if (key) {
    sessionStorage.setItem('tl-host-key:' + room.channel + '/' + room.roomId, key);
    history.replaceState(null, '', location.pathname);
  }
  function say(text){ var t = $('[data-part=toast]'); t.textContent = text; t.hidden = false; clearTimeout(say.timer); say.timer = setTimeout(function(){ t.hidden = true; }, 2600); }
  function fail(text){ list.textContent = ''; var p = el('p', 'empty', text); list.appendChild(p); dot.className = 'dot down'; }
  function el(tag, cls, text){ var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function api(method, path, body){
    return fetch(base + path, { method: method, headers: Object.assign({ authorization: 'Bearer ' + key }, body ? { 'content-type': 'application/json' } : {}), body: body ? JSON.stringify(body) : undefined });
  }
  if (!key) { fail('这个链接缺少主播密钥，请向运营重新获取主播卡片链接。'); return; }

  function showRoom(r){
    $('[data-part=room-title]').textContent = r.title || ('直播间 ' + r.roomId);
    document.title = (r.title || '直播间') + ' · 热门问题';
    var shelf = $('[data-part=shelf]');
    var names = r.shelf.products.map(function(p){ return p.name || p.id; });
    shelf.hidden = names.length === 0;
    shelf.textContent = '正在讲解：' + names.join('、') + (r.shelf.segment ? '（' + r.shelf.segment + '）' : '');
    var pinned = $('[data-part=pinned]');
    pinned.hidden = !r.pinned;
    if (r.pinned) $('[data-part=pinned-text]').textContent = r.pinned.text;
  }
  function loadRoom(){
    return api('GET', '').then(function(res){
      if (res.status === 401) { fail('主播卡片的链接已过期，请向运营重新获取。'); throw new Error('expired'); }
      return res.json();
    }).then(function(body){ if (body.room) showRoom(body.room); });
  }

  function pct(n, d){ return d ? Math.round(n * 100 / d) + '%' : '–'; }
  function render(data){
    view = data;
    var t = data.totals;
    $('[data-stat=cpm]').textContent = t.comments.m1;
    $('[data-stat=share]').textContent = pct(t.questions.m1, t.comments.m1);
    var answered = 0; data.questions.forEach(function(q){ answered += q.answered.askers; });
    $('[data-stat=answered]').textContent = answered;
    list.textContent = '';
    if (data.questions.length === 0) { list.appendChild(el('p', 'empty', '最近 15 分钟还没有人提问。')); return; }
    data.questions.forEach(function(q){
      var card = el('article', 'q' + (q.hot ? ' hot' : ''));
      card.setAttribute('data-part', 'question');
      card.setAttribute('data-hot', String(q.hot));
      var head = el('div', 'q-head');
      head.appendChild(el('h2', null, q.label));
      var badges = el('div', 'badges');
      if (q.pinned) badges.appendChild(el('span', 'badge pin', '已置顶'));
      badges.appendChild(el('span', q.hot ? 'badge hot' : 'badge', q.hot ? '🔥 热门' : '提问中'));
      head.appendChild(badges);
      card.appendChild(head);
      var counts = el('div', 'counts');
      var now = el('span', 'now'); now.appendChild(el('b', null, String(q.askers.m1))); now.appendChild(document.createTextNode(' 人 / 1 分钟'));
      counts.appendChild(now);
      [['5 分钟', q.askers.m5], ['15 分钟', q.askers.m15]].forEach(function(c){ var s = el('span'); s.appendChild(el('b', null, String(c[1]))); s.appendChild(document.createTextNode(' 人 / ' + c[0])); counts.appendChild(s); });
      if (q.product && q.product.name && q.label.indexOf(q.product.name) < 0) counts.appendChild(el('span', null, '· ' + q.product.name));
      card.appendChild(counts);
      if (q.examples.length) { var ul = el('ul', 'examples'); q.examples.forEach(function(x){ ul.appendChild(el('li', null, '“' + x + '”')); }); card.appendChild(ul); }
      var answer = el('div', q.suggestedAnswer ? 'answer' : 'answer none');
      answer.appendChild(el('small', null, q.suggestedAnswer ? '建议回答' : '知识库里还没有答案，可以口播回答'));
      if (q.suggestedAnswer) answer.appendChild(document.createTextNode(q.suggestedAnswer));
      card.appendChild(answer);
      var foot = el('div', 'q-foot');
      foot.appendChild(el('span', 'progress', q.suggestedAnswer ? '已@ ' + q.answered.askers + ' 人 · 等待 ' + q.answered.waiting + ' 人' + (q.answered.rounds ? ' · 第 ' + q.answered.rounds + ' 轮' : '') : q.askers.m15 + ' 人问过'));
      if (q.suggestedAnswer) {
        var pin = el('button', null, q.pinned ? '已置顶' : '置顶这条回答');
        pin.setAttribute('data-action', 'pin'); pin.disabled = q.pinned;
        pin.addEventListener('click', function(){
          pin.disabled = true;
          api('POST', '/pins', { questionKey: q.key }).then(function(res){ return res.json().then(function(body){
            if (!res.ok) throw new Error(body.error ? body.error.message : res.status);
            showRoom(body.room); say(body.delivery === 'queued' ? '已置顶，直播间马上显示' : '已置顶（未配置回调，请手动置顶）');
          }); }).catch(function(e){ pin.disabled = false; say('置顶失败：' + e.message); });
        });
        foot.appendChild(pin);
      }
      card.appendChild(foot);
      list.appendChild(card);
    });
  }

  $('[data-action=unpin]').addEventListener('click', function(){
    api('DELETE', '/pins').then(function(res){ return res.json(); }).then(function(body){ if (body.room) { showRoom(body.room); say('已取消置顶'); } });
  });

  // SSE over fetch (EventSource cannot send a Bearer header); every (re)connect starts with a full view.
  function connect(){
    var headers = { authorization: 'Bearer ' + key };
    if (lastId) headers['last-event-id'] = lastId;
    fetch(base + '/hot-questions/stream', { headers: headers }).then(function(res){
      if (res.status === 401) { fail('主播卡片的链接已过期，请向运营重新获取。'); return; }
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      dot.className = 'dot live'; dot.title = '已连接'; retry = 0;
      var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = '';
      function pump(){ return reader.read().then(function(r){
        if (r.done) throw new Error('closed');
        buffer += decoder.decode(r.value, { stream: true }).replace(/\\r\\n?/g, '\\n');
        var end;
        while ((end = buffer.indexOf('\\n\\n')) >= 0) {
          var block = buffer.slice(0, end); buffer = buffer.slice(end + 2);
          var ev = { data: '' };
          block.split('\\n').forEach(function(line){
            var m = /^(id|event|data): ?(.*)$/.exec(line); if (!m) return;
            if (m[1] === 'data') ev.data += m[2]; else ev[m[1]] = m[2];
          });
          if (ev.id) lastId = ev.id;
          if (ev.event === 'live.hot_questions') render(JSON.parse(ev.data));
          if (ev.event === 'live.answer') { var a = JSON.parse(ev.data); say('已在直播间 @ ' + a.mentions + ' 位观众'); }
        }
        return pump();
      }); }
      return pump();
    }).catch(function(){
      dot.className = 'dot down'; dot.title = '重连中';
      retry = Math.min(retry + 1, 5);
      setTimeout(connect, 500 * Math.pow(2, retry));
    });
  }
  loadRoom().then(connect).catch(function(e){ if (e.message !== 'expired') { connect(); } });
})();
`;
