// Android library build of the mlshrink runtime, for apps: `implementation(project(":runtime"))` or the
// published AAR. The AGP version comes from the including build (root `plugins { id("com.android.library")
// version "..." apply false }` or pluginManagement). CI builds and tests the same sources with pom.xml
// (Maven + JUnit 5), since Google's Maven repository (AGP, android.jar) is not reachable there.
plugins {
    id("com.android.library")
}

android {
    namespace = "dev.mlshrink.runtime"
    compileSdk = 35

    defaultConfig {
        minSdk = 21
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_1_8
        targetCompatibility = JavaVersion.VERSION_1_8
    }
}

dependencies {
    // Decoder of the shared Brotli stream of format version 2 (pure Java, by the Brotli authors).
    implementation("org.brotli:dec:0.1.2")
}
