#include "training/model_training_run.h"

#include <filesystem>

#include <torch/torch.h>

#include "imaging/png_io.h"
#include "models/stable_diffusion.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "training/distributed.h"
#include "training/autoencoder_kl_trainer.h"
#include "training/text_to_image_trainer.h"

namespace fs = std::filesystem;

namespace mrti {
namespace {

DatasetOptions dataset_options(const ModelTrainingSettings& s) {
  DatasetOptions o;
  o.resolution = s.resolution;
  o.center_crop = true;
  o.min_size = std::min(s.resolution, 64);
  o.caption_placeholder = false;
  return o;
}

std::string log_header(const ModelTrainer& trainer) {
  std::string h = "step,loss,lr";
  for (const auto& c : trainer.loss_columns()) h += "," + c;
  return h;
}

}  // namespace

ModelTrainingRun::ModelTrainingRun(ModelTrainingRunSettings settings, const TrainingCallbacks& callbacks)
    : settings_(std::move(settings)) {
  settings_.training.validate();
  const auto message = [&](const std::string& m) {
    if (callbacks.on_message) callbacks.on_message(m);
  };
  data_ = std::make_shared<TrainingDataset>(settings_.data_dir, dataset_options(settings_.training));
  message(data_->report().summary());
  if (settings_.training.stage == "vae") {
    trainer_ = std::make_unique<AutoencoderKLTrainer>(settings_.training, data_);
  } else {
    if (settings_.vae_dir.empty()) throw Error("the unet stage needs a trained VAE folder (--vae DIR)");
    const std::string tokenizer = settings_.tokenizer_dir.empty() ? bundled_clip_tokenizer_dir() : settings_.tokenizer_dir;
    message("encoding " + std::to_string(data_->size()) + " pictures with the VAE in " + settings_.vae_dir);
    trainer_ = std::make_unique<TextToImageTrainer>(settings_.training, data_, settings_.vae_dir, tokenizer);
  }
  loss_log_ = LossLog(log_header(*trainer_));
}

ModelTrainingRunSettings ModelTrainingRun::read_settings(const std::string& out_dir) {
  const nlohmann::json j = read_run_json(out_dir);
  const std::string path = out_dir + "/settings.json";
  if (!j.is_object() || j.value("format", "") != kModelRunFormat)
    throw Error("'" + path + "' is not a model training run (format '" + std::string(kModelRunFormat) + "' expected)");
  ModelTrainingRunSettings s;
  try {
    s.data_dir = j.at("data").at("folder").get<std::string>();
    s.vae_dir = j.value("vae", "");
    s.tokenizer_dir = j.value("tokenizer", "");
    s.training = ModelTrainingSettings::from_json(j.at("training"));
    s.checkpoint_every = j.value("checkpoint_every", s.checkpoint_every);
    s.preview_every = j.value("preview_every", s.preview_every);
  } catch (const nlohmann::json::exception& e) {
    throw Error("'" + path + "' is incomplete or malformed: " + e.what());
  }
  s.out_dir = out_dir;
  return s;
}

std::unique_ptr<ModelTrainingRun> ModelTrainingRun::create(ModelTrainingRunSettings settings,
                                                           const TrainingCallbacks& callbacks) {
  if (settings.out_dir.empty()) throw Error("a training run needs an output folder");
  if (fs::exists(settings.out_dir + "/settings.json"))
    throw Error("'" + settings.out_dir + "' already holds a training run: resume it (mrti train resume " +
                settings.out_dir + ") or choose another folder");
  settings.training.validate();
  // Absolute paths, so the run resumes from any working folder.
  for (std::string* p : {&settings.data_dir, &settings.vae_dir, &settings.tokenizer_dir})
    if (!p->empty()) *p = fs::absolute(*p).lexically_normal().string();
  std::unique_ptr<ModelTrainingRun> run(new ModelTrainingRun(std::move(settings), callbacks));
  fs::create_directories(run->settings_.out_dir + "/checkpoints");
  run->write_settings();
  return run;
}

std::unique_ptr<ModelTrainingRun> ModelTrainingRun::resume(const std::string& out_dir, int64_t total_steps,
                                                           const TrainingCallbacks& callbacks) {
  ModelTrainingRunSettings s = read_settings(out_dir);
  const nlohmann::json recorded = read_run_json(out_dir);
  if (total_steps > 0) {
    if (total_steps < recorded.at("training").value("steps", int64_t(0)) &&
        fs::exists(out_dir + "/checkpoints/latest.json")) {
      const auto latest = nlohmann::json::parse(read_file(out_dir + "/checkpoints/latest.json"));
      if (total_steps < latest.value("step", int64_t(0)))
        throw Error("cannot resume '" + out_dir + "' to " + std::to_string(total_steps) + " steps: it is at step " +
                    std::to_string(latest.value("step", int64_t(0))) + " already");
    }
    s.training.steps = total_steps;
  }
  std::unique_ptr<ModelTrainingRun> run(new ModelTrainingRun(s, callbacks));
  if (run->data_->report().hash != recorded.at("data").value("hash", ""))
    throw Error("cannot resume '" + out_dir + "': the pictures in '" + s.data_dir +
                "' differ from the ones the run started with (pictures added, removed or changed)");
  const std::string latest = out_dir + "/checkpoints/latest.json";
  if (fs::exists(latest)) {
    try {
      const auto j = nlohmann::json::parse(read_file(latest));
      run->trainer_->load_state(out_dir + "/checkpoints/" + j.at("state").get<std::string>());
    } catch (const nlohmann::json::exception& e) {
      throw Error("'" + latest + "' is malformed: " + e.what());
    }
  }
  run->loss_log_.load(out_dir + "/loss.csv", run->trainer_->step());
  if (total_steps > 0) run->write_settings();
  return run;
}

void ModelTrainingRun::write_settings() const {
  const nlohmann::json j = {
      {"format", kModelRunFormat},
      {"data", {{"folder", settings_.data_dir}, {"hash", data_->report().hash}, {"images", data_->size()}}},
      {"vae", settings_.vae_dir},
      {"tokenizer", settings_.tokenizer_dir},
      {"training", settings_.training.to_json()},
      {"checkpoint_every", settings_.checkpoint_every},
      {"preview_every", settings_.preview_every}};
  write_file_atomically(settings_.out_dir + "/settings.json", j.dump(2) + "\n");
}

std::string ModelTrainingRun::save_checkpoint() {
  const std::string dir = settings_.out_dir + "/checkpoints";
  fs::create_directories(dir);
  const std::string state_file = "state-" + step_tag(trainer_->step()) + ".pt";
  trainer_->save_state(dir + "/" + state_file);
  loss_log_.write(settings_.out_dir + "/loss.csv");
  const nlohmann::json latest = {{"step", trainer_->step()}, {"state", state_file}};
  write_file_atomically(dir + "/latest.json", latest.dump(2) + "\n");
  // Older states go only once latest.json names the new one.
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("state-step", 0) == 0 && f != state_file) fs::remove(e.path());
  }
  return dir + "/" + state_file;
}

void ModelTrainingRun::write_output() const {
  // Written beside its place and renamed into it: a crash leaves the old folder or the new one.
  const std::string dir = settings_.output_dir(), partial = dir + ".partial", old = dir + ".old";
  fs::remove_all(partial);
  trainer_->write_output(partial);
  if (fs::exists(dir)) {
    fs::remove_all(old);
    fs::rename(dir, old);
  }
  fs::rename(partial, dir);
  fs::remove_all(old);
}

void ModelTrainingRun::set_distributed(std::shared_ptr<Distributed> dist) {
  trainer_->set_distributed(dist);
  dist_ = std::move(dist);
}

TrainingOutcome ModelTrainingRun::run(const TrainingCallbacks& callbacks, TrainingControl* control) {
  TrainingOutcome out;
  StepLoop loop;
  loop.total_steps = settings_.training.steps;
  loop.images_per_step = settings_.training.batch_size;
  loop.checkpoint_every = settings_.checkpoint_every;
  loop.preview_every = settings_.preview_every;
  loop.out_dir = settings_.out_dir;
  loop.current_step = [this] { return trainer_->step(); };
  loop.save_checkpoint = [this] { return save_checkpoint(); };
  loop.train_step = [this] {
    const ModelStepResult r = trainer_->train_step();
    std::vector<double> row = {r.loss, r.lr};
    row.insert(row.end(), r.parts.begin(), r.parts.end());
    loss_log_.add_row(trainer_->step(), row);
    TrainingProgress p;
    p.step = trainer_->step();
    p.loss = r.loss;
    p.lr = r.lr;
    return p;
  };
  loop.write_previews = [this](int64_t step, const TrainingCallbacks& cb, const CancellationToken*) {
    TrainingPreview p;
    p.step = step;
    p.image = trainer_->preview();
    fs::create_directories(settings_.out_dir + "/previews");
    p.path = settings_.out_dir + "/previews/" + step_tag(step) + ".png";
    write_png(p.path, p.image);
    if (cb.on_preview) cb.on_preview(p);
  };
  loop.dist = dist_.get();
  if (!run_training_steps(loop, loss_log_, callbacks, control, out)) return out;
  if (dist_ && !dist_->writes()) {
    out.finished = true;  // rank 0 writes the results
    return out;
  }
  out.checkpoint = save_checkpoint();
  write_output();
  out.model_dir = settings_.output_dir();
  if (callbacks.on_message) callbacks.on_message("wrote " + out.model_dir);
  out.finished = true;
  return out;
}

}  // namespace mrti
