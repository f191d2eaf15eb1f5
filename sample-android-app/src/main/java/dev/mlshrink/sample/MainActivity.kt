package dev.mlshrink.sample

import android.app.Activity
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.os.Bundle
import android.os.SystemClock
import android.widget.ImageView
import android.widget.TextView
import dev.mlshrink.runtime.MlShrink
import java.nio.ByteBuffer
import java.nio.ByteOrder
import org.tensorflow.lite.Interpreter

/**
 * Classifies one bundled Fashion-MNIST image. MlShrink.load returns the model as a direct buffer:
 * decoded from fashion_mnist_cnn.tflite.mlshrink in release builds (packed by the mlshrink plugin),
 * the plain .tflite asset in debug builds.
 */
class MainActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        val image = findViewById(R.id.image) as ImageView
        val result = findViewById(R.id.result) as TextView

        val bitmap = assets.open(SAMPLE_IMAGE).use { BitmapFactory.decodeStream(it) }
        image.setImageBitmap(Bitmap.createScaledBitmap(bitmap, 168, 168, false))

        // Decoding and inference off the UI thread.
        Thread {
            val text = try {
                classify(bitmap)
            } catch (e: Exception) {
                getString(R.string.failed, e.message ?: e.javaClass.simpleName)
            }
            runOnUiThread { result.text = text }
        }.start()
    }

    private fun classify(bitmap: Bitmap): String {
        val model = MlShrink.load(this, MODEL)
        val labels = resources.getStringArray(R.array.fashion_labels)
        Interpreter(model).use { interpreter ->
            val input = grayscaleInput(bitmap)
            val output = Array(1) { FloatArray(labels.size) }
            val start = SystemClock.elapsedRealtime()
            interpreter.run(input, output)
            val millis = SystemClock.elapsedRealtime() - start
            val probs = output[0]
            val best = probs.indices.maxBy { probs[it] }
            return getString(R.string.result, labels[best], 100f * probs[best], model.capacity(), millis)
        }
    }

    /** [1, 28, 28, 1] float32 in [0, 1], as the model was trained (pixel / 255). */
    private fun grayscaleInput(bitmap: Bitmap): ByteBuffer {
        val side = 28
        val scaled = if (bitmap.width == side && bitmap.height == side) bitmap else Bitmap.createScaledBitmap(bitmap, side, side, true)
        val pixels = IntArray(side * side)
        scaled.getPixels(pixels, 0, side, 0, 0, side, side)
        val buffer = ByteBuffer.allocateDirect(4 * side * side).order(ByteOrder.nativeOrder())
        for (p in pixels) {
            // Grayscale PNGs decode to r = g = b; average anyway for color inputs.
            val gray = ((p shr 16 and 0xff) + (p shr 8 and 0xff) + (p and 0xff)) / 3f
            buffer.putFloat(gray / 255f)
        }
        buffer.rewind()
        return buffer
    }

    private companion object {
        const val MODEL = "fashion_mnist_cnn.tflite"
        const val SAMPLE_IMAGE = "samples/ankle_boot.png"
    }
}
