#include "engine_controller.h"

#include <QDir>
#include <QFileInfo>
#include <QMetaObject>
#include <QMutex>
#include <QThread>
#include <exception>
#include <functional>

#include "qt_convert.h"
#include "studio/studio_engine.h"
#include "training/training_control.h"

namespace mrti::ui {

namespace {

QVector<QImage> toQImages(const std::vector<mrti::Image>& images) {
  QVector<QImage> out;
  out.reserve(static_cast<int>(images.size()));
  for (const auto& i : images) out.push_back(toQImage(i));
  return out;
}

// Runs one generation-like job (plain or a sweep) and reports it through the controller's
// signals: started, per-step previews, then finished, cancelled or failed.
// Writes `result`'s images into `dir` as NNNNN-SEED.png (the next free numbers, as
// AUTOMATIC1111 names them) with their parameters; a file that cannot be written is named
// in `warnings` and left out.
QStringList saveImages(const QString& dir, const studio::GenerateResult& result, QStringList& warnings) {
  QStringList saved;
  if (dir.isEmpty()) return saved;
  if (!QDir().mkpath(dir)) {
    warnings.push_back(EngineController::tr("Could not create the output folder %1: the images are not saved.").arg(dir));
    for (std::size_t i = 0; i < result.images.size(); ++i) saved.push_back(QString());
    return saved;
  }
  const QDir out(dir);
  int number = static_cast<int>(out.entryList({QStringLiteral("*.png")}, QDir::Files).size());
  for (const auto& i : result.images) {
    QString path;
    do {
      path = out.filePath(QStringLiteral("%1-%2.png").arg(number++, 5, 10, QLatin1Char('0')).arg(i.seed));
    } while (QFileInfo::exists(path));
    try {
      studio::save_png(ss(path), i.image, i.parameters);
      saved.push_back(path);
    } catch (const std::exception& e) {
      warnings.push_back(EngineController::tr("Could not save %1: %2").arg(path, errorText(e)));
      saved.push_back(QString());
    }
  }
  return saved;
}

void runGenerationJob(EngineController* c, int job, int batch, const QString& outputDir,
                      const std::function<studio::GenerateResult(const studio::StepProgress&)>& run) {
  Q_EMIT c->generationStarted(job, batch);
  try {
    const auto result = run([&](const studio::GenerateStep& s) {
      Q_EMIT c->stepProgress(job, s.step, s.total, toQImages(s.previews));
    });
    QVector<QImage> images;
    QStringList params;
    QVector<qint64> seeds;
    QStringList labels;
    for (const auto& i : result.images) {
      images.push_back(toQImage(i.image));
      params.push_back(qs(i.parameters));
      seeds.push_back(i.seed);
      labels.push_back(qs(i.label));
    }
    QStringList warnings;
    for (const auto& w : result.warnings) warnings.push_back(qs(w));
    const QStringList saved = saveImages(outputDir, result, warnings);
    Q_EMIT c->generationFinished(job, images, params, seeds, warnings, saved, labels);
  } catch (const Cancelled&) {
    Q_EMIT c->generationCancelled(job);
  } catch (const std::exception& e) {
    Q_EMIT c->generationFailed(job, errorText(e));
  }
}

// A run started after this job was queued may not have reached the engine yet; the
// job's own snapshot of the run says whether the model is free.
void requireModelFree(const std::shared_ptr<TrainingControl>& run) {
  if (run && !run->paused.load())
    throw Error("a concept is training and uses the model: pause the run to try the concept as it is now");
}

}  // namespace

EngineController::EngineController(QObject* parent)
    : QObject(parent), engine_(std::make_unique<studio::StudioEngine>()) {
  qRegisterMetaType<mrti::ui::ModelDescription>();
  qRegisterMetaType<mrti::ui::TrainingStepInfo>();
  qRegisterMetaType<mrti::ui::DatasetEntry>();
  qRegisterMetaType<QVector<mrti::ui::DatasetEntry>>();
  thread_ = new QThread(this);
  thread_->setObjectName(QStringLiteral("engine"));
  worker_ = new QObject;
  worker_->moveToThread(thread_);
  connect(thread_, &QThread::finished, worker_, &QObject::deleteLater);
  // Updates hasModel_/model_ on the GUI thread, before anyone else hears of the load.
  connect(this, &EngineController::modelLoaded, this, [this](int, const ModelDescription& m) {
    hasModel_ = true;
    model_ = m;
  });
  thread_->start();
  // Each engine thread sets its own OpenMP thread count and floating-point mode.
  QMetaObject::invokeMethod(worker_, [] { studio::configure_cpu_threads(); });

  trainingThread_ = new QThread(this);
  trainingThread_->setObjectName(QStringLiteral("training"));
  trainingWorker_ = new QObject;
  trainingWorker_->moveToThread(trainingThread_);
  connect(trainingThread_, &QThread::finished, trainingWorker_, &QObject::deleteLater);
  // The run's end clears the GUI-side state before anyone else hears of it.
  const auto ended = [this] {
    training_.reset();
    trainingName_.clear();
    trainingScales_ = 0;
    Q_EMIT trainingActiveChanged(false);
  };
  connect(this, &EngineController::trainingFinished, this, ended);
  connect(this, &EngineController::trainingCancelled, this, ended);
  connect(this, &EngineController::trainingFailed, this, ended);
  trainingThread_->start();
  QMetaObject::invokeMethod(trainingWorker_, [] { studio::configure_cpu_threads(); });
}

EngineController::~EngineController() {
  cancel();
  if (training_) {
    training_->paused = false;
    training_->cancel.cancel();  // the run saves a checkpoint before it stops
  }
  trainingThread_->quit();
  trainingThread_->wait();
  thread_->quit();
  thread_->wait();
}

void EngineController::cancel() {
  ++epoch_;
  QMutexLocker lock(&tokenMutex_);
  if (current_) current_->cancel();
}

int EngineController::post(std::function<void(int, const CancellationToken&)> work) {
  const int job = nextJob_++;
  const int epoch = epoch_.load();
  if (pending_.fetch_add(1) == 0) Q_EMIT busyChanged(true);
  QMetaObject::invokeMethod(
      worker_,
      [this, job, epoch, work = std::move(work)] {
        auto token = std::make_shared<CancellationToken>();
        {
          QMutexLocker lock(&tokenMutex_);
          current_ = token;
        }
        // Cancelled while queued: the job still runs, with its token already set, so it
        // ends at its first check and reports "cancelled" like any other stop.
        if (epoch != epoch_.load()) token->cancel();
        work(job, *token);
        {
          QMutexLocker lock(&tokenMutex_);
          current_.reset();
        }
        finishJob();
      },
      Qt::QueuedConnection);
  return job;
}

void EngineController::finishJob() {
  if (pending_.fetch_sub(1) == 1) Q_EMIT busyChanged(false);
}

int EngineController::loadModel(const QString& path, const QString& device, const QString& dtype,
                                const QString& configDir, bool int8Weights) {
  return post([this, path, device, dtype, configDir, int8Weights](int job, const CancellationToken& token) {
    studio::LoadRequest r;
    r.path = ss(path);
    r.device = ss(device);
    r.dtype = ss(dtype);
    r.config_dir = ss(configDir);
    r.int8_weights = int8Weights;
    try {
      const auto info = engine_->load_model(
          r, [&](const std::string& c, double f) { Q_EMIT modelLoadProgress(job, qs(c), f); }, &token);
      ModelDescription m;
      m.name = qs(info.name);
      m.source = qs(info.source);
      m.kind = qs(info.kind);
      m.device = qs(info.device);
      m.dtype = qs(info.dtype);
      m.libtorchVersion = qs(info.libtorch_version);
      m.schedulerConfig = qs(info.scheduler_config);
      m.tokenizerDir = qs(info.tokenizer_dir);
      m.configDir = qs(info.config_dir);
      m.unetParameters = info.unet_parameters;
      m.textEncoderParameters = info.text_encoder_parameters;
      m.tokenWidth = static_cast<int>(info.token_width);
      m.int8Layers = info.int8_layers;
      try {
        const auto d = studio::model_defaults(r.path);
        m.defaultWidth = d.width;
        m.defaultHeight = d.height;
        m.defaultSteps = d.steps;
        m.defaultGuidance = d.guidance;
      } catch (const std::exception& e) {
        m.defaultsProblem = errorText(e);  // the model itself loaded fine
      }
      Q_EMIT modelLoaded(job, m);
    } catch (const Cancelled&) {
      Q_EMIT modelLoadCancelled(job, path);
    } catch (const ConfigFolderNeeded& e) {
      Q_EMIT modelLoadFailed(job, path, errorText(e), true);
    } catch (const std::exception& e) {
      Q_EMIT modelLoadFailed(job, path, errorText(e), false);
    }
  });
}

int EngineController::generate(const GenerationJob& j) {
  return post([this, j, run = training_](int job, const CancellationToken& token) {
    runGenerationJob(this, job, j.request.batch, j.outputDir, [&](const studio::StepProgress& progress) {
      requireModelFree(run);
      return engine_->generate(j.request, progress, &token);
    });
  });
}

int EngineController::resolutionSweep(const GenerationJob& j, const QString& conceptName, const QString& form) {
  return post([this, j, conceptName, form, run = training_](int job, const CancellationToken& token) {
    runGenerationJob(this, job, 1, j.outputDir, [&](const studio::StepProgress& progress) {
      requireModelFree(run);
      auto r = j.request;
      r.batch = 1;
      return engine_->resolution_sweep(r, ss(conceptName), ss(form), progress, &token);
    });
  });
}

int EngineController::renderStrip(const QString& conceptDir, const QString& conceptName) {
  return post([this, conceptDir, conceptName, run = training_](int job, const CancellationToken& token) {
    try {
      requireModelFree(run);
      const auto images = engine_->resolution_strip(ss(conceptDir), ss(conceptName), 64, 8, 1234, &token);
      Q_EMIT stripReady(job, conceptName, toQImages(images));
    } catch (const Cancelled&) {
      Q_EMIT stripFailed(job, conceptName, tr("cancelled"));
    } catch (const std::exception& e) {
      Q_EMIT stripFailed(job, conceptName, errorText(e));
    }
  });
}

int EngineController::importConcept(const QString& conceptDir, const QString& source, const QString& name) {
  return post([this, conceptDir, source, name](int job, const CancellationToken& token) {
    if (token.cancelled()) {
      Q_EMIT conceptImportFailed(job, source, tr("cancelled"));
      return;
    }
    try {
      std::vector<std::string> notes;
      const auto imported = studio::import_concept(ss(conceptDir), ss(source), ss(name), &notes);
      QStringList n;
      for (const auto& s : notes) n.push_back(qs(s));
      Q_EMIT conceptImported(job, qs(imported), n);
    } catch (const std::exception& e) {
      Q_EMIT conceptImportFailed(job, source, errorText(e));
    }
  });
}

// ---- training ----

void EngineController::scanDataset(const QStringList& paths, const QString& stagingDir) {
  // Copying and decoding photos takes a moment; a short-lived thread keeps the engine
  // thread free for generation and the GUI responsive.
  QThread* t = QThread::create([this, paths, stagingDir] {
    QString folder = paths.value(0);
    if (paths.size() != 1 || !QFileInfo(folder).isDir()) {
      std::vector<std::string> files;
      for (const auto& p : paths) files.push_back(ss(p));
      try {
        folder = qs(studio::stage_dataset_files(files, ss(stagingDir)));
      } catch (const std::exception& e) {
        Q_EMIT datasetScanned(stagingDir, {}, 0, errorText(e), QString());
        return;
      }
    }
    const auto scan = studio::scan_dataset(ss(folder));
    QVector<DatasetEntry> files;
    for (const auto& f : scan.files) {
      DatasetEntry e;
      e.name = qs(f.name);
      e.path = qs(f.path);
      e.reason = qs(f.reason);
      e.used = f.used;
      e.thumbnail = toQImage(f.thumbnail);
      files.push_back(e);
    }
    Q_EMIT datasetScanned(folder, files, scan.used, qs(scan.error), qs(scan.summary));
  });
  connect(t, &QThread::finished, t, &QObject::deleteLater);
  t->start();
}

bool EngineController::isTrainingPaused() const { return training_ && training_->idle.load(); }

void EngineController::setTrainingPaused(bool paused) {
  if (training_) training_->paused = paused;
}

void EngineController::cancelTraining() {
  if (!training_) return;
  training_->paused = false;
  training_->cancel.cancel();
}

bool EngineController::runTraining(const QString& name, int numScales,
                                   std::function<void(studio::StudioEngine&, TrainingControl&)> work) {
  if (training_) {
    Q_EMIT trainingFailed(tr("A training run is already active: finish or cancel it first."));
    return false;
  }
  if (!hasModel_) {
    Q_EMIT trainingFailed(tr("Load a base model first: training learns a concept on top of it."));
    return false;
  }
  if (isBusy()) {
    Q_EMIT trainingFailed(tr("Wait until the current generation or model load has finished."));
    return false;
  }
  auto control = std::make_shared<TrainingControl>();
  training_ = control;
  trainingName_ = name;
  trainingScales_ = numScales;
  runningProcesses_ = trainingProcesses_;
  Q_EMIT trainingActiveChanged(true);
  QMetaObject::invokeMethod(
      trainingWorker_, [this, control, work = std::move(work)] { work(*engine_, *control); }, Qt::QueuedConnection);
  return true;
}

namespace {

// Engine training events as the controller's queued signals.
studio::TrainEvents trainingEvents(EngineController* c) {
  studio::TrainEvents ev;
  ev.on_start = [c](const std::string& dir, int64_t step, int64_t total, int64_t scales) {
    Q_EMIT c->trainingStarted(qs(dir), step, total, static_cast<int>(scales));
  };
  ev.on_step = [c](const studio::TrainStep& s) {
    TrainingStepInfo i;
    i.step = s.step;
    i.total = s.total;
    i.loss = s.loss;
    i.lr = s.lr;
    i.imagesPerSecond = s.images_per_second;
    i.secondsLeft = s.seconds_left;
    for (double m : s.scale_means) i.scaleMeans.push_back(m);
    for (int64_t k : s.scale_indices) i.scaleIndices.push_back(static_cast<int>(k));
    Q_EMIT c->trainingStep(i);
  };
  ev.on_preview = [c](const studio::TrainPreview& p) {
    Q_EMIT c->trainingPreview(p.step, static_cast<int>(p.scale), toQImage(p.image));
  };
  ev.on_paused = [c](bool paused) { Q_EMIT c->trainingPaused(paused); };
  ev.on_message = [c](const std::string& m) { Q_EMIT c->trainingMessage(qs(m)); };
  return ev;
}

void reportOutcome(EngineController* c, const std::function<studio::TrainOutcome()>& run) {
  try {
    const auto o = run();
    if (o.finished)
      Q_EMIT c->trainingFinished(qs(o.run_dir), qs(o.name), o.step, qs(o.library_path), qs(o.model_dir));
    else
      Q_EMIT c->trainingCancelled(qs(o.run_dir), o.step);
  } catch (const std::exception& e) {
    Q_EMIT c->trainingFailed(errorText(e));
  }
}

}  // namespace

bool EngineController::startTraining(const studio::TrainRequest& r) {
  return runTraining(qs(r.training.name), static_cast<int>(r.training.num_scales),
                     [this, r, n = trainingProcesses_](studio::StudioEngine& engine, TrainingControl& control) {
                       engine.set_training_processes(n);
                       reportOutcome(this, [&] { return engine.train(r, trainingEvents(this), control); });
                     });
}

bool EngineController::startDreamBooth(const studio::DreamBoothRequest& r) {
  return runTraining(qs(r.training.name), static_cast<int>(r.training.num_scales),
                     [this, r, n = trainingProcesses_](studio::StudioEngine& engine, TrainingControl& control) {
                       engine.set_training_processes(n);
                       reportOutcome(this, [&] { return engine.train_dreambooth(r, trainingEvents(this), control); });
                     });
}

bool EngineController::resumeTraining(const QString& runDir, qint64 totalSteps) {
  const auto run = studio::read_run(ss(runDir));
  if (!run.error.empty()) {
    Q_EMIT trainingFailed(tr("Cannot resume %1: %2").arg(runDir, qs(run.error)));
    return false;
  }
  return runTraining(qs(run.name), static_cast<int>(run.num_scales),
                     [this, runDir, totalSteps, n = trainingProcesses_](studio::StudioEngine& engine,
                                                                        TrainingControl& control) {
                       engine.set_training_processes(n);
                       reportOutcome(this, [&] {
                         return engine.resume_training(ss(runDir), totalSteps, trainingEvents(this), control);
                       });
                     });
}

}  // namespace mrti::ui
