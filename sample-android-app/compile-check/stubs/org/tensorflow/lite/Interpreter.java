/*
 * COMPILE-ONLY declaration of the LiteRT Interpreter members MainActivity uses (LiteRT is on Google's
 * Maven, which CI cannot reach): same names and signatures as com.google.ai.edge.litert:litert's
 * org.tensorflow.lite.Interpreter. Used only by compile-check/pom.xml; never in an APK.
 */
package org.tensorflow.lite;

import java.nio.ByteBuffer;

public final class Interpreter implements AutoCloseable {
    public Interpreter(ByteBuffer model) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public void run(Object input, Object output) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
