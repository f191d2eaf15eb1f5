/*
 * COMPILE-ONLY declaration of an Android Gradle Plugin API type (AGP is on Google's Maven, which the
 * CI build cannot reach). Only the members the mlshrink plugin calls, with the same JVM signatures as
 * AGP 8.x; never packaged (the jar excludes com/android/**), the real AGP provides the class at run time.
 */
package com.android.build.api;

public class AndroidPluginVersion {
    private AndroidPluginVersion() {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public final int getMajor() {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public final int getMinor() {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
