package dev.mlshrink.runtime;

import java.io.IOException;

/** A packed model is malformed, truncated, corrupted (checksum), or larger than the configured limit. */
public final class PackFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public PackFormatException(String message) {
    super(message);
  }
}
