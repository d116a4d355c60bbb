#!/usr/bin/env python3
"""Trains a small CNN on scikit-learn's 8x8 handwritten digits and reports to Trainyard.

    /usr/bin/python3 examples/pytorch-digits/train.py [--epochs N --lr X ...]    (PYTHONPATH=sdk/python)

The data set (1,797 images, 10 classes) ships inside scikit-learn: nothing is downloaded. A
fixed 20 % of it is held out for validation. The script logs train loss/accuracy every few
steps and validation loss/accuracy every epoch, checkpoints (model, optimizer, step, RNG
states) every N steps, resumes from TRAINYARD_RESUME_FROM at the next step, and on a stop
(SIGTERM) saves a checkpoint and exits 0. It uses CUDA when PyTorch sees a GPU (Trainyard sets
CUDA_VISIBLE_DEVICES to the job's slots), else the CPU.

Hyperparameters: defaults < the job's params (TRAINYARD_PARAMS) < command-line arguments.
Exit codes: 0 done or stopped, 78 bad configuration (Trainyard does not retry it), 1 a crash.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

import trainyard

EX_CONFIG = 78

DEFAULTS: dict[str, int | float | str] = {
    "epochs": 30,
    "lr": 0.003,
    "batch": 32,
    "channels": 16,
    "hidden": 64,
    "dropout": 0.25,
    "weight_decay": 1e-4,
    "seed": 1,
    "log_every": 5,
    "ckpt_every": 300,
    "val_fraction": 0.2,
    "threads": 1,
    "resume": "",
}
HELP = {
    "epochs": "passes over the training set",
    "lr": "peak learning rate of AdamW (cosine decay to 0)",
    "batch": "images per step",
    "channels": "channels of the first convolution (the second has twice as many)",
    "hidden": "units of the hidden fully connected layer",
    "dropout": "dropout before the last layer",
    "weight_decay": "AdamW weight decay",
    "seed": "seed of initialisation, batch order and dropout",
    "log_every": "report the mean train loss/accuracy every N steps",
    "ckpt_every": "checkpoint every N steps (and at the end, and on stop)",
    "val_fraction": "fraction of the data held out (a fixed split, the same for every seed)",
    "threads": "CPU threads for PyTorch (0: its default, one per core; a model this small runs "
               "fastest on one, and spinning threads crawl on a shared machine)",
    "resume": "checkpoint to resume from (default: TRAINYARD_RESUME_FROM)",
}


class ConfigError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 by default; 78 = not retried
        self.print_usage(sys.stderr)
        raise ConfigError(message)


def resolve_config(argv: list[str], params: dict) -> dict:
    cfg = dict(DEFAULTS)
    for key, value in params.items():
        key = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()  # accept camelCase keys too
        if key in cfg:
            cfg[key] = _coerce(key, value, "param")
    parser = _Parser(description="Train a small CNN on the 8x8 digits, reporting to Trainyard.")
    for key, default in DEFAULTS.items():
        parser.add_argument("--" + key.replace("_", "-"), dest=key, default=None,
                            help=f"{HELP[key]} (default {default!r})")
    args = vars(parser.parse_args(argv))
    for key, value in args.items():
        if value is not None:
            cfg[key] = _coerce(key, value, "argument")
    for key in ("epochs", "lr", "batch", "channels", "hidden", "log_every", "ckpt_every"):
        if not cfg[key] > 0:
            raise ConfigError(f"{key} must be positive, got {cfg[key]}")
    if cfg["threads"] < 0:
        raise ConfigError(f"threads must not be negative, got {cfg['threads']}")
    if not 0 <= cfg["dropout"] < 1 or not 0 < cfg["val_fraction"] < 1 or cfg["weight_decay"] < 0:
        raise ConfigError("dropout must be in [0, 1), val_fraction in (0, 1), weight_decay >= 0")
    return cfg


def _coerce(key: str, value, source: str):
    kind = type(DEFAULTS[key])
    try:
        if kind is int:
            number = float(value)
            if not number.is_integer():
                raise ValueError
            return int(number)
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source} {key}: expected {kind.__name__}, got {value!r}") from None


class DigitsCNN(nn.Module):
    """conv 3x3 -> conv 3x3 -> max-pool -> fully connected -> 10 logits, for 1x8x8 images."""

    def __init__(self, channels: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, 2 * channels, 3, padding=1)
        self.fc1 = nn.Linear(2 * channels * 4 * 4, hidden)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(self.drop(x))


def load_data(val_fraction: float, device: torch.device):
    digits = load_digits()
    x = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0  # N x 1 x 8 x 8, in [0, 1]
    y = torch.tensor(digits.target, dtype=torch.long)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))  # fixed split
    n_val = int(round(len(y) * val_fraction))
    val, train = order[:n_val], order[n_val:]
    return (x[train].to(device), y[train].to(device)), (x[val].to(device), y[val].to(device))


def batch_indices(step: int, n: int, batch: int, seed: int) -> torch.Tensor:
    """The examples of 1-based `step`: a function of the step alone, so a resumed run draws
    exactly the batches the uninterrupted run would have drawn."""
    steps_per_epoch = math.ceil(n / batch)
    epoch, i = divmod(step - 1, steps_per_epoch)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
    return perm[i * batch:(i + 1) * batch]


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    model.eval()
    logits = model(x)
    model.train()
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def rng_state(device: torch.device) -> dict:
    state = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["torch"].cpu())
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def say(text: str) -> None:
    """print() in one write: print() writes the newline separately, and the SDK's background
    thread could slip a `#trainyard ...` line in between in offline (line protocol) mode."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def ascii_digit(image: torch.Tensor) -> list[str]:
    shades = " .:-=+*#%@"
    return ["".join(shades[min(9, int(v * 10))] * 2 for v in row) for row in image.reshape(8, 8).tolist()]


def main(run: trainyard.Run) -> int:
    cfg = resolve_config(sys.argv[1:], run.params)
    if cfg["threads"] > 0:
        torch.set_num_threads(cfg["threads"])
    torch.manual_seed(cfg["seed"])
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    (x_train, y_train), (x_val, y_val) = load_data(cfg["val_fraction"], device)
    model = DigitsCNN(cfg["channels"], cfg["hidden"], cfg["dropout"]).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    steps_per_epoch = math.ceil(len(y_train) / cfg["batch"])
    total = cfg["epochs"] * steps_per_epoch

    step = 0
    resume = os.path.abspath(cfg["resume"]) if cfg["resume"] else run.resume_from
    if resume:
        state = torch.load(resume, map_location=device)
        for key in ("channels", "hidden", "batch", "seed"):
            if state["config"].get(key) != cfg[key]:
                raise ConfigError(f"{resume} has {key}={state['config'].get(key)}, this run asks for {cfg[key]}")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        set_rng_state(state["rng"], device)
        step = state["step"]
        say(f"resumed from {resume} at step {step}; continuing at step {step + 1}")
    else:
        params = sum(p.numel() for p in model.parameters())
        say(f"pytorch-digits: {params:,} parameters on {device}, {len(y_train)} train / {len(y_val)} "
            f"validation images, {total} steps ({cfg['epochs']} epochs of {steps_per_epoch})")
    run.set_total(total, f"epoch {step // steps_per_epoch + 1}/{cfg['epochs']}")

    # The latest validation figures (a resumed run starts from its checkpoint's).
    metrics = dict(state["metrics"]) if resume else {"val_loss": math.nan, "val_acc": math.nan}
    last_saved = step if resume else -1

    def save(at: int) -> None:
        nonlocal last_saved
        name = f"step-{at}.pt"
        with run.atomic_path(name) as tmp:
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": at,
                        "rng": rng_state(device), "config": cfg, "metrics": metrics}, tmp)
        run.checkpoint(name, step=at, metrics={k: v for k, v in metrics.items() if math.isfinite(v)})
        last_saved = at
        say(f"checkpoint {run.checkpoint_path(name)} (step {at})")

    started, first = time.monotonic(), step
    window_loss = window_correct = window_seen = 0.0
    epoch_loss = epoch_seen = 0.0
    stopped = False
    model.train()
    while step < total:
        if run.should_stop():
            stopped = True
            break
        step += 1
        lr = cfg["lr"] * 0.5 * (1 + math.cos(math.pi * (step - 1) / total))
        for group in optimizer.param_groups:
            group["lr"] = lr
        idx = batch_indices(step, len(y_train), cfg["batch"], cfg["seed"]).to(device)
        x, y = x_train[idx], y_train[idx]
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise RuntimeError(f"the loss diverged at step {step}; try a lower --lr")

        window_loss += loss_value * len(y)
        window_correct += (logits.argmax(1) == y).sum().item()
        window_seen += len(y)
        epoch_loss += loss_value * len(y)
        epoch_seen += len(y)
        last = step == total
        if step % cfg["log_every"] == 0 or last:
            run.log({"loss": window_loss / window_seen, "acc": window_correct / window_seen, "lr": lr}, step=step)
            window_loss = window_correct = window_seen = 0.0
        if step % steps_per_epoch == 0 or last:
            epoch = math.ceil(step / steps_per_epoch)
            metrics["val_loss"], metrics["val_acc"] = evaluate(model, x_val, y_val)
            run.log({**metrics, "epoch": epoch}, step=step)
            run.set_total(total, f"epoch {min(epoch + 1, cfg['epochs'])}/{cfg['epochs']}")
            rate = (step - first) / (time.monotonic() - started)
            say(f"epoch {epoch:3d}/{cfg['epochs']}  step {step:5d}/{total}  train loss {epoch_loss / epoch_seen:.4f}  "
                f"val loss {metrics['val_loss']:.4f}  val acc {100 * metrics['val_acc']:.1f} %  {rate:.0f} steps/s")
            epoch_loss = epoch_seen = 0.0
        if step % cfg["ckpt_every"] == 0 or last:
            save(step)

    if stopped:
        say(f"stop requested at step {step}")
        if last_saved != step and step > 0:
            save(step)
    else:
        # A few validation digits, drawn in ASCII, with what the model reads in them.
        model.eval()
        with torch.no_grad():
            shown = x_val[:6]
            guesses = model(shown).argmax(1).tolist()
        rows = [ascii_digit(img.cpu()) for img in shown]
        for line in range(8):
            say("   ".join(r[line] for r in rows))
        say("   ".join(f"label {int(t)} -> {g}".ljust(16) for t, g in zip(y_val[:6].tolist(), guesses)))
    seconds = time.monotonic() - started
    say(f"{'stopped' if stopped else 'finished'} at step {step} after {seconds:.1f} s: "
        f"val loss {metrics['val_loss']:.4f}, val accuracy {100 * metrics['val_acc']:.1f} %; "
        f"checkpoints in {run.checkpoint_dir}")
    return 0


if __name__ == "__main__":
    standalone = not os.environ.get("TRAINYARD_CHECKPOINT_DIR")
    run = trainyard.init(
        # Started by hand: checkpoints go next to this script (git-ignored), and the SDK's
        # offline line protocol is printed only when stdout is not a terminal.
        checkpoint_dir=os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoints") if standalone else None,
        offline="none" if sys.stdout.isatty() else "lines",
    )
    try:
        code = main(run)
    except ConfigError as error:
        print(f"pytorch-digits: {error}", file=sys.stderr)
        code = EX_CONFIG
    run.close()
    sys.exit(code)
