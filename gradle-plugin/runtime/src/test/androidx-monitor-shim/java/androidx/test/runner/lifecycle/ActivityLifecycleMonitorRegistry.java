// Test-only shim of androidx.test:monitor (see ../README.md in src/test/androidx-monitor-shim).
package androidx.test.runner.lifecycle;

public final class ActivityLifecycleMonitorRegistry {
  private ActivityLifecycleMonitorRegistry() {}

  public static void registerInstance(ActivityLifecycleMonitor instance) {}
}
