/*
 * COMPILE-ONLY declaration of an Android Gradle Plugin API type (AGP is on Google's Maven, which the
 * CI build cannot reach). Only the members the mlshrink plugin calls, with the same JVM signatures as
 * AGP 8.x; never packaged (the jar excludes com/android/**), the real AGP provides the class at run time.
 */
package com.android.build.api.artifact;

import org.gradle.api.file.Directory;
import org.gradle.api.file.FileSystemLocation;

public abstract class SingleArtifact<T extends FileSystemLocation> extends Artifact.Single<T> {
    /** The merged assets directory of a variant (Kotlin object; Java sees its INSTANCE field). */
    public static final class ASSETS extends SingleArtifact<Directory> implements Artifact.Transformable {
        public static final ASSETS INSTANCE = null;

        private ASSETS() {
        }
    }
}
