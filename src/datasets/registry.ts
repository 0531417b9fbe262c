import type { ParserFamily, TaskSpec } from '../catalog/types.js';
import { DataError } from '../errors.js';
import type { Adapter } from './context.js';
import { imageClsAdapter } from './image_cls.js';
import { imageQaAdapter } from './image_qa.js';
import { imageT2iAdapter } from './image_t2i.js';
import { imageI2tAdapter } from './image_i2t.js';
import { imageI2iVgAdapter } from './image_i2i_vg.js';
import { videoClassificationAdapter } from './video_classification.js';
import { ssv2Adapter } from './ssv2.js';
import { videoRetAdapter } from './video_ret.js';
import { momentRetrievalAdapter } from './moment_retrieval.js';
import { momentSeekerAdapter } from './momentseeker.js';
import { videoQaAdapter } from './video_qa.js';
import { vidoreAdapter } from './vidore.js';
import { visragAdapter } from './visrag.js';
import { complexTextRetrieveAdapter } from './complex_text_retrieve.js';
import { memoryRetrievalAdapter } from './memory_retrieval.js';
import { toolDeAdapter } from './toolde.js';
import { guiAdapter } from './gui.js';
import { mcmrAdapter } from './mcmr.js';
import { audioClsAdapter } from './audio_cls.js';
import { clothoAdapter } from './clotho.js';
import { soundDescsAdapter } from './sounddescs.js';
import { speechCocoAdapter } from './speechcoco.js';
import { tutSoundAdapter, tutSoundHardAdapter } from './tutsound.js';
import { aveAdapter } from './ave.js';
import { omnisetAdapter } from './omniset.js';

/**
 * VLM2Vec parser family → adapter. Families that differ only in columns share one adapter. A family the catalog
 * names but that has no adapter yet (some MMEB-V3 families) is refused when its task is loaded (adapterFor).
 */
export const ADAPTERS: Partial<Record<ParserFamily, Adapter>> = {
  image_cls: imageClsAdapter,
  image_qa: imageQaAdapter,
  image_t2i: imageT2iAdapter,
  image_i2t: imageI2tAdapter,
  image_i2i_vg: imageI2iVgAdapter,
  video_classification: videoClassificationAdapter,
  ssv2: ssv2Adapter,
  msrvtt: videoRetAdapter,
  msvd: videoRetAdapter,
  didemo: videoRetAdapter,
  youcook2: videoRetAdapter,
  vatex: videoRetAdapter,
  moment_retrieval: momentRetrievalAdapter,
  momentseeker: momentSeekerAdapter,
  videomme: videoQaAdapter,
  nextqa: videoQaAdapter,
  egoschema: videoQaAdapter,
  mvbench: videoQaAdapter,
  activitynetqa: videoQaAdapter,
  vidore: vidoreAdapter,
  visrag: visragAdapter,
  complex_text_retrieve: complexTextRetrieveAdapter,
  memory_retrieval: memoryRetrievalAdapter,
  toolde: toolDeAdapter,
  gui: guiAdapter,
  mcmr: mcmrAdapter,
  audio_cls: audioClsAdapter,
  clotho_text_audio: clothoAdapter,
  sounddescs_text_audio: soundDescsAdapter,
  audio_ret_speechcoco: speechCocoAdapter,
  tutsound_audio_gnd: tutSoundAdapter,
  tutsound_audio_gnd_hard: tutSoundHardAdapter,
  ave_retrieval: aveAdapter,
  omniset: omnisetAdapter,
};

/** The adapter of a task's parser family; a DataError naming the family where none is built yet. */
export function adapterFor(task: TaskSpec): Adapter {
  const adapter = ADAPTERS[task.parser];
  if (!adapter) throw new DataError(`parser family ${task.parser} is not supported yet`, { task: task.name });
  return adapter;
}
