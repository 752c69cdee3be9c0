#include "training/dreambooth_run.h"

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

constexpr int kThumbnailSize = 128;

DatasetOptions dataset_options(const DreamBoothSettings& s) {
  DatasetOptions o;
  o.resolution = s.resolution;
  return o;
}

nlohmann::json data_json(const std::string& folder, const TrainingDataset* data) {
  if (!data) return nullptr;
  return {{"folder", folder}, {"hash", data->report().hash}, {"images", data->report().used}};
}

// Class images the folder lacks are made with the model as it is: call before training.
std::shared_ptr<TrainingDataset> class_images(StableDiffusionModel& model, const DreamBoothRunSettings& s,
                                              const TrainingCallbacks& callbacks) {
  const auto& t = s.training;
  if (t.num_class_images <= 0) return nullptr;
  const std::string dir = s.class_images_dir();
  const int made = generate_class_images(model, t.class_prompt, dir, t.num_class_images, t.resolution,
                                         t.class_sampling_steps, t.seed);
  if (made > 0 && callbacks.on_message)
    callbacks.on_message("generated " + std::to_string(made) + " class images (\"" + t.class_prompt + "\") in " + dir);
  return std::make_shared<TrainingDataset>(dir, dataset_options(t));
}

}  // namespace

void DreamBoothRunSettings::validate() const {
  training.validate();
  validate_cadence(*this);
}

DreamBoothRun::DreamBoothRun(StableDiffusionModel& model, DreamBoothRunSettings settings, std::string fingerprint,
                             std::shared_ptr<TrainingDataset> instances, std::shared_ptr<TrainingDataset> classes)
    : model_(model),
      settings_(std::move(settings)),
      fingerprint_(std::move(fingerprint)),
      instances_(std::move(instances)),
      classes_(std::move(classes)) {
  trainer_ = std::make_unique<DreamBoothTrainer>(model_, settings_.training, instances_, classes_);
}

DreamBoothRunSettings DreamBoothRun::read_settings(const std::string& out_dir) {
  const nlohmann::json j = read_run_json(out_dir);
  const std::string path = out_dir + "/settings.json";
  if (!j.is_object() || j.value("format", "") != kDreamBoothRunFormat)
    throw Error("'" + path + "' is not a DreamBooth run (format '" + std::string(kDreamBoothRunFormat) + "' expected)");
  DreamBoothRunSettings s;
  try {
    s.model_path = j.at("model").at("path").get<std::string>();
    s.data_dir = j.at("data").at("folder").get<std::string>();
    if (j.contains("class_data") && j.at("class_data").is_object())
      s.class_dir = j.at("class_data").at("folder").get<std::string>();
    s.model_out_dir = j.value("model_out", "");
    s.library_dir = j.value("library", "");
    s.replace_library_concept = j.value("replace_library_concept", false);
    s.training = DreamBoothSettings::from_json(j.at("training"));
    get_cadence(j, s);
  } catch (const nlohmann::json::exception& e) {
    throw Error("'" + path + "' is incomplete or malformed: " + e.what());
  }
  s.out_dir = out_dir;
  return s;
}

std::unique_ptr<DreamBoothRun> DreamBoothRun::create(StableDiffusionModel& model, DreamBoothRunSettings settings,
                                                     const TrainingCallbacks& callbacks) {
  if (settings.out_dir.empty()) throw Error("a DreamBooth run needs an output folder");
  if (fs::exists(settings.out_dir + "/settings.json"))
    throw Error("'" + settings.out_dir + "' already holds a training run: resume it (mrti train resume " +
                settings.out_dir + ") or choose another folder");
  settings.validate();
  // Checked now rather than after hours of training.
  check_library_name_free(settings.library_dir, settings.training.name, settings.replace_library_concept);
  if (!fs::is_regular_file(fs::path(settings.model_path) / "model_index.json"))
    throw Error("DreamBooth writes the fine-tuned model from the base model's diffusers folder; '" +
                settings.model_path + "' is not one (convert a single-file checkpoint to a diffusers folder first)");
  const std::string out_model = settings.model_output_dir();
  if (fs::exists(out_model) && !fs::is_empty(out_model))
    throw Error("'" + out_model + "' exists and is not empty: choose a new folder for the fine-tuned model");
  for (std::string* p : {&settings.model_path, &settings.data_dir, &settings.class_dir, &settings.model_out_dir,
                         &settings.library_dir})
    *p = absolute_path(*p);
  std::string fingerprint = model_fingerprint(model);
  auto instances = std::make_shared<TrainingDataset>(settings.data_dir, dataset_options(settings.training));
  fs::create_directories(settings.out_dir + "/checkpoints");
  auto classes = class_images(model, settings, callbacks);
  std::unique_ptr<DreamBoothRun> run(
      new DreamBoothRun(model, std::move(settings), std::move(fingerprint), std::move(instances), std::move(classes)));
  run->write_settings();
  return run;
}

std::unique_ptr<DreamBoothRun> DreamBoothRun::resume(StableDiffusionModel& model, const std::string& out_dir,
                                                     int64_t total_steps, const DreamBoothSettings* expected) {
  check_resume_steps(out_dir, total_steps);
  DreamBoothRunSettings s = read_settings(out_dir);
  const nlohmann::json recorded = read_run_json(out_dir);
  if (expected) {
    const std::string diff = settings_difference(s.training.to_json(), expected->to_json(), {"steps"});
    if (!diff.empty()) throw Error("cannot resume '" + out_dir + "': the settings differ: " + diff);
  }
  if (model.dtype != torch::kFloat)
    throw Error("cannot resume '" + out_dir + "': DreamBooth trains in fp32 but the model is loaded in " +
                dtype_name(model.dtype) + " (load it with --dtype fp32)");
  const std::string recorded_fp = recorded.at("model").value("fingerprint", "");
  const std::string fp = model_fingerprint(model);
  if (fp != recorded_fp)
    throw Error("cannot resume '" + out_dir + "': the model differs from the base model the run started with (" +
                s.model_path + ", fingerprint " + recorded_fp + "; the loaded model's is " + fp +
                "): load the base model, not the fine-tuned one");
  if (total_steps > 0) s.training.steps = total_steps;
  s.validate();
  auto instances = std::make_shared<TrainingDataset>(s.data_dir, dataset_options(s.training));
  if (instances->report().hash != recorded.at("data").value("hash", ""))
    throw Error("cannot resume '" + out_dir + "': the instance images in '" + s.data_dir +
                "' differ from the ones the run started with (images added, removed or changed)");
  auto classes = class_images(model, s, {});
  if (classes) {
    const auto& rc = recorded.value("class_data", nlohmann::json());
    if (!rc.is_object() || classes->report().hash != rc.value("hash", ""))
      throw Error("cannot resume '" + out_dir + "': the class images in '" + s.class_images_dir() +
                  "' differ from the ones the run started with");
  }
  std::unique_ptr<DreamBoothRun> run(
      new DreamBoothRun(model, s, recorded_fp, std::move(instances), std::move(classes)));
  const std::string latest = out_dir + "/checkpoints/latest.json";
  if (fs::exists(latest)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(latest));
      const std::string dir = out_dir + "/checkpoints/";
      run->trainer_->load_state(dir + j.at("weights").get<std::string>(), dir + j.at("state").get<std::string>());
    } catch (const nlohmann::json::exception& e) {
      throw Error("'" + latest + "' is malformed: " + e.what());
    }
  }
  run->loss_log_.load(out_dir + "/loss.csv", run->trainer_->step());
  if (total_steps > 0) run->write_settings();
  return run;
}

void DreamBoothRun::write_settings() const {
  nlohmann::json j = {{"format", kDreamBoothRunFormat},
                      {"model", {{"path", settings_.model_path}, {"fingerprint", fingerprint_}}},
                      {"data", data_json(settings_.data_dir, instances_.get())},
                      {"class_data", data_json(settings_.class_images_dir(), classes_.get())},
                      {"model_out", settings_.model_out_dir},
                      {"library", settings_.library_dir},
                      {"replace_library_concept", settings_.replace_library_concept},
                      {"training", settings_.training.to_json()}};
  put_cadence(j, settings_);
  write_file_atomically(settings_.out_dir + "/settings.json", j.dump(2) + "\n");
}

Concept DreamBoothRun::concept_snapshot() const { return trainer_->concept_snapshot(settings_.model_path); }

std::string DreamBoothRun::save_checkpoint() {
  const std::string dir = settings_.out_dir + "/checkpoints";
  fs::create_directories(dir);
  const std::string tag = step_tag(trainer_->step());
  const std::string concept_file = settings_.training.name + "-" + tag + ".safetensors";
  const std::string weights_file = "weights-" + tag + ".safetensors";
  const std::string state_file = "state-" + tag + ".pt";
  save_concept(dir + "/" + concept_file, concept_snapshot());
  trainer_->save_state(dir + "/" + weights_file, dir + "/" + state_file);
  loss_log_.write(settings_.out_dir + "/loss.csv");
  const nlohmann::json latest = {
      {"step", trainer_->step()}, {"concept", concept_file}, {"weights", weights_file}, {"state", state_file}};
  write_file_atomically(dir + "/latest.json", latest.dump(2) + "\n");
  // Older UNet checkpoints go only once latest.json names the new one.
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    const bool weights = f.rfind("weights-step", 0) == 0, state = f.rfind("state-step", 0) == 0;
    if ((weights || state) && f != weights_file && f != state_file) fs::remove(e.path());
  }
  return dir + "/" + state_file;
}

void DreamBoothRun::write_model_folder(const std::string& dir) const {
  // Written beside its place and renamed into it: a crash leaves either the old folder
  // or the new one, never half of one.
  const std::string partial = dir + ".partial", old = dir + ".old";
  fs::remove_all(partial);
  trainer_->save(settings_.model_path, partial);
  if (fs::exists(dir)) {
    fs::remove_all(old);
    fs::rename(dir, old);
  }
  fs::rename(partial, dir);
  fs::remove_all(old);
}

void DreamBoothRun::set_distributed(std::shared_ptr<Distributed> dist) {
  trainer_->set_distributed(dist);
  dist_ = std::move(dist);
}

TrainingOutcome DreamBoothRun::run(const TrainingCallbacks& callbacks, TrainingControl* control) {
  TrainingOutcome out;
  const auto message = [&](const std::string& m) {
    if (callbacks.on_message) callbacks.on_message(m);
  };
  StepLoop loop = step_loop_of(settings_);
  loop.images_per_step = int64_t(settings_.training.batch_size) * settings_.training.grad_accum *
                         (settings_.training.num_class_images > 0 ? 2 : 1);
  loop.current_step = [this] { return trainer_->step(); };
  loop.save_checkpoint = [this] { return save_checkpoint(); };
  loop.write_previews = [this, &loop](int64_t step, const TrainingCallbacks& cb, const CancellationToken* cancel) {
    write_previews(model_, concept_snapshot(), loop.preview, step, settings_.out_dir, cb, cancel);
  };
  loop.train_step = [this] { return progress_of(*trainer_, trainer_->train_step()); };
  loop.dist = dist_.get();
  if (!run_training_steps(loop, loss_log_, callbacks, control, out)) return out;
  if (dist_ && !dist_->writes()) {
    out.finished = true;  // rank 0 writes the results
    return out;
  }
  out.checkpoint = save_checkpoint();
  out.model_dir = settings_.model_output_dir();
  write_model_folder(out.model_dir);
  message("fine-tuned model written to " + out.model_dir);
  Concept concept = concept_snapshot();
  const Image& first = instances_->item(0).image;
  const Image square = center_crop(first, std::min(first.width, first.height));
  const int size = std::min(kThumbnailSize, square.width);
  if (size > 0) concept.thumbnail = image_to_uint8_tensor(resize(square, size, size));
  concept.extra["trained_with"] = "mrti dreambooth";
  concept.extra["fine_tuned_model"] = out.model_dir;
  out.concept_path = settings_.out_dir + "/" + settings_.training.name + ".safetensors";
  save_concept(out.concept_path, concept);
  out.library_path = save_to_library(settings_.library_dir, concept, settings_.out_dir,
                                     settings_.replace_library_concept, message);
  if (!out.library_path.empty())
    message("saved concept '" + concept.name + "' to " + out.library_path + " (it belongs to the fine-tuned model " +
            out.model_dir + ")");
  out.finished = true;
  return out;
}

}  // namespace mrti
