// Sample app: classifies a bundled Fashion-MNIST image with the LiteRT Interpreter. The mlshrink
// plugin shrinks src/main/assets/fashion_mnist_cnn.tflite in release builds (debug keeps the
// original) and adds the runtime that decodes it: MlShrink.load() in MainActivity.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("dev.mlshrink")
}

android {
    namespace = "dev.mlshrink.sample"
    compileSdk = 35

    defaultConfig {
        applicationId = "dev.mlshrink.sample"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }

    buildTypes {
        release {
            isMinifyEnabled = false
            // Installable out of the box; use a real signing config for anything you ship.
            signingConfig = signingConfigs.getByName("debug")
        }
    }

    androidResources {
        // Stored, not deflated, in the APK: MlShrink.load memory-maps a plain .tflite (debug builds) through
        // AssetManager.openFd, which a compressed entry refuses; a packed .mlshrink is Huffman-coded already,
        // so deflating it gains nothing and costs a second decode. (AGP stores .tflite by default; said explicitly.)
        noCompress += listOf("tflite", "mlshrink")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17)
    }
}

mlshrink {
    buildTypes.add("release")                 // debug untouched by default
    models.add("**/*.tflite")                 // globs within merged assets
    prune.set("auto")                         // or 0.5
    quantize.set("int8")                      // int8 | dynamic | float16 | none
    cluster.set(16)
    pack.set(true)
    calibrationData.set(layout.projectDirectory.dir("mlshrink/calibration"))
    evalData.set(layout.projectDirectory.dir("mlshrink/eval"))
    maxAccuracyDrop.set(0.01)
    nodeExecutableAndArgs.set(listOf("node"))
}

dependencies {
    // The runtime (dev.mlshrink:mlshrink-runtime) is added by the plugin. The TensorFlow Lite (LiteRT) interpreter
    // from Maven Central (the AAR resolves there; com.google.ai.edge.litert is on Google's Maven only).
    implementation("org.tensorflow:tensorflow-lite:2.16.1")
}
