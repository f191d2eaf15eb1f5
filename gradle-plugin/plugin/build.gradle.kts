// The `dev.mlshrink` Gradle plugin. AGP is compileOnly: the app's build supplies it at run time.
// (CI compiles the same sources with pom.xml against src/agpStubs/java instead; not used here.)
plugins {
    `java-gradle-plugin`
}

group = "dev.mlshrink"
version = "0.1.0"

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

dependencies {
    compileOnly("com.android.tools.build:gradle-api:8.7.3")
    testImplementation("org.junit.jupiter:junit-jupiter:5.11.3")
    testRuntimeOnly("org.junit.platform:junit-platform-launcher")
}

gradlePlugin {
    plugins {
        create("mlshrink") {
            id = "dev.mlshrink"
            implementationClass = "dev.mlshrink.gradle.MlShrinkPlugin"
            displayName = "mlshrink"
            description = "Prunes, int8-quantizes and Huffman-packs the .tflite models in Android assets at build time"
        }
    }
}

tasks.processResources {
    val version = project.version.toString()
    inputs.property("version", version)
    filesMatching("dev/mlshrink/gradle/mlshrink-plugin.properties") {
        filter<org.apache.tools.ant.filters.ReplaceTokens>("tokens" to mapOf("project.version" to version))
    }
}

tasks.test {
    useJUnitPlatform()
    systemProperty("mlshrink.repoRoot", rootDir.parentFile.absolutePath)
    jvmArgs("--add-opens=java.base/java.lang=ALL-UNNAMED")
}
