#include "engine_controller.h"

#include <QMetaObject>
#include <QMutex>
#include <QThread>
#include <exception>
#include <functional>

#include "qt_convert.h"
#include "studio/studio_engine.h"

namespace mrti::ui {

namespace {

studio::GenerateRequest toRequest(const GenerationJob& j) {
  studio::GenerateRequest r;
  r.prompt = ss(j.prompt);
  r.negative_prompt = ss(j.negativePrompt);
  r.sampler = ss(j.sampler);
  r.steps = j.steps;
  r.guidance = j.guidance;
  r.seed = j.seed;
  r.width = j.width;
  r.height = j.height;
  r.batch = j.batch;
  r.interpolate = j.interpolate;
  r.concept_dir = ss(j.conceptDir);
  return r;
}

QVector<QImage> toQImages(const std::vector<mrti::Image>& images) {
  QVector<QImage> out;
  out.reserve(static_cast<int>(images.size()));
  for (const auto& i : images) out.push_back(toQImage(i));
  return out;
}

// Runs one generation-like job (plain or a sweep) and reports it through the controller's
// signals: started, per-step previews, then finished, cancelled or failed.
void runGenerationJob(EngineController* c, int job, int batch,
                      const std::function<studio::GenerateResult(const studio::StepProgress&)>& run) {
  Q_EMIT c->generationStarted(job, batch);
  try {
    const auto result = run([&](const studio::GenerateStep& s) {
      Q_EMIT c->stepProgress(job, s.step, s.total, toQImages(s.previews));
    });
    QVector<QImage> images;
    QStringList params;
    QVector<qint64> seeds;
    for (const auto& i : result.images) {
      images.push_back(toQImage(i.image));
      params.push_back(qs(i.parameters));
      seeds.push_back(i.seed);
    }
    QStringList warnings;
    for (const auto& w : result.warnings) warnings.push_back(qs(w));
    Q_EMIT c->generationFinished(job, images, params, seeds, warnings);
  } catch (const Cancelled&) {
    Q_EMIT c->generationCancelled(job);
  } catch (const std::exception& e) {
    Q_EMIT c->generationFailed(job, QString::fromUtf8(e.what()));
  }
}

// The current job's token, swapped on the engine thread, read by cancel() on the GUI one.
QMutex tokenMutex;

}  // namespace

EngineController::EngineController(QObject* parent)
    : QObject(parent), engine_(std::make_unique<studio::StudioEngine>()) {
  qRegisterMetaType<mrti::ui::ModelDescription>();
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
}

EngineController::~EngineController() {
  cancel();
  thread_->quit();
  thread_->wait();
}

void EngineController::cancel() {
  ++epoch_;
  QMutexLocker lock(&tokenMutex);
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
          QMutexLocker lock(&tokenMutex);
          current_ = token;
        }
        // Cancelled while queued: the job still runs, with its token already set, so it
        // ends at its first check and reports "cancelled" like any other stop.
        if (epoch != epoch_.load()) token->cancel();
        work(job, *token);
        {
          QMutexLocker lock(&tokenMutex);
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

int EngineController::loadModel(const QString& path, const QString& device, const QString& dtype) {
  return post([this, path, device, dtype](int job, const CancellationToken& token) {
    studio::LoadRequest r;
    r.path = ss(path);
    r.device = ss(device);
    r.dtype = ss(dtype);
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
      m.tokenWidth = static_cast<int>(info.token_width);
      Q_EMIT modelLoaded(job, m);
    } catch (const Cancelled&) {
      Q_EMIT modelLoadCancelled(job, path);
    } catch (const std::exception& e) {
      Q_EMIT modelLoadFailed(job, path, QString::fromUtf8(e.what()));
    }
  });
}

int EngineController::generate(const GenerationJob& j) {
  return post([this, j](int job, const CancellationToken& token) {
    runGenerationJob(this, job, j.batch, [&](const studio::StepProgress& progress) {
      return engine_->generate(toRequest(j), progress, &token);
    });
  });
}

int EngineController::resolutionSweep(const GenerationJob& j, const QString& conceptName, const QString& form) {
  return post([this, j, conceptName, form](int job, const CancellationToken& token) {
    runGenerationJob(this, job, 1, [&](const studio::StepProgress& progress) {
      auto r = toRequest(j);
      r.batch = 1;
      return engine_->resolution_sweep(r, ss(conceptName), ss(form), progress, &token);
    });
  });
}

int EngineController::renderStrip(const QString& conceptDir, const QString& conceptName) {
  return post([this, conceptDir, conceptName](int job, const CancellationToken& token) {
    try {
      const auto images = engine_->resolution_strip(ss(conceptDir), ss(conceptName), 64, 8, 1234, &token);
      Q_EMIT stripReady(job, conceptName, toQImages(images));
    } catch (const Cancelled&) {
      Q_EMIT stripFailed(job, conceptName, tr("cancelled"));
    } catch (const std::exception& e) {
      Q_EMIT stripFailed(job, conceptName, QString::fromUtf8(e.what()));
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
      Q_EMIT conceptImportFailed(job, source, QString::fromUtf8(e.what()));
    }
  });
}

}  // namespace mrti::ui
