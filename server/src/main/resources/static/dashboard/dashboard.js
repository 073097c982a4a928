// EdgeTrainer dashboard: plain browser JavaScript, no build step. Every request goes to this server (relative URLs),
// with the access token when the user gave one. The token lives in sessionStorage (this tab only), never in a URL.

const TOKEN_KEY = 'edgetrainer.token';
const $ = (id) => document.getElementById(id);

const state = {
  model: null,
  device: { generation: 0, lastSeq: -1, points: [] },
  job: null,
  tokenDeclined: false,
};

// ---------- HTTP with the bearer token ----------

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

let tokenPrompt = null;

/** fetch() with the token; on 401 asks for one (once for all waiting requests) and tries again. */
async function api(path, init = {}) {
  for (;;) {
    const headers = new Headers(init.headers || {});
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      headers.set('Authorization', 'Bearer ' + token);
    }
    const response = await fetch(path, { ...init, headers });
    if (response.status !== 401 || state.tokenDeclined) {
      return response;
    }
    const given = await askForToken(token ? 'That token was not accepted. Enter the access token of this device.'
      : 'This device asks for its access token (edge.security.token).');
    if (!given) {
      return response;
    }
  }
}

/** The JSON body of a successful answer, or an ApiError with the problem's detail. */
async function json(path, init) {
  const response = await api(path, init);
  return body(response);
}

async function body(response) {
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, (data && (data.detail || data.title)) || response.statusText);
  }
  return data;
}

function askForToken(reason) {
  if (!tokenPrompt) {
    tokenPrompt = new Promise((resolve) => {
      const dialog = $('token-dialog');
      $('token-reason').textContent = reason;
      $('token-input').value = '';
      dialog.addEventListener('close', () => {
        const token = dialog.returnValue === 'ok' ? $('token-input').value.trim() : '';
        if (token) {
          sessionStorage.setItem(TOKEN_KEY, token);
          state.tokenDeclined = false;
        } else {
          // Not again on every poll: the panels offer a button instead.
          state.tokenDeclined = true;
        }
        tokenPrompt = null;
        updateTokenButton();
        resolve(token || null);
        if (token) {
          refreshAll();
        }
      }, { once: true });
      dialog.showModal();
      $('token-input').focus();
    });
  }
  return tokenPrompt;
}

$('token-cancel').addEventListener('click', () => $('token-dialog').close('cancel'));

function updateTokenButton() {
  $('token-button').textContent = sessionStorage.getItem(TOKEN_KEY) ? 'Forget token' : 'Enter token';
}

$('token-button').addEventListener('click', () => {
  if (sessionStorage.getItem(TOKEN_KEY)) {
    sessionStorage.removeItem(TOKEN_KEY);
    updateTokenButton();
    toast('Token forgotten for this tab.');
  } else {
    state.tokenDeclined = false;
    askForToken('Enter the access token of this device (edge.security.token).');
  }
});

// ---------- small helpers ----------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') {
      node.className = value;
    } else if (name === 'text') {
      node.textContent = value;
    } else if (value !== null && value !== undefined && value !== false) {
      node.setAttribute(name, value === true ? '' : value);
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child);
    }
  }
  return node;
}

let toastTimer;

function toast(message, error = false) {
  const box = $('toast');
  box.textContent = message;
  box.classList.toggle('error', error);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.textContent = ''; }, error ? 8000 : 4000);
}

const number = (value, digits = 3) => (value === null || value === undefined ? '–' : Number(value).toFixed(digits));
const millis = (value) => (value === null || value === undefined ? '–'
  : value < 10 ? value.toFixed(2) : value.toFixed(0));
const percent = (p) => (100 * p).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1) + '%';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function bytes(n) {
  return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : n >= 1024 ? (n / 1024).toFixed(0) + ' KB' : n + ' B';
}

function when(instant) {
  return new Date(instant).toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' });
}

/** Shows why a panel is empty when it needs the token the user did not give. */
function locked(container, error) {
  container.replaceChildren();
  const button = el('button', { type: 'button', text: 'Enter token' });
  button.addEventListener('click', () => {
    state.tokenDeclined = false;
    askForToken('Enter the access token of this device (edge.security.token).');
  });
  const line = el('p', { class: 'locked', text: error.status === 401 ? 'Needs the access token.' : error.message });
  if (error.status === 401) {
    line.append(button);
  }
  if (container.tagName === 'UL' || container.tagName === 'OL') {
    container.append(el('li', {}, line));
  } else if (container.tagName === 'DL') {
    container.append(el('dt', { text: 'Access' }), el('dd', {}, line));
  } else {
    container.append(line);
  }
}

/** The JSON answer of `path` for a panel, or null when it failed: the panel then says why. */
async function jsonOrLocked(container, path) {
  try {
    return await json(path);
  } catch (e) {
    locked(container, e);
    return null;
  }
}

/** Runs fn now and then every `ms` while the page is visible. */
function every(ms, fn) {
  const run = () => {
    if (!document.hidden) {
      fn().catch((e) => console.warn(e));
    }
  };
  run();
  setInterval(run, ms);
}

// ---------- model, status, device ----------

async function loadModel() {
  let model;
  try {
    model = await json('model');
  } catch (e) {
    $('model-name').textContent = e.status === 401 ? 'the model needs the access token'
      : 'the model did not answer: ' + e.message;
    locked($('model'), e);
    throw e;
  }
  state.model = model;
  $('model-name').textContent = model.source.replace(/^.*[/:]/, '');
  const facts = $('model');
  facts.replaceChildren();
  const add = (term, ...value) => facts.append(el('dt', { text: term }), el('dd', {}, ...value));
  add('File', el('span', { class: 'mono', text: model.source }));
  add('SHA-256', el('span', { class: 'mono', title: model.sha256, text: model.sha256.slice(0, 16) + '…' }));
  add('Size', bytes(model.bytes));
  const signatures = el('ul');
  for (const signature of model.signatures) {
    const spec = (t) => `${t.name}: ${t.type.toLowerCase()}[${t.shape.join(', ')}]`;
    signatures.append(el('li', {}, el('code', {
      text: `${signature.key}(${signature.inputs.map(spec).join(', ')}) → (${signature.outputs.map(spec).join(', ')})`,
    })));
  }
  add('Signatures', el('details', {}, el('summary', { text: model.signatures.map((s) => s.key).join(', ') }), signatures));
  const roles = ['infer', 'train', 'save', 'restore'].map((role) => {
    const key = model.roles[role];
    return !key ? `${role}: none` : key === role ? role : `${role}: ${key}`;
  });
  add('Roles', roles.join(', '));
  const input = model.input.image ? `${model.input.image.rows}×${model.input.image.cols} grayscale image`
    : `[${model.input.shape.join(', ')}]`;
  add('Input', input);
  add('Output', describeOutput(model.output));
  add('Checkpoints', model.checkpointStyle === 'PATH' ? 'the model\'s own save/restore (path style)'
    : model.checkpointStyle === 'TENSORS' ? 'weights files (tensor style)' : model.checkpointStyle.toLowerCase());
  const flex = [...new Set(Object.values(model.customOps).flat())].sort();
  add('Flex ops', flex.length ? flex.join(', ') : 'none: builtin ops only');
  const missing = Object.entries(model.missingOps);
  if (missing.length) {
    add('Cannot run', el('span', { class: 'warning', text: missing.map(([s, ops]) => `${s} (needs ${ops.join(', ')})`).join('; ') }));
  }
  const labels = $('train-label');
  labels.replaceChildren(...model.output.classNames.map((name, i) => el('option', { value: String(i), text: `${i}: ${name}` })));
  // What the page can do with this model: a role it lacks, or labels for values, disables a form and says why.
  const absent = model.absent || {};
  unavailable('infer', !model.roles.infer ? `This model has no infer role: ${absent.infer}.` : null);
  unavailable('train', !model.roles.train ? `This model has no train role: ${absent.train}.`
    : model.output.kind === 'regression' ? 'This model predicts values, so it takes no labels: train it with JSON'
      + ' {"x": ..., "y": [values]} (POST /train).' : null);
}

/** The output as words: its kind (edge.model.output) and the classes it tells apart. */
function describeOutput(output) {
  const names = `${output.classNames.length} classes: ${output.classNames.join(', ')}`;
  switch (output.kind) {
    case 'probabilities': return `class probabilities, ${names}`;
    case 'logits': return `class logits (probabilities by softmax), ${names}`;
    case 'binary': return `binary: the probability of ${output.classNames[1]}, from ${output.threshold} on; ${names}`;
    case 'regression': return `regression: ${output.width} value${output.width === 1 ? '' : 's'} per sample`;
    default: return output.kind;
  }
}

function unavailable(form, reason) {
  for (const control of $(`${form}-form`).querySelectorAll('input, select, button')) {
    control.disabled = reason !== null;
  }
  $(`${form}-unavailable`).textContent = reason || '';
  $(`${form}-unavailable`).hidden = reason === null;
}

async function loadStatus() {
  const status = await json('model/status');
  $('stat-checkpoint').textContent = status.weights.checkpoint || 'original weights';
  $('stat-step').textContent = status.weights.step.toLocaleString();
  $('stat-loss').textContent = number(status.loss);
  $('stat-queue').textContent = `${status.queueDepth} of ${status.queueCapacity}`;
  const latency = (l) => (l.p50Ms === null || l.p50Ms === undefined ? 'none lately'
    : `${millis(l.p50Ms)} / ${millis(l.p99Ms)} ms`);
  $('stat-infer').textContent = latency(status.infer);
  $('stat-train').textContent = latency(status.trainStep);
}

async function loadDevice() {
  const response = await fetch('actuator/info');
  if (!response.ok) {
    return;
  }
  const info = await response.json();
  // device.id: the server's edge.device.id. A server that does not publish one stays "this device".
  const id = info.device && info.device.id;
  if (id) {
    $('device-id').textContent = 'device ' + id;
    document.title = `EdgeTrainer · ${id}`;
  }
}

// ---------- loss curves ----------

const charts = {};

function lineChart(canvas, xTitle, datasets) {
  return new Chart(canvas, {
    type: 'line',
    data: {
      datasets: datasets.map((d) => ({
        label: d.label, data: [], borderColor: d.color, backgroundColor: d.color, borderWidth: d.width || 2,
        pointRadius: 0, tension: 0,
      })),
    },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      plugins: {
        legend: { display: datasets.length > 1, position: 'bottom', labels: { boxWidth: 14, boxHeight: 2 } },
      },
      scales: {
        x: {
          type: 'linear', min: 0, title: { display: true, text: xTitle },
          ticks: { precision: 0, maxTicksLimit: 8, includeBounds: false },
        },
        y: { title: { display: true, text: 'loss' }, beginAtZero: true },
      },
    },
  });
}

/** The axis ends with the data, not at the next round number. */
function lastX(points) {
  return points.length ? points[points.length - 1].x : undefined;
}

/** A step's loss is noisy; as TensorBoard does, an exponential moving average shows the trend. */
function smoothed(points) {
  const weight = points.length > 20 ? 0.9 : 0.6;
  let average = null;
  let debias = 0;
  return points.map((p) => {
    average = average === null ? (1 - weight) * p.y : weight * average + (1 - weight) * p.y;
    debias = weight * debias + (1 - weight);
    return { x: p.x, y: average / debias };
  });
}

function describe(points, what, unit) {
  if (!points.length) {
    return `${what}: no data`;
  }
  const first = points[0];
  const last = points[points.length - 1];
  return `${what} over ${last.x.toLocaleString()} ${unit}: from ${number(first.y)} to ${number(last.y)}`;
}

function showPretraining(pretraining) {
  const canvas = $('pretrain-chart');
  if (!pretraining) {
    canvas.hidden = true;
    $('pretrain-empty').hidden = false;
    return;
  }
  const points = pretraining.points.map((p) => ({ x: p.epoch, y: p.loss }));
  charts.pretrain = charts.pretrain || lineChart(canvas, 'epoch', [{ label: 'loss', color: '#1a56b0' }]);
  charts.pretrain.data.datasets[0].data = points;
  charts.pretrain.options.scales.x.max = lastX(points);
  charts.pretrain.update('none');
  $('pretrain-caption').textContent = `Pretraining · ${pretraining.epochs} epochs`
    + ` · ${pretraining.samples.toLocaleString()} samples · batch ${pretraining.batchSize}`;
  canvas.setAttribute('aria-label', describe(points, 'Pretraining loss', 'epochs')
    + ' (loss of the last batch of each epoch)');
}

/** Applies a slice of /train/history's device part: it replaces (full) or extends the points held. */
function applyDevice(slice) {
  const device = state.device;
  const points = slice.points.map((p) => ({ x: p.seq, y: p.loss }));
  device.points = slice.full ? points : device.points.concat(points);
  device.generation = slice.generation;
  if (slice.points.length) {
    device.lastSeq = slice.points[slice.points.length - 1].seq;
  } else if (slice.full) {
    device.lastSeq = -1;
  }
  charts.device = charts.device || lineChart($('device-chart'), 'steps on this device', [
    { label: 'smoothed', color: '#b44a0a', width: 2.5 },
    { label: slice.stepsPerPoint > 1 ? 'steps (means)' : 'each step', color: 'rgba(180, 74, 10, 0.28)', width: 1 },
  ]);
  const trend = smoothed(device.points);
  charts.device.data.datasets[0].data = trend;
  charts.device.data.datasets[1].data = device.points;
  charts.device.options.scales.x.max = lastX(device.points);
  charts.device.update('none');
  $('device-empty').hidden = device.points.length > 0;
  const per = slice.stepsPerPoint > 1 ? ` (each point the mean of ${slice.stepsPerPoint} steps)` : '';
  $('device-chart').setAttribute('aria-label', describe(trend, 'Device training loss, smoothed,', 'steps') + per);
}

async function loadHistory() {
  const history = await json(`train/history?after=${state.device.lastSeq}&generation=${state.device.generation}`);
  showPretraining(history.pretraining);
  applyDevice(history.device);
}

/** Server-sent events read through fetch(), which (unlike EventSource) can send the token. */
async function streamHistory() {
  let wait = 1000;
  for (;;) {
    try {
      const response = await api(`train/history/stream?after=${state.device.lastSeq}&generation=${state.device.generation}`,
        { headers: { Accept: 'text/event-stream, application/problem+json' } });
      if (response.ok) {
        $('live').hidden = false;
        wait = 1000;
        await readEvents(response.body, (name, data) => {
          if (name === 'history') {
            applyDevice(JSON.parse(data));
          }
        });
      } else {
        // Too many dashboards open, or no token: poll now and then instead.
        await loadHistory().catch(() => {});
      }
    } catch (e) {
      // The server went away; try again below.
    }
    $('live').hidden = true;
    await sleep(wait);
    wait = Math.min(wait * 2, 30000);
  }
}

async function readEvents(stream, onEvent) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer = (buffer + value).replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) {
          name = line.slice(6).trim();
        } else if (line.startsWith('data:')) {
          data.push(line.slice(5).replace(/^ /, ''));
        }
      }
      if (data.length) {
        onEvent(name, data.join('\n'));
      }
    }
  }
}

// ---------- the 5x5 grid ----------

async function loadSamples() {
  const grid = $('grid');
  const recent = await jsonOrLocked(grid, 'samples/recent');
  if (!recent) {
    return;
  }
  if (!recent.images) {
    $('grid-summary').textContent = 'This model does not take small grayscale images, so none are kept.';
  }
  const cells = [];
  let labelled = 0;
  let right = 0;
  for (let i = 0; i < 25; i++) {
    const sample = recent.samples[i];
    if (!sample) {
      cells.push(el('li', { class: 'none' }, el('span', { class: 'placeholder', role: 'img', 'aria-label': 'no sample yet' })));
      continue;
    }
    const kind = sample.correct === true ? 'right' : sample.correct === false ? 'wrong' : 'unknown';
    const symbol = kind === 'right' ? '✓ ' : kind === 'wrong' ? '✗ ' : '';
    // A classifier's class and its probability; a regression model's values.
    const predicted = sample.predicted ? `${sample.predicted.label} ${percent(sample.predicted.probability)}`
      : sample.values.map((v) => number(v)).join(', ');
    let alt = sample.predicted ? `Predicted ${sample.predicted.label} (${percent(sample.predicted.probability)})`
      : `Predicted ${predicted}`;
    if (sample.truth) {
      labelled++;
      right += sample.correct ? 1 : 0;
      alt += sample.correct ? ', right' : `, wrong: it is ${sample.truth.label}`;
    } else {
      alt += ', no true label';
    }
    alt += `; sent to /${sample.source} at ${when(sample.at)}`;
    const caption = el('span', { class: 'caption' }, el('span', { 'aria-hidden': 'true', text: symbol }), predicted);
    if (sample.truth && !sample.correct) {
      caption.append(el('span', { class: 'truth', text: `(${sample.truth.label})` }));
    }
    cells.push(el('li', { class: kind }, el('img', { src: sample.image, alt, width: '28', height: '28' }), caption));
  }
  grid.replaceChildren(...cells);
  if (recent.images) {
    $('grid-summary').textContent = recent.samples.length === 0
      ? 'No images yet: send some to /infer or /train. The grid shows the last 25, predicted with the current weights.'
      : `${recent.samples.length} recent images, predicted with the current weights`
        + (labelled ? `: ${right} of ${labelled} labelled ones right.` : '.');
  }
}

// ---------- predict ----------

$('infer-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('infer-file').files[0];
  if (!file) {
    return;
  }
  const button = event.submitter || event.target.querySelector('button');
  button.disabled = true;
  try {
    const answer = await json('infer?top=5', {
      method: 'POST', headers: { 'Content-Type': file.type || 'application/octet-stream' }, body: file,
    });
    const prediction = answer.predictions[0];
    const preview = el('img', { src: URL.createObjectURL(file), alt: `The image sent: ${file.name}` });
    if (!prediction.top) {
      // A regression model answers values, not classes.
      const values = el('p', { class: 'values', text: 'Predicted: ' + prediction.values.map((v) => number(v, 4)).join(', ') });
      $('prediction').replaceChildren(preview, values);
      loadSamples().catch(() => {});
      return;
    }
    const bars = el('ol', { class: 'bars', 'aria-label': `Top classes: ${prediction.top[0].label} first` });
    for (const ranked of prediction.top) {
      const fill = el('span', { class: 'fill' });
      fill.style.width = (100 * ranked.probability).toFixed(1) + '%';
      bars.append(el('li', {},
        el('span', { class: 'name', text: ranked.label }),
        el('span', { class: 'track', 'aria-hidden': 'true' }, fill),
        el('span', { class: 'value', text: percent(ranked.probability) })));
    }
    $('prediction').replaceChildren(preview, bars);
    loadSamples().catch(() => {});
  } catch (e) {
    $('prediction').replaceChildren(el('p', { class: 'warning', text: e.message }));
  } finally {
    button.disabled = false;
  }
});

// ---------- train ----------

for (const radio of document.querySelectorAll('input[name=mode]')) {
  radio.addEventListener('change', () => {
    const idx = document.querySelector('input[name=mode]:checked').value === 'idx';
    $('image-fields').hidden = idx;
    $('idx-fields').hidden = !idx;
  });
}

$('train-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData();
  if (document.querySelector('input[name=mode]:checked').value === 'idx') {
    const images = $('train-images').files[0];
    const labels = $('train-labels').files[0];
    if (!images || !labels) {
      toast('Choose an images file and a labels file.', true);
      return;
    }
    form.append('images', images);
    form.append('labels', labels);
  } else {
    const image = $('train-image').files[0];
    if (!image) {
      toast('Choose an image to train on.', true);
      return;
    }
    form.append('image', image);
    form.append('label', $('train-label').value);
  }
  const query = new URLSearchParams({ async: 'true', epochs: $('train-epochs').value || '1',
    batchSize: $('train-batch').value || '32' });
  const button = event.submitter || event.target.querySelector('button[type=submit]');
  await withButton(button, async () => follow(await json('train?' + query, { method: 'POST', body: form })));
});

function showJob(job) {
  $('job').hidden = false;
  const finished = ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status);
  $('job-progress').max = Math.max(1, job.steps);
  $('job-progress').value = job.step;
  const loss = job.loss === undefined || job.loss === null ? '' : ` · loss ${number(job.loss)}`;
  $('job-title').textContent = finished ? `Training ${job.status.toLowerCase()}` : 'Training';
  $('job-text').textContent = `Epoch ${Math.min(job.epoch + (finished ? 0 : 1), job.epochs)} of ${job.epochs}`
    + ` · step ${job.step.toLocaleString()} of ${job.steps.toLocaleString()}${loss}`
    + (job.error ? ` · ${job.error}` : '');
  $('job-cancel').hidden = finished;
}

async function follow(job) {
  state.job = job.id;
  showJob(job);
  while (state.job === job.id && !['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status)) {
    await sleep(400);
    try {
      job = await json('train/jobs/' + encodeURIComponent(job.id));
    } catch (e) {
      toast(e.message, true);
      break;
    }
    showJob(job);
  }
  if (state.job === job.id) {
    state.job = null;
    refreshAfterChange();
  }
}

$('job-cancel').addEventListener('click', async () => {
  if (state.job) {
    await json('train/jobs/' + encodeURIComponent(state.job), { method: 'DELETE' }).catch((e) => toast(e.message, true));
  }
});

/** A job started elsewhere (curl, the fleet) shows its progress here too. */
async function watchJobs() {
  if (state.job) {
    return;
  }
  const jobs = await json('train/jobs');
  const running = jobs.find((job) => job.status === 'RUNNING' || job.status === 'QUEUED');
  if (running) {
    follow(running);
  }
}

// ---------- checkpoints ----------

async function loadCheckpoints() {
  const list = $('checkpoints');
  const answer = await jsonOrLocked(list, 'checkpoints');
  if (!answer) {
    return;
  }
  $('checkpoints-empty').hidden = answer.checkpoints.length > 0;
  list.replaceChildren(...answer.checkpoints.map((checkpoint) => {
    const restore = el('button', { type: 'button', text: 'Restore', 'aria-label': `Restore ${checkpoint.id}` });
    restore.addEventListener('click', () => restoreCheckpoint(checkpoint.id, restore));
    const download = el('button', { type: 'button', text: 'Download', 'aria-label': `Download ${checkpoint.id}` });
    download.addEventListener('click', () => downloadCheckpoint(checkpoint.id, download));
    const meta = [when(checkpoint.createdAt), checkpoint.origin];
    if (checkpoint.step !== null && checkpoint.step !== undefined) {
      meta.push(`step ${checkpoint.step.toLocaleString()}`);
    }
    if (checkpoint.loss !== null && checkpoint.loss !== undefined) {
      meta.push(`loss ${number(checkpoint.loss)}`);
    }
    meta.push(bytes(checkpoint.bytes));
    const id = el('div', { class: 'id mono', text: checkpoint.id });
    if (checkpoint.id === answer.current) {
      id.append(el('span', { class: 'badge', text: 'current' }));
    }
    return el('li', {}, el('div', { class: 'what' }, id, el('div', { class: 'meta', text: meta.join(' · ') })),
      el('div', { class: 'actions' }, restore, download));
  }));
}

/** Runs what a button does: the button disabled meanwhile, a failure shown. */
async function withButton(button, action) {
  button.disabled = true;
  try {
    await action();
  } catch (e) {
    toast(e.message, true);
  } finally {
    button.disabled = false;
  }
}

$('save').addEventListener('click', (event) => withButton(event.currentTarget, async () => {
  const saved = await json('checkpoint/save', { method: 'POST' });
  toast(`Saved checkpoint ${saved.id}.`);
  refreshAfterChange();
}));

function restoreCheckpoint(id, button) {
  return withButton(button, async () => {
    await json('checkpoint/restore', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id }),
    });
    toast(`Restored ${id}.`);
    refreshAfterChange();
  });
}

/** Fetched with the token and handed to the browser as a file: a plain link could not carry the token. */
function downloadCheckpoint(id, button) {
  return withButton(button, async () => {
    const response = await api(`checkpoints/${encodeURIComponent(id)}/file`);
    if (!response.ok) {
      await body(response);
    }
    const disposition = response.headers.get('Content-Disposition') || '';
    const name = (disposition.match(/filename="?([^";]+)"?/) || [])[1] || id;
    const url = URL.createObjectURL(await response.blob());
    const link = el('a', { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    toast(`Downloaded ${name}.`);
  });
}

// ---------- federated learning (when the device is a Flower client) ----------

const STATES = {
  STOPPED: 'stopped (not joining)', CONNECTING: 'connecting', CONNECTED: 'connected', WAITING: 'waiting to retry',
};

async function loadFederated() {
  const response = await api('federated', { headers: { Accept: 'application/json' } });
  const card = $('federated');
  // Servers without fleet learning answer 404; devices given no Flower server say NOT_CONFIGURED.
  const federated = response.ok ? await response.json() : null;
  if (!federated || !(federated.state in STATES)) {
    card.hidden = true;
    return;
  }
  const facts = $('federated-facts');
  facts.replaceChildren();
  const add = (term, text) => facts.append(el('dt', { text: term }), el('dd', { text }));
  const round = (r) => (r === null || r === undefined ? '' : `round ${r}: `);
  const accuracy = (a) => (a === null || a === undefined ? '' : `, accuracy ${percent(a)}`);
  const activity = federated.activity && federated.activity !== 'IDLE'
    ? ` (${federated.activity.toLowerCase().replace(/_/g, ' ')})` : '';
  add('State', STATES[federated.state] + activity);
  add('Flower server', federated.server + (federated.tls ? ' (TLS)' : ''));
  add('Rounds', `${federated.rounds} fitted, ${federated.failures} failed`);
  add('Keeps', federated.adopt === 'IF_BETTER' ? 'the global weights when they do at least as well here'
    : 'the global weights of every round');
  const fit = federated.lastFit;
  if (fit) {
    add('Last fit', `${round(fit.round)}${fit.examples} samples, ${fit.epochs} epochs, loss ${number(fit.loss)}`
      + `${accuracy(fit.accuracy)}, ${(fit.durationMs / 1000).toFixed(1)} s, ${when(fit.at)}`);
  }
  const evaluation = federated.lastEvaluation;
  if (evaluation) {
    const own = evaluation.ownAccuracy === null || evaluation.ownAccuracy === undefined ? ''
      : ` (own weights ${percent(evaluation.ownAccuracy)})`;
    add('Last evaluation', `${round(evaluation.round)}global loss ${number(evaluation.loss)}`
      + `${accuracy(evaluation.accuracy)}${own} on ${evaluation.examples} samples, `
      + `${evaluation.adopted ? 'adopted' : 'kept its own'}, ${when(evaluation.at)}`);
  }
  for (const [term, failure] of [['Last error', federated.lastError],
    ['Last connection error', federated.lastConnectionError]]) {
    if (failure) {
      add(term, `${failure.reason}: ${failure.message} (${when(failure.at)})`);
    }
  }
  card.hidden = false;
}

// ---------- start ----------

function refreshAfterChange() {
  loadStatus().catch(() => {});
  loadSamples().catch(() => {});
  loadCheckpoints().catch(() => {});
}

function refreshAll() {
  if (!state.model) {
    loadModel().catch(() => {});
  }
  refreshAfterChange();
  loadHistory().catch(() => {});
  loadFederated().catch(() => {});
}

async function start() {
  updateTokenButton();
  loadDevice().catch(() => {});
  await loadModel().catch(() => {});
  try {
    await loadHistory();
  } catch (e) {
    if (e.status === 401) {
      $('device-empty').textContent = 'The loss history needs the access token.';
      $('device-empty').hidden = false;
    }
  }
  streamHistory();
  every(2000, loadStatus);
  every(5000, loadSamples);
  every(15000, loadCheckpoints);
  every(5000, watchJobs);
  every(10000, loadFederated);
}

start();
