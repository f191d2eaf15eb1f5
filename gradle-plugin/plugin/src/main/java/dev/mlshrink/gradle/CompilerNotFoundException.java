package dev.mlshrink.gradle;

import org.gradle.api.GradleException;

/** Node or the mlshrink compiler could not be found; the message says what to configure. */
public class CompilerNotFoundException extends GradleException {
    public CompilerNotFoundException(String message) {
        super(message);
    }
}
