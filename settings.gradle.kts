// mlshrink's Gradle entry point: the sample app, built with the plugin from source.
//   ./gradlew :sample-android-app:assembleRelease
pluginManagement {
    // The `dev.mlshrink` plugin comes from this repository's plugin build.
    includeBuild("gradle-plugin")
    repositories {
        gradlePluginPortal()
        google()
        mavenCentral()
    }
}

dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "mlshrink"

// The plugin adds dev.mlshrink:mlshrink-runtime to the app; build it from source as well.
includeBuild("gradle-plugin") {
    dependencySubstitution {
        substitute(module("dev.mlshrink:mlshrink-runtime")).using(project(":runtime"))
    }
}

include(":sample-android-app")
