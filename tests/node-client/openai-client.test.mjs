// OpenAI's own Node client, unchanged, against a running LinearAlign server (started by NodeOpenAiClientTests,
// which passes its address, API key and model alias in the environment).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { AuthenticationError, BadRequestError } from 'openai';

function fromEnvironment(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set: run this through NodeOpenAiClientTests, or point it at a running server`);
  return value;
}

const baseURL = `${fromEnvironment('LINEARALIGN_BASE_URL')}/v1`;
const apiKey = fromEnvironment('LINEARALIGN_API_KEY');
const model = fromEnvironment('LINEARALIGN_MODEL');

// A retry would turn a server error into a slow, less clear failure.
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });

const maxTokens = 8;
// The tiny random test model ends its turn at once; suppressing its two end tokens (2 </s>, 4 <|im_end|>) makes it write.
const greedyText = { model, temperature: 0, max_tokens: maxTokens, logit_bias: { 2: -100, 4: -100 } };
// The extensions ride as top-level body fields, which the SDK sends through untouched.
const aligned = { principle: 'Answer as a cautious security engineer.', step_size: 1.5 };
const alignedChat = {
  ...greedyText,
  ...aligned,
  messages: [{ role: 'user', content: 'How should I store my passwords?' }],
};

function assertUsageIsConsistent(usage) {
  assert.ok(usage.prompt_tokens > 0, `prompt_tokens ${usage.prompt_tokens}`);
  assert.ok(usage.completion_tokens > 0 && usage.completion_tokens <= maxTokens, `completion_tokens ${usage.completion_tokens}`);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
}

test('a chat completion with principle and step_size comes back in OpenAI shape, echoing the alignment', async () => {
  const completion = await client.chat.completions.create(alignedChat);

  assert.equal(completion.object, 'chat.completion');
  assert.match(completion.id, /^chatcmpl-/);
  assert.equal(completion.model, model);
  assert.equal(completion.choices.length, 1);
  const [choice] = completion.choices;
  assert.equal(choice.message.role, 'assistant');
  assert.ok(choice.message.content.length > 0, 'the model wrote nothing');
  assert.ok(['stop', 'length'].includes(choice.finish_reason), `finish_reason ${choice.finish_reason}`);
  assertUsageIsConsistent(completion.usage);
  if (choice.finish_reason === 'length') {
    assert.equal(completion.usage.completion_tokens, maxTokens);
  }
  assert.equal(completion.linear_alignment.step_size, aligned.step_size);
  assert.ok(completion.linear_alignment.principle_tokens > 0);
});

test('a streamed chat completion with the extensions sends the same text as the whole response, then usage', async () => {
  const whole = await client.chat.completions.create(alignedChat);

  const stream = await client.chat.completions.create({ ...alignedChat, stream: true, stream_options: { include_usage: true } });
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }

  assert.ok(chunks.every(c => c.object === 'chat.completion.chunk' && c.id === chunks[0].id));
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(chunks[0].linear_alignment.step_size, aligned.step_size);
  const text = chunks.flatMap(c => c.choices).map(c => c.delta.content ?? '').join('');
  assert.equal(text, whole.choices[0].message.content);
  const finishes = chunks.flatMap(c => c.choices).filter(c => c.finish_reason !== null);
  assert.deepEqual(finishes.map(c => [c.index, c.finish_reason]), [[0, whole.choices[0].finish_reason]]);
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, whole.usage);
});

test('a plain text completion needs no extension and echoes no alignment', async () => {
  const completion = await client.completions.create({ ...greedyText, prompt: 'The capital of France is' });

  assert.equal(completion.object, 'text_completion');
  assert.match(completion.id, /^cmpl-/);
  assert.equal(completion.choices.length, 1);
  assert.ok(completion.choices[0].text.length > 0, 'the model wrote nothing');
  assert.ok(['stop', 'length'].includes(completion.choices[0].finish_reason));
  assertUsageIsConsistent(completion.usage);
  assert.equal(completion.linear_alignment, undefined);
});

test('logprobs come back in the shapes the client types: chat content entries and the legacy arrays', async () => {
  const chat = await client.chat.completions.create({ ...alignedChat, logprobs: true, top_logprobs: 3 });
  const legacy = await client.completions.create({ ...greedyText, prompt: 'The capital of France is', logprobs: 2 });

  const [choice] = chat.choices;
  assert.equal(choice.logprobs.refusal, null);
  assert.equal(choice.logprobs.content.map(entry => entry.token).join(''), choice.message.content);
  for (const entry of choice.logprobs.content) {
    assert.ok(entry.logprob <= 0, `logprob ${entry.logprob}`);
    assert.equal(Buffer.from(entry.bytes).toString('utf8'), entry.token);
    assert.deepEqual(entry.top_logprobs[0], { token: entry.token, logprob: entry.logprob, bytes: entry.bytes });
    assert.equal(entry.top_logprobs.length, 3);
    assert.ok(entry.linear_alignment.logprob_with_principle <= 0 && entry.linear_alignment.logprob_without_principle <= 0);
  }
  const { tokens, token_logprobs, top_logprobs, text_offset } = legacy.choices[0].logprobs;
  assert.equal(tokens.join(''), legacy.choices[0].text);
  assert.equal(token_logprobs.length, tokens.length);
  assert.ok(top_logprobs.every(alternatives => Object.keys(alternatives).length === 2));
  assert.deepEqual(text_offset, tokens.map((_, i) => tokens.slice(0, i).join('').length));
});

test('the model list holds the served model', async () => {
  const models = [];
  for await (const card of client.models.list()) {
    models.push(card);
  }

  assert.deepEqual(models.map(m => [m.id, m.object]), [[model, 'model']]);
});

test('a parameter out of range is a BadRequestError naming the parameter', async () => {
  await assert.rejects(client.chat.completions.create({ ...alignedChat, temperature: 5 }), error => {
    assert.ok(error instanceof BadRequestError, `${error}`);
    assert.equal(error.status, 400);
    assert.equal(error.param, 'temperature');
    assert.equal(error.type, 'invalid_request_error');
    return true;
  });
});

test('a wrong API key is an AuthenticationError', async () => {
  const stranger = new OpenAI({ baseURL, apiKey: `not-${apiKey}`, maxRetries: 0 });

  await assert.rejects(stranger.chat.completions.create(alignedChat), error => {
    assert.ok(error instanceof AuthenticationError, `${error}`);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'invalid_api_key');
    return true;
  });
});
