// `mrti parity`: the text encoder, UNet, VAE and the whole text-to-image pipeline of the tiny
// reference model against diffusers' outputs (the fixtures' tiny-sd15-ref), on any device and
// precision. The test suite checks the same on the CPU; this runs where there is no Qt, such
// as a GPU machine with only LibTorch and a compiler.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/Context.h>
#include <CLI/CLI.hpp>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "models/layer_forward.h"
#include "models/stable_diffusion.h"
#include "pipeline/memory_format.h"
#include "pipeline/text_to_image_pipeline.h"
#include "runtime/bfloat16_math.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "tensor_io/safetensors.h"

namespace mrti::cli {
namespace {

struct ParityArgs {
  std::string fixtures, device = "cpu", dtype = "fp32";
};

// ‖got − want‖ / ‖want‖ in double on the CPU.
double rel_l2(const at::Tensor& got, const at::Tensor& want, const std::string& what) {
  const auto a = got.detach().to(torch::kCPU, torch::kDouble);
  const auto b = want.detach().to(torch::kCPU, torch::kDouble);
  if (a.sizes() != b.sizes())
    throw Error(what + ": shape " + c10::str(a.sizes()) + " where the reference has " + c10::str(b.sizes()));
  return (a - b).norm().item<double>() / std::max(b.norm().item<double>(), 1e-30);
}

// Bounds on the relative L2 error: a model part, the VAE (its decoder amplifies rounding the
// most), and the 10-step pipeline whose errors add up. The fixtures' weights are random, which
// makes half precision look worse than on a trained model: bf16 (8 significant bits) measured
// 0.065 on the UNet and 0.19 on the VAE decoder on the CPU in NCHW, 0.02 and 0.04 in NHWC;
// fp16 has 3 bits more. A wrong layer gives errors of the order of 1.
struct Bounds {
  double part, vae, pipeline;
};

Bounds bounds_for(c10::ScalarType dtype, c10::ScalarType arithmetic, bool cuda) {
  // bf16 weights with float32 arithmetic: only the weights are rounded (measured 8e-3 on the
  // UNet, 1.7e-2 on the VAE decoder).
  if (dtype == c10::kHalf || (dtype == c10::kBFloat16 && arithmetic == c10::kFloat)) return {3e-2, 6e-2, 6e-2};
  if (dtype == c10::kBFloat16) return {1e-1, 2.5e-1, 1.5e-1};
  return cuda ? Bounds{1e-3, 1e-3, 1e-3} : Bounds{1e-4, 1e-4, 1e-3};
}

int run_parity(const ParityArgs& a) {
  for (const char* sub : {"tiny-sd15", "tiny-sd15-ref"})
    if (!std::filesystem::is_directory(a.fixtures + "/" + sub))
      throw Error("'" + a.fixtures + "' is not the reference fixtures folder: it has no " + sub + "/");
  const std::string ref_dir = a.fixtures + "/tiny-sd15-ref";
  ModelLoadOptions options;
  options.device = parse_device(a.device);
  options.dtype = parse_dtype(a.dtype, options.device);
  // Float32 on CUDA means float32: no TensorFloat-32 in convolutions or matrix products here.
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  auto model = load_stable_diffusion(a.fixtures + "/tiny-sd15", options);
  const bool channels_last = use_preferred_memory_format(model);  // as the app and CLI run it
  const auto arithmetic = compute_dtype(options.device, options.dtype);
  const Bounds bound = bounds_for(options.dtype, arithmetic, options.device.is_cuda());
  const auto dev = [&](const at::Tensor& t) {
    return t.is_floating_point() ? t.to(options.device, arithmetic) : t.to(options.device);
  };

  std::printf("device %s, %s%s, %s\n", options.device.str().c_str(), dtype_name(options.dtype).c_str(),
              arithmetic != options.dtype ? (" weights, " + dtype_name(arithmetic) + " arithmetic").c_str() : "",
              channels_last ? "channels_last" : "contiguous");
  std::printf("%-38s %10s %10s\n", "output", "rel L2", "bound");
  int failed = 0;
  const auto row = [&](const std::string& what, const at::Tensor& got, const at::Tensor& want, double limit) {
    const double e = rel_l2(got, want, what);
    const bool ok = e < limit;
    failed += !ok;
    std::printf("%-38s %10.3e %10.1e  %s\n", what.c_str(), e, limit, ok ? "ok" : "FAILED");
    std::fflush(stdout);
  };

  torch::NoGradGuard no_grad;
  {
    const auto ref = read_safetensors(ref_dir + "/text_encoder.safetensors").tensors;
    const auto out = model.text_encoder->forward(ref.at("input_ids").to(options.device));
    row("text encoder last_hidden_state", out.last_hidden_state, ref.at("last_hidden_state"), bound.part);
    row("text encoder pooler_output", out.pooler_output, ref.at("pooler_output"), bound.part);
  }
  {
    const auto ref = read_safetensors(ref_dir + "/unet.safetensors").tensors;
    const auto sample = dev(ref.at("sample")), ehs = dev(ref.at("encoder_hidden_states"));
    row("unet, int64 timesteps", model.unet->forward(sample, dev(ref.at("timesteps")), ehs), ref.at("out"), bound.part);
    row("unet, 0-dim timestep", model.unet->forward(sample, dev(ref.at("scalar_timestep")), ehs),
        ref.at("out_scalar_t500"), bound.part);
    row("unet, float timesteps", model.unet->forward(sample, ref.at("float_timesteps").to(options.device), ehs),
        ref.at("out_float_t"), bound.part);
  }
  const auto vae_ref = read_safetensors(ref_dir + "/vae.safetensors").tensors;
  {
    const auto vae_dtype = compute_dtype_of(*model.vae);
    const auto posterior = model.vae->encode(vae_ref.at("image").to(options.device, vae_dtype));
    row("vae encode moments", posterior.moments, vae_ref.at("moments"), bound.vae);
    row("vae decode", model.vae->decode(vae_ref.at("latent").to(options.device, vae_dtype)), vae_ref.at("decoded"),
        bound.vae);
  }
  // On CUDA the pipelines run twice: eagerly, and with the UNet step replayed as a CUDA graph.
  const bool graphs = options.device.is_cuda() && UNetCudaGraph::available();
  for (const bool graphed : graphs ? std::vector<bool>{false, true} : std::vector<bool>{false}) {
    if (graphed) model.unet_graph = std::make_shared<UNetCudaGraph>();
    const std::string how = graphed ? ", CUDA graph" : "";
    for (const auto& [file, sampler] : std::vector<std::pair<std::string, std::string>>{
             {"txt2img_PNDM", ""}, {"txt2img_DDIM", "ddim"}, {"txt2img_EulerDiscrete", "euler"}}) {
      const auto ref = read_safetensors(ref_dir + "/" + file + ".safetensors").tensors;
      TextToImageRequest r;
      r.prompt = "a photo of a cat";
      r.width = r.height = 128;
      r.steps = 10;
      r.guidance = 7.5;
      r.sampler = sampler;
      r.initial_latents = ref.at("initial_latents").clone();
      const auto result = text_to_image(model, r);
      row(file + how + " final latents", result.final_latents, ref.at("final_latents"), bound.pipeline);
      row(file + how + " image", result.images_tensor, ref.at("image"), bound.pipeline);
    }
    if (graphed && !model.unet_graph->failure().empty()) {
      std::printf("%s\n", model.unet_graph->failure().c_str());
      ++failed;
    }
    model.unet_graph.reset();
  }
  {
    // The float16 overflow guard: with the decoder's first convolution scaled by 2^16 the
    // layers after it overflow float16 (not bfloat16 or float32); decode_latents must still
    // give the picture that a float32 decode of the same weights gives.
    for (auto& p : model.vae->named_parameters(true))
      if (p.key() == "decoder.conv_in.weight" || p.key() == "decoder.conv_in.bias") p.value().mul_(65536.0);
    const auto latent = vae_ref.at("latent") * model.vae->config().scaling_factor;
    const auto guarded = decode_latents(model, latent);
    const bool upcast = options.dtype == c10::kHalf && model.vae->parameters().front().scalar_type() == c10::kFloat;
    const auto exact = decode_latents(model, latent, /*float32_vae=*/true);
    row(std::string("vae decode, overflow guard") + (upcast ? " (upcast)" : ""), guarded, exact, bound.vae);
  }
  std::printf(failed ? "%d outputs differ from the reference beyond their bound\n" : "all outputs within their bounds\n",
              failed);
  return failed ? 1 : 0;
}

}  // namespace

void add_parity(CLI::App& app) {
  auto args = std::make_shared<ParityArgs>();
  auto* cmd = app.add_subcommand(
      "parity", "Check the text encoder, UNet, VAE and pipeline against the reference fixtures on a device");
  cmd->add_option("--fixtures", args->fixtures, "The reference fixtures folder (holds tiny-sd15 and tiny-sd15-ref)")
      ->required();
  cmd->add_option("--device", args->device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--dtype", args->dtype, "fp32, fp16 or bf16")->capture_default_str();
  add_bf16_math_option(cmd);
  cmd->callback([args] {
    if (const int status = run_parity(*args)) throw CLI::RuntimeError(status);
  });
}

}  // namespace mrti::cli
