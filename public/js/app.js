// Progressive enhancement only: every page works without this script.
document.addEventListener('DOMContentLoaded', () => {
  // Move focus to the error summary so screen readers announce what to fix.
  const summary = document.querySelector('[data-error-summary]');
  if (summary) summary.focus();

  // Ask before destructive actions: <form data-confirm="Delete this book?">.
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  }

  // Prevent a double click from sending a form twice (the server is idempotent anyway).
  for (const form of document.querySelectorAll('form[method=post]')) {
    form.addEventListener('submit', () => {
      setTimeout(() => {
        for (const button of form.querySelectorAll('button[type=submit]')) button.setAttribute('aria-disabled', 'true');
      }, 0);
    });
  }
});
