#include "training/training_run.h"

#include <algorithm>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <torch/torch.h>

#include "imaging/image_decode.h"
#include "imaging/png_io.h"
#include "imaging/tensor_image.h"
#include "models/stable_diffusion.h"
#include "multires/concept_library.h"
#include "multires/multires_pipeline.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "training/caption_templates.h"

namespace fs = std::filesystem;

namespace mrti {

namespace {

constexpr const char* kRunFormat = "mrti-ti-run/1";

std::string step_tag(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step%06lld", static_cast<long long>(step));
  return buf;
}

DatasetOptions dataset_options(const TextualInversionSettings& s) {
  DatasetOptions o;
  o.resolution = s.resolution;
  o.center_crop = s.center_crop;
  o.min_size = s.min_image_size;
  o.property = s.property;
  return o;
}

nlohmann::json run_json(const TrainingRunSettings& s, const std::string& fingerprint, const DatasetReport& report) {
  return {{"format", kRunFormat},
          {"model", {{"path", s.model_path}, {"fingerprint", fingerprint}}},
          {"data", {{"folder", s.data_dir}, {"hash", report.hash}, {"images", report.used}}},
          {"library", s.library_dir},
          {"training", s.training.to_json()},
          {"checkpoint_every", s.checkpoint_every},
          {"preview_every", s.preview_every},
          {"preview_prompt", s.preview_prompt},
          {"preview_steps", s.preview_steps},
          {"preview_seed", s.preview_seed},
          {"preview_scales", s.preview_scales},
          {"thumbnail_size", s.thumbnail_size}};
}

}  // namespace

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

TextualInversionRun::TextualInversionRun(StableDiffusionModel& model, TrainingRunSettings settings)
    : model_(model), settings_(std::move(settings)) {
  settings_.training.validate();
  dataset_ = std::make_shared<TrainingDataset>(settings_.data_dir, dataset_options(settings_.training));
  trainer_ = std::make_unique<TextualInversionTrainer>(model_, settings_.training, dataset_);
}

TrainingRunSettings TextualInversionRun::read_settings(const std::string& out_dir) {
  const std::string path = out_dir + "/settings.json";
  if (!fs::is_regular_file(path)) throw Error("'" + out_dir + "' is not a training run folder (no settings.json)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error("'" + path + "' is not valid JSON: " + e.what());
  }
  if (j.value("format", "") != kRunFormat)
    throw Error("'" + path + "' is not a textual-inversion run (format '" + std::string(kRunFormat) + "' expected)");
  TrainingRunSettings s;
  try {
    s.model_path = j.at("model").at("path").get<std::string>();
    s.data_dir = j.at("data").at("folder").get<std::string>();
    s.library_dir = j.value("library", "");
    s.training = TextualInversionSettings::from_json(j.at("training"));
    s.checkpoint_every = j.value("checkpoint_every", s.checkpoint_every);
    s.preview_every = j.value("preview_every", s.preview_every);
    s.preview_prompt = j.value("preview_prompt", s.preview_prompt);
    s.preview_steps = j.value("preview_steps", s.preview_steps);
    s.preview_seed = j.value("preview_seed", s.preview_seed);
    s.preview_scales = j.value("preview_scales", s.preview_scales);
    s.thumbnail_size = j.value("thumbnail_size", s.thumbnail_size);
  } catch (const nlohmann::json::exception& e) {
    throw Error("'" + path + "' is incomplete or malformed: " + e.what());
  }
  s.out_dir = out_dir;
  return s;
}

std::unique_ptr<TextualInversionRun> TextualInversionRun::create(StableDiffusionModel& model,
                                                                 TrainingRunSettings settings) {
  if (settings.out_dir.empty()) throw Error("a training run needs an output folder");
  if (fs::exists(settings.out_dir + "/settings.json"))
    throw Error("'" + settings.out_dir + "' already holds a training run: resume it (mrti train resume " +
                settings.out_dir + ") or choose another folder");
  std::unique_ptr<TextualInversionRun> run(new TextualInversionRun(model, std::move(settings)));
  fs::create_directories(run->settings_.out_dir + "/checkpoints");
  run->write_settings();
  return run;
}

std::unique_ptr<TextualInversionRun> TextualInversionRun::resume(StableDiffusionModel& model,
                                                                 const std::string& out_dir, int64_t total_steps,
                                                                 const TextualInversionSettings* expected) {
  TrainingRunSettings s = read_settings(out_dir);
  const nlohmann::json recorded = nlohmann::json::parse(read_file(out_dir + "/settings.json"));
  if (expected) {
    nlohmann::json a = s.training.to_json(), b = expected->to_json();
    a.erase("steps");
    b.erase("steps");
    std::string diff;
    for (auto it = a.begin(); it != a.end(); ++it)
      if (b.value(it.key(), nlohmann::json()) != it.value())
        diff += (diff.empty() ? "" : ", ") + it.key() + " (run: " + it.value().dump() + ", now: " + b[it.key()].dump() + ")";
    if (!diff.empty()) throw Error("cannot resume '" + out_dir + "': the settings differ: " + diff);
  }
  const std::string fp = model_fingerprint(model);
  const std::string recorded_fp = recorded.at("model").value("fingerprint", "");
  if (fp != recorded_fp)
    throw Error("cannot resume '" + out_dir + "': the model differs from the one the run started with (" +
                s.model_path + ", fingerprint " + recorded_fp + "; the loaded model's is " + fp + ")");
  if (total_steps > 0) s.training.steps = total_steps;
  std::unique_ptr<TextualInversionRun> run(new TextualInversionRun(model, s));
  const std::string recorded_hash = recorded.at("data").value("hash", "");
  if (run->dataset_->report().hash != recorded_hash)
    throw Error("cannot resume '" + out_dir + "': the dataset in '" + s.data_dir +
                "' differs from the one the run started with (images added, removed or changed)");
  const std::string latest = out_dir + "/checkpoints/latest.json";
  if (fs::exists(latest)) {
    const auto j = nlohmann::json::parse(read_file(latest));
    run->trainer_->load_state(out_dir + "/checkpoints/" + j.at("state").get<std::string>());
  }
  // The loss log continues from the checkpoint: later rows were never part of it.
  if (std::ifstream in(out_dir + "/loss.csv"); in) {
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      const int64_t step = std::atoll(line.c_str());
      if (step <= run->trainer_->step()) {
        run->loss_rows_.push_back(line);
        run->loss_row_steps_.push_back(step);
      }
    }
  }
  if (total_steps > 0) run->write_settings();
  return run;
}

void TextualInversionRun::write_settings() const {
  write_file_atomically(settings_.out_dir + "/settings.json",
                        run_json(settings_, model_fingerprint(model_), dataset_->report()).dump(2) + "\n");
}

void TextualInversionRun::write_loss_log() const {
  std::string text = "step,timestep,scale_index,loss,lr\n";
  for (const auto& row : loss_rows_) text += row + "\n";
  write_file_atomically(settings_.out_dir + "/loss.csv", text);
}

Concept TextualInversionRun::concept_snapshot() const {
  return trainer_->concept_snapshot(settings_.model_path);
}

std::string TextualInversionRun::save_checkpoint() {
  const std::string dir = settings_.out_dir + "/checkpoints";
  fs::create_directories(dir);
  const std::string tag = step_tag(trainer_->step());
  const std::string concept_file = settings_.training.name + "-" + tag + ".safetensors";
  const std::string state_file = "state-" + tag + ".pt";
  save_concept(dir + "/" + concept_file, concept_snapshot());
  trainer_->save_state(dir + "/" + state_file);
  write_loss_log();
  const nlohmann::json latest = {{"step", trainer_->step()}, {"concept", concept_file}, {"state", state_file}};
  write_file_atomically(dir + "/latest.json", latest.dump(2) + "\n");
  return dir + "/" + state_file;
}

Concept TextualInversionRun::finished_concept() const {
  Concept c = concept_snapshot();
  const Image& first = dataset_->item(0).image;
  Image square = center_crop(first, std::min(first.width, first.height));
  const int size = std::min(settings_.thumbnail_size, square.width);
  if (size > 0) c.thumbnail = image_to_uint8_tensor(resize(square, size, size));
  c.extra["trained_with"] = "mrti textual inversion";
  c.extra["training_images"] = std::to_string(dataset_->size());
  return c;
}

void TextualInversionRun::previews(const TrainingCallbacks& callbacks, TrainingControl* control) {
  const int64_t N = settings_.training.num_scales;
  std::vector<int64_t> scales = settings_.preview_scales;
  if (scales.empty()) scales = {0, N / 2, N - 1};
  std::sort(scales.begin(), scales.end());
  scales.erase(std::unique(scales.begin(), scales.end()), scales.end());
  ConceptSet concepts;
  concepts[settings_.training.name] = concept_snapshot();
  fs::create_directories(settings_.out_dir + "/previews");
  for (int64_t k : scales) {
    if (k < 0 || k >= N) continue;
    TextToImageRequest request;
    request.prompt = fill_caption(settings_.preview_prompt,
                                          "<" + settings_.training.name + "|" + std::to_string(k) + "|>");
    request.steps = settings_.preview_steps;
    request.width = request.height = settings_.training.resolution;
    request.seed = settings_.preview_seed;
    request.previews = false;
    const auto result = multires_text_to_image(model_, request, concepts, {}, {},
                                               control ? &control->cancel : nullptr);
    TrainingPreview p;
    p.step = trainer_->step();
    p.scale_index = k;
    p.image = result.result.images.at(0);
    p.path = settings_.out_dir + "/previews/" + step_tag(p.step) + "-k" + std::to_string(k) + ".png";
    write_png(p.path, p.image, {{"parameters", request.prompt + "\nSteps: " + std::to_string(request.steps) +
                                                    ", Seed: " + std::to_string(request.seed)}});
    if (callbacks.on_preview) callbacks.on_preview(p);
  }
}

TrainingOutcome TextualInversionRun::run(const TrainingCallbacks& callbacks, TrainingControl* control) {
  TrainingOutcome out;
  const int64_t total = settings_.training.steps;
  const int64_t images_per_step = int64_t(settings_.training.batch_size) * settings_.training.grad_accum;
  double train_seconds = 0;
  int64_t session_steps = 0;
  const auto message = [&](const std::string& m) {
    if (callbacks.on_message) callbacks.on_message(m);
  };
  while (trainer_->step() < total) {
    while (control && control->paused.load() && !control->cancel.cancelled())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (control && control->cancel.cancelled()) {
      out.checkpoint = save_checkpoint();
      out.step = trainer_->step();
      message("cancelled at step " + std::to_string(out.step) + "; checkpoint " + out.checkpoint);
      return out;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const StepResult r = trainer_->train_step();
    train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++session_steps;
    const int64_t step = trainer_->step();
    for (std::size_t i = 0; i < r.timesteps.size(); ++i) {
      char row[160];
      std::snprintf(row, sizeof row, "%lld,%lld,%lld,%.8g,%.8g", static_cast<long long>(step),
                    static_cast<long long>(r.timesteps[i]), static_cast<long long>(r.scale_indices[i]), r.loss, r.lr);
      loss_rows_.push_back(row);
      loss_row_steps_.push_back(step);
    }
    recent_losses_.push_back(r.loss);
    if (recent_losses_.size() > 50) recent_losses_.erase(recent_losses_.begin());
    if (callbacks.on_step) {
      TrainingProgress p;
      p.step = step;
      p.total_steps = total;
      p.loss = r.loss;
      p.scale_loss_means = trainer_->scale_loss_means();
      p.timesteps = r.timesteps;
      p.scale_indices = r.scale_indices;
      p.lr = r.lr;
      const double per_step = train_seconds / double(session_steps);
      p.images_per_second = per_step > 0 ? double(images_per_step) / per_step : 0;
      p.seconds_left = per_step * double(total - step);
      callbacks.on_step(p);
    }
    if (settings_.checkpoint_every > 0 && step % settings_.checkpoint_every == 0 && step < total) {
      out.checkpoint = save_checkpoint();
      message("checkpoint at step " + std::to_string(step));
    }
    if (settings_.preview_every > 0 && step % settings_.preview_every == 0) {
      try {
        previews(callbacks, control);
      } catch (const Cancelled&) {
        // The cancel is handled at the top of the loop, after this step's checkpoint.
      }
    }
  }
  out.checkpoint = save_checkpoint();
  out.step = trainer_->step();
  out.finished = true;
  const Concept concept = finished_concept();
  out.concept_path = settings_.out_dir + "/" + settings_.training.name + ".safetensors";
  save_concept(out.concept_path, concept);
  if (!settings_.library_dir.empty()) {
    ConceptLibrary library(settings_.library_dir);
    out.library_path = library.save(concept, /*overwrite=*/true);
    message("saved concept '" + concept.name + "' to " + out.library_path);
  }
  double sum = 0;
  for (double l : recent_losses_) sum += l;
  out.final_loss_mean = recent_losses_.empty() ? 0 : sum / recent_losses_.size();
  return out;
}

}  // namespace mrti
