// Asks before destructive form submissions (forms, or the button that sends one, with
// data-confirm). Pages also work without it: every destructive action has a server-side
// confirmation step or can be taken back.
document.addEventListener('submit', function (e) {
  var by = e.submitter && e.submitter.getAttribute('data-confirm');
  var msg = by || e.target.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
// Print buttons on notices and rosters (inline handlers are not allowed by the page policy).
document.addEventListener('click', function (e) {
  if (e.target.classList && e.target.classList.contains('print-button')) { window.print(); }
});
