#pragma once
// The GUI's only way into the engine. One QThread runs every engine job in order (model
// loads, generations, strips, imports); requests return at once and results come back as
// queued signals carrying Qt types, so the GUI thread never waits on the engine.
#include <QImage>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <atomic>
#include <functional>
#include <memory>

#include "studio/studio_engine.h"
#include "studio/studio_training.h"

class QThread;

namespace mrti {
class CancellationToken;
struct TrainingControl;
namespace studio {
class StudioEngine;
}
}  // namespace mrti

namespace mrti::ui {

struct GenerationJob {
  studio::GenerateRequest request;
  // Where the engine thread writes the finished images (NNNNN-SEED.png, parameters
  // embedded); empty: not saved.
  QString outputDir;
};

struct TrainingStepInfo {
  qint64 step = 0, total = 0;
  double loss = 0, lr = 0, imagesPerSecond = 0, secondsLeft = 0;
  QVector<double> scaleMeans;  // per scale index, NaN until sampled
  QVector<int> scaleIndices;   // the scales sampled in this step
};

struct DatasetEntry {
  QString name, path, reason;  // reason: why skipped, empty when used
  bool used = false;
  QImage thumbnail;
};

struct ModelDescription {
  QString name, source, kind, device, dtype, libtorchVersion, schedulerConfig;
  QString tokenizerDir;  // the model's vocabulary, for token counts and initializer words
  QString configDir;     // the config folder of a single file ("" = none)
  qint64 unetParameters = 0, textEncoderParameters = 0;
  int tokenWidth = 0;
  qint64 int8Layers = 0;  // UNet layers with int8 weights (0: none)
  // What the model is meant to be used with (studio::model_defaults), read on the engine
  // thread; defaultsProblem says why the model's own are unusable (the fields keep 512²).
  int defaultWidth = 512, defaultHeight = 512, defaultSteps = 20;
  double defaultGuidance = 7.5;
  QString defaultsProblem;
};

class EngineController : public QObject {
  Q_OBJECT
 public:
  explicit EngineController(QObject* parent = nullptr);
  ~EngineController() override;  // cancels what runs and waits for the thread to end

  // Each returns a job id at once; the work happens on the engine thread, in order.
  // `configDir`: a diffusers folder of the same model, for a single file that needs one.
  // `int8Weights`: int8 weights in the UNet's linear layers (CPU, generation only).
  int loadModel(const QString& path, const QString& device = QStringLiteral("auto"),
                const QString& dtype = QStringLiteral("auto"), const QString& configDir = QString(),
                bool int8Weights = false);
  int generate(const GenerationJob& job);
  int resolutionSweep(const GenerationJob& job, const QString& conceptName, const QString& form);
  int renderStrip(const QString& conceptDir, const QString& conceptName);
  int importConcept(const QString& conceptDir, const QString& source, const QString& name = QString());

  // Lists the files of a training folder with used/skipped marks, off the GUI thread
  // (answered by datasetScanned). `paths` is one folder, or image files that are first
  // copied into a new folder `stagingDir`.
  void scanDataset(const QStringList& paths, const QString& stagingDir = QString());
  // Training runs on its own thread so that, while a run is paused, the engine thread can
  // generate with the concept as it is (pause and probe). One run at a time.
  bool startTraining(const studio::TrainRequest& request);
  // A DreamBooth run: it fine-tunes the loaded model, so a finished one leaves that model
  // as its output folder (load it to describe it), and an unfinished one the base again.
  bool startDreamBooth(const studio::DreamBoothRequest& request);
  bool resumeTraining(const QString& runDir, qint64 totalSteps = 0);
  // Processes the next run trains on (this one and workers running `mrti`); a run on more
  // than one cannot pause.
  void setTrainingProcesses(int processes) { trainingProcesses_ = processes; }
  int trainingProcesses() const { return trainingProcesses_; }
  int runningProcesses() const { return runningProcesses_; }
  void setTrainingPaused(bool paused);
  void cancelTraining();  // saves a checkpoint first
  bool isTraining() const { return training_ != nullptr; }
  bool isTrainingPaused() const;
  QString trainingConcept() const { return trainingName_; }
  int trainingScales() const { return trainingScales_; }

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
  // `needsConfigFolder`: a single file that loads once a config folder is given.
  void modelLoadFailed(int job, const QString& path, const QString& reason, bool needsConfigFolder);
  void modelLoadCancelled(int job, const QString& path);
  void generationStarted(int job, int images);
  void stepProgress(int job, int step, int total, const QVector<QImage>& previews);
  // `saved`: the file of each image (empty where it could not be written; `warnings` says why).
  // `labels`: a sweep tile's concept reference, empty for an image its seed names.
  void generationFinished(int job, const QVector<QImage>& images, const QStringList& parameters,
                          const QVector<qint64>& seeds, const QStringList& warnings, const QStringList& saved,
                          const QStringList& labels);
  void generationFailed(int job, const QString& reason);
  void generationCancelled(int job);
  void stripReady(int job, const QString& conceptName, const QVector<QImage>& images);
  void stripFailed(int job, const QString& conceptName, const QString& reason);
  void conceptImported(int job, const QString& name, const QStringList& notes);
  void conceptImportFailed(int job, const QString& source, const QString& reason);
  void datasetScanned(const QString& folder, const QVector<mrti::ui::DatasetEntry>& files, int used,
                      const QString& error, const QString& summary);
  void trainingActiveChanged(bool active);
  void trainingStarted(const QString& runDir, qint64 step, qint64 total, int numScales);
  void trainingStep(const mrti::ui::TrainingStepInfo& info);
  void trainingPreview(qint64 step, int scale, const QImage& image);
  void trainingPaused(bool paused);  // the run stopped at a pause (true) or went on (false)
  void trainingMessage(const QString& text);
  // `modelDir`: the model folder a DreamBooth run wrote ("" for textual inversion).
  void trainingFinished(const QString& runDir, const QString& conceptName, qint64 step, const QString& libraryPath,
                        const QString& modelDir);
  void trainingCancelled(const QString& runDir, qint64 step);
  void trainingFailed(const QString& reason);

 private:
  // Queues `work` on the engine thread; its token is set when cancel() ran after queueing.
  int post(std::function<void(int job, const mrti::CancellationToken& token)> work);
  void finishJob();
  bool runTraining(const QString& name, int numScales,
                   std::function<void(mrti::studio::StudioEngine&, mrti::TrainingControl&)> work);

  QThread* thread_ = nullptr;
  QObject* worker_ = nullptr;  // lives in thread_; jobs run as its queued calls
  std::unique_ptr<mrti::studio::StudioEngine> engine_;  // touched on the engine thread only
  // The current job's token: swapped on the engine thread, read by cancel() on the GUI one.
  std::shared_ptr<mrti::CancellationToken> current_;
  QMutex tokenMutex_;
  std::atomic<int> epoch_{0};
  std::atomic<int> pending_{0};
  int nextJob_ = 1;
  bool hasModel_ = false;
  QThread* trainingThread_ = nullptr;
  QObject* trainingWorker_ = nullptr;
  std::shared_ptr<mrti::TrainingControl> training_;  // set while a run is active (GUI thread)
  QString trainingName_;
  int trainingScales_ = 0;
  int trainingProcesses_ = 1;
  int runningProcesses_ = 1;  // of the run in progress
  ModelDescription model_;
};

}  // namespace mrti::ui

Q_DECLARE_METATYPE(mrti::ui::ModelDescription)
Q_DECLARE_METATYPE(mrti::ui::TrainingStepInfo)
Q_DECLARE_METATYPE(mrti::ui::DatasetEntry)
