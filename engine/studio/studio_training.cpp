#include "studio/studio_training.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include "imaging/image_decode.h"
#include "imaging/png_io.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "studio/studio_engine.h"
#include "studio/studio_engine_impl.h"
#include "training/dataset.h"
#include "training/distributed.h"
#include "training/dreambooth_run.h"
#include "training/local_workers.h"
#include "training/run_folder.h"
#include "training/training_run.h"

namespace fs = std::filesystem;

namespace mrti::studio {

namespace {

Image square_thumbnail(const Image& img, int size) {
  if (img.width <= 0 || img.height <= 0) return {};
  return resize(center_crop_square(img), size, size);
}

// Registers a run with the engine for its lifetime, so generation knows about it.
class ActiveTraining {
 public:
  template <class Run>
  ActiveTraining(StudioEngine::Impl& impl, Run& run, TrainingControl& control) : impl_(impl) {
    const std::lock_guard<std::mutex> lock(impl_.training_mutex);
    if (impl_.training.control) throw Error("a training run is already active: finish or cancel it first");
    impl_.training.control = &control;
    impl_.training.name = run.settings().training.name;
    impl_.training.num_scales = run.settings().training.num_scales;
    impl_.training.snapshot = [&run] { return run.concept_snapshot(); };
  }
  ~ActiveTraining() {
    const std::lock_guard<std::mutex> lock(impl_.training_mutex);
    impl_.training = {};
  }
  ActiveTraining(const ActiveTraining&) = delete;
  ActiveTraining& operator=(const ActiveTraining&) = delete;

 private:
  StudioEngine::Impl& impl_;
};

// A textual-inversion or DreamBooth run, reported through `events`.
// How long a worker waits for the others (and the others for it) before it gives up.
constexpr auto kGroupTimeout = std::chrono::seconds(300);

// This process as rank 0 of a local group whose workers resume the run folder through the
// command line, with the loaded model's device and an equal share of the cores each.
struct LocalGroup {
  std::unique_ptr<LocalWorkers> workers;  // declared first: the group closes before they are waited for
  std::shared_ptr<Distributed> dist;
  int threads_before = 0;
  ~LocalGroup() {
    if (threads_before > 0) at::set_num_threads(threads_before);
  }
};

std::string worker_program() {
  if (const char* p = std::getenv("MRTI_WORKER_PROGRAM"); p && *p) return p;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "mrti").string();
}

void start_local_group(StudioEngine::Impl& impl, const std::string& run_dir, LocalGroup& g) {
  const int n = impl.training_processes;
  const std::string program = worker_program();
  if (!fs::is_regular_file(program))
    throw Error("training on " + std::to_string(n) + " processes needs the mrti command line program, which is not at " +
                program);
  const int threads = std::max(1, int(std::thread::hardware_concurrency()) / n);
  std::vector<std::string> args{"train", "resume", run_dir, "--device", impl.info.device,
                                "--threads", std::to_string(threads),
                                "--dist-timeout", std::to_string(kGroupTimeout.count())};
  if (!impl.info.config_dir.empty()) args.insert(args.end(), {"--config-dir", impl.info.config_dir});
  DistributedEnvironment env;
  g.workers = LocalWorkers::start(n, program, args, &env);
  g.threads_before = at::get_num_threads();
  at::set_num_threads(threads);
  g.dist = Distributed::join(env, impl.model->device.is_cuda(), kGroupTimeout);
  g.dist->rank0_done("preparing the run folder");
}

// Int8 weights have no gradient: training needs the model loaded without them.
StableDiffusionModel& trainable_model(StudioEngine::Impl& impl) {
  auto& model = impl.require_model();
  if (model.int8_layers > 0)
    throw Error("the model is loaded with int8 weights, which are for generation only: load it without them to train");
  return model;
}

template <class Run>
TrainOutcome drive(StudioEngine::Impl& impl, Run& run, const TrainEvents& events, TrainingControl& control) {
  LocalGroup group;
  const auto& s = run.settings();
  if (impl.training_processes > 1) {
    if (events.on_message)
      events.on_message("starting " + std::to_string(impl.training_processes - 1) + " worker processes");
    try {
      start_local_group(impl, s.out_dir, group);
      run.set_distributed(group.dist);
    } catch (const std::exception& e) {
      if (!group.workers || group.workers->failures().empty()) throw;
      throw Error(group.workers->explain(e.what()));
    }
  }
  const ActiveTraining active(impl, run, control);
  if (events.on_message) events.on_message(run.dataset().report().summary());
  if (events.on_start) events.on_start(s.out_dir, run.trainer().step(), s.training.steps, s.training.num_scales);
  TrainingCallbacks callbacks;
  callbacks.on_step = [&](const TrainingProgress& p) {
    if (!events.on_step) return;
    TrainStep t;
    t.step = p.step;
    t.total = p.total_steps;
    t.loss = p.loss;
    t.lr = p.lr;
    t.scale_means = p.scale_loss_means;
    t.scale_indices = p.scale_indices;
    t.images_per_second = p.images_per_second;
    t.seconds_left = p.seconds_left;
    events.on_step(t);
  };
  callbacks.on_preview = [&](const TrainingPreview& p) {
    if (events.on_preview) events.on_preview({p.step, p.scale_index, p.image});
  };
  callbacks.on_paused = events.on_paused;
  callbacks.on_message = events.on_message;
  TrainingOutcome o;
  try {
    o = run.run(callbacks, &control);
  } catch (const std::exception& e) {
    if (!group.workers || group.workers->failures().empty()) throw;
    throw Error(group.workers->explain(e.what()));
  }
  if (group.workers) group.workers->finish(kGroupTimeout);
  TrainOutcome out;
  out.finished = o.finished;
  out.step = o.step;
  out.run_dir = s.out_dir;
  out.name = s.training.name;
  out.library_path = o.library_path;
  out.model_dir = o.model_dir;
  return out;
}

std::string run_format(const std::string& run_dir) {
  try {
    return nlohmann::json::parse(read_file((fs::path(run_dir) / "settings.json").string())).value("format", "");
  } catch (const std::exception&) {
    return "";  // the reader of its kind says what is wrong
  }
}

bool is_dreambooth_run(const std::string& run_dir) { return run_format(run_dir) == kDreamBoothRunFormat; }

// A new run may not overwrite a library concept of its name on finishing.
void refuse_taken_name(const std::string& library_dir, const std::string& name) {
  if (!library_dir.empty() && fs::exists(fs::path(library_dir) / (name + ".safetensors")))
    throw Error("the concept library already has a concept named '" + name + "': choose another name");
}

std::string gigabytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GB", double(bytes) / 1e9);
  return buf;
}

int64_t latest_checkpoint_step(const std::string& run_dir) {
  const fs::path latest = fs::path(run_dir) / "checkpoints" / "latest.json";
  std::error_code ec;
  if (!fs::exists(latest, ec)) return 0;
  return nlohmann::json::parse(read_file(latest.string())).value("step", int64_t{0});
}

}  // namespace

DatasetScan scan_dataset(const std::string& folder, int min_size, int thumbnail_size) {
  DatasetScan scan;
  scan.folder = folder;
  try {
    DatasetOptions options;
    options.resolution = std::max(8, (thumbnail_size + 7) / 8 * 8);
    options.min_size = min_size;
    const TrainingDataset dataset(folder, options, /*allow_empty=*/true);
    const auto& report = dataset.report();
    for (std::size_t i = 0; i < dataset.size(); ++i) {
      DatasetFile f;
      f.path = dataset.item(i).path;
      f.name = fs::path(f.path).filename().string();
      f.used = true;
      f.thumbnail = square_thumbnail(dataset.item(i).image, thumbnail_size);
      scan.files.push_back(std::move(f));
    }
    for (const auto& [name, why] : report.skipped) {
      DatasetFile f;
      f.name = name;
      f.path = (fs::path(folder) / name).string();
      f.reason = why;
      try {  // too small or a duplicate still shows what it is
        f.thumbnail = square_thumbnail(decode_image(f.path), thumbnail_size);
      } catch (const std::exception&) {
      }
      scan.files.push_back(std::move(f));
    }
    std::sort(scan.files.begin(), scan.files.end(),
              [](const DatasetFile& a, const DatasetFile& b) { return a.name < b.name; });
    scan.used = static_cast<int>(dataset.size());
    scan.summary = report.summary();
    if (scan.used == 0)
      scan.error = "'" + folder + "' holds no usable image: add PNG, JPEG, WebP or BMP files of at least " +
                   std::to_string(min_size) + " pixels";
  } catch (const std::exception& e) {
    scan.error = e.what();
  }
  return scan;
}

std::string stage_dataset_files(const std::vector<std::string>& files, const std::string& dest) {
  if (files.empty()) throw Error("no files to copy into '" + dest + "'");
  fs::create_directories(dest);
  std::set<std::string> taken;
  for (const auto& file : files) {
    const fs::path src(file);
    std::error_code ec;
    if (!fs::is_regular_file(src, ec)) throw Error("'" + file + "' is not a file");
    std::string name = src.filename().string();
    for (int n = 2; taken.count(name) || fs::exists(fs::path(dest) / name, ec); ++n)
      name = src.stem().string() + "-" + std::to_string(n) + src.extension().string();
    taken.insert(name);
    write_file_atomically((fs::path(dest) / name).string(), read_file(file));
  }
  return dest;
}

std::string init_token_problem(const std::string& word, const std::string& tokenizer_dir) {
  if (word.empty()) return "an initializer word is needed, e.g. 'cat' or 'painting'";
  const auto tok = shared_tokenizer(tokenizer_dir);
  if (tok->single_token_id(word)) return "";
  const auto pieces = tok->tokenize(word);
  std::string list;
  for (const auto& p : pieces) list += (list.empty() ? "" : " ") + p;
  return "'" + word + "' is " + std::to_string(pieces.size()) + " tokens (" + list +
         "), not one: choose a single-token word such as 'cat' or 'painting'";
}

RunSummary read_run(const std::string& run_dir) {
  RunSummary r;
  r.dir = run_dir;
  try {
    const auto fill = [&](const auto& s) {
      r.name = s.training.name;
      r.model_path = s.model_path;
      r.data_dir = s.data_dir;
      r.total = s.training.steps;
      r.num_scales = s.training.num_scales;
    };
    r.dreambooth = is_dreambooth_run(run_dir);
    if (r.dreambooth) fill(DreamBoothRun::read_settings(run_dir));
    else fill(TextualInversionRun::read_settings(run_dir));
    r.step = latest_checkpoint_step(run_dir);
    std::error_code ec;
    r.finished = r.step >= r.total && fs::exists(fs::path(run_dir) / (r.name + ".safetensors"), ec);
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

std::vector<RunSummary> list_runs(const std::string& runs_dir) {
  std::vector<std::pair<fs::file_time_type, RunSummary>> found;
  std::error_code ec;
  if (runs_dir.empty() || !fs::is_directory(runs_dir, ec)) return {};
  for (const auto& entry : fs::directory_iterator(runs_dir, ec)) {
    if (!entry.is_directory() || !fs::exists(entry.path() / "settings.json", ec)) continue;
    found.emplace_back(fs::last_write_time(entry.path() / "settings.json", ec), read_run(entry.path().string()));
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<RunSummary> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::vector<LossPoint> read_loss_log(const std::string& run_dir) {
  std::vector<LossPoint> out;
  const int64_t last = latest_checkpoint_step(run_dir);
  std::ifstream in(fs::path(run_dir) / "loss.csv");
  std::string line;
  if (!std::getline(in, line)) return out;  // header
  while (std::getline(in, line)) {
    long long step = 0, t = 0, k = 0;
    double loss = 0, lr = 0;
    if (std::sscanf(line.c_str(), "%lld,%lld,%lld,%lf,%lf", &step, &t, &k, &loss, &lr) != 5) continue;
    if (step > last) break;
    out.push_back({step, k, loss, lr});
  }
  return out;
}

std::vector<TrainPreview> read_previews(const std::string& run_dir) {
  std::vector<TrainPreview> out;
  std::error_code ec;
  const fs::path dir = fs::path(run_dir) / "previews";
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    long long step = 0, k = 0;
    if (std::sscanf(f.filename().string().c_str(), "step%lld-k%lld.png", &step, &k) != 2) continue;
    try {
      out.push_back({step, k, decode_png(f.string())});
    } catch (const std::exception&) {
      // A preview that cannot be read is left out; the run itself is unaffected.
    }
  }
  return out;
}

void StudioEngine::set_training_processes(int processes) {
  if (processes < 1 || processes > 256) throw Error("the number of training processes must be between 1 and 256");
  impl_->training_processes = processes;
}

int StudioEngine::training_processes() const { return impl_->training_processes; }

TrainOutcome StudioEngine::train(const TrainRequest& r, const TrainEvents& events, TrainingControl& control) {
  auto& model = trainable_model(*impl_);
  if (r.out_dir.empty()) throw Error("a training run needs a folder to keep its checkpoints in");
  TrainingRunSettings s = r;
  s.model_path = impl_->info.source;
  refuse_taken_name(r.library_dir, r.training.name);
  check_batch_size(r.training.batch_size, impl_->training_processes);  // before the run folder exists
  auto run = TextualInversionRun::create(model, s);
  return drive(*impl_, *run, events, control);
}

DreamBoothNeeds dreambooth_needs(int64_t unet_parameters, int64_t text_parameters, const DreamBoothSettings& s) {
  const int64_t trained = unet_parameters + (s.train_text_encoder ? text_parameters : 0);
  const int64_t frozen = unet_parameters + text_parameters - trained;
  const int64_t png = int64_t(s.resolution) * s.resolution * 3 / 2;  // a generous PNG
  DreamBoothNeeds n;
  // float32: the weights checkpoint, Adam's two moments, the model folder's copy.
  n.disk_bytes = trained * 4 * 4 + int64_t(s.num_class_images) * png;
  // float32 weights, gradients and two moments of what trains; the frozen weights.
  n.memory_bytes = trained * 4 * 4 + frozen * 4;
  return n;
}

namespace {

// Runs a DreamBooth run on the loaded model; unless it finishes, puts the base model's
// weights back (the run changed them in place).
TrainOutcome drive_dreambooth(StudioEngine& engine, StudioEngine::Impl& impl, DreamBoothRun& run,
                              const TrainEvents& events, TrainingControl& control) {
  const LoadRequest base{impl.info.source, impl.info.device, impl.info.dtype, impl.info.config_dir};
  TrainOutcome out;
  try {
    out = drive(impl, run, events, control);
  } catch (...) {
    try {
      engine.load_model(base);
    } catch (const std::exception&) {
      impl.model.reset();  // neither the base nor the run's model: none is loaded
    }
    throw;
  }
  if (!out.finished) {
    engine.load_model(base);
    return out;
  }
  // The weights in memory are the folder's now.
  impl.info.source = out.model_dir;
  impl.info.name = fs::path(out.model_dir).filename().string();
  impl.info.kind = "diffusers";
  impl.info.config_dir.clear();
  return out;
}

}  // namespace

TrainOutcome StudioEngine::train_dreambooth(const DreamBoothRequest& r, const TrainEvents& events,
                                            TrainingControl& control) {
  auto& model = trainable_model(*impl_);
  if (r.out_dir.empty()) throw Error("a training run needs a folder to keep its checkpoints in");
  DreamBoothRunSettings s = r;
  s.model_path = impl_->info.source;
  refuse_taken_name(r.library_dir, r.training.name);
  check_batch_size(r.training.batch_size, impl_->training_processes);
  // Enough disk, checked where the run folder goes (its nearest existing parent).
  fs::path where = fs::absolute(s.out_dir);
  std::error_code ec;
  while (!where.empty() && !fs::exists(where, ec) && where != where.parent_path()) where = where.parent_path();
  const auto space = fs::space(where, ec);
  const int64_t need =
      dreambooth_needs(impl_->info.unet_parameters, impl_->info.text_encoder_parameters, s.training).disk_bytes;
  if (!ec && int64_t(space.available) < need)
    throw Error("DreamBooth needs about " + gigabytes(need) + " of free disk for its checkpoints and model in " +
                where.string() + ", and " + gigabytes(int64_t(space.available)) + " are free");
  TrainingCallbacks making;  // the class images are drawn first
  making.on_message = events.on_message;
  auto run = DreamBoothRun::create(model, s, making);
  return drive_dreambooth(*this, *impl_, *run, events, control);
}

TrainOutcome StudioEngine::resume_training(const std::string& run_dir, int64_t total_steps, const TrainEvents& events,
                                           TrainingControl& control) {
  auto& model = trainable_model(*impl_);
  if (is_dreambooth_run(run_dir)) {
    auto run = DreamBoothRun::resume(model, run_dir, total_steps);
    return drive_dreambooth(*this, *impl_, *run, events, control);
  }
  auto run = TextualInversionRun::resume(model, run_dir, total_steps);
  return drive(*impl_, *run, events, control);
}

}  // namespace mrti::studio
