/**
 * The widget's shadow-root styles; every colour and size goes through a `--threadline-*` property.
 * `:host` is all `!important`: in the cascade an important declaration of the shadow tree beats an
 * important one of the page, so `threadline-chat{all:unset!important}` or `*{position:static!important}`
 * on a host page cannot move, hide or restyle the launcher. `hidden` on the element still hides it.
 */
export const WIDGET_CSS = `
:host{all:initial!important;display:block!important;position:fixed!important;z-index:var(--threadline-z-index,2147483000)!important;inset:auto var(--threadline-offset-x,20px) var(--threadline-offset-y,20px) auto!important;overflow:visible!important}
:host([hidden]){display:none!important}
.tl{all:initial;display:contents;direction:ltr;unicode-bidi:isolate;--a:var(--threadline-accent,#d6336c);--at:var(--threadline-accent-text,#fff);--bg:var(--threadline-bg,#fff);--fg:var(--threadline-text,#1f2328);--mu:var(--threadline-muted,#6e7781);--bd:var(--threadline-border,#e5e7eb);--bu:var(--threadline-bubble,#f3f4f6);--r:var(--threadline-radius,16px);font:14px/1.45 var(--threadline-font,system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif);color:var(--fg);text-align:start;-webkit-text-size-adjust:100%}
*{box-sizing:border-box}
button{font:inherit;cursor:pointer}
:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
[data-part=launcher]{all:unset;box-sizing:border-box;cursor:pointer;position:relative;width:56px;height:56px;border-radius:50%;border:0;background:var(--a);color:var(--at);box-shadow:0 6px 20px rgba(0,0,0,.2);display:grid;place-items:center}
[data-part=launcher] svg{width:26px;height:26px}
[data-part=badge]{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#e5484d;color:#fff;font-size:12px;font-weight:600;line-height:20px;text-align:center}
[data-part=badge][hidden]{display:none}
[data-part=panel]{position:absolute;right:0;bottom:72px;width:var(--threadline-width,370px);height:var(--threadline-height,560px);max-height:calc(100vh - 110px);background:var(--bg);border:1px solid var(--bd);border-radius:var(--r);box-shadow:0 12px 40px rgba(0,0,0,.18);display:flex;flex-direction:column;overflow:hidden}
[data-part=panel][hidden]{display:none}
header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:var(--a);color:var(--at)}
header h2{margin:0;font-size:15px;flex:1}
header small{display:block;font-weight:400;font-size:12px}
.x{background:transparent;border:0;color:inherit;font-size:22px;line-height:1;padding:2px 6px;border-radius:6px}
[data-part=status]{padding:6px 14px;font-size:12px;color:var(--mu);border-bottom:1px solid var(--bd);display:flex;gap:8px;align-items:center}
[data-part=status]::before{content:"";width:8px;height:8px;border-radius:50%;background:#30a46c;flex:none}
[data-part=status][data-connection=offline]::before{background:#e5484d}
[data-part=status][data-connection=reconnecting]::before,[data-part=status][data-connection=connecting]::before{background:#f5a524}
[data-part=status][data-conversation=queued],[data-part=status][data-conversation=assigned]{color:var(--a);font-weight:600}
[data-part=log]{flex:1;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:8px;overscroll-behavior:contain}
.empty{color:var(--mu);text-align:center;margin:auto 8px}
[data-part=message]{max-width:82%;display:flex;flex-direction:column;gap:2px}
[data-part=message] .t{padding:8px 12px;border-radius:var(--r);background:var(--bu);white-space:pre-wrap;word-break:break-word}
[data-part=message] .m{font-size:11px;color:var(--mu)}
[data-part=message][data-author=customer]{align-self:flex-end;align-items:flex-end}
[data-part=message][data-author=customer] .t{background:var(--a);color:var(--at);border-bottom-right-radius:4px}
[data-part=message][data-author=bot] .t,[data-part=message][data-author=agent] .t{border-bottom-left-radius:4px}
[data-part=message][data-author=agent] .t{background:var(--threadline-agent-bubble,#e7f0ff)}
[data-part=message][data-author=system]{align-self:center;max-width:100%}
[data-part=message][data-author=system] .t{background:transparent;color:var(--mu);font-size:12px;padding:2px}
[data-part=message][data-pending] .t{opacity:.6}
[data-part=message][data-card]{align-self:flex-start;max-width:82%}
[data-part=message][data-card] .t{background:var(--bu);color:var(--fg);font-size:inherit;padding:8px 12px}
[data-part=card]{display:block;width:240px;max-width:100%;border:1px solid var(--bd);border-radius:12px;overflow:hidden;background:var(--bg);color:var(--fg);text-decoration:none}
[data-part=card]:hover b,[data-part=card]:focus-visible b{text-decoration:underline}
[data-part=card] img{display:block;width:100%;aspect-ratio:16/9;object-fit:cover;background:var(--bd)}
[data-part=card] b{display:block;padding:8px 12px 0;font-size:14px}
[data-part=card] span{display:block;padding:2px 12px 0;color:var(--mu);font-size:12px}
[data-part=card] small{display:block;padding:4px 12px 8px;color:var(--a);font-size:12px}
[data-part=quick-replies]{display:flex;flex-wrap:wrap;gap:6px;margin-top:4px}
[data-part=quick-reply]{border:1px solid var(--a);background:var(--bg);color:var(--a);border-radius:14px;padding:4px 12px;font-size:13px;text-align:left}
[data-part=quick-reply]:hover{background:var(--a);color:var(--at)}
.via{display:inline-block;padding:0 6px;border-radius:8px;background:var(--bd);color:var(--fg);font-size:11px}
[data-part=typing]{font-size:12px;color:var(--mu);padding:0 14px 6px}
[data-part=typing][hidden]{display:none}
[data-part=ticket]{align-self:stretch;border:1px solid var(--bd);border-left:4px solid var(--a);border-radius:10px;padding:8px 12px;font-size:13px}
[data-part=ticket] b{display:block}
.actions{display:flex;gap:6px;padding:8px 14px 0;flex-wrap:wrap}
.actions button{border:1px solid var(--bd);background:var(--bg);color:var(--fg);border-radius:14px;padding:3px 10px;font-size:12px}
.actions button:disabled{opacity:.5;cursor:default}
form{display:flex;gap:8px;padding:10px 14px 14px}
[data-part=input]{flex:1;resize:none;border:1px solid var(--bd);border-radius:12px;padding:8px 10px;font:inherit;color:var(--fg);background:var(--bg);max-height:96px}
[data-part=send]{border:0;border-radius:12px;background:var(--a);color:var(--at);padding:0 14px;font-weight:600}
[data-part=handoff-view][hidden]{display:none}
[data-part=short-code]{font:600 30px/1.2 ui-monospace,Menlo,monospace;letter-spacing:6px;margin:0}
[data-part=qr]:empty{display:none}
[data-part=qr]{flex:1 1 0;min-height:96px;max-height:168px;display:flex;justify-content:center}
[data-part=qr] svg{height:100%;width:auto;aspect-ratio:1/1;display:block}
[data-part=handoff-view] p{color:var(--mu);font-size:13px}
[data-part=handoff-view] button{border:1px solid var(--bd);background:var(--bg);border-radius:12px;padding:6px 14px}
[data-part=handoff-prompt]{margin:10px 14px 0;padding:12px 14px;border:1px solid var(--bd);border-left:4px solid var(--a);border-radius:12px;background:var(--bg);box-shadow:0 4px 14px rgba(0,0,0,.08)}
[data-part=handoff-prompt][hidden]{display:none}
[data-part=handoff-prompt] b{display:block;font-size:15px}
[data-part=handoff-prompt] p{margin:6px 0 10px;color:var(--mu);font-size:13px}
[data-part=handoff-prompt] div{display:flex;gap:8px;justify-content:flex-end}
[data-part=handoff-prompt] button{border:1px solid var(--bd);background:var(--bg);color:var(--fg);border-radius:12px;padding:6px 14px}
[data-part=handoff-prompt] [data-part=handoff-accept]{background:var(--a);border-color:var(--a);color:var(--at);font-weight:600}
[data-part=handoff-view]{flex:1;overflow-y:auto;padding:12px 16px 16px;text-align:center;display:flex;flex-direction:column;align-items:center;gap:8px}
.hv-top{align-self:stretch;display:flex;align-items:center;justify-content:space-between;gap:8px}
.hv-top h3{margin:0;font-size:15px}
[data-part=handoff-targets]{display:flex;gap:6px;flex-wrap:wrap;justify-content:center}
[data-part=handoff-target]{border:1px solid var(--bd);background:var(--bg);color:var(--fg);border-radius:14px;padding:4px 12px;font-size:13px}
[data-part=handoff-target][aria-pressed=true]{border-color:var(--a);background:var(--a);color:var(--at)}
.hv-label{font-size:12px;color:var(--mu);margin:0}
[data-part=handoff-view] p{margin:0}
[data-part=handoff-view]:not([data-channel=phone]) :is([data-part=short-code],.hv-label){display:none}
[data-part=counter]{font-size:11px;color:var(--mu);padding:0 14px;text-align:end}
[data-part=counter][hidden],[data-part=composer-note][hidden]{display:none}
[data-part=counter][data-over]{color:#c92a2a;font-weight:600}
[data-part=composer-note]{font-size:12px;color:#c92a2a;padding:4px 14px 0}
[data-part=message][data-failed] .t{background:var(--bg);color:var(--fg);border:1px dashed #c92a2a}
.failed{color:#c92a2a;display:flex;gap:6px;align-items:center}
.failed button{border:0;background:transparent;color:var(--a);text-decoration:underline;font-size:11px;padding:0}
[data-part=ticket] .tk-meta{display:block;color:var(--mu);font-size:12px}
[data-part=panel][data-view=handoff] [data-part=log],[data-part=panel][data-view=handoff] [data-part=typing],[data-part=panel][data-view=handoff] .actions,[data-part=panel][data-view=handoff] form,[data-part=panel][data-view=handoff] [data-part=counter],[data-part=panel][data-view=handoff] [data-part=composer-note]{display:none}
[data-part=mic]{border:1px solid var(--bd);border-radius:12px;background:var(--bg);color:var(--fg);width:38px;padding:0;display:grid;place-items:center}
[data-part=mic][hidden]{display:none}
[data-part=mic][data-listening]{background:#e5484d;border-color:#e5484d;color:#fff;animation:tl-pulse 1.2s ease-in-out infinite}
@keyframes tl-pulse{50%{box-shadow:0 0 0 6px rgba(229,72,77,.2)}}
[data-part=mic] svg,[data-part=read-aloud] svg{width:18px;height:18px;display:block}
[data-part=read-aloud]{opacity:.7}
[data-part=read-aloud][aria-pressed=true]{opacity:1;background:rgba(255,255,255,.22)}
[data-part=steps]{margin-top:4px;padding:8px 10px;border:1px solid var(--bd);border-left:3px solid var(--a);border-radius:10px;background:var(--bg)}
[data-part=steps] .st{margin:0 0 6px;font-weight:600}
[data-part=steps] div{display:flex;gap:6px}
[data-part=steps] button{border:1px solid var(--bd);background:var(--bg);color:var(--fg);border-radius:12px;padding:3px 10px;font-size:12px}
[data-part=steps] [data-part=step-next]{border-color:var(--a);background:var(--a);color:var(--at)}
[data-part=steps] button:disabled{opacity:.45;cursor:default}
@media (max-height:540px){[data-part=panel]{position:fixed;top:8px;bottom:8px;right:8px;height:auto;max-height:none}:host([open]) [data-part=launcher]{display:none}[data-part=panel][data-view=handoff] [data-part=status]{display:none}.hv-choose{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}[data-part=handoff-view]{gap:6px}}
@media (max-width:480px){[data-part=panel]{position:fixed;inset:0;width:100vw;height:100%;max-height:none;border-radius:0;border:0}:host([open]) [data-part=launcher]{display:none}}
@media (prefers-reduced-motion:no-preference){[data-part=panel]{animation:tl-in .16s ease-out}@keyframes tl-in{from{opacity:0;transform:translateY(8px)}}}
`;

/**
 * Styles a shadow root. A constructed stylesheet is not governed by the page's
 * Content-Security-Policy `style-src` (an inline `<style>` is), so the widget also works on
 * merchant pages that forbid inline styles; browsers without constructed sheets get `<style>`.
 * Returns a setter for a second sheet the element rewrites at run time (the page-zoom counterweight).
 */
export function adoptStyles(root: ShadowRoot, css: string): (extra: string) => void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    const extra = new CSSStyleSheet();
    root.adoptedStyleSheets = [sheet, extra];
    return (text) => extra.replaceSync(text);
  } catch {
    // Older browsers: fall through to <style> elements.
  }
  const style = document.createElement('style');
  const extra = document.createElement('style');
  style.textContent = css;
  root.prepend(style, extra);
  return (text) => {
    extra.textContent = text;
  };
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element built node by node: no HTML string ever reaches the DOM (Trusted Types pages refuse those). */
export function svgElement(
  tag: string,
  attributes: Record<string, string>,
  ...children: Element[]
): SVGElement {
  const element = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

const iconAttributes = (joinRound: boolean): Record<string, string> => ({
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  'stroke-width': '2',
  'stroke-linecap': 'round',
  ...(joinRound ? { 'stroke-linejoin': 'round' } : {}),
  'aria-hidden': 'true',
});

/** The launcher's speech bubble. */
export const chatIcon = () =>
  svgElement(
    'svg',
    iconAttributes(true),
    svgElement('path', {
      d: 'M21 11.5a8.38 8.38 0 0 1-9 8.5 8.5 8.5 0 0 1-3.8-.9L3 21l1.9-5.2A8.38 8.38 0 0 1 3.5 11.5 8.5 8.5 0 0 1 12 3a8.38 8.38 0 0 1 9 8.5z',
    }),
  );

/** The composer's microphone (dictation). */
export const micIcon = () =>
  svgElement(
    'svg',
    iconAttributes(false),
    svgElement('rect', { x: '9', y: '3', width: '6', height: '11', rx: '3' }),
    svgElement('path', { d: 'M5 11a7 7 0 0 0 14 0M12 18v3' }),
  );

/** The header's speaker (read answers aloud). */
export const speakerIcon = () =>
  svgElement(
    'svg',
    iconAttributes(true),
    svgElement('path', { d: 'M11 5 6 9H3v6h3l5 4z' }),
    svgElement('path', { d: 'M15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13' }),
  );
