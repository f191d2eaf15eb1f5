package dev.mlshrink.gradle;

import java.time.Duration;
import org.gradle.api.file.DirectoryProperty;
import org.gradle.api.provider.ListProperty;
import org.gradle.api.provider.Property;

/**
 * The {@code mlshrink { ... }} block. Managed properties, so both the Kotlin DSL
 * ({@code prune.set("auto")}) and Groovy ({@code prune = 0.5}) work; defaults are set by the plugin
 * as conventions.
 */
public abstract class MlShrinkExtension {
    /** Build types whose assets are optimized; default {@code ["release"]} (debug is left untouched). */
    public abstract ListProperty<String> getBuildTypes();

    /** Globs within the merged assets selecting the models; default {@code ["**}{@code /*.tflite"]}. */
    public abstract ListProperty<String> getModels();

    /**
     * Budget-driven search, the compiler's {@code optimize --auto}: per-layer sparsity and cluster count
     * (4..256) chosen by measurement in LiteRT, the smallest packed model within {@code maxAccuracyDrop}
     * (labelled eval data) or {@code maxFidelityLoss} (without). Default false; leave prune and cluster unset.
     */
    public abstract Property<Boolean> getAuto();

    /** "none" (default), "auto" (sensitivity search on the data), or a sparsity such as 0.5 (String or Number). */
    public abstract Property<Object> getPrune();

    /** int8 (default) | dynamic | float16 | none. */
    public abstract Property<String> getQuantize();

    /**
     * 8 (default) or 4: packed int4 weights, half the weight RAM, for the layers whose LiteRT kernel takes them
     * (the compiler's {@code --weight-bits}); int8 is kept when int4 misses the budget.
     */
    public abstract Property<Integer> getWeightBits();

    /** Weight clusters per tensor (e.g. 16); unset means no clustering. */
    public abstract Property<Integer> getCluster();

    /** Huffman-pack models into {@code <model>.tflite.mlshrink}; default true. */
    public abstract Property<Boolean> getPack();

    /** Representative inputs for calibration; default {@code mlshrink/calibration} when that folder exists. */
    public abstract DirectoryProperty getCalibrationData();

    /** Labelled evaluation data (a folder per class); default {@code mlshrink/eval} when that folder exists. */
    public abstract DirectoryProperty getEvalData();

    /** Largest allowed accuracy drop as a fraction; default 0.01. A model over budget fails the build. */
    public abstract Property<Double> getMaxAccuracyDrop();

    /**
     * Fidelity budget when there are no labels: largest noise/signal energy of any output vs the original
     * (0.1 = SQNR 10 dB); unset means the compiler's default. A model over budget fails the build.
     */
    public abstract Property<Double> getMaxFidelityLoss();

    /**
     * Training epochs during the build (the compiler's {@code --finetune}); default 0, no training. With {@code auto},
     * prune → retrain rounds after the search, each judged in LiteRT against the budget; without, recovery fine-tuning
     * before pruning and int8. Distilled from the original model, plus a label loss when the data has labels.
     */
    public abstract Property<Integer> getFinetune();

    /** Training inputs for {@code finetune} (class folders, IDX or CSV); default {@code mlshrink/train} when that folder exists, else the calibration data. */
    public abstract DirectoryProperty getTrainingData();

    /** Training samples used at most; unset means the compiler's default. */
    public abstract Property<Integer> getFinetuneSamples();

    /**
     * With {@code auto} only: how long the search and training may take per model (the compiler's
     * {@code --time-budget}); unset means no limit. Steps predicted to end later are not started, time is kept for the
     * final checks, and the smallest model within the accuracy budget found by then ships; the report says what was cut.
     */
    public abstract Property<Duration> getTimeBudget();

    /** How to start node; default {@code ["node"]}. */
    public abstract ListProperty<String> getNodeExecutableAndArgs();

    /** The installed mlshrink package; unset means node resolution from the project directory. */
    public abstract DirectoryProperty getCompilerPackageDir();

    /** Add {@code dev.mlshrink:mlshrink-runtime} to the app's implementation dependencies; default true. */
    public abstract Property<Boolean> getAddRuntimeDependency();
}
