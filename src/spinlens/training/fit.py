"""Fine-tune the encoder with the three heads (torch). Checkpoints every epoch; resumable."""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from spinlens.taxonomy import TECHNIQUE_IDS

T = len(TECHNIQUE_IDS)


class SpanHead(nn.Module):
    """Span classifier over [first token; last token; mean of span tokens]."""

    def __init__(self, hidden: int, n_out: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.l1 = nn.Linear(3 * hidden, hidden)
        self.drop = nn.Dropout(dropout)
        self.l2 = nn.Linear(hidden, n_out)

    @staticmethod
    def features(h: torch.Tensor, win: torch.Tensor, s: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        hs = h[win, s]
        he = h[win, e]
        L = h.shape[1]
        pos = torch.arange(L, device=h.device)[None, :]
        m = ((pos >= s[:, None]) & (pos <= e[:, None])).float()
        mean = (h[win] * m[..., None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1)
        return torch.cat([hs, he, mean], dim=-1)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.l2(self.drop(torch.nn.functional.gelu(self.l1(feats))))


class Tagger(nn.Module):
    """The encoder with the BIO, technique and span heads. ``id_map``: a lookup table from the student
    tokenizer's ids to the encoder's (a teacher with another vocabulary; :mod:`spinlens.training.teacher`),
    applied to every input."""

    def __init__(self, base_dir: str, dropout: float = 0.1, id_map: np.ndarray | None = None) -> None:
        super().__init__()
        from transformers import AutoModel

        self.id_map: torch.Tensor | None
        if id_map is not None:
            self.register_buffer("id_map", torch.as_tensor(np.asarray(id_map), dtype=torch.long))
        else:
            self.id_map = None
        self.encoder = AutoModel.from_pretrained(base_dir, dtype=torch.float32)
        H = self.encoder.config.hidden_size
        self.drop = nn.Dropout(dropout)
        self.bio = nn.Linear(H, 3)
        self.tech = nn.Linear(H, T)
        self.span = SpanHead(H, T, dropout)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor):
        if self.id_map is not None:
            ids = self.id_map[ids]
        h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        hd = self.drop(h)
        return h, self.bio(hd), self.tech(hd)

    def lower(self, ids: torch.Tensor, mask: torch.Tensor, stop: int) -> torch.Tensor:
        """The hidden states after the encoder's first ``stop`` layers (embeddings for 0)."""
        h, attn, bias = self._prelude(ids, mask)
        for layer in self.encoder.encoder.layer[:stop]:
            h = layer(h, attn, bias)[0]
        return h

    def top(self, h: torch.Tensor, mask: torch.Tensor, start: int):
        """``forward`` from the hidden states after layer ``start`` (:meth:`lower`): the layers above and
        the heads; the same outputs as ``forward`` on the same windows."""
        attn, bias = self._attention(h, mask)
        for layer in self.encoder.encoder.layer[start:]:
            h = layer(h, attn, bias)[0]
        hd = self.drop(h)
        return h, self.bio(hd), self.tech(hd)

    def _prelude(self, ids: torch.Tensor, mask: torch.Tensor):
        if self.id_map is not None:
            ids = self.id_map[ids]
        h = self.encoder.embeddings(input_ids=ids)
        return (h, *self._attention(h, mask))

    def _attention(self, h: torch.Tensor, mask: torch.Tensor):
        """What every MPNet layer takes besides its input: the attention mask and the relative position bias
        (as ``MPNetModel.forward`` makes them)."""
        from transformers.masking_utils import create_bidirectional_mask

        enc = self.encoder
        attn = create_bidirectional_mask(config=enc.config, inputs_embeds=h, attention_mask=mask)
        return attn, enc.encoder.compute_position_bias(h)


class ExportWrapper(nn.Module):
    """What goes to ONNX: probabilities for BIO and techniques, and hidden states for the span head.

    No attention mask: spinlens runs one unpadded window per call, and without a mask the eager graph
    skips adding it to every layer's attention scores (6 % of a window's time on a CPU; RESULTS section 3).
    ``SpanTagger`` runs the rows of a padded batch one by one on such a graph."""

    def __init__(self, tagger: Tagger) -> None:
        super().__init__()
        self.t = tagger

    def forward(self, input_ids: torch.Tensor):
        h, bio, tech = self.t(input_ids, None)
        return torch.softmax(bio, -1), torch.sigmoid(tech), h


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def _pad(seqs, value, dtype):
    L = max(len(s) for s in seqs) + 2
    shape = (len(seqs), L) + tuple(np.asarray(seqs[0]).shape[1:])
    out = np.full(shape, value, dtype=dtype)
    for i, s in enumerate(seqs):
        out[i, 1 : len(s) + 1] = s
    return out


def _batch_ids(data: dict, b: list[int], device: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Windows ``b`` as padded ids with [CLS] / [SEP], their attention mask and lengths."""
    ids = torch.tensor(_pad([data["ids"][i] for i in b], 0, np.int64), device=device)
    ids[:, 0] = 101
    lens = torch.tensor([len(data["ids"][i]) for i in b], device=device)
    ids[torch.arange(len(b)), lens + 1] = 102
    L = ids.shape[1]
    mask = (torch.arange(L, device=device)[None] < (lens + 2)[:, None]).long()
    return ids, mask, lens


@torch.no_grad()
def lower_states(
    model: Tagger, data: dict, stop: int, device: str, batch_size: int = 16, log=print
) -> list[np.ndarray]:
    """Each window's hidden states after the first ``stop`` encoder layers (float16, [CLS] ... [SEP]), for
    training the layers above them on a frozen lower encoder (``fit(frozen_layers=stop)``): computed once
    instead of every epoch. Eval mode (no dropout); a window's states do not depend on its batch."""
    model.eval()
    n = len(data["ids"])
    order = sorted(range(n), key=lambda i: len(data["ids"][i]))
    out: list[np.ndarray] = [np.zeros(0)] * n
    t0 = time.time()
    for k in range(0, n, batch_size):
        b = order[k : k + batch_size]
        ids, mask, lens = _batch_ids(data, b, device)
        h = model.lower(ids, mask, stop).float().cpu().numpy()
        for j, i in enumerate(b):
            out[i] = h[j, : int(lens[j]) + 2].astype(np.float16)
        if (k // batch_size) % 50 == 0:
            log(f"lower layers: {k + len(b)}/{n} windows ({time.time() - t0:.0f}s)")
    return out


def pad_states(states: list[np.ndarray], width: int) -> np.ndarray:
    """Windows' cached states as one zero-padded float32 batch ``[len(states), width, H]``."""
    out = np.zeros((len(states), width, states[0].shape[1]), np.float32)
    for k, x in enumerate(states):
        out[k, : len(x)] = x
    return out


def save_states(path: Path, states: list[np.ndarray], stop: int) -> None:
    """Write :func:`lower_states`' output (``stop``: the layer they come after), whole or not at all."""
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, h=np.concatenate(states), ends=np.cumsum([len(x) for x in states]), stop=np.array(stop))
    tmp.replace(path)


def load_states(path: Path) -> tuple[list[np.ndarray], int]:
    """The per-window states :func:`save_states` wrote, and the layer they come after."""
    z = np.load(path)
    flat, ends = z["h"], z["ends"]
    return [flat[a:e] for a, e in zip(np.r_[0, ends[:-1]], ends)], int(z["stop"])


def _load_or_make_states(model: Tagger, data: dict, stop: int, path: Path, device: str, log) -> list:
    if path.exists():
        states, made_at = load_states(path)
        if len(states) == len(data["ids"]) and made_at == stop:
            return states
    states = lower_states(model, data, stop, device, log=log)
    save_states(path, states, stop)
    return states


def fit(
    data: dict,
    base_dir: str,
    out_dir: Path,
    *,
    epochs: int = 8,
    batch_size: int = 16,
    lr: float = 1e-4,
    head_lr: float = 1e-3,
    seed: int = 13,
    device: str | None = None,
    w_tech: float = 0.5,
    w_span: float = 1.0,
    log=print,
    on_epoch_end=None,
    bio_sources: tuple[str, ...] | None = None,
    init: Path | None = None,
    w_kd: float = 0.0,
    id_map: np.ndarray | None = None,
    frozen_layers: int = 0,
) -> Tagger:
    """Train on prepared windows; writes ``ckpt.pt`` after every epoch and resumes from it.

    ``init``: start from this checkpoint's weights (a student for distillation). ``w_kd``: weight of
    the teacher's soft targets (``kd_bio``, ``kd_tech``, ``kd_span`` in ``data``, see
    :mod:`spinlens.training.distill`); gold losses get ``1 - w_kd``; windows whose source is
    ``"unlabeled"`` have no gold loss. ``id_map``: the windows' (student) ids to ``base_dir``'s vocabulary,
    for a teacher with another one. ``frozen_layers``: keep the embeddings and the encoder's first that many
    layers at the base's weights and train the layers above (their inputs computed once,
    ``OUT/lower.npz``): a model that ships as a small delta over its base, trained on a CPU in a third of
    the time.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    set_seed(seed)
    model = Tagger(base_dir, id_map=id_map).to(device)
    if init is not None:
        st0 = torch.load(init, map_location=device, weights_only=False)["model"]
        model.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in st0.items()})
    kd = w_kd > 0 and "kd_bio" in data
    states = None
    if frozen_layers:
        if not hasattr(getattr(model.encoder, "encoder", None), "compute_position_bias"):
            raise SystemExit("frozen layers: only an MPNet-style encoder (all-mpnet-base-v2) is supported")
        trainable = tuple(f"encoder.layer.{i}." for i in range(frozen_layers, 100))
        for name, p in model.encoder.named_parameters():
            p.requires_grad = name.startswith(trainable)
        states = _load_or_make_states(model, data, frozen_layers, out_dir / "lower.npz", device, log)
    enc_params = [p for p in model.encoder.parameters() if p.requires_grad]
    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": lr}, {"params": head_params, "lr": head_lr}], weight_decay=0.01
    )
    n = len(data["ids"])
    steps_per_epoch = math.ceil(n / batch_size)
    total = steps_per_epoch * epochs
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm))
    )
    start_epoch = 0
    ckpt = out_dir / "ckpt.pt"
    if ckpt.exists():
        st = torch.load(ckpt, map_location=device, weights_only=False)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        start_epoch = st["epoch"]
        log(f"resumed from epoch {start_epoch}")
    spans_by_win: dict[int, list[int]] = {}
    for j, w in enumerate(data["span_win"]):
        spans_by_win.setdefault(int(w), []).append(j)
    bio_w = torch.tensor([1.0, 2.0, 1.0], device=device)
    for epoch in range(start_epoch, epochs):
        rng = np.random.default_rng(seed * 1000 + epoch)
        # length-bucketed shuffling: shuffle, then sort within chunks of 50 batches
        order = rng.permutation(n)
        chunks = [order[i : i + batch_size * 50] for i in range(0, n, batch_size * 50)]
        batches = []
        for chunk in chunks:
            c = sorted(chunk, key=lambda i: len(data["ids"][i]))
            batches += [c[i : i + batch_size] for i in range(0, len(c), batch_size)]
        rng.shuffle(batches)
        model.train()
        t0 = time.time()
        tot = {"bio": 0.0, "tech": 0.0, "span": 0.0}
        for step, b in enumerate(batches):
            ids, mask, lens = _batch_ids(data, b, device)
            tokmask = mask.clone()
            tokmask[:, 0] = 0
            tokmask[torch.arange(len(b)), lens + 1] = 0
            bio = torch.tensor(_pad([data["bio"][i] for i in b], -100, np.int64), device=device)
            bio[tokmask == 0] = -100
            if bio_sources is not None:
                for k, i in enumerate(b):
                    if data["src"][i] not in bio_sources:
                        bio[k] = -100
            tech = torch.tensor(_pad([data["tech"][i] for i in b], 0, np.float32), device=device)
            tmask = torch.tensor(_pad([data["tmask"][i] for i in b], 0, np.float32), device=device)
            if kd:
                unl = torch.tensor([data["src"][i] == "unlabeled" for i in b], device=device)
                bio[unl] = -100
                tmask[unl] = 0
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                if states is not None:
                    hs = torch.tensor(pad_states([states[i] for i in b], ids.shape[1]), device=device)
                    h, bio_l, tech_l = model.top(hs, mask, frozen_layers)
                else:
                    h, bio_l, tech_l = model(ids, mask)
            bio_l = bio_l.float()
            tech_l = tech_l.float()
            h = h.float()
            l_bio = nn.functional.cross_entropy(bio_l.reshape(-1, 3), bio.reshape(-1), weight=bio_w)
            l_tech = (
                nn.functional.binary_cross_entropy_with_logits(tech_l, tech, reduction="none") * tmask
            ).sum() / tmask.sum().clamp(min=1)
            sj = [j for k, i in enumerate(b) for j in spans_by_win.get(int(i), [])]
            if sj:
                local = {int(i): k for k, i in enumerate(b)}
                win = torch.tensor([local[int(data["span_win"][j])] for j in sj], device=device)
                s = torch.tensor(data["span_s"][sj], device=device)
                e = torch.tensor(data["span_e"][sj], device=device)
                y = torch.tensor(data["span_y"][sj], device=device)
                logits = model.span(model.drop(SpanHead.features(h, win, s, e)))
                logp = torch.log_softmax(logits, -1)
                l_span = -(torch.logsumexp(logp.masked_fill(y == 0, -1e9), -1)).mean()
            else:
                l_span = torch.zeros((), device=device)
            loss = l_bio + w_tech * l_tech + w_span * l_span
            if kd:
                tm = tokmask.float()
                t_bio = torch.tensor(_pad([data["kd_bio"][i] for i in b], 0, np.float32), device=device)
                t_tech = torch.tensor(_pad([data["kd_tech"][i] for i in b], 0, np.float32), device=device)
                k_bio = -(t_bio * torch.log_softmax(bio_l, -1)).sum(-1)
                k_bio = (k_bio * tm).sum() / tm.sum().clamp(min=1)
                k_tech = nn.functional.binary_cross_entropy_with_logits(tech_l, t_tech, reduction="none")
                k_tech = (k_tech.mean(-1) * tm).sum() / tm.sum().clamp(min=1)
                k_span = torch.zeros((), device=device)
                if sj:
                    t_span = torch.tensor(data["kd_span"][sj], device=device)
                    k_span = -(t_span * logp).sum(-1).mean()
                loss = (1 - w_kd) * loss + w_kd * (k_bio + w_tech * k_tech + w_span * k_span)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            tot["bio"] += l_bio.item()
            tot["tech"] += l_tech.item()
            tot["span"] += l_span.item()
        k = max(1, len(batches))
        log(
            f"epoch {epoch + 1}/{epochs} loss bio {tot['bio'] / k:.4f} tech {tot['tech'] / k:.4f} "
            f"span {tot['span'] / k:.4f} ({time.time() - t0:.0f}s)"
        )
        # written aside and renamed: a process killed while saving (a time limit) keeps the last epoch
        torch.save(
            {
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "epoch": epoch + 1,
            },
            ckpt.with_suffix(".tmp"),
        )
        ckpt.with_suffix(".tmp").replace(ckpt)
        if on_epoch_end is not None:
            model.eval()
            on_epoch_end(model, epoch + 1)
    model.eval()
    return model


@torch.no_grad()
def forward_numpy(model: Tagger, device: str):
    """A ``forward(ids, mask)`` for :func:`spinlens._windows.run_windows` backed by the torch model."""

    def forward(ids: np.ndarray, mask: np.ndarray):
        t_ids = torch.tensor(ids, device=device)
        t_mask = torch.tensor(mask, device=device)
        h, bio, tech = model(t_ids, t_mask)
        return (
            torch.softmax(bio.float(), -1).cpu().numpy(),
            torch.sigmoid(tech.float()).cpu().numpy(),
            h.float().cpu().numpy(),
        )

    return forward


def span_head_numpy(model: Tagger) -> dict[str, np.ndarray]:
    sd = {k: v.detach().float().cpu().numpy() for k, v in model.span.state_dict().items()}
    return {"w1": sd["l1.weight"].T, "b1": sd["l1.bias"], "w2": sd["l2.weight"].T, "b2": sd["l2.bias"]}


def write_meta(path: Path, meta: dict) -> None:
    path.write_text(json.dumps(meta, indent=2, sort_keys=True))
