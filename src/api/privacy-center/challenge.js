// The Privacy Center's proof of work (docs/privacy-center.md), served as /privacy/assets/challenge.js: finds the
// counter whose SHA-256 with the form's challenge starts with enough zero bits, and puts it in the form. Without
// this script the form still works: the server then accepts the challenge once it is a few seconds old.
(() => {
  const form = document.querySelector('form[data-challenge]');
  if (!form || !window.crypto || !crypto.subtle) return;
  const challenge = form.querySelector('input[name="challenge"]').value;
  const solution = form.querySelector('input[name="solution"]');
  const status = document.getElementById('challenge-status');
  const bits = Number(challenge.split('.')[4]);
  const encoder = new TextEncoder();
  const zeroBits = (bytes) => {
    let n = 0;
    for (const b of bytes) {
      if (b === 0) { n += 8; continue; }
      return n + Math.clz32(b) - 24;
    }
    return n;
  };
  let solved = false;
  let submitWhenSolved = false;
  if (status) status.textContent = status.dataset.working;
  form.addEventListener('submit', (event) => {
    if (solved) return;
    event.preventDefault();
    submitWhenSolved = true;
  });
  (async () => {
    for (let counter = 0; ; counter += 1) {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`${challenge}:${counter}`)));
      if (zeroBits(digest) >= bits) {
        solution.value = String(counter);
        solved = true;
        if (status) status.textContent = status.dataset.ready;
        if (submitWhenSolved) form.requestSubmit();
        return;
      }
    }
  })();
})();
