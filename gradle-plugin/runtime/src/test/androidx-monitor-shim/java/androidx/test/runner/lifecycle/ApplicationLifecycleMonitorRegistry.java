// Test-only shim of androidx.test:monitor (see ../README.md in src/test/androidx-monitor-shim).
package androidx.test.runner.lifecycle;

public final class ApplicationLifecycleMonitorRegistry {
  private ApplicationLifecycleMonitorRegistry() {}

  public static void registerInstance(ApplicationLifecycleMonitor instance) {}
}
