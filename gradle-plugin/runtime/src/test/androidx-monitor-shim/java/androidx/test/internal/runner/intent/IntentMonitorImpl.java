// Test-only shim of androidx.test:monitor (see ../README.md in src/test/androidx-monitor-shim).
package androidx.test.internal.runner.intent;

import android.content.Intent;
import androidx.test.runner.intent.IntentMonitor;

public final class IntentMonitorImpl implements IntentMonitor {
  public void signalIntent(Intent intent) {}
}
