/** image_i2t builds exactly what image_cls builds (VLM2Vec's image_i2t_eval.py mirrors image_cls). */
export { imageClsAdapter as imageI2tAdapter } from './image_cls.js';
