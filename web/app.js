// Mission Control single-page client.
//
// Served by the binary at GET / (index.html), /assets/app.js and /assets/app.css under a strict
// Content-Security-Policy: no inline script or style, so everything here is wired with
// addEventListener and styled through classes and the `hidden` attribute only.
//
// The token lives in localStorage under `mc_token` and goes out as `Authorization: Bearer <token>`.
// The API base defaults to this page's origin; `?api=http://host:port` points the page at another
// origin (used by the CORS browser test). Nothing but the token is ever stored.
'use strict';

(function () {
  const TOKEN_KEY = 'mc_token';
  const API_PREFIX = '/api/v1';
  const DEFAULT_PER_PAGE = 10;

  const $ = (id) => document.getElementById(id);

  const el = {
    message: $('message'),
    session: $('session'),
    currentUser: $('current-user'),
    logout: $('logout'),
    loginSection: $('login-section'),
    loginForm: $('login-form'),
    loginEmail: $('login-email'),
    loginPassword: $('login-password'),
    loginSubmit: $('login-submit'),
    planetFormSection: $('planet-form-section'),
    planetFormTitle: $('planet-form-title'),
    planetForm: $('planet-form'),
    planetId: $('planet-id'),
    planetName: $('planet-name'),
    planetDescription: $('planet-description'),
    planetDiameter: $('planet-diameter'),
    planetHabitable: $('planet-habitable'),
    planetSubmit: $('planet-submit'),
    planetCancel: $('planet-cancel'),
    planetsBody: $('planets-body'),
    planetsEmpty: $('planets-empty'),
    planetsTotal: $('planets-total'),
    perPage: $('per-page'),
    prevPage: $('prev-page'),
    nextPage: $('next-page'),
    pageInfo: $('page-info'),
    apiBase: $('api-base'),
  };

  const state = {
    apiBase: '',
    user: null,
    page: 1,
    lastPage: 1,
    perPage: DEFAULT_PER_PAGE,
    planets: new Map(),
    order: [],
    editing: null,
    highlightId: null,
    loadSeq: 0,
  };

  // ---------------------------------------------------------------- configuration and storage

  function resolveApiBase() {
    const raw = new URLSearchParams(window.location.search).get('api');
    if (!raw) return { base: '', error: null };
    try {
      const url = new URL(raw);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new Error('not http(s)');
      }
      return { base: url.origin + url.pathname.replace(/\/+$/, ''), error: null };
    } catch (_) {
      return { base: '', error: `Ignoring ?api=${raw}: it is not an http(s) URL.` };
    }
  }

  function getToken() {
    try {
      return window.localStorage.getItem(TOKEN_KEY);
    } catch (_) {
      return null;
    }
  }

  function setToken(token) {
    try {
      window.localStorage.setItem(TOKEN_KEY, token);
    } catch (_) {
      showMessage('Could not save the token: localStorage is not available.', 'error');
    }
  }

  function clearToken() {
    try {
      window.localStorage.removeItem(TOKEN_KEY);
    } catch (_) {
      // nothing stored, nothing to clear
    }
  }

  // ---------------------------------------------------------------- HTTP

  // Returns { status, data, headers, sentToken }. status 0 means the request never got an answer
  // (server down, or the browser refused the cross-origin response because of CORS).
  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = { method, headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }

    let response;
    try {
      response = await fetch(state.apiBase + API_PREFIX + path, init);
    } catch (_) {
      const where = state.apiBase || window.location.origin;
      return {
        status: 0,
        data: { message: `Could not reach the API at ${where} (network error, or the request was blocked by CORS).` },
        headers: new Headers(),
        sentToken: Boolean(token),
      };
    }

    let data = null;
    if (response.status !== 204) {
      const text = await response.text().catch(() => '');
      if (text) {
        try {
          data = JSON.parse(text);
        } catch (_) {
          data = { message: `Unexpected response (${response.status}): ${text.slice(0, 200)}` };
        }
      }
    }
    return { status: response.status, data, headers: response.headers, sentToken: Boolean(token) };
  }

  function messageOf(result, fallback) {
    if (result.data && typeof result.data.message === 'string' && result.data.message) {
      return result.data.message;
    }
    return fallback || `Request failed with status ${result.status}.`;
  }

  // Shows what went wrong. `form` (optional) receives the per-field errors of a 422.
  function handleFailure(result, form) {
    const { status } = result;
    if (status === 401 && result.sentToken) {
      endSession();
      showMessage(`${messageOf(result, 'Unauthenticated.')} Please log in again.`, 'error', status);
      el.loginEmail.focus();
      return;
    }
    if (status === 422) {
      showMessage(messageOf(result, 'The given data was invalid.'), 'error', status);
      if (form && result.data && result.data.errors) renderFieldErrors(form, result.data.errors);
      return;
    }
    if (status === 429) {
      const retry = result.headers.get('Retry-After');
      const suffix = retry ? ` Try again in ${retry} seconds.` : '';
      showMessage(messageOf(result, 'Too Many Attempts.') + suffix, 'error', status);
      return;
    }
    showMessage(messageOf(result), 'error', status);
  }

  // ---------------------------------------------------------------- messages and form errors

  function showMessage(text, kind, status) {
    el.message.textContent = text;
    el.message.dataset.kind = kind || 'info';
    if (status !== undefined && status !== null) {
      el.message.dataset.status = String(status);
    } else {
      delete el.message.dataset.status;
    }
    el.message.hidden = false;
  }

  function clearMessage() {
    el.message.textContent = '';
    el.message.hidden = true;
    delete el.message.dataset.kind;
    delete el.message.dataset.status;
  }

  function clearFieldErrors(form) {
    form.querySelectorAll('[data-field-error]').forEach((node) => {
      node.textContent = '';
      node.hidden = true;
    });
    form.querySelectorAll('[aria-invalid]').forEach((node) => node.removeAttribute('aria-invalid'));
    const list = form.querySelector('.form-errors');
    if (list) {
      list.replaceChildren();
      list.hidden = true;
    }
  }

  function renderFieldErrors(form, errors) {
    const list = form.querySelector('.form-errors');
    Object.keys(errors).forEach((field) => {
      const messages = [].concat(errors[field]).map(String);
      const slot = form.querySelector(`[data-field-error="${CSS.escape(field)}"]`);
      if (slot) {
        slot.textContent = messages.join(' ');
        slot.hidden = false;
        const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
        if (input) input.setAttribute('aria-invalid', 'true');
      } else if (list) {
        messages.forEach((msg) => {
          const li = document.createElement('li');
          li.dataset.field = field;
          li.textContent = `${field}: ${msg}`;
          list.appendChild(li);
        });
        list.hidden = false;
      }
    });
    const firstInvalid = form.querySelector('[aria-invalid="true"]');
    if (firstInvalid) firstInvalid.focus();
  }

  function setBusy(form, button, busy) {
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
    button.disabled = busy;
  }

  // ---------------------------------------------------------------- session

  function showLoggedIn(user) {
    state.user = user;
    el.currentUser.textContent = `${user.name} <${user.email}>`;
    el.currentUser.dataset.email = user.email;
    el.session.hidden = false;
    el.loginSection.hidden = true;
    el.planetFormSection.hidden = false;
    document.body.classList.add('is-authenticated');
    renderPlanets();
  }

  function showLoggedOut() {
    state.user = null;
    el.currentUser.textContent = '';
    delete el.currentUser.dataset.email;
    el.session.hidden = true;
    el.loginSection.hidden = false;
    el.planetFormSection.hidden = true;
    document.body.classList.remove('is-authenticated');
    resetPlanetForm();
    renderPlanets();
  }

  function endSession() {
    clearToken();
    showLoggedOut();
  }

  async function loadUser() {
    const result = await api('GET', '/user');
    if (result.status === 200 && result.data && result.data.email) {
      showLoggedIn(result.data);
      return true;
    }
    handleFailure(result);
    if (result.status !== 401) {
      // Not a token problem (server down, 5xx): keep the token, but there is no user to show.
      el.loginSection.hidden = false;
    }
    return false;
  }

  async function onLogin(event) {
    event.preventDefault();
    clearMessage();
    clearFieldErrors(el.loginForm);
    setBusy(el.loginForm, el.loginSubmit, true);
    try {
      clearToken();
      const result = await api('POST', '/login', {
        email: el.loginEmail.value.trim(),
        password: el.loginPassword.value,
        device_name: 'mission-control-web',
      });
      if (result.status === 200 && result.data && typeof result.data.token === 'string') {
        setToken(result.data.token);
        el.loginForm.reset();
        if (await loadUser()) {
          showMessage(`Logged in as ${state.user.email}.`, 'success', 200);
        }
      } else {
        handleFailure(result, el.loginForm);
      }
    } finally {
      setBusy(el.loginForm, el.loginSubmit, false);
    }
  }

  async function onLogout() {
    clearMessage();
    el.logout.disabled = true;
    try {
      const result = await api('POST', '/logout');
      clearToken();
      showLoggedOut();
      if (result.status === 200) {
        showMessage(messageOf(result, 'You have been successfully logged out'), 'success', 200);
      } else if (result.status === 401) {
        showMessage('Your session had already ended. You are logged out.', 'info', 401);
      } else {
        showMessage(`Logged out on this device, but the server said: ${messageOf(result)}`, 'error', result.status);
      }
      el.loginEmail.focus();
    } finally {
      el.logout.disabled = false;
    }
  }

  // ---------------------------------------------------------------- planets list

  async function fetchPlanetsPage(page) {
    const query = `?page=${encodeURIComponent(page)}&per_page=${encodeURIComponent(state.perPage)}`;
    return api('GET', `/planets${query}`);
  }

  async function loadPlanets(page) {
    const seq = ++state.loadSeq;
    let result = await fetchPlanetsPage(page);
    if (seq !== state.loadSeq) return; // a newer load superseded this one
    if (result.status !== 200 || !result.data || !Array.isArray(result.data.data)) {
      handleFailure(result);
      return;
    }
    const meta = result.data.meta || {};
    const lastPage = Math.max(1, Number(meta.last_page) || 1);
    if (result.data.data.length === 0 && page > lastPage) {
      // The page we were on disappeared (e.g. after a delete): show the last one instead.
      result = await fetchPlanetsPage(lastPage);
      if (seq !== state.loadSeq) return;
      if (result.status !== 200 || !result.data || !Array.isArray(result.data.data)) {
        handleFailure(result);
        return;
      }
    }
    applyPlanetsPage(result.data);
  }

  async function loadLastPage() {
    const probe = await fetchPlanetsPage(1);
    if (probe.status !== 200 || !probe.data || !probe.data.meta) {
      handleFailure(probe);
      return;
    }
    const last = Math.max(1, Number(probe.data.meta.last_page) || 1);
    if (last === 1) {
      state.loadSeq++;
      applyPlanetsPage(probe.data);
    } else {
      await loadPlanets(last);
    }
  }

  function applyPlanetsPage(body) {
    const meta = body.meta || {};
    state.page = Math.max(1, Number(meta.current_page) || 1);
    state.lastPage = Math.max(1, Number(meta.last_page) || 1);
    state.planets = new Map(body.data.map((p) => [String(p.id), p]));
    state.order = body.data.map((p) => String(p.id));
    el.pageInfo.textContent = `page ${state.page} of ${state.lastPage}`;
    el.prevPage.disabled = state.page <= 1;
    el.nextPage.disabled = state.page >= state.lastPage;
    const total = Number(meta.total);
    el.planetsTotal.textContent = Number.isFinite(total) ? `${total} planet${total === 1 ? '' : 's'} in total` : '';
    renderPlanets();
  }

  function cell(label, column) {
    const td = document.createElement('td');
    td.dataset.label = label;
    td.dataset.col = column;
    return td;
  }

  function actionButton(action, planet, text, extraClass) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `button button-small ${extraClass}`;
    button.dataset.action = action;
    button.dataset.planetId = String(planet.id);
    button.dataset.testid = `${action}-planet`;
    button.textContent = text;
    button.setAttribute('aria-label', `${text} ${planet.name}`);
    return button;
  }

  function renderPlanets() {
    const order = state.order;
    const rows = order.map((id) => {
      const planet = state.planets.get(id);
      const tr = document.createElement('tr');
      tr.dataset.planetId = String(planet.id);
      tr.dataset.planetName = planet.name;
      tr.dataset.testid = 'planet-row';
      if (state.highlightId !== null && String(state.highlightId) === String(planet.id)) {
        tr.classList.add('is-new');
      }

      const name = cell('Name', 'name');
      name.classList.add('planet-name');
      name.textContent = planet.name;

      const diameter = cell('Diameter (km)', 'diameter');
      if (planet.diameter_km === null || planet.diameter_km === undefined) {
        diameter.textContent = '—';
        diameter.classList.add('muted');
        diameter.dataset.value = '';
      } else {
        diameter.textContent = Number(planet.diameter_km).toLocaleString('en-US');
        diameter.dataset.value = String(planet.diameter_km);
      }

      const habitable = cell('Habitable', 'habitable');
      habitable.dataset.value = planet.is_habitable ? 'true' : 'false';
      const badge = document.createElement('span');
      badge.className = planet.is_habitable ? 'badge badge-yes' : 'badge badge-no';
      badge.textContent = planet.is_habitable ? 'Yes' : 'No';
      habitable.appendChild(badge);

      const description = cell('Description', 'description');
      description.classList.add('planet-description');
      if (planet.description) {
        description.textContent = planet.description;
      } else {
        description.textContent = '—';
        description.classList.add('muted');
      }

      const actions = cell('Actions', 'actions');
      actions.classList.add('col-actions');
      if (state.user) {
        actions.append(
          actionButton('edit', planet, 'Edit', 'button-secondary'),
          actionButton('delete', planet, 'Delete', 'button-danger'),
        );
      }

      tr.append(name, diameter, habitable, description, actions);
      return tr;
    });
    el.planetsBody.replaceChildren(...rows);
    el.planetsEmpty.hidden = rows.length > 0;
  }

  function onTableClick(event) {
    const button = event.target.closest('button[data-action]');
    if (!button || !el.planetsBody.contains(button)) return;
    const planet = state.planets.get(button.dataset.planetId);
    if (!planet) return;
    if (button.dataset.action === 'edit') startEdit(planet);
    if (button.dataset.action === 'delete') deletePlanet(planet, button);
  }

  // ---------------------------------------------------------------- planet form

  function resetPlanetForm() {
    state.editing = null;
    el.planetForm.reset();
    el.planetId.value = '';
    el.planetForm.dataset.mode = 'create';
    el.planetFormTitle.textContent = 'New planet';
    el.planetSubmit.textContent = 'Create planet';
    el.planetCancel.hidden = true;
    clearFieldErrors(el.planetForm);
  }

  function startEdit(planet) {
    clearMessage();
    clearFieldErrors(el.planetForm);
    state.editing = planet;
    el.planetId.value = String(planet.id);
    el.planetName.value = planet.name;
    el.planetDescription.value = planet.description || '';
    el.planetDiameter.value = planet.diameter_km === null || planet.diameter_km === undefined ? '' : String(planet.diameter_km);
    el.planetHabitable.checked = Boolean(planet.is_habitable);
    el.planetForm.dataset.mode = 'edit';
    el.planetFormTitle.textContent = `Edit planet: ${planet.name}`;
    el.planetSubmit.textContent = 'Save changes';
    el.planetCancel.hidden = false;
    el.planetFormSection.scrollIntoView({ block: 'nearest' });
    el.planetName.focus();
  }

  // Sends what the user typed; the server does the validation and its 422 is shown per field.
  function planetPayload() {
    const diameterRaw = el.planetDiameter.value.trim();
    let diameter = null;
    if (diameterRaw !== '') {
      const asNumber = Number(diameterRaw);
      diameter = /^-?\d+$/.test(diameterRaw) && Number.isSafeInteger(asNumber) ? asNumber : diameterRaw;
    }
    const description = el.planetDescription.value;
    return {
      name: el.planetName.value,
      description: description.trim() === '' ? null : description,
      diameter_km: diameter,
      is_habitable: el.planetHabitable.checked,
    };
  }

  async function onPlanetSubmit(event) {
    event.preventDefault();
    clearMessage();
    clearFieldErrors(el.planetForm);
    const editing = state.editing;
    setBusy(el.planetForm, el.planetSubmit, true);
    try {
      const payload = planetPayload();
      const result = editing
        ? await api('PATCH', `/planets/${encodeURIComponent(editing.id)}`, payload)
        : await api('POST', '/planets', payload);
      const expected = editing ? 200 : 201;
      if (result.status === expected && result.data) {
        const planet = result.data;
        state.highlightId = planet.id;
        resetPlanetForm();
        if (editing) {
          await loadPlanets(state.page);
          showMessage(`Planet "${planet.name}" updated.`, 'success', result.status);
        } else {
          await loadLastPage();
          showMessage(`Planet "${planet.name}" created.`, 'success', result.status);
        }
      } else {
        handleFailure(result, el.planetForm);
        if (result.status === 404 && editing) {
          resetPlanetForm();
          await loadPlanets(state.page);
        }
      }
    } finally {
      setBusy(el.planetForm, el.planetSubmit, false);
    }
  }

  async function deletePlanet(planet, button) {
    clearMessage();
    if (!window.confirm(`Delete planet "${planet.name}"?`)) return;
    button.disabled = true;
    const result = await api('DELETE', `/planets/${encodeURIComponent(planet.id)}`);
    if (result.status === 204) {
      if (state.editing && String(state.editing.id) === String(planet.id)) resetPlanetForm();
      await loadPlanets(state.page);
      showMessage(`Planet "${planet.name}" deleted.`, 'success', 204);
      return;
    }
    button.disabled = false;
    handleFailure(result);
    if (result.status === 404) await loadPlanets(state.page);
  }

  // ---------------------------------------------------------------- start-up

  function bindEvents() {
    el.loginForm.addEventListener('submit', onLogin);
    el.logout.addEventListener('click', onLogout);
    el.planetForm.addEventListener('submit', onPlanetSubmit);
    el.planetCancel.addEventListener('click', () => {
      resetPlanetForm();
      clearMessage();
    });
    el.planetForm.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && state.editing) resetPlanetForm();
    });
    el.planetsBody.addEventListener('click', onTableClick);
    el.prevPage.addEventListener('click', () => {
      if (state.page > 1) loadPlanets(state.page - 1);
    });
    el.nextPage.addEventListener('click', () => {
      if (state.page < state.lastPage) loadPlanets(state.page + 1);
    });
    el.perPage.addEventListener('change', () => {
      state.perPage = Number(el.perPage.value) || DEFAULT_PER_PAGE;
      loadPlanets(1);
    });
    // Logged out in another tab: follow along.
    window.addEventListener('storage', (event) => {
      if (event.key === TOKEN_KEY && !event.newValue && state.user) {
        showLoggedOut();
        showMessage('You were logged out in another window.', 'info');
      }
    });
  }

  async function init() {
    const { base, error } = resolveApiBase();
    state.apiBase = base;
    el.apiBase.textContent = base || window.location.origin;
    el.perPage.value = String(state.perPage);
    bindEvents();
    if (error) showMessage(error, 'error');

    const planetsLoaded = loadPlanets(1);
    if (getToken()) {
      await loadUser();
    } else {
      showLoggedOut();
    }
    await planetsLoaded;
    document.body.dataset.ready = 'true';
  }

  init();
})();
