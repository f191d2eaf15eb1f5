package dev.mlshrink.gradle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompilerSettingsTest {
    @Test
    void normalizesPruneFromStringsAndNumbers() {
        assertEquals("auto", CompilerSettings.normalizePrune("auto"));
        assertEquals("none", CompilerSettings.normalizePrune(" NONE "));
        assertEquals("0.5", CompilerSettings.normalizePrune(0.5));
        assertEquals("0.5", CompilerSettings.normalizePrune("0.50"));
        assertEquals("0.25", CompilerSettings.normalizePrune(0.25f));
        assertEquals("0", CompilerSettings.normalizePrune(0));
        assertThrows(IllegalArgumentException.class, () -> CompilerSettings.normalizePrune("lots"));
        assertThrows(IllegalArgumentException.class, () -> CompilerSettings.normalizePrune(1.0));
        assertThrows(IllegalArgumentException.class, () -> CompilerSettings.normalizePrune(-0.1));
    }

    @Test
    void writesTheConfigJson() {
        CompilerSettings s = new CompilerSettings(List.of("**/*.tflite", "models/\"odd\".tflite"), "0.5", "int8", 16,
                true, 0.01, Path.of("/data/calibration"), Path.of("/data/eval"));
        assertEquals("""
                {
                  "models": ["**/*.tflite", "models/\\"odd\\".tflite"],
                  "prune": 0.5,
                  "quantize": "int8",
                  "cluster": 16,
                  "pack": "huffman",
                  "calibration": "/data/calibration",
                  "eval": "/data/eval",
                  "maxAccuracyDrop": 0.01
                }
                """, s.toJson());
    }

    @Test
    void omitsUnsetOptionalFields() {
        CompilerSettings s = new CompilerSettings(List.of("a.tflite"), "none", "none", null, false, 0.1, null, null);
        assertEquals("""
                {
                  "models": ["a.tflite"],
                  "prune": 0,
                  "quantize": "none",
                  "pack": "none",
                  "maxAccuracyDrop": 0.1
                }
                """, s.toJson());
    }

    @Test
    void passesTheFidelityBudgetThroughWhenSet() {
        CompilerSettings s = new CompilerSettings(List.of("a.tflite"), "none", "dynamic", null, false, 0.1, null, null, 0.05);
        assertEquals("""
                {
                  "models": ["a.tflite"],
                  "prune": 0,
                  "quantize": "dynamic",
                  "pack": "none",
                  "maxFidelityLoss": 0.05,
                  "maxAccuracyDrop": 0.1
                }
                """, s.toJson());
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> new CompilerSettings(List.of("*.tflite"), "auto", "int8", null, true, 0.01, null, null, 2.0));
        assertTrue(f.getMessage().contains("maxFidelityLoss"), f.getMessage());
    }

    @Test
    void rejectsBadSettingsWithTheSettingName() {
        IllegalArgumentException q = assertThrows(IllegalArgumentException.class,
                () -> new CompilerSettings(List.of("*.tflite"), "auto", "int4", null, true, 0.01, null, null));
        assertTrue(q.getMessage().contains("quantize"), q.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> new CompilerSettings(List.of("*.tflite"), "auto", "int8", null, true, 1.5, null, null));
        assertTrue(d.getMessage().contains("maxAccuracyDrop"), d.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> new CompilerSettings(List.of("*.tflite"), "auto", "int8", 1, true, 0.01, null, null));
        assertTrue(c.getMessage().contains("cluster"), c.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> new CompilerSettings(List.of(), "auto", "int8", null, true, 0.01, null, null));
        assertTrue(m.getMessage().contains("models"), m.getMessage());
    }

    @Test
    void writesWeightBitsOnlyWhenFourAndRefusesOtherValues() {
        CompilerSettings four = new CompilerSettings(List.of("a.tflite"), "none", "int8", 16, true, 0.01, null, null, null, false, 4);
        assertEquals("""
                {
                  "models": ["a.tflite"],
                  "prune": 0,
                  "quantize": "int8",
                  "weightBits": 4,
                  "cluster": 16,
                  "pack": "huffman",
                  "maxAccuracyDrop": 0.01
                }
                """, four.toJson());
        CompilerSettings eight = new CompilerSettings(List.of("a.tflite"), "none", "int8", 16, true, 0.01, null, null, null, false, 8);
        assertEquals(new CompilerSettings(List.of("a.tflite"), "none", "int8", 16, true, 0.01, null, null).toJson(), eight.toJson());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CompilerSettings(List.of("a.tflite"), "none", "int8", null, true, 0.01, null, null, null, false, 2));
        assertTrue(e.getMessage().contains("weightBits must be 4 or 8"), e.getMessage());
    }

    @Test
    void writesAutoAndRefusesFixedSettingsBesideIt() {
        CompilerSettings s = new CompilerSettings(List.of("a.tflite"), "none", "int8", null, true, 0.01,
                Path.of("/data/calibration"), Path.of("/data/eval"), null, true);
        assertEquals("""
                {
                  "models": ["a.tflite"],
                  "auto": true,
                  "prune": 0,
                  "quantize": "int8",
                  "pack": "huffman",
                  "calibration": "/data/calibration",
                  "eval": "/data/eval",
                  "maxAccuracyDrop": 0.01
                }
                """, s.toJson());
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
                () -> new CompilerSettings(List.of("a.tflite"), "0.5", "int8", null, true, 0.01, null, null, null, true));
        assertTrue(p.getMessage().contains("auto") && p.getMessage().contains("prune"), p.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> new CompilerSettings(List.of("a.tflite"), "none", "int8", 16, true, 0.01, null, null, null, true));
        assertTrue(c.getMessage().contains("cluster"), c.getMessage());
    }

    @Test
    void writesFinetuneKeysOnlyWithTrainingAndRefusesBadValues() {
        CompilerSettings trained = new CompilerSettings(List.of("a.tflite"), "none", "int8", null, true, 0.01,
                Path.of("/data/calibration"), Path.of("/data/eval"), null, true, 8,
                new Finetune(3, Path.of("/data/train"), 20000));
        CompilerSettings untrained = new CompilerSettings(List.of("a.tflite"), "none", "int8", null, true, 0.01,
                Path.of("/data/calibration"), Path.of("/data/eval"), null, true, 8, Finetune.OFF);
        // The three keys, in order, just before the budget.
        assertEquals(untrained.toJson().replace("  \"maxAccuracyDrop\"", "  \"finetune\": 3,\n"
                + "  \"finetuneData\": \"/data/train\",\n  \"finetuneSamples\": 20000,\n  \"maxAccuracyDrop\""), trained.toJson());
        // Data and samples without epochs are no training: the file stays what it was before these keys existed.
        CompilerSettings off = new CompilerSettings(List.of("a.tflite"), "none", "int8", null, true, 0.01, null, null,
                null, false, 8, new Finetune(0, Path.of("/data/train"), 5));
        assertEquals(new CompilerSettings(List.of("a.tflite"), "none", "int8", null, true, 0.01, null, null).toJson(),
                off.toJson());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Finetune(-1, null, null));
        assertTrue(e.getMessage().contains("finetune"), e.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> new Finetune(2, null, 0));
        assertTrue(n.getMessage().contains("finetuneSamples"), n.getMessage());
    }

    @Test
    void writesTheTimeBudgetInSecondsOnlyWhenSetAndOnlyWithAuto() {
        CompilerSettings timed = new CompilerSettings(List.of("a.tflite"), "none", "int8", null, true, 0.01, null,
                Path.of("/data/eval"), null, true, 8, new Finetune(2, null, null), Duration.ofMinutes(10));
        assertEquals("""
                {
                  "models": ["a.tflite"],
                  "auto": true,
                  "prune": 0,
                  "quantize": "int8",
                  "pack": "huffman",
                  "eval": "/data/eval",
                  "finetune": 2,
                  "timeBudget": 600,
                  "maxAccuracyDrop": 0.01
                }
                """, timed.toJson());
        assertEquals("5400", CompilerSettings.seconds(Duration.ofMinutes(90)));
        assertEquals("1.5", CompilerSettings.seconds(Duration.ofMillis(1500)));
        // Unset: the file stays what it was before the key existed.
        CompilerSettings untimed = new CompilerSettings(List.of("a.tflite"), "none", "int8", null, true, 0.01, null,
                Path.of("/data/eval"), null, true, 8, Finetune.OFF, null);
        assertEquals(new CompilerSettings(List.of("a.tflite"), "none", "int8", null, true, 0.01, null,
                Path.of("/data/eval"), null, true).toJson(), untimed.toJson());
        IllegalArgumentException notAuto = assertThrows(IllegalArgumentException.class, () -> new CompilerSettings(
                List.of("a.tflite"), "0.5", "int8", null, true, 0.01, null, null, null, false, 8, Finetune.OFF,
                Duration.ofMinutes(10)));
        assertTrue(notAuto.getMessage().contains("timeBudget only applies with auto = true"), notAuto.getMessage());
        for (Duration bad : List.of(Duration.ZERO, Duration.ofSeconds(-5))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CompilerSettings(
                    List.of("a.tflite"), "none", "int8", null, true, 0.01, null, null, null, true, 8, Finetune.OFF, bad));
            assertTrue(e.getMessage().contains("timeBudget must be a positive duration"), e.getMessage());
        }
    }

    @Test
    void escapesControlCharacters() {
        assertEquals("\"a\\\\b\\tc\\u0001\"", CompilerSettings.quote("a\\b\tc\u0001"));
    }
}
