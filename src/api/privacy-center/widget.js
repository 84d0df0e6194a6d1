// dsrflow Privacy Center widget, served as /privacy/widget.js (docs/privacy-center.md "Embedding"):
//   <script src="https://privacy.example.com/privacy/widget.js" defer></script>
//   <dsrflow-privacy-center organization="acme"></dsrflow-privacy-center>
// The form runs in an iframe from dsrflow's origin, inside a shadow root: the host page's styles cannot reach it, and
// the host page's scripts cannot read what the person types (a cross-origin frame). The organization lists the sites
// that may embed it: dsrflow answers the widget's question (CORS) and frames the form (frame-ancestors) for those only.
(() => {
  const base = new URL(document.currentScript.src).origin;
  // The fallback's words, when the frame may not be shown here (the form's own words come from dsrflow).
  const WORDS = {
    en: ['The privacy center cannot be shown on this site.', 'Open the privacy center in a new tab'],
    de: ['Das Datenschutzcenter kann auf dieser Website nicht angezeigt werden.', 'Datenschutzcenter in einem neuen Tab öffnen'],
    fr: ['Le centre de confidentialité ne peut pas être affiché sur ce site.', 'Ouvrir le centre de confidentialité dans un nouvel onglet'],
    es: ['El centro de privacidad no se puede mostrar en este sitio.', 'Abrir el centro de privacidad en una pestaña nueva'],
  };

  class PrivacyCenterElement extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const root = this.attachShadow({ mode: 'open' });
      const organization = (this.getAttribute('organization') || '').toLowerCase();
      const lang = (this.getAttribute('lang') || document.documentElement.lang || navigator.language || 'en').slice(0, 2).toLowerCase();
      const query = new URLSearchParams({ lang });
      fetch(`${base}/privacy/${encodeURIComponent(organization)}/embed.json?${query}`, { credentials: 'omit', mode: 'cors' })
        .then((res) => (res.ok ? res.json() : Promise.reject(new Error(String(res.status)))))
        .then((embed) => this.frame(root, embed))
        .catch(() => this.fallback(root, organization, lang));
    }

    frame(root, embed) {
      const iframe = document.createElement('iframe');
      iframe.src = new URL(embed.path, base).href;
      iframe.title = embed.title;
      iframe.setAttribute('sandbox', 'allow-forms allow-scripts allow-same-origin allow-popups');
      // Styles through the DOM (CSSOM), so a host page's own strict CSP allows them too.
      Object.assign(iframe.style, { width: '100%', height: '640px', border: '0', display: 'block', colorScheme: 'normal' });
      window.addEventListener('message', (event) => {
        if (event.origin !== base || event.source !== iframe.contentWindow) return;
        const height = event.data && event.data.type === 'dsrflow:height' ? Number(event.data.height) : NaN;
        if (Number.isFinite(height)) iframe.style.height = `${Math.min(Math.max(Math.ceil(height), 200), 10000)}px`;
      });
      root.replaceChildren(iframe);
    }

    fallback(root, organization, lang) {
      const [text, link] = WORDS[lang] || WORDS.en;
      const p = document.createElement('p');
      p.setAttribute('role', 'status');
      p.textContent = `${text} `;
      const a = document.createElement('a');
      a.href = `${base}/privacy/${encodeURIComponent(organization)}?lang=${encodeURIComponent(lang)}`;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = link;
      p.append(a);
      root.replaceChildren(p);
    }
  }

  if (!customElements.get('dsrflow-privacy-center')) customElements.define('dsrflow-privacy-center', PrivacyCenterElement);
})();
