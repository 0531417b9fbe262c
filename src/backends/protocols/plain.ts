/**
 * CLIP / SigLIP and other dual encoders: the item's text without visual placeholders (trace appended on a
 * new line), every image and every frame as images; no chat template, no processor limits (the model's own
 * preprocessing decides). A video is the mean of its frames on the model side.
 */
import { renderVlm2vec } from '../../items/vlm2vec.js';
import { applyFormat } from '../../items/plain.js';
import { toRef } from './vlm2vec-qwen2vl.js';
import { allMedia, appendTrace, NO_FLAGS, videoIo, type Plan, type Protocol, type ProtocolItem } from './types.js';

export const plainProtocol: Protocol = {
  name: 'plain',
  revision: 1,
  description: 'dual encoders (CLIP, SigLIP): placeholder-free text, media as images',
  plan(item: ProtocolItem): Plan {
    const base = item.parts ? appendTrace(renderVlm2vec(item.parts, item.media.map(toRef), 'qwen2_vl'), item.trace) : item.text;
    const prompt = applyFormat(base, 'plain');
    const media = allMedia(item.media);
    return {
      prompt,
      media,
      messages: [{ role: 'user', content: [...media, { type: 'text', text: prompt }] }],
      template: null,
      flags: NO_FLAGS,
      mmProcessorKwargs: null,
      mediaIoKwargs: videoIo(media),
      clientResize: null,
      resizeSmall: null,
      dropAlpha: false,
      squareAboveRatio: null,
      textOnlyAsInput: true,
      exactPrompt: false,
    };
  },
};
