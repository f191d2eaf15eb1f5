/*
 * COMPILE-ONLY declaration of an Android Gradle Plugin API type (AGP is on Google's Maven, which the
 * CI build cannot reach). Only the members the mlshrink plugin calls, with the same JVM signatures as
 * AGP 8.x; never packaged (the jar excludes com/android/**), the real AGP provides the class at run time.
 */
package com.android.build.api.artifact;

import org.gradle.api.Task;
import org.gradle.api.file.Directory;

public interface InAndOutDirectoryOperationRequest<TaskT extends Task> {
    <ArtifactTypeT extends Artifact.Single<Directory> & Artifact.Transformable> void toTransform(ArtifactTypeT type);
}
