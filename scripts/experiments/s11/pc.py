"""Session 11: per-channel int8 of a built fp32 accurate folder. argv: SRC_DIR DEST_DIR"""

import json
import shutil
import sys
from pathlib import Path

from onnxruntime.quantization import QuantType, quantize_dynamic

from spinlens._modelmeta import sha256_file

src, dest = Path(sys.argv[1]), Path(sys.argv[2])
shutil.rmtree(dest, ignore_errors=True)
dest.mkdir(parents=True)
for f in src.iterdir():
    if f.name not in ("tagger0.int8.onnx", "tagger0.fp32.onnx", "model.json"):
        shutil.copy(f, dest / f.name)
quantize_dynamic(
    str(src / "tagger0.fp32.onnx"),
    str(dest / "tagger0.int8.onnx"),
    weight_type=QuantType.QInt8,
    per_channel=True,
)
m = json.loads((src / "model.json").read_text())
mem = m["files"]["members"][0]
mem.pop("onnx", None)
mem["onnx_int8"]["sha256"] = sha256_file(dest / "tagger0.int8.onnx")
m["quantization"] = "per_channel"
(dest / "model.json").write_text(json.dumps(m, indent=1))
print("ok", mem["onnx_int8"]["sha256"][:16])
