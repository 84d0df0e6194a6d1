// In the Privacy Center's own pages (served as /privacy/assets/embed.js): when a page is framed by the widget, it
// tells the host page its height, so the frame fits without a scroll bar of its own. Only a number leaves the frame.
(() => {
  if (window.parent === window) return;
  // The content's own height (the document's scrollHeight never drops below the frame's, so the frame could only grow).
  const height = () => Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY + parseFloat(getComputedStyle(document.body).marginBottom || '0'));
  const tell = () => window.parent.postMessage({ type: 'dsrflow:height', height: height() }, '*');
  if ('ResizeObserver' in window) new ResizeObserver(tell).observe(document.body);
  window.addEventListener('load', tell);
  tell();
})();
