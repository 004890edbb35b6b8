// The page of `dreamtime serve`: the run list, a run's view, and the form that starts runs. Live progress comes
// from the server's event stream (/api/events); lists and run views are read again only when an event says so.
import { ModelViewer } from './viewer.js';

const $ = (id) => document.getElementById(id);
const state = { runs: [], current: null, details: null, viewer: null, latencies: [], listTimer: null, listSeq: 0, runSeq: 0 };
window.dreamtime = state; // for the browser tests and anyone curious

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(body.error || `${response.status} ${response.statusText}`), { status: response.status });
  return body;
}

const fileUrl = (id, version) => `/files/${id.split('/').map(encodeURIComponent).join('/')}${version ? `?v=${encodeURIComponent(version)}` : ''}`;
const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x)) ? '' : Number(x).toFixed(digits);

function progressText(p) {
  if (!p) return '';
  const stage = p.stages > 1 ? `stage ${p.stageIndex + 1}/${p.stages} (${p.stage}) ` : '';
  return `${stage}step ${p.step}/${p.last}`;
}

function progressFraction(p) {
  if (!p || !p.last) return 0;
  return (p.stageIndex + Math.min(1, p.step / p.last)) / p.stages;
}

// ---- the list

function renderList() {
  const body = document.querySelector('#runs tbody');
  body.replaceChildren(...state.runs.map((r) => {
    const row = document.createElement('tr');
    row.className = 'run';
    row.dataset.id = r.id;
    row.addEventListener('click', () => { location.hash = `#run=${encodeURIComponent(r.id)}`; });
    const cells = [
      r.thumbnail ? Object.assign(document.createElement('img'), { src: fileUrl(r.thumbnail, r.updated), alt: '' }) : '',
      r.subject, r.pipeline ?? '', r.strategy ?? '', r.seed ?? '',
      Object.assign(document.createElement('span'), { className: `state state-${r.state}`, textContent: r.state }),
      progressText(r.progress), fmt(r.psnr),
    ];
    row.replaceChildren(...cells.map((c, i) => {
      const td = document.createElement('td');
      if (c instanceof Node) td.append(c); else td.textContent = c;
      if (i === 6) td.className = 'progress';
      return td;
    }));
    return row;
  }));
  $('no-runs').hidden = state.runs.length > 0;
}

// Requests overlap while runs train; only the latest one's answer is shown, so an older, slower answer never
// puts back a state the run has left.
async function loadList() {
  const seq = ++state.listSeq;
  const runs = (await api('/api/runs')).runs;
  if (seq !== state.listSeq) return;
  state.runs = runs;
  renderList();
}

function loadListSoon() {
  clearTimeout(state.listTimer);
  state.listTimer = setTimeout(() => loadList().catch(() => {}), 100);
}

// ---- one run

function showProgress(summary) {
  $('run-state').textContent = summary.state;
  $('run-state').className = `state state-${summary.state}`;
  $('run-progress').value = summary.state === 'done' ? 1 : progressFraction(summary.progress);
  const p = summary.progress;
  $('run-step').textContent = p ? `${progressText(p)}  t=${p.t}  loss=${fmt(p.loss, 3)}${p.psnr != null ? `  psnr=${fmt(p.psnr)}` : ''}` : '';
  $('cancel').hidden = !(summary.state === 'running' || summary.state === 'queued');
  $('resume').hidden = summary.state !== 'interrupted';
  $('run-message').textContent = summary.message ?? '';
}

function setImage(panel, img, id, version) {
  $(panel).hidden = !id;
  if (id) img.src = fileUrl(id, version);
}

async function loadRun(id) {
  const seq = ++state.runSeq;
  let details;
  try {
    details = await api(`/api/run?id=${encodeURIComponent(id)}`);
  } catch (e) {
    if (seq !== state.runSeq) return;
    if (e.status === 404) {
      $('run-gone').hidden = false;
      $('run-head').hidden = true;
      return;
    }
    throw e;
  }
  if (state.current !== id || seq !== state.runSeq) return;
  state.details = details;
  const s = details.summary;
  $('run-gone').hidden = true;
  $('run-head').hidden = false;
  $('run-title').textContent = `${s.subject}  (${s.id})`;
  showProgress(s);
  const files = details.files ?? {};
  setImage('turntable-panel', $('turntable'), files.turntable, s.updated);
  setImage('curves-panel', $('curves'), files.curves, s.updated);
  setImage('input-panel', $('input-view'), files.inputView, s.updated);
  $('previews-panel').hidden = !(files.previews && files.previews.length);
  $('previews').replaceChildren(...(files.previews ?? []).map((p) => Object.assign(document.createElement('img'), { src: fileUrl(p), alt: p })));
  const metrics = details.metrics ?? {};
  $('metrics').tBodies[0].replaceChildren(...Object.entries(metrics).filter(([, v]) => typeof v !== 'object' || v === null).map(([k, v]) => {
    const tr = document.createElement('tr');
    tr.append(Object.assign(document.createElement('td'), { textContent: k }), Object.assign(document.createElement('td'), { textContent: String(v) }));
    return tr;
  }));
  $('config').textContent = details.config ? JSON.stringify(details.config, null, 2) : '';
  $('model-panel').hidden = !files.model;
  if (files.model) {
    state.viewer ??= new ModelViewer($('viewer'));
    await state.viewer.show(fileUrl(files.model, s.updated));
  }
}

// ---- routing

function route() {
  const match = location.hash.match(/^#run=(.+)$/);
  state.current = match ? decodeURIComponent(match[1]) : null;
  $('list-view').hidden = !!state.current;
  $('run-view').hidden = !state.current;
  if (state.current) {
    $('run-title').textContent = state.current;
    loadRun(state.current).catch((e) => { $('run-message').textContent = e.message; });
  } else {
    loadList().catch(() => {});
  }
}

// ---- live events

function connect() {
  const source = new EventSource('/api/events');
  source.addEventListener('hello', () => { $('connection').textContent = 'live'; });
  source.onerror = () => { $('connection').textContent = 'reconnecting…'; };
  source.addEventListener('step', (message) => {
    const e = JSON.parse(message.data);
    state.latencies.push(Date.now() - e.progress.sent);
    const row = state.runs.find((r) => r.id === e.id);
    if (row) {
      row.progress = e.progress;
      row.state = e.state ?? row.state;
      const cell = document.querySelector(`#runs tr[data-id="${CSS.escape(e.id)}"] td.progress`);
      if (cell) cell.textContent = progressText(e.progress);
    } else if (!state.current) {
      loadListSoon();
    }
    if (state.current === e.id && state.details) {
      state.details.summary.progress = e.progress;
      state.details.summary.state = e.state ?? state.details.summary.state;
      showProgress(state.details.summary);
    }
  });
  for (const type of ['state', 'list']) {
    source.addEventListener(type, (message) => {
      const e = JSON.parse(message.data);
      if (!state.current) loadListSoon();
      else if (type === 'list' || e.id === state.current) loadRun(state.current).catch(() => {});
    });
  }
}

// ---- actions

async function startRun(event) {
  event.preventDefault();
  $('form-error').textContent = '';
  const form = new FormData($('new-run'));
  const picture = $('image').files[0];
  if (!picture) form.delete('image');
  else if (picture.size > state.maxUploadBytes) {
    $('form-error').textContent = `image ${picture.name}: ${picture.size} bytes, over the ${state.maxUploadBytes >> 20} MB limit`;
    return;
  }
  try {
    const { id } = await api('/api/runs', { method: 'POST', body: form });
    location.hash = `#run=${encodeURIComponent(id)}`;
  } catch (e) {
    $('form-error').textContent = e.message;
  }
}

async function act(verb) {
  try {
    await api(`/api/run/${verb}?id=${encodeURIComponent(state.current)}`, { method: 'POST' });
  } catch (e) {
    $('run-message').textContent = e.message;
  }
}

async function init() {
  const options = await api('/api/options');
  state.maxUploadBytes = options.maxUploadBytes;
  $('pipeline').replaceChildren(...options.pipelines.map((p) => new Option(p, p, p === options.defaultPipeline, p === options.defaultPipeline)));
  $('strategy').replaceChildren(...options.strategies.map((s) => new Option(s, s, s === 'tp-sds', s === 'tp-sds')));
  $('new-run').addEventListener('submit', startRun);
  $('cancel').addEventListener('click', () => act('cancel'));
  $('resume').addEventListener('click', () => act('resume'));
  $('unlit').addEventListener('change', () => state.viewer?.setUnlit($('unlit').checked));
  window.addEventListener('hashchange', route);
  connect();
  route();
}

init();
