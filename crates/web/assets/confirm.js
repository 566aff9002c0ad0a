// Asks before destructive form submissions (forms with data-confirm). Pages also work without it:
// every destructive action has a server-side confirmation step.
document.addEventListener('submit', function (e) {
  var msg = e.target.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
// Print buttons on notices and rosters (inline handlers are not allowed by the page policy).
document.addEventListener('click', function (e) {
  if (e.target.classList && e.target.classList.contains('print-button')) { window.print(); }
});
