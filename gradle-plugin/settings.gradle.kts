// The mlshrink Gradle plugin and its Android runtime library. Included by the repository's root
// build (pluginManagement { includeBuild("gradle-plugin") }), or built on its own.
// CI builds the same sources with Maven (pom.xml): Google's Maven (AGP) is not reachable there.
pluginManagement {
    repositories {
        gradlePluginPortal()
        google()
        mavenCentral()
    }
    plugins {
        id("com.android.library") version "8.7.3"
    }
}

dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "mlshrink-gradle"
include(":plugin", ":runtime")
