// Drawn product pictures for the demo shop: one small inline SVG per product, so every item looks
// like what it is (no stock photos, no network, nothing for the page's CSP to allow). Presentation
// attributes only: the shop's CSP forbids inline styles.
const svg = (body, background) =>
  `<svg viewBox="0 0 120 120" role="img" aria-hidden="true" xmlns="http://www.w3.org/2000/svg"><rect width="120" height="120" rx="14" fill="${background}"/>${body}</svg>`;

const DRAWINGS = {
  // A wide jar with a lid and a water drop.
  'p-hyaluronic-cream': svg(
    '<rect x="30" y="58" width="60" height="34" rx="8" fill="#fff" stroke="#7aa6c2" stroke-width="3"/><rect x="26" y="44" width="68" height="16" rx="5" fill="#7aa6c2"/><path d="M60 66c-5 7-7 10-7 13a7 7 0 0 0 14 0c0-3-2-6-7-13z" fill="#9fd0ec"/>',
    '#e8f4fb',
  ),
  // A dropper bottle.
  'p-niacinamide-serum': svg(
    '<rect x="42" y="56" width="36" height="42" rx="7" fill="#f6d58e" stroke="#c9962e" stroke-width="3"/><rect x="50" y="44" width="20" height="13" fill="#5b4636"/><ellipse cx="60" cy="34" rx="9" ry="11" fill="#5b4636"/><text x="60" y="83" font-size="12" text-anchor="middle" fill="#8a5a00" font-family="sans-serif">5%</text>',
    '#fff6e2',
  ),
  // A squeeze tube with foam bubbles.
  'p-amino-cleanser': svg(
    '<path d="M44 28h32l-4 62H48z" fill="#fff" stroke="#79b791" stroke-width="3"/><rect x="50" y="90" width="20" height="10" rx="2" fill="#79b791"/><circle cx="84" cy="34" r="7" fill="#fff" stroke="#b5dcc3" stroke-width="2"/><circle cx="94" cy="48" r="5" fill="#fff" stroke="#b5dcc3" stroke-width="2"/><circle cx="30" cy="42" r="4" fill="#fff" stroke="#b5dcc3" stroke-width="2"/>',
    '#ebf7ef',
  ),
  // A flat bottle under a sun.
  'p-sunscreen-light': svg(
    '<circle cx="86" cy="30" r="11" fill="#ffb703"/><g stroke="#ffb703" stroke-width="3" stroke-linecap="round"><path d="M86 12v-4M86 52v-4M68 30h-4M108 30h-4M74 18l-3-3M101 45l-3-3M98 18l3-3M71 45l3-3"/></g><rect x="30" y="44" width="40" height="54" rx="9" fill="#fff" stroke="#f08a24" stroke-width="3"/><rect x="40" y="34" width="20" height="11" rx="2" fill="#f08a24"/><text x="50" y="76" font-size="11" text-anchor="middle" fill="#f08a24" font-family="sans-serif" font-weight="700">50+</text>',
    '#fff4e0',
  ),
  // A round tub with a leaf: the gentle one for sensitive skin.
  'p-sunscreen-sensitive': svg(
    '<circle cx="30" cy="28" r="9" fill="#ffd166"/><rect x="32" y="56" width="56" height="38" rx="10" fill="#fff" stroke="#e07a5f" stroke-width="3"/><rect x="36" y="46" width="48" height="12" rx="4" fill="#e07a5f"/><path d="M60 64c10 2 14 10 12 20-10-1-15-8-12-20z" fill="#81b29a"/><text x="48" y="86" font-size="10" fill="#e07a5f" font-family="sans-serif" font-weight="700">30</text>',
    '#fdeee9',
  ),
  // A sheet mask with eye and mouth holes.
  'p-cica-mask': svg(
    '<path d="M60 20c22 0 34 16 34 40 0 26-16 42-34 42S26 86 26 60c0-24 12-40 34-40z" fill="#e3f1e6" stroke="#5f9e6e" stroke-width="3"/><ellipse cx="47" cy="55" rx="7" ry="4" fill="#9cc8a5"/><ellipse cx="73" cy="55" rx="7" ry="4" fill="#9cc8a5"/><path d="M50 80q10 6 20 0" fill="none" stroke="#5f9e6e" stroke-width="3" stroke-linecap="round"/><path d="M88 26c8 0 12 6 10 14-8 0-12-6-10-14z" fill="#5f9e6e"/>',
    '#f1f8f2',
  ),
  // A lipstick, cap off.
  'p-velvet-lipstick': svg(
    '<rect x="48" y="62" width="24" height="38" rx="3" fill="#2b2d42"/><rect x="50" y="48" width="20" height="16" fill="#d4a373"/><path d="M52 48V30l16-10v28z" fill="#b5174b"/><rect x="80" y="56" width="20" height="44" rx="3" fill="#2b2d42"/>',
    '#fbe4ec',
  ),
  // An open cushion compact with its puff.
  'p-cushion-foundation': svg(
    '<ellipse cx="56" cy="74" rx="34" ry="18" fill="#caa58a"/><ellipse cx="56" cy="70" rx="30" ry="14" fill="#f1d4bd"/><path d="M22 66c0-24 68-24 68 0" fill="#e9dccf" stroke="#b08968" stroke-width="3"/><circle cx="92" cy="88" r="13" fill="#fff" stroke="#d8c3b0" stroke-width="3"/>',
    '#f8efe7',
  ),
  // A dress with small flowers.
  'p-floral-dress': svg(
    '<path d="M48 18h24l2 14 8 8-6 10 20 52H24l20-52-6-10 8-8z" fill="#f7cad0" stroke="#c9184a" stroke-width="2.5" stroke-linejoin="round"/><g fill="#c9184a"><circle cx="50" cy="72" r="3"/><circle cx="68" cy="84" r="3"/><circle cx="80" cy="70" r="3"/><circle cx="44" cy="92" r="3"/><circle cx="62" cy="62" r="3"/><circle cx="86" cy="94" r="3"/></g>',
    '#fff0f3',
  ),
  // Straight-leg jeans with stitching.
  'p-straight-jeans': svg(
    '<path d="M36 16h48l4 88H66L60 48l-6 56H32z" fill="#4a6fa5" stroke="#2b4570" stroke-width="2.5" stroke-linejoin="round"/><path d="M36 26h48" stroke="#2b4570" stroke-width="2.5"/><path d="M44 30q4 8 12 8M76 30q-4 8-12 8" fill="none" stroke="#f2c14e" stroke-width="1.5" stroke-dasharray="3 2"/><circle cx="60" cy="21" r="2" fill="#f2c14e"/>',
    '#e7eef8',
  ),
  // A buttoned knit cardigan.
  'p-wool-cardigan': svg(
    '<path d="M42 20l18 12 18-12 22 14-8 22-8-4v46H36V52l-8 4-8-22z" fill="#b08968" stroke="#7f5539" stroke-width="2.5" stroke-linejoin="round"/><path d="M60 32v66" stroke="#7f5539" stroke-width="2.5"/><g fill="#f5ebe0"><circle cx="64" cy="48" r="2.5"/><circle cx="64" cy="62" r="2.5"/><circle cx="64" cy="76" r="2.5"/><circle cx="64" cy="90" r="2.5"/></g><path d="M40 60h14M40 70h14M70 80h14" stroke="#7f5539" stroke-width="1.5" stroke-dasharray="2 3"/>',
    '#f5ebe0',
  ),
  // A pouch of mixed nuts.
  'p-daily-nuts': svg(
    '<path d="M34 30h52l6 66H28z" fill="#ddb892" stroke="#9c6644" stroke-width="2.5" stroke-linejoin="round"/><path d="M34 30l4-8h44l4 8" fill="#9c6644"/><ellipse cx="50" cy="66" rx="7" ry="9" fill="#7f5539"/><ellipse cx="68" cy="74" rx="8" ry="6" fill="#b08968"/><path d="M58 52c6-2 10 2 8 8-6 2-10-2-8-8z" fill="#6b705c"/>',
    '#f7efe5',
  ),
  // Strips of jerky.
  'p-beef-jerky': svg(
    '<path d="M30 34c14-6 22 4 34-2l4 22c-12 6-20-4-34 2z" fill="#7f2f1d"/><path d="M40 62c14-6 22 4 34-2l4 22c-12 6-20-4-34 2z" fill="#9a3b22"/><path d="M56 86c10-4 16 2 24-2l2 12c-8 4-14-2-24 2z" fill="#6a2516"/>',
    '#f6e7e1',
  ),
  // A leather tote with handles.
  'p-leather-tote': svg(
    '<path d="M42 44c0-18 36-18 36 0" fill="none" stroke="#6f4518" stroke-width="5"/><path d="M26 44h68l-6 56H32z" fill="#a0522d" stroke="#6f4518" stroke-width="2.5" stroke-linejoin="round"/><path d="M34 54h52" stroke="#e9c46a" stroke-width="1.5" stroke-dasharray="3 2"/><rect x="54" y="60" width="12" height="8" rx="2" fill="#e9c46a"/>',
    '#f6ece3',
  ),
  // A pump bottle with a duck.
  'p-baby-wash': svg(
    '<rect x="38" y="44" width="40" height="56" rx="10" fill="#cdeffd" stroke="#4ea8de" stroke-width="3"/><rect x="50" y="30" width="16" height="14" fill="#4ea8de"/><path d="M58 30v-8h20" fill="none" stroke="#4ea8de" stroke-width="4" stroke-linecap="round"/><circle cx="92" cy="82" r="9" fill="#ffd60a"/><ellipse cx="88" cy="94" rx="14" ry="8" fill="#ffd60a"/><path d="M100 80l6 2-6 2z" fill="#fb8500"/>',
    '#eaf7fe',
  ),
  // A folded diaper.
  'p-diapers': svg(
    '<path d="M22 44h76l-6 16c-8 4-14 12-16 26H44c-2-14-8-22-16-26z" fill="#fff" stroke="#90a4ae" stroke-width="3" stroke-linejoin="round"/><rect x="22" y="40" width="18" height="10" rx="3" fill="#80deea"/><rect x="80" y="40" width="18" height="10" rx="3" fill="#80deea"/><circle cx="60" cy="62" r="5" fill="#ffcad4"/>',
    '#eef4f7',
  ),
  // A formula tin with a scoop.
  'p-au-formula': svg(
    '<rect x="34" y="34" width="52" height="64" rx="6" fill="#fff" stroke="#3a86ff" stroke-width="3"/><rect x="30" y="26" width="60" height="12" rx="4" fill="#3a86ff"/><text x="60" y="74" font-size="16" text-anchor="middle" fill="#3a86ff" font-family="sans-serif" font-weight="700">3</text><path d="M44 86h32" stroke="#ffbe0b" stroke-width="4" stroke-linecap="round"/><path d="M92 60l12-10" stroke="#9aa5b1" stroke-width="4" stroke-linecap="round"/><ellipse cx="90" cy="63" rx="6" ry="4" fill="#9aa5b1"/>',
    '#e9f1ff',
  ),
};

/** The product's drawing; an unknown product gets a plain labelled box rather than a wrong picture. */
export function productArt(product) {
  return (
    DRAWINGS[product.id] ??
    svg(
      '<rect x="30" y="30" width="60" height="60" rx="8" fill="#fff" stroke="#c2255c" stroke-width="3"/>',
      '#fdf0f4',
    )
  );
}
