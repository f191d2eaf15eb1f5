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

// Unit tests on the JVM (`:runtime:testDebugUnitTest`): JUnit 5 for the decoder, Robolectric (JUnit 4, run by
// the vintage engine) for MlShrink.load on real Android framework code.
android {
    testOptions {
        unitTests {
            isIncludeAndroidResources = true
            all {
                it.useJUnitPlatform()
                it.systemProperty("mlshrink.repoRoot", rootDir.parentFile.absolutePath)
                it.systemProperty("mlshrink.vectorDir", layout.buildDirectory.dir("vectors").get().asFile.absolutePath)
                it.jvmArgs("--add-opens=java.base/java.io=ALL-UNNAMED")
                // Needs the APK that pom.xml builds with src/test/robolectric/make-test-apk.sh (and the
                // test_config.properties pointing at it); the Maven build runs it.
                it.exclude("**/MlShrinkRobolectricTest*")
            }
        }
    }
}

dependencies {
    // Decoder of the shared Brotli stream of format version 2 (pure Java, by the Brotli authors).
    implementation("org.brotli:dec:0.1.2")
    // Decoder of LZMA sections of format version 2 (raw LZMA2; pure Java, by the XZ authors).
    implementation("org.tukaani:xz:1.12")
    testImplementation("org.junit.jupiter:junit-jupiter:5.14.4")
    testImplementation("org.robolectric:robolectric:4.14.1")
    testRuntimeOnly("org.junit.vintage:junit-vintage-engine:5.14.4")
    testRuntimeOnly("org.junit.platform:junit-platform-launcher")
}
