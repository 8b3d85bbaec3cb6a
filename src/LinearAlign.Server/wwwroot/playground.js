// The playground: each turn is one streamed chat request with alignment_compare, whose three choices (linear
// alignment, principle in the prompt only, no principle) fill three columns side by side.

const API_KEY_STORAGE = "linearalign.apiKey";
const KEY_NEEDED = "This server needs an API key: enter it under Settings, “API key”, and press “Use key”.";
/** The columns of a turn, in the order of the comparison's choices (alignment_compare's choice indices). */
const REPLY_COLUMNS = [
  { kind: "aligned", title: (step) => `Linear alignment (step ${step})` },
  { kind: "prompted", title: () => "Principle in prompt only" },
  { kind: "base", title: () => "Base model (no principle)" },
];
/** What the "Example schema" button fills in: a short answer and a mood, both for the principle to steer. */
const EXAMPLE_SCHEMA = {
  type: "object",
  properties: {
    answer: { type: "string", maxLength: 80 },
    mood: { type: "string", enum: ["happy", "sad", "neutral"] },
  },
  required: ["answer", "mood"],
  additionalProperties: false,
};
const compactNumber = new Intl.NumberFormat("en", { notation: "compact", maximumSignificantDigits: 3 });
const wholeNumber = new Intl.NumberFormat("en");

/**
 * A text/event-stream parser fed the body in whatever pieces the network delivers: an event may be split across
 * reads and one read may hold several. Calls onData with each event's data (its "data:" lines joined).
 */
export function createEventStreamParser(onData) {
  let buffer = "";
  let carriageReturnPending = false;

  function dispatch(block) {
    const data = [];
    for (const line of block.split("\n")) {
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      if (field !== "data") {
        continue;
      }
      const value = colon < 0 ? "" : line.slice(colon + 1);
      data.push(value.startsWith(" ") ? value.slice(1) : value);
    }
    if (data.length > 0) {
      onData(data.join("\n"));
    }
  }

  return {
    push(text) {
      let piece = (carriageReturnPending ? "\r" : "") + text;
      // A read that ends in "\r" may have cut a "\r\n" in two; the next read tells which line ending it was.
      carriageReturnPending = piece.endsWith("\r");
      if (carriageReturnPending) {
        piece = piece.slice(0, -1);
      }
      buffer += piece.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        dispatch(block);
      }
    },
  };
}

/** An error in the API's shape, {"error": {"message", "param", "code"}}, from a response or from the stream. */
class ApiError extends Error {
  constructor(status, { message, param = null, code = null }) {
    super(message);
    this.status = status;
    this.param = param;
    this.code = code;
  }
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // A proxy's HTML error page, or no body at all: the status line is all there is to show.
  }
  const error = body?.error ?? { message: `The server answered ${response.status} ${response.statusText}.` };
  return new ApiError(response.status, error);
}

function describe(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return KEY_NEEDED;
    }
    return error.param ? `${error.param}: ${error.message}` : error.message;
  }
  return `Could not reach the server (${error.message}).`;
}

function authorization(apiKey) {
  return apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
}

function findElements() {
  const byId = (id) => document.getElementById(id);
  return {
    modelId: byId("model-id"),
    modelContext: byId("model-context"),
    modelParameters: byId("model-parameters"),
    systemMessage: byId("system-message"),
    principle: byId("principle"),
    examples: byId("examples"),
    stepSize: byId("step-size"),
    stepSizeValue: byId("step-size-value"),
    temperature: byId("temperature"),
    maxTokens: byId("max-tokens"),
    seed: byId("seed"),
    advanced: byId("advanced"),
    jsonSchema: byId("json-schema"),
    jsonSchemaError: byId("json-schema-error"),
    exampleSchema: byId("example-schema"),
    keyForm: byId("key-form"),
    apiKey: byId("api-key"),
    newChat: byId("new-chat"),
    emptyChat: byId("empty-chat"),
    transcript: byId("transcript"),
    chatForm: byId("chat-form"),
    userMessage: byId("user-message"),
    send: byId("send"),
    stop: byId("stop"),
    status: byId("status"),
    alert: byId("alert"),
    turnTemplate: byId("turn-template"),
    replyTemplate: byId("reply-template"),
  };
}

function setStatus(ui, text) {
  ui.status.textContent = text;
}

function showAlert(ui, text) {
  ui.alert.textContent = text;
}

/** The inline error under the JSON schema field; an empty text clears it. */
function showSchemaError(ui, text) {
  ui.jsonSchemaError.textContent = text;
  ui.jsonSchema.setAttribute("aria-invalid", String(text !== ""));
}

function formatStep(value) {
  return String(Number(value));
}

function seconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

// ---- Model info ----------------------------------------------------------------------------------------------------

async function loadModel(ui) {
  showAlert(ui, "");
  ui.modelId.textContent = "loading…";
  let response;
  try {
    response = await fetch("/v1/models", { headers: authorization(ui.apiKey.value) });
  } catch (error) {
    ui.modelId.textContent = "unreachable";
    showAlert(ui, describe(error));
    return;
  }
  if (response.status === 503 && response.headers.has("Retry-After")) {
    ui.modelId.textContent = "still loading…";
    setTimeout(() => loadModel(ui), Number(response.headers.get("Retry-After")) * 1000);
    return;
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    ui.modelId.textContent = error.status === 401 ? "API key needed" : "unavailable";
    showAlert(ui, describe(error));
    // Focus moves to the key field only from the page itself or the key form: taking it from a field the user is
    // typing in (the answer may come late) would also scroll the page under their pointer.
    const focus = document.activeElement;
    if (error.status === 401 && (!focus || focus === document.body || ui.keyForm.contains(focus))) {
      ui.apiKey.focus();
    }
    return;
  }
  const [model] = (await response.json()).data;
  ui.modelId.textContent = model.id;
  ui.modelContext.textContent = `${wholeNumber.format(model.meta.context_length)} tokens`;
  ui.modelParameters.textContent = compactNumber.format(model.meta.parameter_count);
  ui.modelParameters.title = `${wholeNumber.format(model.meta.parameter_count)} parameters, ${model.meta.architecture}`;
  // The server never generates past its context, so a larger number could only mislead.
  ui.maxTokens.max = model.meta.context_length;
  if (model.meta.principles) {
    showModelPrinciples(ui, model.meta.principles);
  }
}

/**
 * A model trained on principles follows those best, so its own replace the generic examples, and the first becomes the
 * principle unless the user has changed it already (typed, or picked an example while the model was loading).
 */
function showModelPrinciples(ui, principles) {
  // The answer may come late, while the user is on an example that is about to go: the focus stays in the group
  // rather than dropping to the page.
  const exampleHadFocus = ui.examples.contains(document.activeElement);
  const buttons = principles.map(({ name, principle }) => {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.principle = principle;
    button.textContent = name;
    return button;
  });
  ui.examples.querySelectorAll("[data-principle]").forEach((button) => button.remove());
  ui.examples.append(...buttons);
  if (exampleHadFocus) {
    buttons[0].focus();
  }
  if (ui.principle.value === ui.principle.defaultValue) {
    ui.principle.value = principles[0].principle;
  }
}

// ---- Turns ---------------------------------------------------------------------------------------------------------

/** The settings of the next turn; throws a SyntaxError when the JSON schema field holds something other than JSON. */
function readSettings(ui) {
  const schema = ui.jsonSchema.value.trim();
  return {
    system: ui.systemMessage.value.trim(),
    principle: ui.principle.value.trim(),
    stepSize: Number(ui.stepSize.value),
    temperature: Number(ui.temperature.value),
    maxTokens: Number(ui.maxTokens.value),
    seed: ui.seed.value === "" ? null : Number(ui.seed.value),
    schema: schema === "" ? null : JSON.parse(schema),
  };
}

/** System, then every earlier turn with the reply the user chose to continue with, then the new message. */
function requestBody(turns, settings, userText) {
  const messages = settings.system ? [{ role: "system", content: settings.system }] : [];
  for (const turn of turns) {
    messages.push({ role: "user", content: turn.user }, { role: "assistant", content: turn.replies[turn.chosen] });
  }
  messages.push({ role: "user", content: userText });
  return {
    messages,
    principle: settings.principle,
    step_size: settings.stepSize,
    alignment_compare: true,
    temperature: settings.temperature,
    max_tokens: settings.maxTokens,
    ...(settings.seed === null ? {} : { seed: settings.seed }),
    ...(settings.schema === null
      ? {}
      : { response_format: { type: "json_schema", json_schema: { name: "playground", schema: settings.schema, strict: true } } }),
    stream: true,
    stream_options: { include_usage: true },
  };
}

function createTurnView(ui, number, userText, settings) {
  const item = ui.turnTemplate.content.firstElementChild.cloneNode(true);
  const heading = item.querySelector(".turn-heading");
  heading.id = `turn-${number}`;
  item.querySelector("article").setAttribute("aria-labelledby", heading.id);
  item.querySelector(".turn-number").textContent = number;
  item.querySelector(".principle-text").textContent = settings.principle;
  item.querySelector(".user-text").textContent = userText;
  const replies = item.querySelector(".replies");
  const columns = REPLY_COLUMNS.map(({ kind, title }, index) => {
    const section = ui.replyTemplate.content.firstElementChild.cloneNode(true);
    section.classList.add(kind);
    const columnHeading = section.querySelector("h4");
    columnHeading.textContent = title(formatStep(settings.stepSize));
    columnHeading.id = `turn-${number}-reply-${index}`;
    section.setAttribute("aria-labelledby", columnHeading.id);
    const radio = section.querySelector("input[type=radio]");
    radio.name = `continue-${number}`;
    radio.value = String(index);
    replies.append(section);
    const text = document.createTextNode("");
    section.querySelector(".reply-text").append(text);
    return {
      section,
      text,
      radio,
      tokens: section.querySelector(".tokens"),
      rate: section.querySelector(".rate"),
      finish: section.querySelector(".finish"),
      deltas: 0,
      exactTokens: null,
      sentAt: performance.now(),
      lastAt: null,
      finishReason: null,
    };
  });
  ui.transcript.append(item);
  ui.emptyChat.hidden = true;
  return { item, columns };
}

function appendText(column, content) {
  column.lastAt = performance.now();
  column.deltas += 1;
  column.text.appendData(content);
  renderStats(column);
}

/** Until the usage chunk gives exact counts, a column counts its streamed pieces: one token each, or a few. */
function renderStats(column) {
  const exact = column.exactTokens !== null;
  const tokens = exact ? column.exactTokens : column.deltas;
  column.tokens.textContent = exact ? wholeNumber.format(tokens) : `≈ ${wholeNumber.format(tokens)}`;
  column.tokens.title = exact ? "" : "Approximate: counted from the streamed pieces until the server reports usage.";
  // From sending the request, prompt included: events arrive in bursts, so the time between a column's own first and
  // last piece can be near zero and would make a short reply look impossibly fast.
  const elapsed = column.lastAt - column.sentAt;
  column.rate.textContent = tokens > 0 && elapsed > 0 ? `${(tokens / (elapsed / 1000)).toFixed(1)} tokens/s` : "–";
  column.finish.textContent = column.finishReason ?? "streaming…";
}

function applyChunk(columns, chunk, onUsage) {
  if (chunk.error) {
    throw new ApiError(200, chunk.error);
  }
  for (const choice of chunk.choices ?? []) {
    const column = columns[choice.index];
    if (!column) {
      continue;
    }
    if (choice.delta?.content) {
      appendText(column, choice.delta.content);
    }
    if (choice.finish_reason) {
      column.finishReason = choice.finish_reason;
      column.section.setAttribute("aria-busy", "false");
      renderStats(column);
    }
  }
  if (chunk.usage) {
    chunk.usage.completion_tokens_per_choice?.forEach((tokens, index) => {
      if (columns[index]) {
        columns[index].exactTokens = tokens;
        renderStats(columns[index]);
      }
    });
    onUsage(chunk.usage);
  }
}

/** Reads the event stream to its end; returns whether it ended with [DONE], as a complete stream does. */
async function readEvents(response, onChunk) {
  let done = false;
  const parser = createEventStreamParser((data) => {
    if (data === "[DONE]") {
      done = true;
    } else {
      onChunk(JSON.parse(data));
    }
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (ended) {
      return done;
    }
    parser.push(value);
  }
}

/** Columns still streaming when the request ended take the reason it ended; the user may then pick a reply. */
function settleColumns(columns, unfinishedReason) {
  for (const column of columns) {
    column.finishReason ??= unfinishedReason;
    column.section.setAttribute("aria-busy", "false");
    column.radio.disabled = false;
    renderStats(column);
  }
  columns[0].radio.checked = true;
}

function usageSummary(usage) {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return `${wholeNumber.format(usage.prompt_tokens)} prompt tokens (${wholeNumber.format(cached)} from the cache)`;
}

// ---- The page ------------------------------------------------------------------------------------------------------

function setRunning(ui, running) {
  const stopHadFocus = document.activeElement === ui.stop;
  ui.send.disabled = running;
  ui.stop.disabled = !running;
  ui.newChat.disabled = running;
  // A disabled button drops the focus to the page; the message box is where the next step starts.
  if (!running && stopHadFocus) {
    ui.userMessage.focus();
  }
}

async function sendTurn(ui, session) {
  const userText = ui.userMessage.value;
  if (session.run || userText.trim() === "") {
    return;
  }
  let settings;
  try {
    settings = readSettings(ui);
  } catch (error) {
    // Nothing is sent: the error sits under the field, which takes the focus so that it is read out too.
    showAlert(ui, "");
    showSchemaError(ui, `Not valid JSON: ${error.message}`);
    ui.advanced.open = true;
    ui.jsonSchema.focus();
    return;
  }
  const body = requestBody(session.turns, settings, userText);
  for (const earlier of session.turns) {
    earlier.view.columns.forEach((column) => (column.radio.disabled = true));
  }
  const turn = { user: userText, replies: [], chosen: 0, view: createTurnView(ui, session.turns.length + 1, userText, settings) };
  turn.view.item.scrollIntoView({ block: "nearest" });
  const controller = new AbortController();
  session.run = controller;
  setRunning(ui, true);
  showAlert(ui, "");
  setStatus(ui, "Generating three replies…");
  const startedAt = performance.now();
  let streaming = false;
  let summary = "";
  let unfinished = "interrupted";
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...authorization(ui.apiKey.value) },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    if (!response.ok) {
      throw await errorFrom(response);
    }
    streaming = true;
    ui.userMessage.value = "";
    const complete = await readEvents(response, (chunk) => applyChunk(turn.view.columns, chunk, (usage) => (summary = usageSummary(usage))));
    if (!complete) {
      throw new Error("the connection closed before the replies were complete");
    }
    setStatus(ui, `Done in ${seconds(performance.now() - startedAt)}${summary ? `: ${summary}` : ""}.`);
  } catch (error) {
    if (error.name === "AbortError") {
      unfinished = "stopped";
      setStatus(ui, `Stopped after ${seconds(performance.now() - startedAt)}; the partial replies are kept.`);
    } else {
      unfinished = "error";
      setStatus(ui, streaming ? "The replies stopped with an error." : "The request was refused.");
      showAlert(ui, streaming && !(error instanceof ApiError) ? `The stream failed: ${error.message}.` : describe(error));
    }
  } finally {
    session.run = null;
    if (streaming) {
      settleColumns(turn.view.columns, unfinished);
      turn.replies = turn.view.columns.map((column) => column.text.data);
      turn.view.columns.forEach((column, index) => column.radio.addEventListener("change", () => (turn.chosen = index)));
      session.turns.push(turn);
    } else {
      // Nothing was generated: the turn leaves the transcript and the message stays in the box to try again.
      turn.view.item.remove();
      ui.emptyChat.hidden = session.turns.length > 0;
    }
    setRunning(ui, false);
  }
}

function newChat(ui, session) {
  session.turns = [];
  ui.transcript.replaceChildren();
  ui.emptyChat.hidden = false;
  showAlert(ui, "");
  setStatus(ui, "New chat started.");
  ui.userMessage.focus();
}

function showStepSize(ui) {
  const step = formatStep(ui.stepSize.value);
  ui.stepSizeValue.value = step;
  ui.stepSize.setAttribute("aria-valuetext", step === "0" ? "0, the principle in the prompt only" : step);
}

function start() {
  const ui = findElements();
  const session = { turns: [], run: null };

  ui.apiKey.value = sessionStorage.getItem(API_KEY_STORAGE) ?? "";
  ui.keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = ui.apiKey.value.trim();
    if (key) {
      sessionStorage.setItem(API_KEY_STORAGE, key);
    } else {
      sessionStorage.removeItem(API_KEY_STORAGE);
    }
    loadModel(ui);
  });

  // One listener on the group, as the served model's principles may replace its buttons.
  ui.examples.addEventListener("click", (event) => {
    const button = event.target.closest("[data-principle]");
    if (button) {
      ui.principle.value = button.dataset.principle;
    }
  });
  ui.stepSize.addEventListener("input", () => showStepSize(ui));
  showStepSize(ui);
  ui.jsonSchema.addEventListener("input", () => showSchemaError(ui, ""));
  ui.exampleSchema.addEventListener("click", () => {
    ui.jsonSchema.value = JSON.stringify(EXAMPLE_SCHEMA, null, 2);
    showSchemaError(ui, "");
  });

  ui.chatForm.addEventListener("submit", (event) => {
    event.preventDefault();
    sendTurn(ui, session);
  });
  ui.userMessage.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      ui.chatForm.requestSubmit();
    }
  });
  ui.stop.addEventListener("click", () => session.run?.abort());
  ui.newChat.addEventListener("click", () => newChat(ui, session));

  loadModel(ui);
}

start();
