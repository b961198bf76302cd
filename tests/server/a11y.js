const out = [];
const visible = (el) => {
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return s.display !== 'none' && s.visibility !== 'hidden' && (r.width > 0 || r.height > 0);
};
const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
const named = (el) => (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
  el.getAttribute('title') || '').trim().length > 0;
if (!document.documentElement.getAttribute('lang')) out.push('the html element has no lang');
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden' || !visible(el)) continue;
  if (!(el.labels && el.labels.length) && !named(el)) out.push('unlabelled control ' + describe(el));
}
for (const el of document.querySelectorAll('img')) {
  if (!el.hasAttribute('alt')) out.push('image without alt ' + describe(el));
}
for (const el of document.querySelectorAll('svg')) {
  if (el.closest('svg') !== el) continue;
  const hidden = el.getAttribute('aria-hidden') === 'true';
  const title = el.querySelector(':scope > title');
  if (!hidden && !(title && title.textContent.trim()) && !named(el))
    out.push('svg without a title ' + describe(el));
}
let last = 0;
for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
  const level = Number(h.tagName[1]);
  if (last === 0 && level !== 1) out.push('the first heading is ' + h.tagName + ', not H1');
  if (last && level > last + 1) out.push('heading ' + h.tagName + ' "' + h.textContent.trim().slice(0, 30) + '" follows H' + last);
  last = level;
}
for (const el of document.querySelectorAll('button, a[href], [role=button]')) {
  if (!visible(el)) continue;
  if (!el.textContent.trim() && !named(el)) out.push('nameless ' + describe(el));
}
const rgb = (text) => {
  const m = text.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(',').map(Number);
  return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
};
const lum = (c) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
};
const background = (el) => {
  for (let node = el; node; node = node.parentElement) {
    const s = getComputedStyle(node);
    if (s.backgroundImage && s.backgroundImage !== 'none') return null;
    const c = rgb(s.backgroundColor);
    if (c && c.a > 0.5) return c;
  }
  return {r: 255, g: 255, b: 255, a: 1};
};
const seen = new Set();
for (const el of document.querySelectorAll('body *')) {
  if (['SCRIPT', 'STYLE', 'svg', 'SVG', 'TITLE', 'OPTION'].includes(el.tagName) || el.closest('svg')) continue;
  const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own || !visible(el)) continue;
  const s = getComputedStyle(el);
  const fg = rgb(s.color), bg = background(el);
  if (!fg || !bg) continue;
  const a = lum(fg), b = lum(bg);
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
  const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  const key = s.color + '/' + JSON.stringify(bg) + '/' + need;
  if (ratio < need && !seen.has(key)) {
    seen.add(key);
    out.push('contrast ' + ratio.toFixed(2) + ' < ' + need + ' for ' + describe(el) + ' "' +
      el.textContent.trim().slice(0, 20) + '" (' + s.color + ' on rgb(' + bg.r + ',' + bg.g + ',' + bg.b + '))');
  }
}
return out;
