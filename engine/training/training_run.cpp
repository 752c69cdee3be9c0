#include "training/training_run.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <torch/torch.h>

#include "imaging/image_decode.h"
#include "imaging/tensor_image.h"
#include "models/stable_diffusion.h"
#include "runtime/atomic_file.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "training/distributed.h"

namespace fs = std::filesystem;

namespace mrti {

namespace {

DatasetOptions dataset_options(const TextualInversionSettings& s) {
  DatasetOptions o;
  o.resolution = s.resolution;
  o.center_crop = s.center_crop;
  o.min_size = s.min_image_size;
  o.property = s.property;
  return o;
}

nlohmann::json run_json(const TrainingRunSettings& s, const std::string& fingerprint, const DatasetReport& report) {
  nlohmann::json j = {{"format", kTextualInversionRunFormat},
                      {"model", {{"path", s.model_path}, {"fingerprint", fingerprint}}},
                      {"data", {{"folder", s.data_dir}, {"hash", report.hash}, {"images", report.used}}},
                      {"library", s.library_dir},
                      {"replace_library_concept", s.replace_library_concept},
                      {"training", s.training.to_json()},
                      {"thumbnail_size", s.thumbnail_size}};
  put_cadence(j, s);
  return j;
}

}  // namespace

void TrainingRunSettings::validate() const {
  training.validate();
  validate_cadence(*this);
}

TextualInversionRun::TextualInversionRun(StableDiffusionModel& model, TrainingRunSettings settings)
    : model_(model), settings_(std::move(settings)) {
  settings_.validate();
  dataset_ = std::make_shared<TrainingDataset>(settings_.data_dir, dataset_options(settings_.training));
  trainer_ = std::make_unique<TextualInversionTrainer>(model_, settings_.training, dataset_);
}

TrainingRunSettings TextualInversionRun::read_settings(const std::string& out_dir) {
  const nlohmann::json j = read_run_json(out_dir);
  const std::string path = out_dir + "/settings.json";
  if (!j.is_object() || j.value("format", "") != kTextualInversionRunFormat)
    throw Error("'" + path + "' is not a textual-inversion run (format '" + std::string(kTextualInversionRunFormat) +
                "' expected)");
  TrainingRunSettings s;
  try {
    s.model_path = j.at("model").at("path").get<std::string>();
    s.data_dir = j.at("data").at("folder").get<std::string>();
    s.library_dir = j.value("library", "");
    s.replace_library_concept = j.value("replace_library_concept", false);
    s.training = TextualInversionSettings::from_json(j.at("training"));
    get_cadence(j, s);
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
  settings.validate();
  check_library_name_free(settings.library_dir, settings.training.name, settings.replace_library_concept);
  for (std::string* p : {&settings.model_path, &settings.data_dir, &settings.library_dir}) *p = absolute_path(*p);
  std::unique_ptr<TextualInversionRun> run(new TextualInversionRun(model, std::move(settings)));
  fs::create_directories(run->settings_.out_dir + "/checkpoints");
  run->write_settings();
  return run;
}

std::unique_ptr<TextualInversionRun> TextualInversionRun::resume(StableDiffusionModel& model,
                                                                 const std::string& out_dir, int64_t total_steps,
                                                                 const TextualInversionSettings* expected) {
  check_resume_steps(out_dir, total_steps);
  TrainingRunSettings s = read_settings(out_dir);
  const nlohmann::json recorded = read_run_json(out_dir);
  if (expected) {
    const std::string diff = settings_difference(s.training.to_json(), expected->to_json(), {"steps"});
    if (!diff.empty()) throw Error("cannot resume '" + out_dir + "': the settings differ: " + diff);
  }
  // The precision first: a model loaded in another dtype also has another fingerprint,
  // and this says what to do about it.
  if (training_dtype(s.training.precision) != model.dtype)
    throw Error("cannot resume '" + out_dir + "': the run trains in " + s.training.precision +
                " but the model is loaded in " + dtype_name(model.dtype) + " (load it with --dtype " +
                s.training.precision + ")");
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
  run->loss_log_.load(out_dir + "/loss.csv", run->trainer_->step());
  if (total_steps > 0) run->write_settings();
  return run;
}

void TextualInversionRun::write_settings() const {
  write_file_atomically(settings_.out_dir + "/settings.json",
                        run_json(settings_, model_fingerprint(model_), dataset_->report()).dump(2) + "\n");
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
  loss_log_.write(settings_.out_dir + "/loss.csv");
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

void TextualInversionRun::set_distributed(std::shared_ptr<Distributed> dist) {
  trainer_->set_distributed(dist);
  dist_ = std::move(dist);
}

TrainingOutcome TextualInversionRun::run(const TrainingCallbacks& callbacks, TrainingControl* control) {
  TrainingOutcome out;
  const auto message = [&](const std::string& m) {
    if (callbacks.on_message) callbacks.on_message(m);
  };
  StepLoop loop = step_loop_of(settings_);
  loop.images_per_step = int64_t(settings_.training.batch_size) * settings_.training.grad_accum;
  loop.current_step = [this] { return trainer_->step(); };
  loop.save_checkpoint = [this] { return save_checkpoint(); };
  loop.write_previews = [this, &loop](int64_t step, const TrainingCallbacks& cb, const CancellationToken* cancel) {
    write_previews(model_, concept_snapshot(), loop.preview, step, settings_.out_dir, cb, cancel);
  };
  loop.train_step = [&] {
    const StepResult r = trainer_->train_step();
    const TrainingProgress p = progress_of(*trainer_, r);
    if (r.skipped)
      message("step " + std::to_string(p.step) + ": the fp16 gradient overflowed; step skipped, loss scale now " +
              std::to_string(trainer_->loss_scale()));
    return p;
  };
  loop.dist = dist_.get();
  if (!run_training_steps(loop, loss_log_, callbacks, control, out)) return out;
  if (dist_ && !dist_->writes()) {
    out.finished = true;  // rank 0 writes the results
    return out;
  }
  out.checkpoint = save_checkpoint();
  out.finished = true;
  const Concept concept = finished_concept();
  out.concept_path = settings_.out_dir + "/" + settings_.training.name + ".safetensors";
  save_concept(out.concept_path, concept);
  out.library_path = save_to_library(settings_.library_dir, concept, settings_.out_dir,
                                     settings_.replace_library_concept, message);
  if (!out.library_path.empty()) message("saved concept '" + concept.name + "' to " + out.library_path);
  return out;
}

}  // namespace mrti
