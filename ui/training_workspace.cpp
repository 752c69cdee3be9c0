#include "training_workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPixmap>
#include <QPointer>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

#include "dataset_view.h"
#include "form_scroll_area.h"
#include "image_viewer.h"
#include "loss_plot.h"
#include "preview_matrix.h"
#include "qt_convert.h"
#include "studio/studio_engine.h"
#include "wheel_guard.h"

namespace mrti::ui {

namespace {

QString duration(double seconds) {
  if (!(seconds >= 0) || std::isinf(seconds)) return QStringLiteral("—");
  const qint64 s = static_cast<qint64>(seconds + 0.5);
  if (s >= 3600) return QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

QSpinBox* spin(int lo, int hi, int value, int step = 1) {
  auto* b = new QSpinBox;
  b->setRange(lo, hi);
  b->setValue(value);
  b->setSingleStep(step);
  return b;
}

QLabel* problemLabel() {
  auto* l = new QLabel;
  l->setWordWrap(true);
  l->setStyleSheet(QStringLiteral("color: #b00020"));
  l->hide();
  return l;
}

}  // namespace

TrainingWorkspace::TrainingWorkspace(EngineController* engine, QWidget* parent) : QWidget(parent), engine_(engine) {
  // ---- dataset ----
  dataset_ = new DatasetView;
  dataset_->setMinimumHeight(170);
  datasetSummary_ = new QLabel(tr("No images yet."));
  datasetSummary_->setWordWrap(true);
  auto* choose = new QPushButton(tr("Choose folder…"));
  connect(choose, &QPushButton::clicked, this, &TrainingWorkspace::chooseFolder);
  auto* chooseFiles = new QPushButton(tr("Choose files…"));
  chooseFiles->setToolTip(tr("Pick some of the images in a folder"));
  connect(chooseFiles, &QPushButton::clicked, this, &TrainingWorkspace::chooseFiles);
  connect(dataset_, &DatasetView::pathsDropped, this, &TrainingWorkspace::setDataPaths);
  auto* dataBox = new QGroupBox(tr("Training images"));
  auto* dl = new QVBoxLayout(dataBox);
  dl->addWidget(dataset_, 1);
  auto* dataRow = new QHBoxLayout;
  dataRow->addWidget(datasetSummary_, 1);
  dataRow->addWidget(choose);
  dataRow->addWidget(chooseFiles);
  dl->addLayout(dataRow);

  // ---- concept ----
  name_ = new QLineEdit;
  name_->setPlaceholderText(tr("e.g. my_cat"));
  nameStatus_ = problemLabel();
  initToken_ = new QLineEdit;
  initToken_->setPlaceholderText(tr("one word that roughly describes it, e.g. cat"));
  initStatus_ = problemLabel();
  property_ = new QComboBox;
  property_->addItem(tr("Object (a thing: “a photo of …”)"), QStringLiteral("object"));
  property_->addItem(tr("Style (a look: “a painting in the style of …”)"), QStringLiteral("style"));
  method_ = new QComboBox;
  method_->addItem(tr("Textual inversion"), QStringLiteral("ti"));
  method_->addItem(tr("DreamBooth (fine-tunes the model)"), QStringLiteral("dreambooth"));
  method_->setToolTip(tr("Textual inversion adds a concept to the library and leaves the model as it is. "
                         "DreamBooth also fine-tunes the UNet and writes a new model folder, which the model "
                         "list then offers."));
  auto* conceptBox = new QGroupBox(tr("Concept"));
  auto* cf = new QFormLayout(conceptBox);
  cf->addRow(tr("Method"), method_);
  cf->addRow(tr("Name"), name_);
  cf->addRow(QString(), nameStatus_);
  cf->addRow(tr("Initializer word"), initToken_);
  cf->addRow(QString(), initStatus_);
  cf->addRow(tr("Learn"), property_);
  connect(name_, &QLineEdit::textChanged, this, &TrainingWorkspace::validate);
  connect(initToken_, &QLineEdit::textChanged, this, &TrainingWorkspace::validate);

  // ---- DreamBooth ----
  classPrompt_ = new QLineEdit;
  classPrompt_->setPlaceholderText(tr("what the concept is an instance of, e.g. a photo of a cat"));
  classStatus_ = problemLabel();
  classImages_ = spin(0, 1000, 0, 10);
  classImages_->setSpecialValueText(tr("none"));
  classImages_->setToolTip(tr("Pictures of the class that the base model draws first, into the run folder; "
                              "training on them too keeps the model's idea of the class (none: no prior "
                              "preservation)"));
  unetLr_ = new QDoubleSpinBox;
  unetLr_->setDecimals(7);
  unetLr_->setRange(1e-7, 1e-2);
  unetLr_->setSingleStep(1e-6);
  unetLr_->setValue(5e-6);
  trainTextEncoder_ = new QCheckBox(tr("Fine-tune the text encoder too"));
  needs_ = new QLabel;
  needs_->setWordWrap(true);
  needs_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // wraps; never widens the form
  classView_ = new QListWidget;
  classView_->setViewMode(QListView::IconMode);
  classView_->setIconSize(QSize(48, 48));
  classView_->setMaximumHeight(76);
  classView_->setToolTip(tr("The class images of the run, drawn by the base model before training"));
  classView_->hide();
  dreamBoothBox_ = new QGroupBox(tr("DreamBooth"));
  auto* df = new QFormLayout(dreamBoothBox_);
  df->addRow(tr("Class prompt"), classPrompt_);
  df->addRow(QString(), classStatus_);
  df->addRow(tr("Class images"), classImages_);
  df->addRow(tr("UNet learning rate"), unetLr_);
  df->addRow(trainTextEncoder_);  // spans both columns: the form stays narrow
  df->addRow(needs_);
  df->addRow(classView_);
  dreamBoothBox_->setVisible(false);
  connect(classPrompt_, &QLineEdit::textChanged, this, &TrainingWorkspace::validate);
  connect(classImages_, qOverload<int>(&QSpinBox::valueChanged), this, &TrainingWorkspace::validate);
  connect(trainTextEncoder_, &QCheckBox::toggled, this, &TrainingWorkspace::updateNeeds);
  connect(method_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
    const bool db = dreamBooth();
    dreamBoothBox_->setVisible(db);
    property_->setEnabled(!db);
    // DreamBooth trains the model's own weights, which must be float32.
    if (db) precision_->setCurrentIndex(precision_->findData(QStringLiteral("fp32")));
    precision_->setEnabled(!db);
    lr_->setToolTip(db ? tr("The concept embeddings' rate (the UNet has its own below)") : QString());
    validate();
  });

  // ---- settings ----
  steps_ = spin(1, 200000, 2000, 100);
  lr_ = new QDoubleSpinBox;
  lr_->setDecimals(5);
  lr_->setRange(1e-5, 1.0);
  lr_->setSingleStep(5e-4);
  lr_->setValue(5e-3);
  scales_ = spin(1, 50, 10);
  scales_->setToolTip(tr("How many pseudo-words (one per band of diffusion time) the concept gets"));
  batch_ = spin(1, 16, 1);
  accum_ = spin(1, 64, 1);
  previewEvery_ = spin(0, 100000, 100, 50);
  previewEvery_->setSpecialValueText(tr("never"));
  seed_ = spin(0, 2147483647, 0);
  precision_ = new QComboBox;
  precision_->addItem(tr("float32"), QStringLiteral("fp32"));
  precision_->addItem(tr("bfloat16"), QStringLiteral("bf16"));
  precision_->addItem(tr("float16 (CUDA)"), QStringLiteral("fp16"));
  precision_->setToolTip(tr("The model is reloaded in this precision when it differs; the concept itself "
                            "always learns in float32"));
  auto* settingsBox = new QGroupBox(tr("Training"));
  auto* sf = new QFormLayout(settingsBox);
  sf->addRow(tr("Steps"), steps_);
  sf->addRow(tr("Learning rate"), lr_);
  sf->addRow(tr("Scales"), scales_);
  sf->addRow(tr("Batch size"), batch_);
  sf->addRow(tr("Gradient accumulation"), accum_);
  sf->addRow(tr("Preview every"), previewEvery_);
  sf->addRow(tr("Seed"), seed_);
  sf->addRow(tr("Precision"), precision_);

  advanced_ = new QGroupBox(tr("Advanced"));
  advanced_->setCheckable(true);
  advanced_->setChecked(false);
  auto* advancedBody = new QWidget;
  resolution_ = spin(64, 1024, 512, 64);
  schedule_ = new QComboBox;
  schedule_->setEditable(true);
  schedule_->addItems({QStringLiteral("constant"), QStringLiteral("constant_with_warmup"), QStringLiteral("cosine"),
                       QStringLiteral("5e-3:200, 1e-3:1000, 5e-4")});
  schedule_->setToolTip(tr("constant, constant_with_warmup, cosine, or a piecewise list “rate:until_step, …, rate”"));
  warmup_ = spin(0, 100000, 0, 50);
  scaleLr_ = new QCheckBox(tr("× batch × accumulation"));
  scaleLr_->setToolTip(tr("Multiply the learning rate by batch size × gradient accumulation"));
  checkpointEvery_ = spin(0, 100000, 250, 50);
  checkpointEvery_->setSpecialValueText(tr("only at the end"));
  previewPrompt_ = new QLineEdit(QStringLiteral("a photo of {}"));
  previewPrompt_->setToolTip(tr("{} stands for the concept at each previewed scale"));
  checkpointing_ = new QCheckBox(tr("Gradient checkpointing"));
  checkpointing_->setToolTip(tr("Recompute activations in the backward pass: less memory, slower steps"));
  processes_ = spin(1, 64, 1, 1);
  processes_->setToolTip(tr("Data-parallel processes on this computer: each takes its share of every batch and "
                            "of the cores. A run on several processes cannot pause."));
  // Long entries elide in a narrow window instead of widening the form.
  for (QComboBox* c : {property_, schedule_, method_}) {
    c->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    c->setMinimumContentsLength(14);
  }
  auto* af = new QFormLayout(advancedBody);
  af->addRow(tr("Resolution"), resolution_);
  af->addRow(tr("LR schedule"), schedule_);
  af->addRow(tr("Warm-up steps"), warmup_);
  af->addRow(tr("Scale LR"), scaleLr_);
  af->addRow(tr("Checkpoint every"), checkpointEvery_);
  af->addRow(tr("Preview prompt"), previewPrompt_);
  af->addRow(QString(), checkpointing_);
  af->addRow(tr("Processes"), processes_);
  auto* al = new QVBoxLayout(advanced_);
  al->addWidget(advancedBody);
  advancedBody->setVisible(false);
  connect(advanced_, &QGroupBox::toggled, advancedBody, &QWidget::setVisible);

  // ---- controls ----
  start_ = new QPushButton(tr("Start training"));
  pause_ = new QPushButton(tr("Pause"));
  pause_->setCheckable(true);
  pause_->setToolTip(tr("While paused, the Generate tab can use the concept as it is now"));
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setToolTip(tr("Stops the run after saving a checkpoint; resume it later from the runs list"));
  connect(start_, &QPushButton::clicked, this, &TrainingWorkspace::start);
  connect(pause_, &QPushButton::clicked, this, &TrainingWorkspace::togglePause);
  connect(cancel_, &QPushButton::clicked, this, &TrainingWorkspace::cancelRun);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(start_, 1);
  buttons->addWidget(pause_);
  buttons->addWidget(cancel_);

  runs_ = new QListWidget;
  runs_->setMaximumHeight(130);
  resume_ = new QPushButton(tr("Resume"));
  resume_->setToolTip(tr("Continue the selected run from its last checkpoint (a finished run is extended to "
                         "the step count above)"));
  connect(resume_, &QPushButton::clicked, this, &TrainingWorkspace::resumeSelected);
  connect(runs_, &QListWidget::itemDoubleClicked, this, &TrainingWorkspace::resumeSelected);
  connect(runs_, &QListWidget::currentRowChanged, this, &TrainingWorkspace::updateButtons);
  auto* runsBox = new QGroupBox(tr("Runs"));
  auto* rl = new QVBoxLayout(runsBox);
  rl->addWidget(runs_);
  rl->addWidget(resume_, 0, Qt::AlignRight);

  auto* left = new QWidget;
  auto* ll = new QVBoxLayout(left);
  ll->addWidget(dataBox, 1);
  ll->addWidget(conceptBox);
  ll->addWidget(dreamBoothBox_);
  ll->addWidget(settingsBox);
  ll->addWidget(advanced_);
  ll->addLayout(buttons);
  ll->addWidget(runsBox);
  auto* scroll = new FormScrollArea(left);
  guardWheel(left);

  // ---- progress, plot, previews ----
  stepLabel_ = new QLabel(tr("No run"));
  stepLabel_->setStyleSheet(QStringLiteral("font-weight: bold"));
  speedLabel_ = new QLabel;
  // The labels may shrink with the window rather than push the plot out of view.
  for (QLabel* l : {stepLabel_, speedLabel_}) l->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  status_ = new QLabel;
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  plot_ = new LossPlot;
  // Tool buttons: compact, so the figures beside them keep their width in a narrow window.
  auto* fit = new QToolButton;
  fit->setText(tr("Fit"));
  fit->setToolTip(tr("Show the whole run (or double-click the plot)"));
  connect(fit, &QPushButton::clicked, plot_, &LossPlot::fitAll);
  auto* exportBtn = new QToolButton;
  exportBtn->setText(tr("Export…"));
  exportBtn->setToolTip(tr("Save the plot as a PNG image"));
  connect(exportBtn, &QPushButton::clicked, this, &TrainingWorkspace::exportPlot);
  // Step and loss above rate and time left, so neither is cut short beside the buttons.
  auto* figures = new QVBoxLayout;
  figures->setSpacing(0);
  figures->addWidget(stepLabel_);
  figures->addWidget(speedLabel_);
  auto* head = new QHBoxLayout;
  head->addLayout(figures, 1);
  head->addWidget(fit);
  head->addWidget(exportBtn);
  auto* plotBox = new QWidget;
  auto* pl = new QVBoxLayout(plotBox);
  pl->setContentsMargins(0, 0, 0, 0);
  pl->addLayout(head);
  pl->addWidget(status_);
  pl->addWidget(plot_, 1);
  previews_ = new PreviewMatrix;
  auto* previewBox = new QGroupBox(tr("Previews"));
  previewBox->setToolTip(tr("One column per scale, one row per preview step, newest on top"));
  connect(previews_, &PreviewMatrix::previewActivated, this, [this](qint64 step, int scale, const QImage& image) {
    auto* view = new ImageViewer(image, tr("Preview at step %1, scale %2").arg(step).arg(scale), QString(), this);
    view->show();
  });
  auto* pvl = new QVBoxLayout(previewBox);
  pvl->addWidget(previews_);
  auto* rightSplit = new QSplitter(Qt::Vertical);
  rightSplit->addWidget(plotBox);
  rightSplit->addWidget(previewBox);
  rightSplit->setStretchFactor(0, 3);
  rightSplit->setStretchFactor(1, 2);
  rightSplit->setMinimumWidth(300);  // the plot stays readable beside a wide form

  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(scroll);
  split->addWidget(rightSplit);
  split->setStretchFactor(0, 0);
  split->setStretchFactor(1, 1);
  split->setChildrenCollapsible(false);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(split);

  // ---- engine ----
  connect(engine_, &EngineController::datasetScanned, this,
          [this](const QString& folder, const QVector<DatasetEntry>& files, int used, const QString& error,
                 const QString& summary) {
            dataDir_ = folder;
            datasetUsed_ = used;
            dataset_->setEntries(files);
            if (!error.isEmpty()) datasetSummary_->setText(error);
            else datasetSummary_->setText(tr("%n image(s) used", nullptr, used) +
                                          (files.size() > used ? tr(", %n skipped (hover for why)", nullptr,
                                                                    int(files.size()) - used)
                                                               : QString()));
            datasetSummary_->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("color: #b00020"));
            datasetSummary_->setToolTip(summary);
            updateButtons();
          });
  connect(engine_, &EngineController::trainingActiveChanged, this, &TrainingWorkspace::updateButtons);
  connect(engine_, &EngineController::busyChanged, this, &TrainingWorkspace::updateButtons);
  connect(engine_, &EngineController::modelLoaded, this, [this](int job, const ModelDescription&) {
    validate();
    if (job != reloadJob_ || !pendingStart_) return;
    pendingStart_ = false;
    reloadJob_ = -1;
    const auto launch = std::move(pendingLaunch_);
    pendingLaunch_ = nullptr;
    if (launch) launch();
  });
  connect(engine_, &EngineController::modelLoadFailed, this, [this](int job, const QString&, const QString& why) {
    if (job != reloadJob_) return;
    pendingStart_ = false;
    setStatus(tr("Could not reload the model for training: %1").arg(why), true);
    updateButtons();
  });
  connect(engine_, &EngineController::trainingStarted, this,
          [this](const QString& runDir, qint64 step, qint64 total, int numScales) {
            runDir_ = runDir;
            plot_->reset(numScales);
            previews_->reset(numScales);
            stepLabel_->setText(tr("Step %1 / %2").arg(step).arg(total));
            speedLabel_->clear();
            setStatus(step > 0 ? tr("Resumed %1 at step %2.").arg(QFileInfo(runDir).fileName()).arg(step)
                               : tr("Training in %1.").arg(runDir));
            heldSteps_.clear();
            historyPending_ = step > 0;
            if (step > 0) loadHistory(runDir);
            showClassImages(runDir);
            refreshRuns();
          });
  connect(engine_, &EngineController::trainingStep, this, [this](const TrainingStepInfo& i) {
    if (historyPending_) heldSteps_.push_back(i);
    else plot_->addStep(i);
    stepLabel_->setText(tr("Step %1 / %2 · loss %3").arg(i.step).arg(i.total).arg(i.loss, 0, 'f', 4));
    speedLabel_->setText(tr("%1 images/s · %2 left").arg(i.imagesPerSecond, 0, 'f', 2).arg(duration(i.secondsLeft)));
  });
  connect(engine_, &EngineController::trainingPreview, previews_, &PreviewMatrix::addPreview);
  connect(engine_, &EngineController::trainingPaused, this, [this](bool paused) {
    if (paused)
      setStatus(tr("Paused. The Generate tab can now use <%1(k)> as it is at this step; Continue goes on "
                   "exactly where it stopped.").arg(engine_->trainingConcept()));
    else
      setStatus(tr("Training continues."));
    updateButtons();
  });
  connect(engine_, &EngineController::trainingMessage, this, [this](const QString& m) {
    status_->setToolTip(m);
  });
  connect(engine_, &EngineController::trainingFinished, this,
          [this](const QString& runDir, const QString& name, qint64 step, const QString& libraryPath,
                 const QString& modelDir) {
            if (!modelDir.isEmpty())
              setStatus(tr("Finished at step %1: the fine-tuned model is %2, <%3> works in its prompts.")
                            .arg(step)
                            .arg(modelDir, name));
            else
              setStatus(libraryPath.isEmpty() ? tr("Finished %1 at step %2.").arg(name).arg(step)
                                              : tr("Finished at step %1: <%2> is in the concept library.")
                                                    .arg(step)
                                                    .arg(name));
            plot_->fitAll();
            refreshRuns();
            Q_UNUSED(runDir);
            Q_EMIT conceptTrained(name);
            if (!modelDir.isEmpty()) Q_EMIT modelTrained(modelDir);
            validate();
          });
  connect(engine_, &EngineController::trainingCancelled, this, [this](const QString& runDir, qint64 step) {
    setStatus(tr("Cancelled at step %1; the checkpoint is saved, resume it from the runs list.").arg(step));
    refreshRuns();
    for (int i = 0; i < runs_->count(); ++i)
      if (runs_->item(i)->data(Qt::UserRole).toString() == runDir) runs_->setCurrentRow(i);
  });
  connect(engine_, &EngineController::trainingFailed, this, [this](const QString& why) {
    setStatus(tr("Training stopped: %1").arg(why), true);
    Q_EMIT message(tr("Training stopped: %1").arg(why), true);
    refreshRuns();
  });

  validate();
}

void TrainingWorkspace::setLibraryDirectory(const QString& dir) {
  libraryDir_ = dir;
  validate();
}

void TrainingWorkspace::setRunsDirectory(const QString& dir) {
  runsDir_ = dir;
  QDir().mkpath(dir);
  refreshRuns();
}

void TrainingWorkspace::setDataPaths(const QStringList& paths) {
  if (paths.isEmpty()) return;
  dataset_->setScanning(paths.size() == 1 ? paths.front() : tr("%n file(s)", nullptr, int(paths.size())));
  datasetUsed_ = 0;
  dataDir_.clear();
  const QString staging =
      runsDir_ + QStringLiteral("/datasets/") + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss-zzz"));
  engine_->scanDataset(paths, staging);
  updateButtons();
}

void TrainingWorkspace::chooseFolder() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a folder of training images"));
  if (!dir.isEmpty()) setDataPaths({dir});
}

void TrainingWorkspace::chooseFiles() {
  const QStringList files = QFileDialog::getOpenFileNames(
      this, tr("Choose training images"), QString(), tr("Images (*.png *.jpg *.jpeg *.bmp *.webp)"));
  if (!files.isEmpty()) setDataPaths(files);
}

void TrainingWorkspace::validate() {
  const QString name = name_->text().trimmed();
  nameProblem_.clear();
  if (name.isEmpty()) nameProblem_ = tr("Give the concept a name; prompts refer to it as <name(k)>.");
  else if (const auto p = studio::concept_name_problem(ss(name)); !p.empty()) nameProblem_ = qs(p);
  else if (!libraryDir_.isEmpty() && QFileInfo::exists(libraryDir_ + QLatin1Char('/') + name + QStringLiteral(".safetensors")))
    nameProblem_ = tr("The library already has a concept named %1.").arg(name);
  nameStatus_->setText(nameProblem_);
  nameStatus_->setVisible(!nameProblem_.isEmpty() && !name.isEmpty());

  const QString word = initToken_->text().trimmed();
  initProblem_.clear();
  if (word.isEmpty()) {
    initProblem_ = tr("Choose an initializer word.");
  } else {
    try {
      initProblem_ = qs(studio::init_token_problem(ss(word), ss(engine_->model().tokenizerDir)));
    } catch (const std::exception& e) {
      initProblem_ = errorText(e);
    }
  }
  initStatus_->setText(initProblem_);
  initStatus_->setVisible(!initProblem_.isEmpty() && !word.isEmpty());

  classProblem_.clear();
  if (dreamBooth() && classImages_->value() > 0 && classPrompt_->text().trimmed().isEmpty())
    classProblem_ = tr("Class images need a class prompt (e.g. a photo of a cat), or set their number to none.");
  else if (dreamBooth() && !classPrompt_->text().trimmed().isEmpty() && classImages_->value() == 0)
    classProblem_ = tr("A class prompt is used only with class images: choose how many.");
  classStatus_->setText(classProblem_);
  classStatus_->setVisible(!classProblem_.isEmpty());
  updateNeeds();
  updateButtons();
}

void TrainingWorkspace::updateButtons() {
  const bool active = engine_->isTraining();
  const bool ready = !active && !pendingStart_ && nameProblem_.isEmpty() && initProblem_.isEmpty() &&
                     datasetUsed_ > 0 && engine_->hasModel();
  start_->setEnabled(ready);
  QString why;
  if (!engine_->hasModel()) why = tr("Load a base model first.");
  else if (datasetUsed_ == 0) why = tr("Drop a folder of images first.");
  else if (!nameProblem_.isEmpty()) why = nameProblem_;
  else if (!initProblem_.isEmpty()) why = initProblem_;
  else if (!classProblem_.isEmpty()) why = classProblem_;
  start_->setEnabled(ready && classProblem_.isEmpty());
  start_->setToolTip(why);
  pause_->setEnabled(active && engine_->runningProcesses() == 1);
  pause_->setChecked(active && engine_->isTrainingPaused());
  pause_->setText(pause_->isChecked() ? tr("Continue") : tr("Pause"));
  cancel_->setEnabled(active);
  resume_->setEnabled(!active && !pendingStart_ && runs_->currentItem() && engine_->hasModel());
}

void TrainingWorkspace::setStatus(const QString& text, bool error) {
  status_->setText(text);
  status_->setStyleSheet(error ? QStringLiteral("color: #b00020") : QString());
}

QString TrainingWorkspace::statusText() const { return status_->text(); }

QString TrainingWorkspace::modelPrecision() const {
  const QString d = engine_->model().dtype;
  if (d.contains(QLatin1String("bf16")) || d.contains(QLatin1String("bfloat"))) return QStringLiteral("bf16");
  if (d.contains(QLatin1String("16")) || d.contains(QLatin1String("half"))) return QStringLiteral("fp16");
  return QStringLiteral("fp32");
}

template <class RunSettings>
void TrainingWorkspace::fillShared(RunSettings& j) const {
  auto& t = j.training;
  j.data_dir = ss(dataDir_);
  j.library_dir = ss(libraryDir_);
  t.name = ss(name_->text().trimmed());
  t.init_token = ss(initToken_->text().trimmed());
  t.steps = steps_->value();
  t.num_scales = scales_->value();
  t.batch_size = batch_->value();
  t.grad_accum = accum_->value();
  j.preview_every = previewEvery_->value();
  t.seed = seed_->value();
  t.resolution = resolution_->value();
  t.lr_schedule = ss(schedule_->currentText().trimmed());
  t.warmup_steps = warmup_->value();
  t.scale_lr = scaleLr_->isChecked();
  j.checkpoint_every = checkpointEvery_->value();
  j.preview_prompt = ss(previewPrompt_->text());
  t.gradient_checkpointing = checkpointing_->isChecked();
  j.out_dir = ss(runsDir_ + QLatin1Char('/') + name_->text().trimmed() + QLatin1Char('-') +
                 QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss")));
}

studio::TrainRequest TrainingWorkspace::job() const {
  studio::TrainRequest j;
  fillShared(j);
  j.training.property = ss(property_->currentData().toString());
  j.training.lr = lr_->value();
  j.training.precision = ss(precision_->currentData().toString());
  return j;
}

bool TrainingWorkspace::dreamBooth() const { return method_->currentData().toString() == QLatin1String("dreambooth"); }

studio::DreamBoothRequest TrainingWorkspace::dreamBoothJob() const {
  studio::DreamBoothRequest j;
  fillShared(j);
  auto& t = j.training;
  t.embedding_lr = lr_->value();
  t.lr = unetLr_->value();
  t.class_prompt = ss(classPrompt_->text().trimmed());
  t.num_class_images = classImages_->value();
  t.train_text_encoder = trainTextEncoder_->isChecked();
  return j;
}

void TrainingWorkspace::start() {
  validate();
  if (!start_->isEnabled()) {
    setStatus(start_->toolTip(), true);
    return;
  }
  std::function<void()> launch;
  QString precision;
  if (dreamBooth()) {
    const studio::DreamBoothRequest j = dreamBoothJob();
    launch = [this, j] { engine_->startDreamBooth(j); };
    precision = QStringLiteral("fp32");
  } else {
    const studio::TrainRequest j = job();
    launch = [this, j] { engine_->startTraining(j); };
    precision = qs(j.training.precision);
  }
  engine_->setTrainingProcesses(processes_->value());
  if (precision != modelPrecision() || engine_->model().int8Layers > 0) {
    // The model runs in the training precision, without int8 weights: reload it that way first.
    pendingStart_ = true;
    pendingLaunch_ = launch;
    setStatus(tr("Reloading the model in %1 for training…").arg(precision_->currentText()));
    reloadJob_ = engine_->loadModel(engine_->model().source, engine_->model().device, precision,
                                    engine_->model().configDir);
    updateButtons();
    return;
  }
  launch();
}

void TrainingWorkspace::togglePause() {
  if (!engine_->isTraining()) return;
  const bool pause = pause_->isChecked();
  engine_->setTrainingPaused(pause);
  pause_->setText(pause ? tr("Continue") : tr("Pause"));
  if (pause) setStatus(tr("Pausing after the current step…"));
}

void TrainingWorkspace::cancelRun() {
  if (!engine_->isTraining()) return;
  setStatus(tr("Cancelling: saving a checkpoint…"));
  engine_->cancelTraining();
}

void TrainingWorkspace::resumeSelected() {
  const QListWidgetItem* it = runs_->currentItem();
  if (!it || engine_->isTraining()) return;
  const QString dir = it->data(Qt::UserRole).toString();
  const auto run = studio::read_run(ss(dir));
  // A finished run is extended to the step count in the settings when that is larger.
  const qint64 total = run.finished && steps_->value() > run.total ? steps_->value() : 0;
  if (run.finished && total == 0) {
    setStatus(tr("%1 has finished all %2 steps; raise Steps above that to extend it.")
                  .arg(qs(run.name))
                  .arg(run.total),
              true);
    return;
  }
  engine_->setTrainingProcesses(processes_->value());
  engine_->resumeTraining(dir, total);
}

void TrainingWorkspace::exportPlot() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the loss plot"),
                                                    runDir_.isEmpty() ? QDir::homePath() : runDir_ + QStringLiteral("/loss.png"),
                                                    tr("PNG images (*.png)"));
  if (path.isEmpty()) return;
  if (plot_->exportPng(path)) setStatus(tr("Saved the plot as %1.").arg(path));
  else setStatus(tr("Could not write %1.").arg(path), true);
}

void TrainingWorkspace::refreshRuns() {
  const QString current = runs_->currentItem() ? runs_->currentItem()->data(Qt::UserRole).toString() : QString();
  runs_->clear();
  for (const auto& r : studio::list_runs(ss(runsDir_))) {
    QString text;
    if (!r.error.empty()) text = tr("%1 — unreadable: %2").arg(QFileInfo(qs(r.dir)).fileName(), qs(r.error));
    else if (r.finished) text = tr("%1 — finished, %2 steps").arg(qs(r.name)).arg(r.total);
    else text = tr("%1 — step %2 of %3").arg(qs(r.name)).arg(r.step).arg(r.total);
    if (r.error.empty() && r.dreambooth) text += tr(" (DreamBooth)");
    auto* item = new QListWidgetItem(text, runs_);
    item->setData(Qt::UserRole, qs(r.dir));
    item->setToolTip(tr("%1\nmodel: %2\nimages: %3").arg(qs(r.dir), qs(r.model_path), qs(r.data_dir)));
    if (!r.error.empty()) item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
    if (qs(r.dir) == current) runs_->setCurrentItem(item);
  }
  updateButtons();
}

void TrainingWorkspace::updateNeeds() {
  if (!engine_->hasModel() || engine_->model().unetParameters <= 0) {
    needs_->clear();
    return;
  }
  const auto n = studio::dreambooth_needs(engine_->model().unetParameters, engine_->model().textEncoderParameters,
                                          dreamBoothJob().training);
  const auto gb = [](qint64 bytes) { return QString::number(double(bytes) / 1e9, 'f', bytes < 1e8 ? 3 : 1); };
  needs_->setText(tr("Needs about %1 GB of free disk (checked at the start) and %2 GB of memory, plus the "
                     "activations.").arg(gb(n.disk_bytes), gb(n.memory_bytes)));
}

void TrainingWorkspace::showClassImages(const QString& runDir) {
  // A DreamBooth run's class images, read off the GUI thread.
  classView_->clear();
  const QString dir = runDir + QStringLiteral("/class-images");
  classView_->setVisible(QFileInfo(dir).isDir());
  if (!QFileInfo(dir).isDir()) return;
  QPointer<TrainingWorkspace> self(this);
  QThread* t = QThread::create([self, dir] {
    QVector<QImage> images;
    QStringList names;
    for (const QString& f : QDir(dir).entryList({QStringLiteral("*.png")}, QDir::Files, QDir::Name)) {
      QImage img(dir + QLatin1Char('/') + f);
      if (img.isNull()) continue;
      images.push_back(img.scaled(48, 48, Qt::KeepAspectRatio, Qt::SmoothTransformation));
      names.push_back(f);
    }
    if (!self) return;
    QMetaObject::invokeMethod(self, [self, images, names] {
      if (!self) return;
      for (int i = 0; i < images.size(); ++i)
        (new QListWidgetItem(QIcon(QPixmap::fromImage(images[i])), QString(), self->classView_))->setToolTip(names[i]);
    }, Qt::QueuedConnection);
  });
  connect(t, &QThread::finished, t, &QObject::deleteLater);
  t->start();
}

void TrainingWorkspace::loadHistory(const QString& runDir) {
  // The log and previews of the steps before the resume, read off the GUI thread.
  QPointer<TrainingWorkspace> self(this);
  QThread* t = QThread::create([self, runDir] {
    auto log = studio::read_loss_log(ss(runDir));
    auto previews = studio::read_previews(ss(runDir));
    QVector<QImage> images;
    for (const auto& p : previews) images.push_back(toQImage(p.image));
    if (!self) return;
    QMetaObject::invokeMethod(self, [self, runDir, log = std::move(log), previews = std::move(previews), images] {
      if (!self || self->runDir_ != runDir) return;
      for (const auto& p : log) self->plot_->addLogged(p.step, static_cast<int>(p.scale), p.loss, p.lr);
      for (int i = 0; i < images.size(); ++i)
        self->previews_->addPreview(previews[i].step, static_cast<int>(previews[i].scale), images[i]);
      // Steps that arrived meanwhile come after the history.
      self->historyPending_ = false;
      for (const auto& i : self->heldSteps_) self->plot_->addStep(i);
      self->heldSteps_.clear();
    }, Qt::QueuedConnection);
  });
  connect(t, &QThread::finished, t, &QObject::deleteLater);
  t->start();
}

}  // namespace mrti::ui
