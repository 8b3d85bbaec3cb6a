// The playground: each turn is one streamed chat request with alignment_compare, whose three choices (linear
// alignment, principle in the prompt only, no principle) fill three columns side by side.

const API_KEY_STORAGE = "linearalign.apiKey";
/** The server's default Alignment:MaxPrinciples: each principle is one more sequence to decode in every step. */
const MAX_PRINCIPLES = 4;
const KEY_NEEDED = "This server needs an API key: enter it under Settings, “API key”, and press “Use key”.";
/** The columns of a turn, in the order of the comparison's choices (alignment_compare's choice indices). */
const REPLY_COLUMNS = [
  { kind: "aligned", title: alignedTitle },
  { kind: "prompted", title: promptedTitle },
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
const percent = new Intl.NumberFormat("en", { style: "percent", maximumSignificantDigits: 2 });
const divergence = new Intl.NumberFormat("en", { maximumSignificantDigits: 2 });
/** The linear_alignment.tokens entries behind each highlighted token, and what they were measured against, for its tooltip. */
const steeredTokens = new WeakMap();

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
    principleList: byId("principle-list"),
    principle: byId("principle"),
    examples: byId("examples"),
    stepSize: byId("step-size"),
    stepSizeValue: byId("step-size-value"),
    addPrinciple: byId("add-principle"),
    principleTemplate: byId("principle-template"),
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
    tokenTip: byId("token-tip"),
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

function alignedTitle(principles) {
  const steps = principles.map(({ stepSize }) => formatStep(stepSize)).join(", ");
  return `Linear alignment (${principles.length === 1 ? "step" : "steps"} ${steps})`;
}

/**
 * With several principles the server puts in the prompt only those the combination steers toward (a step above −1,
 * whose weight 1 + s is positive), and with none of those the column is the base model again: the title says which.
 */
function promptedTitle(principles) {
  if (principles.length === 1) {
    return "Principle in prompt only";
  }
  const toward = principles.flatMap(({ stepSize }, index) => (stepSize > -1 ? [index + 1] : []));
  if (toward.length === principles.length) {
    return "Principles in prompt only";
  }
  if (toward.length === 0) {
    return "No principle in prompt (all steered away)";
  }
  const numbers = toward.length === 1 ? String(toward[0]) : `${toward.slice(0, -1).join(", ")} and ${toward.at(-1)}`;
  return `${toward.length === 1 ? "Principle" : "Principles"} ${numbers} in prompt only`;
}

/** What the slider's number means at the points where the combination changes character. */
function stepMeaning(step) {
  if (step === 0) {
    return "0, the principle in the prompt only";
  }
  if (step === -1) {
    return "-1, no principle";
  }
  return step < -1 ? `${step}, away from the principle` : String(step);
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
    principles: ui.principleEntries.map((entry) => ({ text: entry.principle.value.trim(), stepSize: Number(entry.stepSize.value) })),
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
  // One principle keeps the request as it was before principles could be combined; the server refuses both forms at once.
  const [first, ...others] = settings.principles;
  return {
    messages,
    ...(others.length === 0
      ? { principle: first.text, step_size: first.stepSize }
      : { principles: settings.principles.map(({ text, stepSize }) => ({ text, step_size: stepSize })) }),
    alignment_compare: true,
    alignment_diagnostics: true,
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
  showTurnPrinciples(item.querySelector(".turn-principle"), settings.principles);
  item.querySelector(".user-text").textContent = userText;
  const replies = item.querySelector(".replies");
  const columns = REPLY_COLUMNS.map(({ kind, title }, index) => {
    const section = ui.replyTemplate.content.firstElementChild.cloneNode(true);
    section.classList.add(kind);
    const columnHeading = section.querySelector("h4");
    columnHeading.textContent = title(settings.principles);
    columnHeading.id = `turn-${number}-reply-${index}`;
    section.setAttribute("aria-labelledby", columnHeading.id);
    const radio = section.querySelector("input[type=radio]");
    radio.name = `continue-${number}`;
    radio.value = String(index);
    replies.append(section);
    const tail = document.createTextNode("");
    section.querySelector(".reply-text").append(tail);
    return {
      section,
      tail,
      content: "",
      // Only the linear alignment choice carries linear_alignment.tokens.
      steering:
        index === 0
          ? { tokens: [], steered: 0, rendered: 0, renderedTo: 0, pending: [], diagnostics: null, reference: steeringReference(settings.principles) }
          : null,
      summary: section.querySelector(".alignment-summary"),
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

function showTurnPrinciples(paragraph, principles) {
  const quote = (text) => {
    const q = document.createElement("q");
    q.className = "principle-text";
    q.textContent = text;
    return q;
  };
  if (principles.length === 1) {
    paragraph.append("Principle: ", quote(principles[0].text));
    return;
  }
  paragraph.append("Principles: ");
  principles.forEach(({ text, stepSize }, index) => {
    paragraph.append(...(index > 0 ? ["; "] : []), quote(text), ` (step ${formatStep(stepSize)})`);
  });
}

function appendText(column, content) {
  column.lastAt = performance.now();
  column.deltas += 1;
  column.content += content;
  column.tail.appendData(content);
  renderStats(column);
}

// ---- Steered tokens ------------------------------------------------------------------------------------------------

/**
 * Fixes the text of each token whose extent is known, as plain text or, when steering changed it, as a highlight;
 * the rest stays in the tail. A token ends where the next one starts, and only once the reply's text reaches there:
 * text held back for a stop string comes in a later chunk than its tokens. A token that adds no text of its own (part
 * of a character) joins the next one, so that a highlight always covers text; at the end of the reply, what is left
 * takes whatever text there is, and a steered token with none (the end of the reply) an empty highlight.
 */
function renderTokens(column, final) {
  const { content, steering } = column;
  const { tokens } = steering;
  const before = steering.renderedTo;
  while (steering.rendered < tokens.length) {
    const next = tokens[steering.rendered + 1];
    let end;
    if (next && next.text_offset <= content.length) {
      end = next.text_offset;
    } else if (final) {
      end = Math.min(next?.text_offset ?? content.length, content.length);
    } else {
      break;
    }
    const token = tokens[steering.rendered];
    steering.rendered += 1;
    const start = Math.min(Math.max(token.text_offset, steering.renderedTo), end);
    if (start > steering.renderedTo) {
      appendPlain(column, content.slice(steering.renderedTo, start));
      steering.renderedTo = start;
    }
    if (token.steered) {
      steering.pending.push(token);
    }
    if (end > start) {
      if (steering.pending.length > 0) {
        appendSteered(column, content.slice(start, end), steering.pending);
        steering.pending = [];
      } else {
        appendPlain(column, content.slice(start, end));
      }
      steering.renderedTo = end;
    }
  }
  if (final) {
    if (content.length > steering.renderedTo) {
      appendPlain(column, content.slice(steering.renderedTo));
      steering.renderedTo = content.length;
    }
    if (steering.pending.length > 0) {
      appendSteered(column, "", steering.pending);
      steering.pending = [];
    }
  }
  if (steering.renderedTo !== before) {
    column.tail.data = content.slice(steering.renderedTo);
  }
}

function appendPlain(column, text) {
  const previous = column.tail.previousSibling;
  if (previous?.nodeType === Node.TEXT_NODE) {
    previous.appendData(text);
  } else {
    column.tail.before(text);
  }
}

function appendSteered(column, text, tokens) {
  const { reference } = column.steering;
  const mark = document.createElement("mark");
  mark.className = "steered";
  mark.tabIndex = 0;
  mark.textContent = text;
  mark.setAttribute("aria-description", `Steered. ${tokens.map((token) => steeringLines(token, reference).join(". ")).join(". ")}.`);
  steeredTokens.set(mark, { tokens, reference });
  column.tail.before(mark);
}

/**
 * What a token's steering is measured against: W, the principle in the prompt, with one principle; with several, P,
 * their combination at step 0 (l_U + Σ_i (l_{W_i} − l_U)), which no column shows.
 */
function steeringReference(principles) {
  return principles.length === 1
    ? { name: "W", alone: "Principle in prompt alone", under: "with the principle in the prompt", what: "W, the model with the principle in its prompt" }
    : { name: "P", alone: "Principles at step 0", under: "at step 0", what: "P, the principles combined at step 0" };
}

/** A token as a reader can tell it apart: its visible text quoted, or what it is when it has none. */
function tokenLabel(text) {
  if (text === "") {
    return "the end of the reply";
  }
  const visible = text.trim();
  if (visible === "") {
    return text.includes("\n") ? "a line break" : "a space";
  }
  return `“${visible}”`;
}

/** What the reference alone would have chosen, then the emitted token's own two probabilities. */
function steeringLines(token, reference) {
  const alone = token.principle_choice;
  return [
    `${reference.alone}: ${tokenLabel(alone.text)}, ${probability(alone.probability)}`,
    `Chosen: ${tokenLabel(token.text)}, ${probability(token.probability)} aligned, ${probability(token.principle_probability)} ${reference.under}`,
  ];
}

function probability(value) {
  return value > 0 && value < 0.0001 ? "< 0.01%" : percent.format(value);
}

function addSteeredTokens(column, tokens) {
  const { steering } = column;
  steering.tokens.push(...tokens);
  steering.steered += tokens.filter((token) => token.steered).length;
  renderTokens(column, false);
  renderSummary(column);
}

/**
 * Counted from the tokens while the reply streams; the server's diagnostics, with the divergences, replace the count
 * when the reply ends. A reply stopped before then keeps the count.
 */
function renderSummary(column) {
  const { steering, summary } = column;
  const { diagnostics, reference } = steering;
  if (diagnostics === null && steering.tokens.length === 0) {
    return;
  }
  const steered = diagnostics?.steered_tokens ?? steering.steered;
  const total = diagnostics?.steps ?? steering.tokens.length;
  let text = `${wholeNumber.format(steered)} of ${wholeNumber.format(total)} tokens steered`;
  if (diagnostics) {
    const { name, what } = reference;
    text += ` · mean KL(aligned‖${name}) ${divergence.format(diagnostics.mean_kl_aligned_principled)}`;
    summary.title =
      `KL(aligned‖${name}) per token, in nats: how far steering moved each token's distribution from ${what} ` +
      `(mean ${divergence.format(diagnostics.mean_kl_aligned_principled)}, max ${divergence.format(diagnostics.max_kl_aligned_principled)}). ` +
      `KL(${name}‖U), how far ${name} is from the base model: mean ${divergence.format(diagnostics.mean_kl_principled_base)}, ` +
      `max ${divergence.format(diagnostics.max_kl_principled_base)}.`;
  } else if (column.finishReason === null) {
    text += " so far";
  }
  summary.textContent = text;
  summary.hidden = false;
}

/**
 * One tooltip for every highlighted token, placed under it (above it near the bottom of the window) and kept within
 * the page's width, so that it never makes a narrow page scroll sideways.
 */
function showTokenTip(ui, mark) {
  const tip = ui.tokenTip;
  const { tokens, reference } = steeredTokens.get(mark);
  const lines = tokens.flatMap((token) => {
    const [alone, chosen] = steeringLines(token, reference);
    const strong = document.createElement("strong");
    strong.textContent = alone;
    const first = document.createElement("p");
    first.append(strong);
    const second = document.createElement("p");
    second.textContent = chosen;
    return [first, second];
  });
  tip.replaceChildren(...lines);
  tip.hidden = false;
  ui.tokenTipAnchor = mark;
  const box = mark.getClientRects()[0] ?? mark.getBoundingClientRect();
  const width = document.documentElement.clientWidth;
  const left = Math.max(8, Math.min(box.left, width - tip.offsetWidth - 8));
  const below = box.bottom + 6;
  const above = box.top - 6 - tip.offsetHeight;
  const top = below + tip.offsetHeight > window.innerHeight && above > 0 ? above : below;
  tip.style.left = `${left + window.scrollX}px`;
  tip.style.top = `${top + window.scrollY}px`;
}

function hideTokenTip(ui) {
  ui.tokenTip.hidden = true;
  ui.tokenTipAnchor = null;
}

/**
 * Hover and focus both show the tooltip; it stays while the pointer moves onto it or the token keeps the focus, and
 * Escape dismisses it without moving the focus.
 */
function watchSteeredTokens(ui) {
  const steeredAt = (node) => (node instanceof Element ? node.closest("mark.steered") : null);
  ui.transcript.addEventListener("focusin", (event) => {
    const mark = steeredAt(event.target);
    if (mark) {
      showTokenTip(ui, mark);
    }
  });
  ui.transcript.addEventListener("focusout", (event) => {
    if (steeredAt(event.target) === ui.tokenTipAnchor) {
      hideTokenTip(ui);
    }
  });
  ui.transcript.addEventListener("mouseover", (event) => {
    const mark = steeredAt(event.target);
    if (mark && mark !== ui.tokenTipAnchor) {
      showTokenTip(ui, mark);
    }
  });
  const leave = (event) => {
    const anchor = ui.tokenTipAnchor;
    const to = event.relatedTarget;
    if (anchor && document.activeElement !== anchor && !(to instanceof Node && (anchor.contains(to) || ui.tokenTip.contains(to)))) {
      hideTokenTip(ui);
    }
  };
  ui.transcript.addEventListener("mouseout", (event) => {
    if (steeredAt(event.target) === ui.tokenTipAnchor) {
      leave(event);
    }
  });
  ui.tokenTip.addEventListener("mouseleave", leave);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !ui.tokenTip.hidden) {
      hideTokenTip(ui);
    }
  });
  window.addEventListener("resize", () => hideTokenTip(ui));
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
    if (column.steering && choice.linear_alignment?.tokens) {
      addSteeredTokens(column, choice.linear_alignment.tokens);
    }
    if (choice.finish_reason) {
      column.finishReason = choice.finish_reason;
      column.section.setAttribute("aria-busy", "false");
      renderStats(column);
      if (column.steering) {
        renderTokens(column, true);
      }
    }
  }
  // The chunk that ends the linear alignment choice carries its diagnostics; the first chunk has none.
  for (const diagnostics of chunk.linear_alignment?.diagnostics ?? []) {
    const column = columns[diagnostics.index];
    if (column?.steering) {
      column.steering.diagnostics = diagnostics;
      renderSummary(column);
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
    if (column.steering) {
      renderTokens(column, true);
      renderSummary(column);
    }
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
      turn.replies = turn.view.columns.map((column) => column.content);
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
  hideTokenTip(ui);
  ui.transcript.replaceChildren();
  ui.emptyChat.hidden = false;
  showAlert(ui, "");
  setStatus(ui, "New chat started.");
  ui.userMessage.focus();
}

function showStepSize({ stepSize, stepValue }) {
  const step = formatStep(stepSize.value);
  stepValue.value = step;
  stepSize.setAttribute("aria-valuetext", stepMeaning(Number(step)));
}

// ---- Principles ----------------------------------------------------------------------------------------------------

let principleIds = 0;

/**
 * A further principle below the others, with its own step. Its ids count up rather than follow its position, which
 * changes when one above it is removed.
 */
function addPrinciple(ui) {
  if (ui.principleEntries.length >= MAX_PRINCIPLES) {
    return;
  }
  const item = ui.principleTemplate.content.firstElementChild.cloneNode(true);
  principleIds += 1;
  const id = `principle-${principleIds + 1}`;
  const entry = {
    item,
    principle: item.querySelector("textarea"),
    label: item.querySelector(".principle-label"),
    stepSize: item.querySelector(".step-size"),
    stepValue: item.querySelector(".step-value"),
    stepLabel: item.querySelector(".step-size-label"),
    remove: item.querySelector(".remove-principle"),
  };
  entry.principle.id = id;
  entry.label.htmlFor = id;
  entry.stepSize.id = `${id}-step`;
  entry.stepLabel.htmlFor = entry.stepSize.id;
  entry.stepValue.htmlFor = entry.stepSize.id;
  entry.stepSize.addEventListener("input", () => showStepSize(entry));
  entry.remove.addEventListener("click", () => removePrinciple(ui, entry));
  ui.principleEntries.push(entry);
  ui.principleList.append(item);
  numberPrinciples(ui);
  showStepSize(entry);
  entry.principle.focus();
}

/** The focus goes to the Remove button that takes the removed one's place, or else to Add principle. */
function removePrinciple(ui, entry) {
  const index = ui.principleEntries.indexOf(entry);
  ui.principleEntries.splice(index, 1);
  entry.item.remove();
  numberPrinciples(ui);
  (ui.principleEntries[index]?.remove ?? ui.addPrinciple).focus();
}

/** The first keeps its plain "Principle" (the examples fill it); the others are named by their position. */
function numberPrinciples(ui) {
  ui.principleEntries.forEach((entry, index) => {
    if (index === 0) {
      return;
    }
    const number = index + 1;
    entry.label.textContent = `Principle ${number}`;
    entry.stepLabel.querySelector(".visually-hidden").textContent = `for principle ${number}`;
    entry.remove.setAttribute("aria-label", `Remove principle ${number}`);
  });
  ui.addPrinciple.disabled = ui.principleEntries.length >= MAX_PRINCIPLES;
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
  ui.principleEntries = [{ principle: ui.principle, stepSize: ui.stepSize, stepValue: ui.stepSizeValue }];
  ui.stepSize.addEventListener("input", () => showStepSize(ui.principleEntries[0]));
  showStepSize(ui.principleEntries[0]);
  ui.addPrinciple.addEventListener("click", () => addPrinciple(ui));
  watchSteeredTokens(ui);
  ui.jsonSchema.addEventListener("input", () => showSchemaError(ui, ""));
  ui.exampleSchema.addEventListener("click", () => {
    ui.jsonSchema.value = JSON.stringify(EXAMPLE_SCHEMA, null, 2);
    showSchemaError(ui, "");
  });

  // What takes the focus (a steered token, a reply's radio) is scrolled clear of the sticky composer, not under it.
  new ResizeObserver(([entry]) => {
    document.documentElement.style.scrollPaddingBottom = `${entry.borderBoxSize[0].blockSize}px`;
  }).observe(ui.chatForm);

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
