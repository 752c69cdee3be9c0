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
#include "multires/concept_library.h"
#include "multires/multires_pipeline.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "training/distributed.h"
#include "training/caption_templates.h"
#include "training/dataset.h"
#include "training/lr_schedule.h"

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

std::string absolute_path(const std::string& path) {
  return path.empty() ? path : fs::absolute(path).lexically_normal().string();
}

int64_t checkpoint_step(const std::string& out_dir) {
  const std::string latest = out_dir + "/checkpoints/latest.json";
  if (!fs::exists(latest)) return 0;
  try {
    return nlohmann::json::parse(read_file(latest)).value("step", int64_t{0});
  } catch (const nlohmann::json::exception& e) {
    throw Error("'" + latest + "' is malformed: " + e.what());
  }
}

std::string check_resume_steps(const std::string& out_dir, int64_t total_steps) {
  if (total_steps == 0) return {};
  if (total_steps < 0)
    throw Error("cannot resume '" + out_dir + "' to " + std::to_string(total_steps) +
                " steps: the step count must be positive");
  const int64_t reached = checkpoint_step(out_dir);
  if (total_steps < reached)
    throw Error("cannot resume '" + out_dir + "' to " + std::to_string(total_steps) + " steps: it is at step " +
                std::to_string(reached) + " already (steps trained cannot be undone; give at least " +
                std::to_string(reached) + ")");
  const nlohmann::json t = read_run_json(out_dir).value("training", nlohmann::json::object());
  const int64_t recorded = t.value("steps", int64_t{0});
  if (total_steps == recorded) return {};
  try {
    const LrSchedule schedule = LrSchedule::parse(t.value("lr_schedule", "constant"), t.value("lr", 1.0),
                                                  t.value("warmup_steps", int64_t{0}), recorded);
    if (!schedule.depends_on_total_steps()) return {};
  } catch (const std::exception&) {
    return {};  // the run's own validation names a bad schedule
  }
  return "the run's " + t.value("lr_schedule", std::string()) + " learning-rate schedule was spread over " +
         std::to_string(recorded) + " steps and is now stretched over " + std::to_string(total_steps) +
         ": the remaining steps get other rates than planned, so the result differs from both the " +
         std::to_string(recorded) + "-step run and a run started with " + std::to_string(total_steps) + " steps";
}

void check_library_name_free(const std::string& library_dir, const std::string& name, bool replace) {
  if (library_dir.empty() || !fs::is_directory(library_dir)) return;
  ConceptLibrary(library_dir, false).check_save(name, replace);
}

namespace {

constexpr const char* kTrainingRunKey = "training_run";  // concept metadata: the run that made it

bool same_folder(const std::string& a, const std::string& b) {
  std::error_code ea, eb;
  const fs::path pa = fs::weakly_canonical(a, ea), pb = fs::weakly_canonical(b, eb);
  return !ea && !eb && pa == pb;
}

// Whether the library's concept `name` is an earlier result of the run in `run_dir`.
bool made_by_run(const ConceptLibrary& library, const std::string& name, const std::string& run_dir) {
  try {
    const Concept existing = load_concept(library.path_of(name));
    const auto it = existing.extra.find(kTrainingRunKey);
    return it != existing.extra.end() && same_folder(it->second, run_dir);
  } catch (const Error&) {
    return false;  // a broken file is nobody's result: keep it
  }
}

}  // namespace

std::string save_to_library(const std::string& library_dir, const Concept& concept, const std::string& run_dir,
                            bool replace, const std::function<void(const std::string&)>& message) {
  if (library_dir.empty()) return {};
  const std::string result = run_dir + "/" + concept.name + ".safetensors";
  const auto keep = [&](const std::string& why) {
    if (message) message("not saved to the library: " + why + "; the new concept is in " + result);
    return std::string();
  };
  const ConceptLibrary library(library_dir);
  // Checked when the run began; a concept that took the name since then is kept.
  if (!replace && library.contains(concept.name) && !made_by_run(library, concept.name, run_dir))
    return keep("it got a concept named '" + concept.name + "' since the run began, which stays as it is");
  Concept marked = concept;
  marked.extra[kTrainingRunKey] = absolute_path(run_dir);
  try {
    return library.save(marked, /*overwrite=*/true);
  } catch (const Error& e) {
    return keep(e.what());
  }
}

void validate_cadence(int64_t checkpoint_every, int64_t preview_every, int preview_steps,
                      const std::string& preview_prompt) {
  if (checkpoint_every < 0) throw Error("the checkpoint interval cannot be negative (0 = only at the end)");
  if (preview_every < 0) throw Error("the preview interval cannot be negative (0 = no previews)");
  if (preview_steps < 1 || preview_steps > 1000)
    throw Error("preview steps must be between 1 and 1000 (got " + std::to_string(preview_steps) + ")");
  if (preview_prompt.find("{}") == std::string::npos)
    throw Error("the preview prompt '" + preview_prompt + "' has no {} where the concept goes");
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
  // This session's seconds in training steps (for the rate), in whole iterations with their
  // checkpoints and previews, pauses left out (for the time left), and the last 50 losses.
  double seconds = 0, loop_seconds = 0;
  int64_t steps = 0;
  std::vector<double> recent;
  const auto finish = [&] {
    out.step = loop.current_step();
    double sum = 0;
    for (double l : recent) sum += l;
    out.final_loss_mean = recent.empty() ? 0 : sum / double(recent.size());
  };
  const bool writes = !loop.dist || loop.dist->writes();
  // Work only rank 0 does; the others wait for it (through the store, not a collective).
  const auto rank0_only = [&](const char* what, const std::function<void()>& work) {
    if (writes) work();
    if (loop.dist) loop.dist->rank0_done(what);
  };
  while (loop.current_step() < loop.total_steps) {
    const auto model_lock = wait_for_next_step(loop.dist ? nullptr : control, callbacks);
    bool stop = control && control->cancel.cancelled();
    if (loop.dist) stop = loop.dist->any(stop);
    if (stop) {
      rank0_only("cancel checkpoint", [&] { out.checkpoint = loop.save_checkpoint(); });
      finish();
      message("cancelled at step " + std::to_string(out.step) + (writes ? "; checkpoint " + out.checkpoint : ""));
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
      const double per_iteration = steps > 1 ? std::max(per_step, loop_seconds / double(steps - 1)) : per_step;
      p.seconds_left = per_iteration * double(loop.total_steps - p.step);
      callbacks.on_step(p);
    }
    if (loop.checkpoint_every > 0 && p.step % loop.checkpoint_every == 0 && p.step < loop.total_steps) {
      rank0_only("checkpoint", [&] {
        out.checkpoint = loop.save_checkpoint();
        message("checkpoint at step " + std::to_string(p.step));
      });
    }
    if (loop.preview_every > 0 && p.step % loop.preview_every == 0 && loop.write_previews) {
      rank0_only("previews", [&] {
        try {
          loop.write_previews(p.step, callbacks, control ? &control->cancel : nullptr);
        } catch (const Cancelled&) {
          // The cancel is handled at the top of the loop, after this step's checkpoint.
        }
      });
    }
    loop_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  finish();
  return true;
}

}  // namespace mrti
