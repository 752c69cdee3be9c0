// mrti bench: medians of repeated, warmed-up runs of each stage of the pipeline.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <vector>
#include <thread>
#include <atomic>

#include <unistd.h>

#include <torch/cuda.h>
#include <torch/torch.h>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "imaging/image.h"
#include "imaging/png_io.h"
#include "models/int8_linear.h"
#include "pipeline/memory_format.h"
#include "pipeline/prompt_encoding.h"
#include "pipeline/text_to_image_pipeline.h"
#include "runtime/bfloat16_math.h"
#include "runtime/cpu_features.h"
#include "runtime/cpu_setup.h"
#include "runtime/machine_peak.h"
#include "runtime/op_profile.h"
#include "runtime/device.h"
#include "training/dataset.h"
#include "training/textual_inversion_trainer.h"

namespace mrti::cli {
namespace fs = std::filesystem;

namespace {

struct BenchArgs {
  ModelArgs m;
  std::string size, sampler;
  int batch = 1, repeats = 3, warmup = 1, image_steps = 20, image_runs = 1, deep_cache = 1;
  double tome = 0;
  bool skip_image = false, skip_training = false, channels_last = false;
  bool skip_peak = false, profile = false;
};

struct Row {
  std::string what;
  double median_s = 0, min_s = 0;
  int runs = 0;
  std::string rate;
  double peak_gib = 0;  // the process's peak resident memory during the row (CPU)
  std::vector<OpTotals> ops;  // per operator, from one extra or warm-up run (rows that are profiled)
};

// The largest resident memory of the process while it lives, sampled every few
// milliseconds from /proc/self/statm. Sampled rather than read from VmHWM, which would have
// to be reset per row and would then hide earlier peaks from outside measurements.
// The process's resident memory now (0 where /proc cannot tell).
long long resident_bytes() {
  std::ifstream f("/proc/self/statm");
  long long size = 0, resident = 0;
  if (!(f >> size >> resident)) return 0;
  return resident * ::sysconf(_SC_PAGESIZE);
}

double resident_gib() { return double(resident_bytes()) / double(1 << 30); }

class PeakMemory {
 public:
  PeakMemory() : thread_([this] {
    while (!stop_.load()) {
      sample();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }) {}
  ~PeakMemory() {
    stop_.store(true);
    thread_.join();
  }
  double gib() {
    sample();
    return double(peak_.load()) / double(1 << 30);
  }

 private:
  void sample() {
    const long long bytes = resident_bytes();
    long long seen = peak_.load();
    while (bytes > seen && !peak_.compare_exchange_weak(seen, bytes)) {
    }
  }
  std::atomic<bool> stop_{false};
  std::atomic<long long> peak_{0};
  std::thread thread_;
};

void sync(const c10::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize(d.index());
}

// On the CPU each row also gives the process's peak resident memory during it.
// A profiled row counts its operators in its first warm-up run (or in one more run when
// there is none), never in a timed one: the callbacks cost time.
Row time_it(const std::string& what, const c10::Device& device, int warmup, int repeats,
            const std::function<void()>& fn, bool profiled = false) {
  std::optional<PeakMemory> peak;
  if (!device.is_cuda()) peak.emplace();
  std::vector<OpTotals> ops;
  if (profiled) {
    OpProfile profile;
    fn();
    sync(device);
    ops = profile.finish();
  }
  for (int i = profiled ? 1 : 0; i < warmup; ++i) fn();
  sync(device);
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    sync(device);
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  Row r;
  r.what = what;
  r.median_s = t[t.size() / 2];
  r.min_s = t.front();
  r.runs = repeats;
  r.ops = std::move(ops);
  if (peak) r.peak_gib = peak->gib();
  std::cerr << "  " << what << ": " << r.median_s << " s\n";
  return r;
}

// The machine's peak and what the profiled rows achieve against it, in tables of their own
// (prefixed, so that scripts reading the timing rows are not confused).
void print_rates(const std::vector<Row>& rows, const std::optional<MachinePeak>& peak, c10::ScalarType dt) {
  if (peak) {
    std::printf("\n%-64s %10s\n", "machine peak (this LibTorch, these threads)", "TFLOP/s");
    for (const auto& k : peak->kernels)
      std::printf("peak: %-58s %10.3f\n", (k.what + ", " + dtype_name(k.dtype)).c_str(), k.tflops());
  }
  const double limit = peak ? peak->tflops(dt) : 0;
  std::printf("\n%-44s %12s %10s %14s\n", "achieved (matrix work / median time)", "GFLOP", "TFLOP/s",
              limit > 0 ? ("of " + dtype_name(dt) + " peak").c_str() : "");
  for (const auto& row : rows) {
    const double flops = total_flops(row.ops);
    if (flops <= 0) continue;
    const double rate = flops / row.median_s / 1e12;
    if (limit > 0)
      std::printf("rate: %-38s %12.1f %10.3f %13.0f%%\n", row.what.c_str(), flops / 1e9, rate, 100 * rate / limit);
    else
      std::printf("rate: %-38s %12.1f %10.3f\n", row.what.c_str(), flops / 1e9, rate);
  }
}

// The operators of a profiled run by time (from that run, which the callbacks slow a little).
void print_profile(const Row& row) {
  const double total = total_seconds(row.ops);
  std::printf("\nprofile of one run: %s (%.3f s in operators)\n", row.what.c_str(), total);
  std::printf("%-40s %8s %10s %7s %10s\n", "operator", "calls", "seconds", "share", "TFLOP/s");
  double shown = 0;
  for (std::size_t i = 0; i < row.ops.size() && i < 16; ++i) {
    const auto& o = row.ops[i];
    shown += o.seconds;
    char rate[32] = "";
    if (o.flops > 0 && o.seconds > 0) std::snprintf(rate, sizeof rate, "%.3f", o.flops / o.seconds / 1e12);
    std::printf("op: %-36s %8lld %10.4f %6.1f%% %10s\n", o.name.c_str(), static_cast<long long>(o.calls), o.seconds,
                100 * o.seconds / total, rate);
  }
  if (row.ops.size() > 16)
    std::printf("op: %-36s %8s %10.4f %6.1f%%\n", "(the others)", "", total - shown, 100 * (total - shown) / total);
}

void run_bench(BenchArgs a) {
  configure_threads(a.m.threads);
  a.m.model = resolve_model(a.m.model);
  {
    int steps = 1;
    double guidance = 1;
    apply_model_defaults(a.m.model, a.size, steps, guidance);
  }
  auto [w, h] = parse_size(a.size);
  std::optional<PeakMemory> load_peak;
  load_peak.emplace();
  const auto load_start = std::chrono::steady_clock::now();
  auto model = load_model_for_cli(a.m);
  Row load_row;
  load_row.what = "model load";
  load_row.median_s = load_row.min_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  load_row.runs = 1;
  if (!model.device.is_cuda()) load_row.peak_gib = load_peak->gib();
  load_peak.reset();
  if (a.channels_last) use_channels_last(model);
  const bool channels_last = uses_channels_last(model);
  torch::NoGradGuard no_grad;
  const auto dev = model.device;
  const auto dt = model.dtype;
  const auto arithmetic = compute_dtype(dev, dt);  // float32 for bf16 weights on CPUs without bf16 units
  const int64_t B = a.batch;
  const int64_t lc = model.unet->config().in_channels;
  auto latents = torch::randn({B, lc, h / 8, w / 8}).to(dev, arithmetic);
  if (channels_last) latents = latents.contiguous(at::MemoryFormat::ChannelsLast);
  auto prompt = encode_prompt(model, "a photograph of an astronaut riding a horse");
  auto states = prompt.states.to(dev, arithmetic);
  auto t = torch::tensor(500, torch::kLong).to(dev);

  std::vector<Row> rows{load_row};
  std::cerr << "benchmarking (" << a.warmup << " warm-up, " << a.repeats << " timed runs each)\n";
  rows.push_back(time_it("text encoder (1 prompt)", dev, a.warmup, a.repeats,
                         [&] { encode_prompt(model, "a photograph of an astronaut riding a horse"); }));
  auto single = states.expand({B, states.size(1), states.size(2)});
  // Through the CUDA graph when the model has one (--cuda-graphs), as the sampling loop runs it.
  const auto unet_step = [&](const at::Tensor& x, const at::Tensor& states_) {
    return model.unet_graph ? model.unet_graph->forward(model.unet, x, t, states_) : model.unet->forward(x, t, states_);
  };
  const std::string graph_note = model.unet_graph ? ", CUDA graph" : "";
  Row r = time_it("UNet step, no guidance (batch " + std::to_string(B) + graph_note + ")", dev, a.warmup, a.repeats,
                  [&] { unet_step(latents, single); });
  r.rate = std::to_string(1.0 / r.median_s).substr(0, 5) + " steps/s";
  rows.push_back(r);
  auto both = torch::cat({single, single});
  auto lat2 = torch::cat({latents, latents});
  if (channels_last) lat2 = lat2.contiguous(at::MemoryFormat::ChannelsLast);
  r = time_it("UNet step, guided (batch " + std::to_string(2 * B) + graph_note + ")", dev, a.warmup, a.repeats,
              [&] { unet_step(lat2, both); }, !model.unet_graph);
  r.rate = std::to_string(1.0 / r.median_s).substr(0, 5) + " steps/s";
  rows.push_back(r);
  rows.push_back(time_it(std::string(a.m.vae_tiling ? "VAE decode in tiles" : "VAE decode") + " (batch " +
                             std::to_string(B) + ")",
                         dev, a.warmup, a.repeats,
                         [&] { decode_latents(model, latents.to(torch::kFloat), false, a.m.vae_tiling); }, true));
  std::string resident_line;  // with --image-runs
  if (!a.skip_image) {
    TextToImageRequest req;
    req.prompt = "a photograph of an astronaut riding a horse";
    req.width = w;
    req.height = h;
    req.batch = a.batch;
    req.steps = a.image_steps;
    req.sampler = a.sampler;
    req.deep_cache_interval = a.deep_cache;
    req.token_merge_ratio = a.tome;
    req.seed = 1;
    req.previews = false;
    req.decode_vae_in_tiles = a.m.vae_tiling;
    r = time_it("whole image, " + std::to_string(a.image_steps) + " steps" +
                    (a.deep_cache > 1 ? ", DeepCache " + std::to_string(a.deep_cache) : std::string()) +
                    (a.tome > 0 ? ", ToMe " + std::to_string(a.tome).substr(0, 4) : std::string()),
                dev, 0, 1,
                [&] { text_to_image(model, req); });
    rows.push_back(r);
    if (a.image_runs > 1) {
      // Many pictures in one process, as the app makes them: resident memory must not grow.
      const double first = resident_gib();
      for (int i = 1; i < a.image_runs; ++i) {
        req.seed = 1 + i;
        text_to_image(model, req);
      }
      const double last = resident_gib();
      char line[160];
      std::snprintf(line, sizeof line, "memory: resident after 1 picture / after %d %20.3f / %.3f\n", a.image_runs,
                    first, last);
      resident_line = line;
      std::cerr << "  " << line;
    }
  }

  // Textual-inversion training steps in the model's precision (fp16 only on CUDA): with
  // cached latents, with gradient checkpointing, and without the latent cache. On the
  // CPU each row also gives the process's peak resident memory during it.
  // Int8 weights have no gradient: no training rows with them.
  const bool trainable = model.int8_layers == 0 && (dt == torch::kFloat || dt == torch::kBFloat16 ||
                                                    (dt == torch::kHalf && dev.is_cuda()));
  if (trainable && !a.skip_training) {
    at::AutoGradMode grad_mode(true);
    const std::string data = (fs::temp_directory_path() / ("mrti-bench-ti-" + std::to_string(::getpid()))).string();
    fs::create_directories(data);
    const int side = std::min(w, h);
    write_png(data + "/image.png", make_image(side, side, {200, 80, 40}));
    auto dataset = std::make_shared<TrainingDataset>(data, DatasetOptions{side, true, 8, "object"});
    struct Variant {
      bool cache, checkpointing;
      const char* what;
    };
    for (const Variant& v : {Variant{true, true, "cached, grad. checkpointing"}, Variant{true, false, "cached latents"},
                             Variant{false, false, "no latent cache"}}) {
      TextualInversionSettings ts;
      ts.name = "bench";
      ts.init_token = "painting";
      ts.resolution = side;
      ts.cache_latents = v.cache;
      ts.gradient_checkpointing = v.checkpointing;
      ts.precision = dtype_name(dt);
      TextualInversionTrainer trainer(model, ts, dataset);
      r = time_it("TI step " + dtype_name(dt) + " (" + v.what + ")", dev, a.warmup, a.repeats,
                  [&] { trainer.train_step(); });
      r.rate = std::to_string(1.0 / r.median_s).substr(0, 5) + " steps/s";
      rows.push_back(r);
    }
    fs::remove_all(data);
  }

  std::optional<MachinePeak> peak;
  if (!a.skip_peak) {
    std::cerr << "measuring the machine's peak (convolution and matrix product)\n";
    std::vector<c10::ScalarType> dtypes{arithmetic};
    if (arithmetic != torch::kFloat) dtypes.push_back(torch::kFloat);
    peak = measure_machine_peak(dev, dtypes);
  }

  std::printf("\nmrti bench  model=%s  size=%dx%d  batch=%d\n", a.m.model.c_str(), w, h, a.batch);
  std::printf("device=%s  dtype=%s%s  memory format=%s  threads=%d  libtorch=%s\n", dev.str().c_str(),
              dtype_name(dt).c_str(), arithmetic != dt ? (" (" + dtype_name(arithmetic) + " arithmetic)").c_str() : "",
              channels_last ? "channels_last" : "contiguous", current_threads(),
              torch_version().c_str());
  if (model.unet_graph)
    std::printf("CUDA graphs: %s\n", model.unet_graph->failure().empty()
                                          ? (std::to_string(model.unet_graph->captures()) + " shapes captured").c_str()
                                          : model.unet_graph->failure().c_str());
  if (model.int8_layers > 0)
    std::printf("int8 weights: %lld UNet linear layers (%s kernels)\n", static_cast<long long>(model.int8_layers),
                int8_engine().c_str());
  if (!dev.is_cuda()) {
    const CpuFeatures cpu = cpu_features();
    std::printf("cpu=%s  (%s)\n", cpu.model.empty() ? "unknown" : cpu.model.c_str(), cpu.summary().c_str());
  }
  std::printf("%-40s %12s %12s %6s  %s\n", "stage", "median s", "min s", "runs", "");
  for (const auto& row : rows)
    std::printf("%-40s %12.4f %12.4f %6d  %s\n", row.what.c_str(), row.median_s, row.min_s, row.runs,
                row.rate.c_str());
  print_rates(rows, peak, arithmetic);
  if (a.profile)
    for (const auto& row : rows)
      if (!row.ops.empty()) print_profile(row);
  // Peak memory in its own table: the timing rows keep the columns scripts read.
  bool any_peak = false;
  for (const auto& row : rows) any_peak = any_peak || row.peak_gib > 0;
  if (!any_peak) return;
  std::printf("\n%-50s %14s\n", "peak resident memory during", "GiB");
  for (const auto& row : rows)
    if (row.peak_gib > 0) std::printf("memory: %-42s %14.2f\n", row.what.c_str(), row.peak_gib);
  std::printf("%s", resident_line.c_str());
}

}  // namespace

void add_bench(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand("bench", "Time the text encoder, a UNet step, the VAE decode and a whole image");
  add_model_options(cmd, a->m, false);
  cmd->add_flag("--vae-tiling", a->m.vae_tiling, "Decode in blended tiles of the model's size");
  cmd->add_option("--size", a->size, "WIDTHxHEIGHT (default: the size the model was trained at)");
  cmd->add_option("--batch", a->batch, "Images per UNet call")->capture_default_str();
  cmd->add_option("--repeats", a->repeats, "Timed runs per stage")->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "Untimed runs first")->capture_default_str();
  cmd->add_option("--image-steps", a->image_steps, "Steps of the whole-image run")->capture_default_str();
  cmd->add_option("--deep-cache", a->deep_cache, "DeepCache interval of the whole-image run (1 = off)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--tome", a->tome, "Token merging ratio of the whole-image run (0 = off)")
      ->check(CLI::Range(0.0, 0.75))
      ->capture_default_str();
  cmd->add_option("--image-runs", a->image_runs,
                  "Whole pictures made in a row (the first is timed; with more, the resident memory after the "
                  "first and the last is shown)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--sampler", a->sampler, "Sampler of the whole-image run");
  cmd->add_flag("--channels-last", a->channels_last,
                "Run the UNet and VAE on channels_last (NHWC) tensors (the default where it pays off: bf16 "
                "arithmetic on the CPU, fp16/bf16 on CUDA)");
  cmd->add_flag("--skip-image", a->skip_image, "Leave out the whole-image run");
  cmd->add_flag("--skip-peak", a->skip_peak, "Leave out the measurement of the machine's peak rate");
  cmd->add_flag("--profile", a->profile,
                "Show where the time of a guided UNet step and a VAE decode goes, operator by operator");
  cmd->add_flag("--skip-training", a->skip_training, "Leave out the textual-inversion training steps");
  cmd->callback([a] { run_bench(*a); });
}

}  // namespace mrti::cli
