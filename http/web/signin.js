// The sign-in screen both pages share: a terminal token typed (or scanned
// from a badge) into a password field, kept in this tab's session storage only.
// attempt(token) signs in or throws; the token is never put in a URL.

import { plain, savedToken, forgetToken } from './api.js';

export function signInScreen(attempt) {
  const form = document.getElementById('signin-form');
  const input = document.getElementById('token');
  const error = document.getElementById('signin-error');
  const enter = async (token) => {
    error.textContent = '';
    try {
      await attempt(token);
      input.value = '';
      document.getElementById('signin').hidden = true;
      document.getElementById('signout').hidden = false;
    } catch (err) {
      forgetToken();
      error.textContent = plain(err);
      input.focus();
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    enter(input.value.trim());
  });
  const token = savedToken();
  if (token) enter(token);
}

export function signOut() {
  forgetToken();
  location.reload();
}
