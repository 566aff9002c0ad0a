// Asks before destructive form submissions (forms with data-confirm). Pages also work without it:
// every destructive action has a server-side confirmation step.
document.addEventListener('submit', function (e) {
  var msg = e.target.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
