package dev.mlshrink.gradle;

import java.nio.file.Path;

/**
 * Training during the build ({@code optimize --finetune N}): with {@code auto}, prune → retrain rounds after the
 * search, each round judged in LiteRT; without, recovery fine-tuning before pruning and int8. Distilled from the
 * original model, plus a label loss when the training data has labels.
 *
 * @param epochs  training epochs at most; 0 = no training
 * @param data    training inputs (class folders, IDX or CSV), or null for the calibration data
 * @param samples training samples used at most, or null for the compiler's default
 */
public record Finetune(int epochs, Path data, Integer samples) {
    /** No training: the compiler's default. */
    public static final Finetune OFF = new Finetune(0, null, null);

    public Finetune {
        if (epochs < 0) {
            throw new IllegalArgumentException("mlshrink: finetune is a number of epochs, 0 or more (got " + epochs + ")");
        }
        if (samples != null && samples < 1) {
            throw new IllegalArgumentException("mlshrink: finetuneSamples must be at least 1 (got " + samples + ")");
        }
    }

    /** The config keys, one per line; nothing when training is off, so such configs stay byte-identical to before. */
    void appendJson(StringBuilder json) {
        if (epochs == 0) {
            return;
        }
        json.append("  \"finetune\": ").append(epochs).append(",\n");
        if (data != null) {
            json.append("  \"finetuneData\": ").append(CompilerSettings.quote(data.toString())).append(",\n");
        }
        if (samples != null) {
            json.append("  \"finetuneSamples\": ").append(samples).append(",\n");
        }
    }
}
