/** image_qa: like image_cls, but the instruction becomes "\n" + inst.strip() before the text is built. */
import { textCandidatesAdapter } from './image_common.js';

export const imageQaAdapter = textCandidatesAdapter({ qaStyle: true });
