/**
 * `doctor`'s audio check, for protocols that send audio (the omni protocols): one tiny generated clip (0.5 s of a
 * 440 Hz tone at 16 kHz, already as the collator would hand it to the model) sent exactly as the protocol sends a
 * clip — a float32 WAV `input_audio` part with the protocol's template and flags — which the server must answer
 * with a finite embedding. A server without audio support (no `vllm[audio]`, a text-only model, an audio limit of
 * 0 per prompt) fails here, before a long run.
 */
import { protocolRequest } from '../backends/openai.js';
import { planFor } from '../backends/protocols/apply.js';
import type { Protocol } from '../backends/protocols/types.js';
import type { EmbedInput } from '../backends/types.js';

/** The clip: 8,000 float32 samples of a 440 Hz tone at amplitude 0.25. */
export function doctorClip(): EmbedInput {
  const samples = new Float32Array(8000);
  for (let i = 0; i < samples.length; i++) samples[i] = 0.25 * Math.sin((2 * Math.PI * 440 * i) / 16000);
  return {
    text: '[AUDIO]',
    media: [{ kind: 'audio', path: 'doctor/tone-440hz.wav', samples, sampleRate: 16000 }],
    role: 'target',
    parts: { instruction: '', text: '[AUDIO]', rule: { kind: 'raw' } },
  };
}

export type Post = (path: string, body: unknown) => Promise<{ status: number; json: unknown; text: string }>;
export type AddCheck = (check: string, status: 'pass' | 'fail' | 'skip', message: string, fix?: string) => void;

/** Sends the clip through `post` (the endpoint's POST) and records one `audio` check; skipped for protocols without audio. */
export async function audioCheck(protocol: Protocol, model: string, sendChatTemplate: boolean, post: Post, add: AddCheck): Promise<void> {
  if (!protocol.audio) return;
  const input = doctorClip();
  const { path, body } = await protocolRequest(planFor(protocol, input), input.media, { model, sendChatTemplate });
  let res: Awaited<ReturnType<Post>>;
  try {
    res = await post(path, body);
  } catch (err) {
    add('audio', 'fail', (err as Error).message, 'check the server log');
    return;
  }
  const emb = (res.json as { data?: { embedding?: unknown }[] } | null)?.data?.[0]?.embedding;
  if (res.status === 200 && Array.isArray(emb) && emb.length > 0 && emb.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    add('audio', 'pass', `a 0.5 s 16 kHz clip (input_audio, float32 WAV) gives a ${emb.length}-dimensional embedding`);
    return;
  }
  add(
    'audio',
    'fail',
    `a 0.5 s 16 kHz clip (input_audio, float32 WAV) was answered HTTP ${res.status}: ${res.text.slice(0, 300)}`,
    /audio/i.test(res.text) && /limit|at most|exceed/i.test(res.text)
      ? `allow audio per prompt: --limit-mm-per-prompt '{"image": 1, "video": 1, "audio": 1}'`
      : 'serve an omni model with audio support (vLLM: pip install "vllm[audio]"); see docs/serving.md',
  );
}
