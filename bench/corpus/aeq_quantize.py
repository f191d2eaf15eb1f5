"""The peer reference for `npm run corpus`: ai-edge-quantizer 0.10's dynamic_wi8_afp32 recipe on a
.tflite file, run in a bench-only venv (pip install ai-edge-quantizer==0.10.0).

Usage: python aeq_quantize.py IN.tflite OUT.tflite
Prints one JSON line: {"ok": true, "bytes": N} or {"ok": false, "error": "..."}.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main():
    src, dst = sys.argv[1], sys.argv[2]
    try:
        from ai_edge_quantizer import quantizer, recipe

        q = quantizer.Quantizer(src)
        q.load_quantization_recipe(recipe.dynamic_wi8_afp32())
        result = q.quantize()
        data = bytes(result.quantized_model)
        with open(dst, "wb") as f:
            f.write(data)
        print(json.dumps({"ok": True, "bytes": len(data)}))
    except Exception as e:  # the peer's own refusal is a result, not our crash
        msg = f"{type(e).__name__}: {e}".splitlines()[0][:300]
        print(json.dumps({"ok": False, "error": msg}))


if __name__ == "__main__":
    main()
