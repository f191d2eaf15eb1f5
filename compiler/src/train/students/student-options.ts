/** Shape and size of a student network. */
export interface StudentOptions {
  /** Width multiplier on every channel count (MobileNet's α). */
  width: number;
  /** [height, width, channels] of the input image. */
  inputShape: [number, number, number];
  classes: number;
  /** Append SOFTMAX after the logits (the exported model then outputs probabilities). */
  softmax?: boolean;
  /** Multiplier on the number of blocks per stage (EfficientNet's depth coefficient); default 1. */
  depth?: number;
  /** Channels of the last 1×1 conv; default scaled from the template's with `width`. */
  headChannels?: number;
  /** Stride of the first conv; 1 suits small images (28×28, 32×32) that a stride-32 network shrinks to 1×1. Default 2. */
  stemStride?: number;
  seed?: number;
}
