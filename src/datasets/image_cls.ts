/** image_cls (and image_i2t): image (+ text) query, text candidates whose id is the text; gold = tgt_text[0]. */
import { textCandidatesAdapter } from './image_common.js';

export const imageClsAdapter = textCandidatesAdapter({ qaStyle: false });
