"""Compares what two runs of mrti wrote, for scripts/device-check.sh (PyTorch only: the
safetensors files are read here, without the safetensors package).

  compare_outputs.py tensors REF GOT BOUND   every floating-point tensor both .safetensors hold
  compare_outputs.py losses REF GOT BOUND    the loss column of two training runs' loss.csv

Prints the relative L2 error of each and exits 1 when one is beyond BOUND (or the runs differ
in their tensors, steps or timesteps)."""
import csv, json, struct, sys

import torch

DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8}


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        out[key] = torch.frombuffer(raw, dtype=DTYPES[info["dtype"]]).reshape(info["shape"]) if raw else \
            torch.empty(info["shape"], dtype=DTYPES[info["dtype"]])
    return out


def rel_l2(got, ref):
    got, ref = got.double(), ref.double()
    return float((got - ref).norm() / max(float(ref.norm()), 1e-30))


def tensors(ref_path, got_path, bound):
    ref, got = read_safetensors(ref_path), read_safetensors(got_path)
    worst, ok = 0.0, True
    for key in sorted(ref):
        if not ref[key].is_floating_point():
            continue
        if key not in got or got[key].shape != ref[key].shape:
            print(f"{key}: missing or of another shape in {got_path}")
            ok = False
            continue
        e = rel_l2(got[key], ref[key])
        worst = max(worst, e)
        print(f"{key}: rel L2 {e:.2e} (bound {bound:g})")
    return ok and worst <= bound


def read_losses(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [int(r["step"]) for r in rows], [r["timestep"] for r in rows], [float(r["loss"]) for r in rows]


def losses(ref_path, got_path, bound):
    ref_steps, ref_t, ref_loss = read_losses(ref_path)
    got_steps, got_t, got_loss = read_losses(got_path)
    if ref_steps != got_steps or ref_t != got_t:
        print(f"the runs differ in their steps or timesteps: {ref_t} vs {got_t}")
        return False
    e = rel_l2(torch.tensor(got_loss), torch.tensor(ref_loss))
    print(f"losses of {len(ref_loss)} steps: rel L2 {e:.2e} (bound {bound:g}); "
          f"{' '.join(f'{x:.5f}' for x in ref_loss)} vs {' '.join(f'{x:.5f}' for x in got_loss)}")
    return e <= bound


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] not in ("tensors", "losses"):
        sys.exit(__doc__)
    what, ref_path, got_path, bound = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    sys.exit(0 if (tensors if what == "tensors" else losses)(ref_path, got_path, bound) else 1)
