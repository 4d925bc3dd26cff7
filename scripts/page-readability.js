/**
 * Runs inside the page (scripts/check-simulator-page.ts evaluates this file there): lists what
 * a 75-year-old on a phone would trip over — text cut off or smaller than 16 px, a control
 * smaller than 44 px, a page that scrolls sideways. A browser file, so it is plain JavaScript.
 */
(() => {
  const problems = [];
  const describe = (e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`;
  // 1 px or less: the visually hidden labels that only screen readers read.
  const visible = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && getComputedStyle(e).visibility !== 'hidden';
  };
  if (document.documentElement.scrollWidth > window.innerWidth) problems.push('the page scrolls sideways');
  for (const e of document.querySelectorAll('body *')) {
    if (!visible(e)) continue;
    const style = getComputedStyle(e);
    const text = e.textContent.trim();
    const ownText = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (ownText && Number.parseFloat(style.fontSize) < 16) {
      problems.push(`small text (${style.fontSize}) in ${describe(e)}`);
    }
    const scrolls =
      ['auto', 'scroll'].includes(style.overflowX) || ['auto', 'scroll'].includes(style.overflowY);
    const wider = e.scrollWidth > e.clientWidth + 1;
    const taller = e.scrollHeight > e.clientHeight + 1 && style.overflowY === 'hidden';
    if (text && !scrolls && (wider || taller))
      problems.push(`cut text in ${describe(e)}: "${text.slice(0, 40)}"`);
    if (e.matches('button, input, textarea')) {
      const r = e.getBoundingClientRect();
      if (r.height < 44 || r.width < 44) problems.push(`small tap target ${describe(e)}`);
    }
  }
  return problems;
})();
