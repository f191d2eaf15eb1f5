package dev.mlshrink.gradle;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The optimization settings handed to {@code mlshrink assets --config}, validated and written as JSON.
 * Pure data: the Gradle task fills it from its inputs; tests build it directly.
 *
 * @param models          globs (relative to the assets root) selecting the models to optimize
 * @param prune           "auto", "none" or a sparsity fraction such as "0.5" (see {@link #normalizePrune})
 * @param quantize        int8 | dynamic | float16 | none
 * @param cluster         weight clusters per tensor, or null for no clustering
 * @param pack            write Huffman-packed {@code <model>.tflite.mlshrink} instead of {@code .tflite}
 * @param maxAccuracyDrop the accuracy budget as a fraction (0.01 = one point)
 * @param calibrationData representative inputs, or null
 * @param evalData        labelled evaluation data, or null
 * @param maxFidelityLoss fidelity budget without labels (noise/signal energy of the worst output vs the
 *                        original, 0.1 = SQNR 10 dB), or null for the compiler's default
 * @param auto            budget-driven search ({@code optimize --auto}): per-layer sparsity and cluster count
 *                        chosen by measurement; then prune must be "none" and cluster unset
 * @param weightBits      8 (default) or 4: packed int4 weights (half the weight RAM) for the layers whose LiteRT
 *                        kernel takes them ({@code optimize --weight-bits 4})
 * @param finetune        training during the build ({@code optimize --finetune}), {@link Finetune#OFF} for none
 * @param timeBudget      with {@code auto} only: how long the search and training may take per model
 *                        ({@code optimize --time-budget}); steps that would end later are not started and the
 *                        smallest model within the accuracy budget found by then ships; null for no limit
 */
public record CompilerSettings(List<String> models, String prune, String quantize, Integer cluster, boolean pack,
                               double maxAccuracyDrop, Path calibrationData, Path evalData, Double maxFidelityLoss,
                               boolean auto, int weightBits, Finetune finetune, Duration timeBudget) {
    static final Set<String> QUANTIZE_MODES = Set.of("auto", "int8", "dynamic", "float16", "none");

    /** Settings without a time budget. */
    public CompilerSettings(List<String> models, String prune, String quantize, Integer cluster, boolean pack,
                            double maxAccuracyDrop, Path calibrationData, Path evalData, Double maxFidelityLoss,
                            boolean auto, int weightBits, Finetune finetune) {
        this(models, prune, quantize, cluster, pack, maxAccuracyDrop, calibrationData, evalData, maxFidelityLoss, auto,
                weightBits, finetune, null);
    }

    /** Settings without training. */
    public CompilerSettings(List<String> models, String prune, String quantize, Integer cluster, boolean pack,
                            double maxAccuracyDrop, Path calibrationData, Path evalData, Double maxFidelityLoss,
                            boolean auto, int weightBits) {
        this(models, prune, quantize, cluster, pack, maxAccuracyDrop, calibrationData, evalData, maxFidelityLoss, auto,
                weightBits, Finetune.OFF);
    }

    /** Settings with int8 weights. */
    public CompilerSettings(List<String> models, String prune, String quantize, Integer cluster, boolean pack,
                            double maxAccuracyDrop, Path calibrationData, Path evalData, Double maxFidelityLoss,
                            boolean auto) {
        this(models, prune, quantize, cluster, pack, maxAccuracyDrop, calibrationData, evalData, maxFidelityLoss, auto, 8);
    }

    /** Settings without the automatic search. */
    public CompilerSettings(List<String> models, String prune, String quantize, Integer cluster, boolean pack,
                            double maxAccuracyDrop, Path calibrationData, Path evalData, Double maxFidelityLoss) {
        this(models, prune, quantize, cluster, pack, maxAccuracyDrop, calibrationData, evalData, maxFidelityLoss, false, 8);
    }

    /** Settings with the compiler's default fidelity budget. */
    public CompilerSettings(List<String> models, String prune, String quantize, Integer cluster, boolean pack,
                            double maxAccuracyDrop, Path calibrationData, Path evalData) {
        this(models, prune, quantize, cluster, pack, maxAccuracyDrop, calibrationData, evalData, null, false, 8);
    }

    public CompilerSettings {
        models = List.copyOf(models);
        finetune = finetune == null ? Finetune.OFF : finetune;
        if (models.isEmpty()) {
            throw new IllegalArgumentException("mlshrink: models is empty; give at least one glob such as \"**/*.tflite\"");
        }
        prune = normalizePrune(prune);
        if (!QUANTIZE_MODES.contains(quantize)) {
            throw new IllegalArgumentException("mlshrink: quantize must be one of int8, dynamic, float16, none (got '"
                    + quantize + "')");
        }
        if (cluster != null && (cluster < 2 || cluster > 256)) {
            throw new IllegalArgumentException("mlshrink: cluster must be between 2 and 256 (got " + cluster + ")");
        }
        if (!(maxAccuracyDrop >= 0 && maxAccuracyDrop <= 1)) {
            throw new IllegalArgumentException("mlshrink: maxAccuracyDrop is a fraction in [0, 1] (got " + maxAccuracyDrop
                    + "); 0.01 means one accuracy point");
        }
        if (maxFidelityLoss != null && !(maxFidelityLoss >= 0 && maxFidelityLoss <= 1)) {
            throw new IllegalArgumentException("mlshrink: maxFidelityLoss is in [0, 1] (got " + maxFidelityLoss
                    + "); 0.1 means output SQNR of at least 10 dB, 1 only reports");
        }
        if (weightBits != 4 && weightBits != 8) {
            throw new IllegalArgumentException("mlshrink: weightBits must be 4 or 8 (got " + weightBits + ")");
        }
        if (timeBudget != null && (timeBudget.isNegative() || timeBudget.isZero())) {
            throw new IllegalArgumentException("mlshrink: timeBudget must be a positive duration (got " + timeBudget + ")");
        }
        if (timeBudget != null && !auto) {
            throw new IllegalArgumentException("mlshrink: timeBudget only applies with auto = true (the search is what can"
                    + " stop early); set auto or leave timeBudget unset");
        }
        if (auto && (!prune.equals("none") || cluster != null)) {
            throw new IllegalArgumentException("mlshrink: auto chooses sparsity and clusters per layer itself; leave prune"
                    + " unset (got '" + prune + "') and cluster unset (got " + cluster + ")");
        }
    }

    /**
     * Canonical text of the prune setting: "auto", "none", or a plain decimal sparsity in [0, 1).
     * Accepts what a build script may pass: a String or a Number.
     */
    public static String normalizePrune(Object value) {
        if (value instanceof Number n) {
            return fraction(n.doubleValue());
        }
        String text = String.valueOf(value).trim().toLowerCase(Locale.ROOT);
        if (text.equals("auto") || text.equals("none")) {
            return text;
        }
        try {
            return fraction(Double.parseDouble(text));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mlshrink: prune must be \"auto\", \"none\" or a sparsity such as 0.5 (got '"
                    + value + "')");
        }
    }

    private static String fraction(double d) {
        if (!(d >= 0 && d < 1)) {
            throw new IllegalArgumentException("mlshrink: prune sparsity must be in [0, 1) (got " + d + ")");
        }
        return number(d);
    }

    /** Shortest plain decimal ("0.5", not "0.50" or "5E-1"), so equal settings give byte-identical JSON. */
    static String number(double d) {
        String s = BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    /**
     * The config file's content, in the compiler's own config format ({@code mlshrink.config.json} keys:
     * auto, prune, cluster, quantize, weightBits, pack, calibration, eval, maxFidelityLoss, finetune, finetuneData,
     * finetuneSamples, timeBudget, maxAccuracyDrop) plus {@code models}, the globs the {@code assets} command applies it
     * to. Keys in a fixed order, one per line; weightBits only when 4, the finetune keys only with training and timeBudget
     * (in seconds) only when set, so settings from before they existed give the same file.
     */
    public String toJson() {
        StringBuilder json = new StringBuilder("{\n");
        json.append("  \"models\": [");
        for (int i = 0; i < models.size(); i++) {
            json.append(i == 0 ? "" : ", ").append(quote(models.get(i)));
        }
        json.append("],\n");
        if (auto) {
            json.append("  \"auto\": true,\n");
        }
        String prune = switch (this.prune) {
            case "auto" -> quote("auto");
            case "none" -> "0";
            default -> this.prune;
        };
        json.append("  \"prune\": ").append(prune).append(",\n");
        json.append("  \"quantize\": ").append(quote(quantize)).append(",\n");
        if (weightBits == 4) {
            json.append("  \"weightBits\": 4,\n");
        }
        if (cluster != null) {
            json.append("  \"cluster\": ").append(cluster).append(",\n");
        }
        json.append("  \"pack\": ").append(quote(pack ? "huffman" : "none")).append(",\n");
        if (calibrationData != null) {
            json.append("  \"calibration\": ").append(quote(calibrationData.toString())).append(",\n");
        }
        if (evalData != null) {
            json.append("  \"eval\": ").append(quote(evalData.toString())).append(",\n");
        }
        if (maxFidelityLoss != null) {
            json.append("  \"maxFidelityLoss\": ").append(number(maxFidelityLoss)).append(",\n");
        }
        finetune.appendJson(json);
        if (timeBudget != null) {
            json.append("  \"timeBudget\": ").append(seconds(timeBudget)).append(",\n");
        }
        json.append("  \"maxAccuracyDrop\": ").append(number(maxAccuracyDrop)).append("\n}\n");
        return json.toString();
    }

    /** Exact seconds as a plain decimal ("600", "1.5"), as the compiler's timeBudget key takes them. */
    static String seconds(Duration d) {
        return BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9)).stripTrailingZeros()
                .toPlainString();
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
