"""diffusers' own UNet step of the full-size SD 1.5 architecture (random weights) on CUDA,
for scripts/device-check.sh to put beside `mrti bench --device cuda`: the eager UNet in fp16
with diffusers' default attention (PyTorch's scaled_dot_product_attention on 2.x).

Usage: diffusers_cuda_bench.py [SIZE=512] [RUNS=20]
Prints "diffusers single|guided N steps/s" (batch 1 and the guided batch 2)."""
import sys, time

import torch
from diffusers import UNet2DConditionModel

size = int(sys.argv[1]) if len(sys.argv) > 1 else 512
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
torch.manual_seed(0)
unet = UNet2DConditionModel(
    sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280),
    down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
    up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
    cross_attention_dim=768, attention_head_dim=8).eval().to("cuda", torch.float16)
import diffusers
print(f"diffusers {diffusers.__version__}, torch {torch.__version__}, {torch.cuda.get_device_name(0)}, "
      f"attention: {type(unet.attn_processors[next(iter(unet.attn_processors))]).__name__}")


def steps_per_second(batch):
    x = torch.randn(batch, 4, size // 8, size // 8, device="cuda", dtype=torch.float16)
    ctx = torch.randn(batch, 77, 768, device="cuda", dtype=torch.float16)
    t = torch.tensor([500] * batch, device="cuda")
    with torch.inference_mode():
        for _ in range(5):
            unet(x, t, encoder_hidden_states=ctx)
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(runs):
            unet(x, t, encoder_hidden_states=ctx)
        torch.cuda.synchronize()
    return runs / (time.perf_counter() - start)


for name, batch in (("single", 1), ("guided", 2)):
    print(f"diffusers {name} {steps_per_second(batch):.2f} steps/s at {size}x{size} fp16 (UNet batch {batch})")
