// In the Privacy Center's own pages (served as /privacy/assets/embed.js): when a page is framed by the widget, it
// tells the host page its height, so the frame fits without a scroll bar of its own. Only a number leaves the frame.
(() => {
  if (window.parent === window) return;
  const tell = () => window.parent.postMessage({ type: 'dsrflow:height', height: document.documentElement.scrollHeight }, '*');
  if ('ResizeObserver' in window) new ResizeObserver(tell).observe(document.documentElement);
  window.addEventListener('load', tell);
  tell();
})();
