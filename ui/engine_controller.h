#pragma once
// The GUI's only way into the engine. One QThread runs every engine job in order (model
// loads, generations, strips, imports); requests return at once and results come back as
// queued signals carrying Qt types, so the GUI thread never waits on the engine.
#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <atomic>
#include <functional>
#include <memory>

class QThread;

namespace mrti {
class CancellationToken;
namespace studio {
class StudioEngine;
}
}  // namespace mrti

namespace mrti::ui {

struct GenerationJob {
  QString prompt, negativePrompt;
  QString sampler;  // command-line name; empty = the model's own
  int steps = 20;
  double guidance = 7.5;
  qint64 seed = -1;
  int width = 512, height = 512;
  int batch = 1;
  bool interpolate = false;
  QString conceptDir;
};

struct ModelDescription {
  QString name, source, kind, device, dtype, libtorchVersion, schedulerConfig;
  int tokenWidth = 0;
};

class EngineController : public QObject {
  Q_OBJECT
 public:
  explicit EngineController(QObject* parent = nullptr);
  ~EngineController() override;  // cancels what runs and waits for the thread to end

  // Each returns a job id at once; the work happens on the engine thread, in order.
  int loadModel(const QString& path, const QString& device = QStringLiteral("auto"),
                const QString& dtype = QStringLiteral("auto"));
  int generate(const GenerationJob& job);
  int resolutionSweep(const GenerationJob& job, const QString& conceptName, const QString& form);
  int renderStrip(const QString& conceptDir, const QString& conceptName);
  int importConcept(const QString& conceptDir, const QString& source, const QString& name = QString());

  // Stops the running job within one sampling step (or between model components) and
  // drops the queued ones.
  void cancel();
  bool isBusy() const { return pending_.load() > 0; }
  bool hasModel() const { return hasModel_; }
  const ModelDescription& model() const { return model_; }

 Q_SIGNALS:
  void busyChanged(bool busy);
  void modelLoadProgress(int job, const QString& component, double fraction);
  void modelLoaded(int job, const mrti::ui::ModelDescription& model);
  void modelLoadFailed(int job, const QString& path, const QString& reason);
  void modelLoadCancelled(int job, const QString& path);
  void generationStarted(int job, int images);
  void stepProgress(int job, int step, int total, const QVector<QImage>& previews);
  void generationFinished(int job, const QVector<QImage>& images, const QStringList& parameters,
                          const QVector<qint64>& seeds, const QStringList& warnings);
  void generationFailed(int job, const QString& reason);
  void generationCancelled(int job);
  void stripReady(int job, const QString& conceptName, const QVector<QImage>& images);
  void stripFailed(int job, const QString& conceptName, const QString& reason);
  void conceptImported(int job, const QString& name, const QStringList& notes);
  void conceptImportFailed(int job, const QString& source, const QString& reason);

 private:
  // Queues `work` on the engine thread; its token is set when cancel() ran after queueing.
  int post(std::function<void(int job, const mrti::CancellationToken& token)> work);
  void finishJob();

  QThread* thread_ = nullptr;
  QObject* worker_ = nullptr;  // lives in thread_; jobs run as its queued calls
  std::unique_ptr<mrti::studio::StudioEngine> engine_;  // touched on the engine thread only
  std::shared_ptr<mrti::CancellationToken> current_;
  std::atomic<int> epoch_{0};
  std::atomic<int> pending_{0};
  int nextJob_ = 1;
  bool hasModel_ = false;
  ModelDescription model_;
};

}  // namespace mrti::ui

Q_DECLARE_METATYPE(mrti::ui::ModelDescription)
