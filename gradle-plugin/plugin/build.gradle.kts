// The `dev.mlshrink` Gradle plugin. AGP's public API is compileOnly (the app's build supplies AGP at run
// time) and on the test classpath, where the tests' AGP double implements its real interfaces.
// CI builds the same sources with pom.xml (Maven), against the same jars from Maven Central.
plugins {
    `java-gradle-plugin`
}

group = "dev.mlshrink"
version = "0.1.0"

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

// 8.1.0 is the oldest AGP with the Variant API calls we use; the wiring test also runs against a newer one.
val agpApiVersion = "8.1.0"
val agpApiNewerVersion = "8.7.0"

// Only the API jar: its runtime dependencies belong to the user's AGP (and 8.7.0's are not all on Maven Central).
fun ModuleDependency.apiJarOnly() {
    isTransitive = false
}

val agpApiNewer: Configuration by configurations.creating

dependencies {
    compileOnly("com.android.tools.build:gradle-api:$agpApiVersion") { apiJarOnly() }
    // AGP's Kotlin API takes kotlin.jvm.functions.Function1 (wiredWithDirectories).
    compileOnly("org.jetbrains.kotlin:kotlin-stdlib:1.9.24")
    testImplementation("com.android.tools.build:gradle-api:$agpApiVersion") { apiJarOnly() }
    testImplementation("org.jetbrains.kotlin:kotlin-stdlib:1.9.24")
    testImplementation("org.junit.jupiter:junit-jupiter:5.11.3")
    testRuntimeOnly("org.junit.platform:junit-platform-launcher")
    agpApiNewer("com.android.tools.build:gradle-api:$agpApiNewerVersion") { apiJarOnly() }
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

tasks.withType<Test>().configureEach {
    useJUnitPlatform()
    systemProperty("mlshrink.repoRoot", rootDir.parentFile.absolutePath)
    jvmArgs("--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED")
}

tasks.test {
    systemProperty("mlshrink.agpApiVersion", agpApiVersion)
}

// The same compiled plugin wired into the newer AGP API (as surefire's second execution in pom.xml).
val agpWiringTestNewer by tasks.registering(Test::class) {
    description = "Runs AgpWiringTest against AGP $agpApiNewerVersion's API jar."
    group = "verification"
    testClassesDirs = sourceSets.test.get().output.classesDirs
    classpath = sourceSets.test.get().runtimeClasspath.filter { !it.name.startsWith("gradle-api-$agpApiVersion") } +
        agpApiNewer
    filter.includeTestsMatching("dev.mlshrink.gradle.AgpWiringTest")
    systemProperty("mlshrink.agpApiVersion", agpApiNewerVersion)
}

tasks.check {
    dependsOn(agpWiringTestNewer)
}
