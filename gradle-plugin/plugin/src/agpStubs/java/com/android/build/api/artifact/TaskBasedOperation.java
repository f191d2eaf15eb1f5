/*
 * COMPILE-ONLY declaration of an Android Gradle Plugin API type (AGP is on Google's Maven, which the
 * CI build cannot reach). Only the members the mlshrink plugin calls, with the same JVM signatures as
 * AGP 8.x; never packaged (the jar excludes com/android/**), the real AGP provides the class at run time.
 */
package com.android.build.api.artifact;

import kotlin.jvm.functions.Function1;
import org.gradle.api.Task;
import org.gradle.api.file.DirectoryProperty;

public interface TaskBasedOperation<TaskT extends Task> {
    InAndOutDirectoryOperationRequest<TaskT> wiredWithDirectories(
            Function1<? super TaskT, ? extends DirectoryProperty> taskInput,
            Function1<? super TaskT, ? extends DirectoryProperty> taskOutput);
}
