/*
 * COMPILE-ONLY declaration of an Android Gradle Plugin API type (AGP is on Google's Maven, which the
 * CI build cannot reach). Only the members the mlshrink plugin (and its test double) use, with the same
 * JVM signatures as AGP 8.x; never packaged (the jar excludes com/**), the real AGP provides the class
 * at run time.
 */
package com.android.build.api;

public final class AndroidPluginVersion {
    private final int major;
    private final int minor;

    public AndroidPluginVersion(int major, int minor) {
        this.major = major;
        this.minor = minor;
    }

    public int getMajor() {
        return major;
    }

    public int getMinor() {
        return minor;
    }
}
