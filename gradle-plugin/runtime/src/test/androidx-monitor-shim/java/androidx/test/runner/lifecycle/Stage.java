// Test-only shim of androidx.test:monitor (see ../README.md in src/test/androidx-monitor-shim).
package androidx.test.runner.lifecycle;

public enum Stage { PRE_ON_CREATE, CREATED, STARTED, RESUMED, PAUSED, STOPPED, RESTARTED, DESTROYED }
