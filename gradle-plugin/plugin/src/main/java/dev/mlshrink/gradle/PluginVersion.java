package dev.mlshrink.gradle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** This plugin's version (stamped into a resource at build time); the runtime library shares it. */
public final class PluginVersion {
    private PluginVersion() {
    }

    public static String get() {
        try (InputStream in = PluginVersion.class.getResourceAsStream("mlshrink-plugin.properties")) {
            if (in == null) {
                throw new IllegalStateException("mlshrink-plugin.properties is missing from the plugin jar");
            }
            Properties props = new Properties();
            props.load(in);
            String version = props.getProperty("version", "");
            if (version.isEmpty() || version.startsWith("@")) {
                throw new IllegalStateException("mlshrink-plugin.properties was not filtered: version=" + version);
            }
            return version;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Maven coordinates of the Android runtime decoder library matching this plugin. */
    public static String runtimeCoordinates() {
        return "dev.mlshrink:mlshrink-runtime:" + get();
    }
}
