#pragma once
// The training workspace: a dataset drop zone, the method (textual inversion or DreamBooth,
// with DreamBooth's own settings), the concept's name and initializer word (validated as
// they are typed), the training settings, start / pause / cancel, the runs list for
// resuming earlier runs, the live loss plot and the preview matrix.
#include <QImage>
#include <functional>
#include <QWidget>

#include "engine_controller.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace mrti::ui {

class DatasetView;
class LossPlot;
class PreviewMatrix;

class TrainingWorkspace : public QWidget {
  Q_OBJECT
 public:
  explicit TrainingWorkspace(EngineController* engine, QWidget* parent = nullptr);

  void setLibraryDirectory(const QString& dir);
  void setRunsDirectory(const QString& dir);
  QString runsDirectory() const { return runsDir_; }
  // Reads a folder (or copies image files into a new one) and shows the marks.
  void setDataPaths(const QStringList& paths);
  QString dataFolder() const { return dataDir_; }

  studio::TrainRequest job() const;
  studio::DreamBoothRequest dreamBoothJob() const;
  bool dreamBooth() const;  // the method chosen
  // "" when the field is fine, else what is wrong (also shown under the field).
  QString nameProblem() const { return nameProblem_; }
  QString initTokenProblem() const { return initProblem_; }
  QString classProblem() const { return classProblem_; }
  QString statusText() const;
  void refreshRuns();

  DatasetView* datasetView() const { return dataset_; }
  LossPlot* lossPlot() const { return plot_; }
  PreviewMatrix* previews() const { return previews_; }
  QComboBox* methodBox() const { return method_; }
  QLineEdit* classPromptEdit() const { return classPrompt_; }
  QSpinBox* classImagesBox() const { return classImages_; }
  QDoubleSpinBox* unetLrBox() const { return unetLr_; }
  QCheckBox* trainTextEncoderBox() const { return trainTextEncoder_; }
  QLabel* needsLabel() const { return needs_; }
  QListWidget* classImagesView() const { return classView_; }
  QLineEdit* nameEdit() const { return name_; }
  QLineEdit* initTokenEdit() const { return initToken_; }
  QSpinBox* stepsBox() const { return steps_; }
  QSpinBox* scalesBox() const { return scales_; }
  QSpinBox* previewEveryBox() const { return previewEvery_; }
  QSpinBox* resolutionBox() const { return resolution_; }
  QSpinBox* checkpointEveryBox() const { return checkpointEvery_; }
  QSpinBox* processesBox() const { return processes_; }
  QSpinBox* batchBox() const { return batch_; }
  QPushButton* startButton() const { return start_; }
  QPushButton* pauseButton() const { return pause_; }
  QPushButton* cancelButton() const { return cancel_; }
  QListWidget* runsList() const { return runs_; }

 public Q_SLOTS:
  void start();
  void togglePause();
  void cancelRun();
  void resumeSelected();
  void exportPlot();
  void chooseFolder();
  void chooseFiles();

 Q_SIGNALS:
  // A run finished and its concept is in the library.
  void conceptTrained(const QString& name);
  // A DreamBooth run finished and wrote this model folder.
  void modelTrained(const QString& modelDir);
  void message(const QString& text, bool error);

 private:
  void validate();
  void updateButtons();
  void setStatus(const QString& text, bool error = false);
  void loadHistory(const QString& runDir);
  void updateNeeds();
  // The settings both methods share, from the form, into either run's record.
  template <class RunSettings>
  void fillShared(RunSettings& run) const;
  void showClassImages(const QString& runDir);
  QString modelPrecision() const;

  EngineController* engine_;
  QString libraryDir_, runsDir_, dataDir_;
  DatasetView* dataset_;
  QLabel* datasetSummary_;
  QLineEdit* name_;
  QLabel* nameStatus_;
  QLineEdit* initToken_;
  QLabel* initStatus_;
  QComboBox* property_;
  QComboBox* method_;
  QGroupBox* dreamBoothBox_;
  QLineEdit* classPrompt_;
  QLabel* classStatus_;
  QSpinBox* classImages_;
  QDoubleSpinBox* unetLr_;
  QCheckBox* trainTextEncoder_;
  QLabel* needs_;           // DreamBooth's disk and memory estimate
  QListWidget* classView_;  // the class images a DreamBooth run drew
  QSpinBox* steps_;
  QDoubleSpinBox* lr_;
  QSpinBox* scales_;
  QSpinBox* batch_;
  QSpinBox* accum_;
  QSpinBox* previewEvery_;
  QSpinBox* seed_;
  QComboBox* precision_;
  QGroupBox* advanced_;
  QSpinBox* resolution_;
  QComboBox* schedule_;
  QSpinBox* warmup_;
  QCheckBox* scaleLr_;
  QSpinBox* checkpointEvery_;
  QLineEdit* previewPrompt_;
  QCheckBox* checkpointing_;
  QSpinBox* processes_ = nullptr;
  QPushButton* start_;
  QPushButton* pause_;
  QPushButton* cancel_;
  QListWidget* runs_;
  QPushButton* resume_;
  QLabel* stepLabel_;
  QLabel* speedLabel_;
  QLabel* status_;
  LossPlot* plot_;
  PreviewMatrix* previews_;
  QString nameProblem_, initProblem_, classProblem_;
  int datasetUsed_ = 0;
  QString runDir_;           // of the active run
  bool pendingStart_ = false;  // waiting for the model to reload in the chosen precision
  std::function<void()> pendingLaunch_;  // what starts once the model has reloaded
  int reloadJob_ = -1;
  bool historyPending_ = false;  // a resumed run's log is being read; live steps wait
  QVector<TrainingStepInfo> heldSteps_;
};

}  // namespace mrti::ui
