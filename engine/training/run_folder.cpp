#include "training/run_folder.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <torch/torch.h>

#include "imaging/png_io.h"
#include "models/stable_diffusion.h"
#include "multires/multires_pipeline.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "training/caption_templates.h"
#include "training/dataset.h"

namespace fs = std::filesystem;

namespace mrti {

std::string step_tag(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step%06lld", static_cast<long long>(step));
  return buf;
}

nlohmann::json read_run_json(const std::string& out_dir) {
  const std::string path = out_dir + "/settings.json";
  if (!fs::is_regular_file(path)) throw Error("'" + out_dir + "' is not a training run folder (no settings.json)");
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error("'" + path + "' is not valid JSON: " + e.what());
  }
}

TrainingRunKind training_run_kind(const std::string& out_dir) {
  const nlohmann::json j = read_run_json(out_dir);
  const std::string format = j.is_object() ? j.value("format", "") : "";
  if (format == kTextualInversionRunFormat) return TrainingRunKind::textual_inversion;
  if (format == kDreamBoothRunFormat) return TrainingRunKind::dreambooth;
  if (format == kModelRunFormat) return TrainingRunKind::model;
  throw Error("'" + out_dir + "/settings.json' is not a training run's settings (format '" + format +
              "'; expected '" + kTextualInversionRunFormat + "', '" + kDreamBoothRunFormat + "' or '" +
              kModelRunFormat + "')");
}

std::string model_fingerprint(const StableDiffusionModel& model) {
  torch::NoGradGuard no_grad;
  std::string text;
  for (auto* module : std::vector<const torch::nn::Module*>{model.text_encoder.get(), model.unet.get(), model.vae.get()}) {
    if (!module) continue;
    int64_t count = 0;
    double sum = 0;
    for (const auto& p : module->parameters()) {
      count += p.numel();
      sum += p.to(torch::kDouble).sum().item<double>();
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld:%.6e;", static_cast<long long>(count), sum);
    text += buf;
  }
  return content_hash(text);
}

std::string settings_difference(const nlohmann::json& run, const nlohmann::json& now,
                                const std::vector<std::string>& ignore) {
  std::string diff;
  for (auto it = run.begin(); it != run.end(); ++it) {
    if (std::find(ignore.begin(), ignore.end(), it.key()) != ignore.end()) continue;
    const nlohmann::json other = now.value(it.key(), nlohmann::json());
    if (other != it.value())
      diff += (diff.empty() ? "" : ", ") + it.key() + " (run: " + it.value().dump() + ", now: " + other.dump() + ")";
  }
  return diff;
}

void LossLog::add(int64_t step, const std::vector<int64_t>& timesteps, const std::vector<int64_t>& scale_indices,
                  double loss, double lr) {
  for (std::size_t i = 0; i < timesteps.size(); ++i) {
    char row[160];
    std::snprintf(row, sizeof row, "%lld,%lld,%lld,%.8g,%.8g", static_cast<long long>(step),
                  static_cast<long long>(timesteps[i]),
                  static_cast<long long>(i < scale_indices.size() ? scale_indices[i] : -1), loss, lr);
    rows_.push_back(row);
  }
}

void LossLog::add_row(int64_t step, const std::vector<double>& values) {
  std::string row = std::to_string(step);
  char buf[32];
  for (double v : values) {
    std::snprintf(buf, sizeof buf, ",%.8g", v);
    row += buf;
  }
  rows_.push_back(row);
}

void LossLog::load(const std::string& path, int64_t last_step) {
  rows_.clear();
  std::ifstream in(path);
  if (!in) return;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line))
    if (!line.empty() && std::atoll(line.c_str()) <= last_step) rows_.push_back(line);
}

void LossLog::write(const std::string& path) const {
  std::string text = header_ + "\n";
  for (const auto& row : rows_) text += row + "\n";
  write_file_atomically(path, text);
}

std::unique_lock<std::mutex> wait_for_next_step(TrainingControl* control, const TrainingCallbacks& callbacks) {
  if (!control) return {};
  if (control->paused.load() && !control->cancel.cancelled()) {
    control->idle.store(true);
    if (callbacks.on_paused) callbacks.on_paused(true);
    while (control->paused.load() && !control->cancel.cancelled())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    control->idle.store(false);
    if (callbacks.on_paused) callbacks.on_paused(false);
  }
  // Held for the step and its previews: a probe that started during the pause finishes
  // before the model is used for training again.
  return std::unique_lock<std::mutex>(control->model_mutex);
}

void write_previews(StableDiffusionModel& model, const Concept& concept, const PreviewSettings& settings, int64_t step,
                    const std::string& out_dir, const TrainingCallbacks& callbacks, const CancellationToken* cancel) {
  const int64_t N = concept.num_scales();
  std::vector<int64_t> scales = settings.scales;
  if (scales.empty()) scales = {0, N / 2, N - 1};
  std::sort(scales.begin(), scales.end());
  scales.erase(std::unique(scales.begin(), scales.end()), scales.end());
  ConceptSet concepts;
  concepts[concept.name] = concept;
  fs::create_directories(out_dir + "/previews");
  for (int64_t k : scales) {
    if (k < 0 || k >= N) continue;
    TextToImageRequest request;
    request.prompt = fill_caption(settings.prompt, "<" + concept.name + "|" + std::to_string(k) + "|>");
    request.steps = settings.steps;
    request.width = request.height = settings.size;
    request.seed = settings.seed;
    request.previews = false;
    const auto result = multires_text_to_image(model, request, concepts, {}, {}, cancel);
    TrainingPreview p;
    p.step = step;
    p.scale_index = k;
    p.image = result.result.images.at(0);
    p.path = out_dir + "/previews/" + step_tag(step) + "-k" + std::to_string(k) + ".png";
    write_png(p.path, p.image, {{"parameters", request.prompt + "\nSteps: " + std::to_string(request.steps) +
                                                    ", Seed: " + std::to_string(request.seed)}});
    if (callbacks.on_preview) callbacks.on_preview(p);
  }
}

bool run_training_steps(const StepLoop& loop, LossLog& log,
                        const TrainingCallbacks& callbacks, TrainingControl* control, TrainingOutcome& out) {
  const auto message = [&](const std::string& m) {
    if (callbacks.on_message) callbacks.on_message(m);
  };
  // This session's seconds per step (for rate and time left) and the last 50 losses.
  double seconds = 0;
  int64_t steps = 0;
  std::vector<double> recent;
  const auto finish = [&] {
    out.step = loop.current_step();
    double sum = 0;
    for (double l : recent) sum += l;
    out.final_loss_mean = recent.empty() ? 0 : sum / double(recent.size());
  };
  while (loop.current_step() < loop.total_steps) {
    const auto model_lock = wait_for_next_step(control, callbacks);
    if (control && control->cancel.cancelled()) {
      out.checkpoint = loop.save_checkpoint();
      finish();
      message("cancelled at step " + std::to_string(out.step) + "; checkpoint " + out.checkpoint);
      return false;
    }
    const auto t0 = std::chrono::steady_clock::now();
    TrainingProgress p = loop.train_step();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++steps;
    recent.push_back(p.loss);
    if (recent.size() > 50) recent.erase(recent.begin());
    log.add(p.step, p.timesteps, p.scale_indices, p.loss, p.lr);
    if (callbacks.on_step) {
      const double per_step = seconds / double(steps);
      p.total_steps = loop.total_steps;
      p.images_per_second = per_step > 0 ? double(loop.images_per_step) / per_step : 0;
      p.seconds_left = per_step * double(loop.total_steps - p.step);
      callbacks.on_step(p);
    }
    if (loop.checkpoint_every > 0 && p.step % loop.checkpoint_every == 0 && p.step < loop.total_steps) {
      out.checkpoint = loop.save_checkpoint();
      message("checkpoint at step " + std::to_string(p.step));
    }
    if (loop.preview_every > 0 && p.step % loop.preview_every == 0 && loop.write_previews) {
      try {
        loop.write_previews(p.step, callbacks, control ? &control->cancel : nullptr);
      } catch (const Cancelled&) {
        // The cancel is handled at the top of the loop, after this step's checkpoint.
      }
    }
  }
  finish();
  return true;
}

}  // namespace mrti
