// Test-only shim of androidx.test:monitor (see ../README.md in src/test/androidx-monitor-shim).
package androidx.test.runner.lifecycle;

public enum ApplicationStage { PRE_ON_CREATE, CREATED }
