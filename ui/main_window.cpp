#include "main_window.h"

#include <algorithm>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "concept_browser.h"
#include "detail_level_panel.h"
#include "icons.h"
#include "image_grid.h"
#include "model_list.h"
#include "parameters_panel.h"
#include "prompt_editor.h"
#include "qt_convert.h"
#include "shipped_content.h"
#include "training_workspace.h"
#include "translations.h"

namespace mrti::ui {

namespace {

constexpr int kMaxRecent = 8;
constexpr int kMaxHistory = 200;  // images listed in the History dock

bool looksLikeModel(const QString& path) {
  const QFileInfo fi(path);
  if (fi.isDir()) return true;
  const QString s = fi.suffix().toLower();
  return s == QLatin1String("safetensors") || s == QLatin1String("ckpt") || s == QLatin1String("pt");
}

QString defaultConceptDir() {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/concepts");
}
QString defaultRunsDir() {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/runs");
}
QString defaultOutputDir() {
  QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
  if (pictures.isEmpty()) pictures = QDir::homePath();
  return pictures + QStringLiteral("/mrti-studio");
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), engine_(new EngineController(this)) {
  setWindowTitle(tr("MRTI Studio"));
  setWindowIcon(appIcon());
  setAcceptDrops(true);
  QSettings settings;
  device_ = settings.value(QStringLiteral("model/device"), device_).toString();
  dtype_ = settings.value(QStringLiteral("model/dtype"), dtype_).toString();
  int8_ = settings.value(QStringLiteral("model/int8"), int8_).toBool();

  // ---- message line + welcome page / workspace ----
  message_ = new QLabel;
  message_->setWordWrap(true);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  messageClose_ = new QToolButton;
  messageClose_->setText(QStringLiteral("×"));
  messageClose_->setToolTip(tr("Hide this message"));
  auto* messageBar = new QWidget;
  messageBar->setObjectName(QStringLiteral("messageBar"));
  auto* mb = new QHBoxLayout(messageBar);
  mb->setContentsMargins(6, 4, 6, 4);
  configFolder_ = new QToolButton;
  configFolder_->setText(tr("Choose config folder…"));
  configFolder_->setToolTip(tr("A diffusers folder of the same model: its configs say what the file's weights "
                               "cannot (head counts, sizes) and its tokenizer reads the prompts"));
  configFolder_->hide();
  connect(configFolder_, &QToolButton::clicked, this, &MainWindow::chooseConfigFolder);
  mb->addWidget(message_, 1);
  mb->addWidget(configFolder_);
  mb->addWidget(messageClose_);
  messageBar->hide();
  connect(messageClose_, &QToolButton::clicked, messageBar, &QWidget::hide);

  auto* welcome = new QWidget;
  auto* wl = new QVBoxLayout(welcome);
  auto* text = new QLabel(
      tr("<h2>No base model yet</h2>"
         "<p>MRTI Studio draws pictures with a <b>Stable Diffusion base model</b>: the text encoder, "
         "the denoising UNet and the image decoder (VAE) that turn a prompt into an image. Concepts in "
         "your library were trained on top of such a model and only work with one of the same kind "
         "(the same token width).</p>"
         "<p>Nothing is downloaded. Point the app at a model you already have:</p>"
         "<ul><li>a <b>diffusers folder</b>, the one holding <tt>model_index.json</tt>, "
         "<tt>text_encoder/</tt>, <tt>unet/</tt>, <tt>vae/</tt> …</li>"
         "<li>or a <b>single checkpoint file</b> (<tt>.safetensors</tt>) of Stable Diffusion 1.x or 2.x.</li></ul>"
         "<p>Use <i>File → Open model folder…</i>, or drag the folder or file onto this window.</p>"));
  text->setWordWrap(true);
  text->setTextFormat(Qt::RichText);
  auto* then = new QLabel(
      tr("<p>With a model loaded:</p>"
         "<ul><li><b>Generate</b> from prompts that use a concept at any level of detail, such as "
         "<tt>a painting of &lt;jane(3)&gt; in a forest</tt>: the <i>detail level</i> slider goes from the "
         "exact object to only its outline and colours.</li>"
         "<li><b>Train</b> a new concept: drop a folder of 3–20 pictures on the <i>Train</i> tab, and the app "
         "learns it as one pseudo-word per band of diffusion time, with a live loss curve and previews.</li></ul>"));
  then->setWordWrap(true);
  then->setTextFormat(Qt::RichText);
  auto* openFolder = new QPushButton(studioIcon(QStringLiteral("open")), tr("Open model folder…"));
  auto* openFile = new QPushButton(tr("Open checkpoint file…"));
  connect(openFolder, &QPushButton::clicked, this, &MainWindow::openModelFolder);
  connect(openFile, &QPushButton::clicked, this, &MainWindow::openCheckpointFile);
  auto* wbuttons = new QHBoxLayout;
  wbuttons->addWidget(openFolder);
  wbuttons->addWidget(openFile);
  wbuttons->addStretch(1);
  wl->addStretch(1);
  wl->addWidget(text);
  wl->addLayout(wbuttons);
  wl->addWidget(then);
  wl->addStretch(2);
  welcome->setMaximumWidth(720);
  auto* welcomePage = new QWidget;
  auto* wp = new QHBoxLayout(welcomePage);
  wp->addStretch(1);
  wp->addWidget(welcome, 4);
  wp->addStretch(1);

  prompt_ = new PromptEditor;
  prompt_->setPlaceholderText(tr("Prompt — type < to insert a concept, e.g. a painting of <cat|3|>"));
  negative_ = new PromptEditor;
  negative_->setPlaceholderText(tr("Negative prompt"));
  negative_->setMaximumHeight(60);
  prompt_->setMaximumHeight(110);
  tokenCounter_ = new QLabel;
  connect(prompt_, &PromptEditor::tokenCountChanged, this, [this](int n, int limit) {
    tokenCounter_->setText(QStringLiteral("%1 / %2").arg(n).arg(limit));
    tokenCounter_->setStyleSheet(n > limit ? QStringLiteral("color: #b00020; font-weight: bold") : QString());
  });
  tokenCounter_->setText(QStringLiteral("%1 / 75").arg(prompt_->tokenCount()));
  // Prompts in the shipped model's grammar; shown while that model is loaded.
  examples_ = new QToolButton;
  examples_->setObjectName(QStringLiteral("examplesButton"));
  examples_->setText(tr("Examples"));
  examples_->setToolTip(tr("Prompts the shipped model understands"));
  examples_->setPopupMode(QToolButton::InstantPopup);
  examples_->setAutoRaise(true);
  auto* examplesMenu = new QMenu(examples_);
  examples_->setMenu(examplesMenu);
  examples_->hide();
  connect(examplesMenu, &QMenu::aboutToShow, this, [this, examplesMenu] {
    examplesMenu->clear();
    for (const QString& p : examplePrompts(knownScales().count(ss(kDemoConcept)) > 0)) {
      examplesMenu->addAction(p, this, [this, p] {
        prompt_->selectAll();
        prompt_->insertPlainText(p);  // one undo step, unlike setPlainText
        prompt_->setFocus();
      });
    }
  });
  detail_ = new DetailLevelPanel(prompt_);
  params_ = new ParametersPanel;
  generateBtn_ = new QPushButton(studioIcon(QStringLiteral("generate")), tr("Generate"));
  generateBtn_->setToolTip(tr("Generate (Ctrl+Enter)"));
  connect(generateBtn_, &QPushButton::clicked, this, &MainWindow::generate);
  auto* cancelBtn = new QPushButton(studioIcon(QStringLiteral("cancel")), tr("Cancel"));
  connect(cancelBtn, &QPushButton::clicked, this, &MainWindow::cancel);

  auto* promptBox = new QVBoxLayout;
  auto* promptHead = new QHBoxLayout;
  promptHead->addWidget(new QLabel(tr("Prompt")));
  promptHead->addWidget(examples_);
  promptHead->addStretch(1);
  promptHead->addWidget(tokenCounter_);
  promptBox->addLayout(promptHead);
  promptBox->addWidget(prompt_);
  promptBox->addWidget(new QLabel(tr("Negative prompt")));
  promptBox->addWidget(negative_);
  promptBox->addWidget(detail_);
  auto* right = new QVBoxLayout;
  right->addWidget(params_);
  auto* gen = new QHBoxLayout;
  gen->addWidget(generateBtn_, 1);
  gen->addWidget(cancelBtn);
  right->addLayout(gen);
  right->addStretch(1);
  auto* top = new QWidget;
  auto* topLayout = new QHBoxLayout(top);
  topLayout->addLayout(promptBox, 3);
  topLayout->addLayout(right, 2);

  grid_ = new ImageGrid;
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(top);
  split->addWidget(grid_);
  split->setStretchFactor(0, 0);
  split->setStretchFactor(1, 1);
  split->setChildrenCollapsible(false);

  training_ = new TrainingWorkspace(engine_);
  tabs_ = new QTabWidget;
  tabs_->setDocumentMode(true);
  tabs_->addTab(split, tr("Generate"));
  tabs_->addTab(training_, tr("Train"));
  tabs_->setTabToolTip(1, tr("Learn a new concept from a few images"));

  stack_ = new QStackedWidget;
  stack_->addWidget(welcomePage);
  stack_->addWidget(tabs_);
  auto* central = new QWidget;
  auto* cl = new QVBoxLayout(central);
  cl->setContentsMargins(0, 0, 0, 0);
  cl->addWidget(messageBar);
  cl->addWidget(stack_, 1);
  setCentralWidget(central);

  // ---- docks ----
  browser_ = new ConceptBrowser(engine_);
  auto* conceptDock = new QDockWidget(tr("Concepts"), this);
  conceptDock->setObjectName(QStringLiteral("conceptDock"));
  conceptDock->setWidget(browser_);
  addDockWidget(Qt::LeftDockWidgetArea, conceptDock);
  history_ = new QListWidget;
  history_->setIconSize(QSize(48, 48));
  auto* historyDock = new QDockWidget(tr("History"), this);
  historyDock->setObjectName(QStringLiteral("historyDock"));
  historyDock->setWidget(history_);
  addDockWidget(Qt::RightDockWidgetArea, historyDock);
  models_ = new ModelList;
  auto* modelDock = new QDockWidget(tr("Models"), this);
  modelDock->setObjectName(QStringLiteral("modelDock"));
  modelDock->setWidget(models_);
  addDockWidget(Qt::LeftDockWidgetArea, modelDock);
  tabifyDockWidget(conceptDock, modelDock);
  conceptDock->raise();
  connect(models_, &ModelList::openRequested, this, [this](const QString& path) { loadModel(path); });
  connect(models_, &ModelList::cancelRequested, this, &MainWindow::cancel);
  connect(models_, &ModelList::removeRequested, this, [this](const QString& path) {
    QSettings s;
    QStringList recent = s.value(QStringLiteral("model/recent")).toStringList();
    recent.removeAll(path);
    s.setValue(QStringLiteral("model/recent"), recent);
    rebuildRecent();
  });
  resizeDocks({conceptDock, historyDock}, {260, 200}, Qt::Horizontal);
  connect(history_, &QListWidget::itemDoubleClicked, this,
          [this](QListWidgetItem* item) { applyParameters(item->data(Qt::UserRole).toString()); });

  // ---- status bar ----
  deviceLabel_ = new QLabel(tr("Device: —"));
  modelLabel_ = new QLabel(tr("No model"));
  torchLabel_ = new QLabel(tr("LibTorch %1").arg(qs(studio::libtorch_version())));
  progress_ = new QProgressBar;
  progress_->setMinimumWidth(260);
  progress_->setMaximumWidth(320);
  progress_->setRange(0, 100);
  progress_->setValue(0);
  progress_->setTextVisible(true);
  statusBar()->addWidget(modelLabel_, 1);
  statusBar()->addPermanentWidget(deviceLabel_);
  statusBar()->addPermanentWidget(torchLabel_);
  statusBar()->addPermanentWidget(progress_);

  buildMenus();

  // ---- wiring ----
  connect(browser_, &ConceptBrowser::conceptActivated, prompt_, &PromptEditor::insertConcept);
  connect(browser_, &ConceptBrowser::libraryChanged, this, &MainWindow::updateConcepts);
  connect(browser_, &ConceptBrowser::message, this, &MainWindow::showMessage);
  connect(grid_, &ImageGrid::message, this, &MainWindow::showMessage);
  connect(grid_, &ImageGrid::sendParameters, this, &MainWindow::applyParameters);
  connect(grid_, &ImageGrid::sweepRequested, this, &MainWindow::sweepFrom);
  connect(training_, &TrainingWorkspace::message, this, &MainWindow::showMessage);
  connect(training_, &TrainingWorkspace::conceptTrained, this, [this](const QString& name) {
    browser_->model()->refresh();
    updateConcepts();
    browser_->select(name);
    showMessage(tr("The concept <%1> is trained and in your library. Try it in the Generate tab, e.g. "
                   "“a painting of <%1(3)>”.").arg(name),
                false);
  });
  // A DreamBooth run's model is the one in use (the engine holds its weights already;
  // loading it describes it), and, loaded, joins the recent models and the model list.
  connect(training_, &TrainingWorkspace::modelTrained, this, [this](const QString& dir) { loadModel(dir); });
  // While a run is active its concept is known to the prompt editors, so a paused run can
  // be tried (pause and probe) with the usual highlighting and completion.
  connect(engine_, &EngineController::trainingActiveChanged, this, &MainWindow::updateConcepts);
  connect(engine_, &EngineController::trainingActiveChanged, this, &MainWindow::updateGenerateEnabled);
  connect(engine_, &EngineController::trainingPaused, this, &MainWindow::updateGenerateEnabled);
  connect(params_, &ParametersPanel::scheduleChanged, this, &MainWindow::updateSchedule);
  connect(params_, &ParametersPanel::interpolateChanged, detail_, &DetailLevelPanel::setInterpolate);
  connect(params_, &ParametersPanel::reuseSeedRequested, this, [this] {
    const qint64 seed = grid_->selectedSeed();
    if (seed >= 0) params_->setSeed(seed);
    else showMessage(tr("Select a finished image first to reuse its seed."), false);
  });
  // Same seed as the last result, so only the detail level differs between the images.
  connect(detail_, &DetailLevelPanel::regenerateRequested, this, [this] {
    if (lastSeed_ >= 0) params_->setSeed(lastSeed_);
    generate();
  });

  connect(engine_, &EngineController::modelLoadProgress, this, [this](int job, const QString& c, double f) {
    if (job != loadingJob_) return;
    models_->setLoading(loadingPath_, f);
    progress_->setFormat(QStringLiteral("%p%"));
    progress_->setValue(int(f * 100));
    modelLabel_->setText(tr("Loading %1…").arg(c));
  });
  connect(engine_, &EngineController::modelLoaded, this, [this](int job, const ModelDescription& m) {
    if (job == loadingJob_) loadingJob_ = -1;
    models_->setLoading(QString(), 0);
    models_->setLoaded(m.source);
    progress_->setValue(100);
    modelLabel_->setText(tr("Model: %1 (%2)").arg(m.name, m.kind));
    deviceLabel_->setText(m.int8Layers > 0 ? tr("Device: %1 · %2 · int8 weights").arg(m.device, m.dtype)
                                           : tr("Device: %1 · %2").arg(m.device, m.dtype));
    torchLabel_->setText(tr("LibTorch %1").arg(m.libtorchVersion));
    stack_->setCurrentIndex(1);
    browser_->model()->setModelTokenWidth(m.tokenWidth);
    prompt_->setTokenizerDirectory(m.tokenizerDir);
    negative_->setTokenizerDirectory(m.tokenizerDir);
    // Each model starts from its own size, steps and guidance: 64² for the shipped demo.
    params_->applyModelDefaults(m);
    offerExamples(isShippedModel(m.source));
    updateSchedule();
    QSettings s;
    s.setValue(QStringLiteral("model/last"), m.source);
    QStringList recent = s.value(QStringLiteral("model/recent")).toStringList();
    recent.removeAll(m.source);
    recent.prepend(m.source);
    while (recent.size() > kMaxRecent) recent.removeLast();
    s.setValue(QStringLiteral("model/recent"), recent);
    rebuildRecent();
    const QString loaded = tr("Loaded %1 on %2 (%3); token width %4.").arg(m.name, m.device, m.dtype).arg(m.tokenWidth);
    if (m.defaultsProblem.isEmpty()) showMessage(loaded, false);
    else showMessage(loaded + QLatin1Char('\n') + tr("Its own generation settings cannot be used: %1").arg(m.defaultsProblem), true);
  });
  connect(engine_, &EngineController::modelLoadFailed, this,
          [this](int job, const QString& path, const QString& why, bool needsConfigFolder) {
            if (job == loadingJob_) loadingJob_ = -1;
            models_->setLoading(QString(), 0);
            progress_->setValue(0);
            modelLabel_->setText(engine_->hasModel() ? tr("Model: %1").arg(engine_->model().name) : tr("No model"));
            if (!needsConfigFolder) {
              showMessage(tr("Could not load the model %1: %2").arg(path, why), true);
              return;
            }
            showMessage(tr("%1 needs a config folder: %2\nChoose a diffusers folder of the same model.")
                            .arg(QFileInfo(path).fileName(), why),
                        true);
            needsConfig_ = path;
            configFolder_->show();
          });
  connect(engine_, &EngineController::modelLoadCancelled, this, [this](int job, const QString& path) {
    if (job == loadingJob_) loadingJob_ = -1;
    models_->setLoading(QString(), 0);
    progress_->setValue(0);
    modelLabel_->setText(engine_->hasModel() ? tr("Model: %1").arg(engine_->model().name) : tr("No model"));
    showMessage(tr("Loading %1 was cancelled.").arg(path), true);
  });
  connect(engine_, &EngineController::generationStarted, this, [this](int job, int images) {
    if (job != generationJob_) return;
    grid_->beginJob(images);
    progress_->setValue(0);
    progress_->setFormat(tr("starting…"));
    generationClock_.start();
    if (!messageError_) message_->parentWidget()->hide();  // an earlier job's news is stale now
  });
  connect(engine_, &EngineController::stepProgress, this,
          [this](int job, int step, int total, const QVector<QImage>& previews) {
            if (job != generationJob_) return;
            progress_->setValue(total > 0 ? step * 100 / total : 0);
            // Step n/N, the rate so far and the time left at that rate.
            const double seconds = generationClock_.isValid() ? generationClock_.elapsed() / 1000.0 : 0;
            if (step > 0 && seconds > 0) {
              const double rate = step / seconds;
              progress_->setFormat(tr("step %1/%2 · %3 it/s · %4 s left")
                                       .arg(step)
                                       .arg(total)
                                       .arg(rate, 0, 'f', rate < 10 ? 2 : 1)
                                       .arg(std::max(0.0, (total - step) / rate), 0, 'f', 0));
            } else {
              progress_->setFormat(tr("step %1/%2").arg(step).arg(total));
            }
            grid_->showPreviews(previews);
          });
  connect(engine_, &EngineController::generationFinished, this,
          [this](int job, const QVector<QImage>& images, const QStringList& p, const QVector<qint64>& seeds,
                 const QStringList& warnings, const QStringList& saved, const QStringList& labels) {
            if (job != generationJob_) return;
            generationJob_ = -1;
            progress_->setValue(100);
            progress_->setFormat(tr("done in %1 s").arg(generationClock_.elapsed() / 1000.0, 0, 'f', 1));
            grid_->finishJob(images, p, seeds, saved, labels);
            if (!seeds.isEmpty()) lastSeed_ = seeds.front();
            addToHistory(images, p, saved);
            QStringList written = saved;
            written.removeAll(QString());
            if (!written.isEmpty()) statusBar()->showMessage(tr("Saved %1").arg(written.join(QStringLiteral(", "))), 15000);
            if (!warnings.isEmpty()) showMessage(warnings.join(QLatin1Char('\n')), false);
          });
  connect(engine_, &EngineController::generationFailed, this, [this](int job, const QString& why) {
    if (job != generationJob_) return;
    generationJob_ = -1;
    grid_->abandonJob();
    progress_->setValue(0);
    progress_->setFormat(tr("failed"));
    showMessage(tr("Generation failed: %1").arg(why), true);
  });
  connect(engine_, &EngineController::generationCancelled, this, [this](int job) {
    if (job != generationJob_) return;
    generationJob_ = -1;
    grid_->abandonJob(tr("cancelled"));  // the last previews stay
    progress_->setValue(0);
    progress_->setFormat(tr("cancelled"));
    showMessage(tr("Generation cancelled."), false);
  });

  // ---- restore ----
  setConceptDirectory(settings.value(QStringLiteral("paths/concepts"), defaultConceptDir()).toString());
  setOutputDirectory(settings.value(QStringLiteral("paths/output"), defaultOutputDir()).toString());
  training_->setRunsDirectory(settings.value(QStringLiteral("paths/runs"), defaultRunsDir()).toString());
  rebuildRecent();  // with the runs folder known, the model list sees its DreamBooth models
  prompt_->setPlainText(settings.value(QStringLiteral("prompt/positive")).toString());
  negative_->setPlainText(settings.value(QStringLiteral("prompt/negative")).toString());
  resize(1280, 820);
  restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
  restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
  updateSchedule();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  auto* file = menuBar()->addMenu(tr("&File"));
  auto* openFolder = file->addAction(studioIcon(QStringLiteral("open")), tr("Open model &folder…"), this,
                                     &MainWindow::openModelFolder);
  file->addAction(tr("Open &checkpoint file…"), this, &MainWindow::openCheckpointFile);
  recentMenu_ = file->addMenu(tr("&Recent models"));  // filled once the settings are restored
  file->addSeparator();
  file->addAction(tr("&Settings…"), this, &MainWindow::showSettings);
  file->addSeparator();
  auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  auto* concepts = menuBar()->addMenu(tr("&Concepts"));
  auto* import = concepts->addAction(studioIcon(QStringLiteral("import")), tr("&Import…"), browser_,
                                     &ConceptBrowser::importInteractive);
  concepts->addAction(tr("&Rename…"), browser_, &ConceptBrowser::renameSelected);
  concepts->addAction(tr("&Delete…"), browser_, &ConceptBrowser::deleteSelected);
  concepts->addAction(tr("&Export resolution…"), browser_, &ConceptBrowser::exportSelected);
  browser_->view()->addActions(concepts->actions());

  auto* gen = menuBar()->addMenu(tr("&Generate"));
  auto* generateAct = gen->addAction(studioIcon(QStringLiteral("generate")), tr("&Generate"), this, &MainWindow::generate);
  generateAct_ = generateAct;
  generateAct->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  generateAct->setShortcutContext(Qt::ApplicationShortcut);
  auto* cancelAct = gen->addAction(studioIcon(QStringLiteral("cancel")), tr("&Cancel"), this, &MainWindow::cancel);
  cancelAct->setShortcut(QKeySequence(Qt::Key_Escape));
  cancelAct->setShortcutContext(Qt::ApplicationShortcut);

  auto* tb = addToolBar(tr("Main"));
  tb->setObjectName(QStringLiteral("mainToolBar"));
  tb->addAction(openFolder);
  tb->addAction(import);
  tb->addSeparator();
  tb->addAction(generateAct);
  tb->addAction(cancelAct);

  // A closed dock or toolbar comes back from here.
  auto* view = menuBar()->addMenu(tr("&View"));
  view->setObjectName(QStringLiteral("viewMenu"));
  for (auto* dock : findChildren<QDockWidget*>(QString(), Qt::FindDirectChildrenOnly))
    view->addAction(dock->toggleViewAction());
  view->addAction(tb->toggleViewAction());

  auto* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About MRTI Studio"), this, &MainWindow::showAbout);
}

void MainWindow::rebuildRecent() {
  if (!recentMenu_) return;
  recentMenu_->clear();
  const QStringList recent = QSettings().value(QStringLiteral("model/recent")).toStringList();
  for (const auto& path : recent) recentMenu_->addAction(path, this, [this, path] { loadModel(path); });
  recentMenu_->setEnabled(!recent.isEmpty());
  models_->setModels(modelPaths());
}

QStringList MainWindow::modelPaths() const {
  QStringList paths;
  if (shippedModelPresent()) paths << shippedModelPath();
  const QString chosen = defaultModelSetting();
  if (!chosen.isEmpty()) paths << chosen;
  paths << QSettings().value(QStringLiteral("model/recent")).toStringList();
  // The models DreamBooth runs wrote (RUN/model), newest run first.
  const QDir runs(training_->runsDirectory());
  for (const QFileInfo& run : runs.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Time))
    if (QFileInfo::exists(run.filePath() + QStringLiteral("/model/model_index.json")))
      paths << run.filePath() + QStringLiteral("/model");
  paths.removeDuplicates();
  return paths;
}

QString MainWindow::conceptDirectory() const { return browser_->model()->directory(); }

void MainWindow::setConceptDirectory(const QString& dir) {
  QDir().mkpath(dir);
  browser_->model()->setDirectory(dir);
  training_->setLibraryDirectory(dir);
  QSettings().setValue(QStringLiteral("paths/concepts"), dir);
  updateConcepts();
}

void MainWindow::setOutputDirectory(const QString& dir) {
  outputDir_ = dir;
  QSettings().setValue(QStringLiteral("paths/output"), dir);
  refreshHistory();
}

studio::Scales MainWindow::knownScales() const {
  auto scales = browser_->model()->scales();
  if (engine_->isTraining()) scales[ss(engine_->trainingConcept())] = engine_->trainingScales();
  return scales;
}

void MainWindow::updateConcepts() {
  const auto scales = knownScales();
  QHash<QString, QImage> thumbnails;
  for (const auto& c : browser_->model()->concepts())
    if (!c.thumbnail.empty()) thumbnails.insert(qs(c.name), toQImage(c.thumbnail));
  prompt_->setConcepts(scales, thumbnails);
  negative_->setConcepts(scales, thumbnails);
}

void MainWindow::updateSchedule() {
  detail_->setSchedule(engine_->hasModel() ? engine_->model().schedulerConfig : QString(), params_->sampler(),
                       params_->steps());
}

QString MainWindow::messageText() const { return message_->parentWidget()->isHidden() ? QString() : message_->text(); }

bool MainWindow::showingWelcome() const { return stack_->currentIndex() == 0; }

void MainWindow::showMessage(const QString& text, bool error) {
  configFolder_->hide();  // only the call for a config folder shows it
  messageError_ = error;
  message_->setText(text);
  message_->parentWidget()->setStyleSheet(error ? QStringLiteral("#messageBar { background: #fde2e1; color: #7a0010; }")
                                                : QStringLiteral("#messageBar { background: #e3f1e6; color: #0d4a1c; }"));
  message_->parentWidget()->show();
  statusBar()->showMessage(text.section(QLatin1Char('\n'), 0, 0), 8000);
}

void MainWindow::loadModel(const QString& path, const QString& configDir) {
  if (path.isEmpty()) return;
  // A single file's config folder is remembered, so it opens from the lists again.
  QSettings s;
  QVariantMap configs = s.value(QStringLiteral("model/configDirs")).toMap();
  QString config = configDir;
  if (config.isEmpty()) config = configs.value(path).toString();
  else configs.insert(path, config);
  s.setValue(QStringLiteral("model/configDirs"), configs);
  progress_->setValue(0);
  modelLabel_->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
  loadingPath_ = path;
  models_->setLoading(path, 0);
  loadingJob_ = engine_->loadModel(path, device_, dtype_, config, int8_);
}

void MainWindow::chooseConfigFolder() {
  if (needsConfig_.isEmpty()) return;
  const QString dir = QFileDialog::getExistingDirectory(
      this, tr("Choose a diffusers folder of the same model as %1").arg(QFileInfo(needsConfig_).fileName()),
      QFileInfo(needsConfig_).absolutePath());
  if (dir.isEmpty()) return;
  loadModel(needsConfig_, dir);
}

void MainWindow::loadDefaultModel() {
  const QString chosen = defaultModelSetting();
  if (!chosen.isEmpty()) {
    if (QFileInfo::exists(chosen)) loadModel(chosen);
    else
      showMessage(tr("The default model %1 is missing, so no model is loaded. Open one from the File menu, or "
                     "choose another default in File → Settings.").arg(chosen),
                  true);
    return;
  }
  if (shippedModelPresent()) loadModel(shippedModelPath());
  else
    showMessage(tr("The model that ships with MRTI Studio is missing (%1), so no model is loaded. Open one from "
                   "the File menu.").arg(shippedModelPath()),
                true);
}

void MainWindow::seedShippedConcepts(const QString& dir) {
  QStringList failed;
  const QString from = dir.isEmpty() ? qs(studio::shipped_concepts_dir()) : dir;
  const QStringList added = seedConcepts(from, conceptDirectory(), &failed);
  if (!added.isEmpty()) {
    browser_->model()->refresh();
    updateConcepts();
    statusBar()->showMessage(tr("Added the example concepts %1 to your library.").arg(added.join(QStringLiteral(", "))),
                             8000);
  }
  if (!failed.isEmpty())
    showMessage(tr("Could not copy the example concepts %1 into your library.").arg(failed.join(QStringLiteral(", "))),
                true);
}

// The first run on the shipped model starts with a prompt it understands; the examples
// stay at hand while that model is loaded.
void MainWindow::offerExamples(bool shippedModel) {
  examples_->setVisible(shippedModel);
  if (!shippedModel) return;
  QSettings s;
  const QString offered = QStringLiteral("prompt/exampleOffered");
  if (s.value(offered).toBool() || s.contains(QStringLiteral("prompt/positive")) || !prompt_->toPlainText().isEmpty())
    return;
  prompt_->setPlainText(examplePrompts(false).front());
  s.setValue(offered, true);
}

void MainWindow::openModelFolder() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a diffusers model folder"));
  if (!dir.isEmpty()) loadModel(dir);
}

void MainWindow::openCheckpointFile() {
  const QString file = QFileDialog::getOpenFileName(this, tr("Open a Stable Diffusion checkpoint"), QString(),
                                                    tr("Checkpoints (*.safetensors *.ckpt *.pt);;All files (*)"));
  if (!file.isEmpty()) loadModel(file);
}

GenerationJob MainWindow::currentJob() const {
  GenerationJob job;
  job.request.prompt = ss(prompt_->toPlainText());
  job.request.negative_prompt = ss(negative_->toPlainText());
  job.request.concept_dir = ss(conceptDirectory());
  job.outputDir = outputDir_;
  params_->fill(job);
  return job;
}

void MainWindow::updateGenerateEnabled() {
  const bool blocked = engine_->isTraining() && !engine_->isTrainingPaused();
  const QString why = tr("A concept is training and uses the model: pause the run in the Train tab to generate "
                         "with the concept as it is now, or wait until it ends.");
  generateBtn_->setEnabled(!blocked);
  generateBtn_->setToolTip(blocked ? why : tr("Generate (Ctrl+Enter)"));
  if (generateAct_) {
    generateAct_->setEnabled(!blocked);
    generateAct_->setToolTip(blocked ? why : tr("Generate (Ctrl+Enter)"));
  }
}

void MainWindow::generate() {
  if (engine_->isTraining() && !engine_->isTrainingPaused()) {
    showMessage(generateBtn_->toolTip(), true);
    return;
  }
  for (auto* e : {prompt_, negative_}) {
    const QString problem = e->problem();
    if (!problem.isEmpty()) {
      showMessage(tr("Cannot generate: %1").arg(problem), true);
      return;
    }
  }
  if (!engine_->hasModel() && loadingJob_ < 0) {
    showMessage(tr("No model is loaded: open a model folder or checkpoint first (File menu)."), true);
    return;
  }
  if (generationJob_ >= 0) engine_->cancel();  // the newer request wins
  generationJob_ = engine_->generate(currentJob());
}

void MainWindow::cancel() {
  engine_->cancel();
  if (loadingJob_ >= 0) modelLabel_->setText(tr("Cancelling…"));
}

void MainWindow::applyParameters(const QString& parameters) {
  if (parameters.isEmpty()) return;
  try {
    const auto p = studio::parse_parameters(ss(parameters));
    prompt_->setPlainText(qs(p.prompt));
    negative_->setPlainText(qs(p.negative_prompt));
    params_->apply(qs(p.sampler), p.steps, p.guidance, p.seed, p.width, p.height);
  } catch (const std::exception& e) {
    showMessage(tr("These parameters cannot be read: %1").arg(errorText(e)), true);
  }
}

void MainWindow::sweepFrom(const QString& parameters) {
  try {
    const auto p = studio::parse_parameters(ss(parameters));
    const QString prompt = qs(p.prompt);
    const auto a = studio::analyze_prompt(p.prompt, knownScales());
    if (a.tokens.empty()) {
      showMessage(tr("This image's prompt uses no concept: nothing to sweep."), true);
      return;
    }
    const auto& t = a.tokens.front();
    GenerationJob job = currentJob();
    auto& r = job.request;
    r.prompt = ss(prompt.left(int(t.begin)) + QStringLiteral("{}") + prompt.mid(int(t.end)));
    r.negative_prompt = p.negative_prompt;
    if (p.steps > 0) r.steps = p.steps;
    if (p.guidance > 0) r.guidance = p.guidance;
    if (!p.sampler.empty()) r.sampler = p.sampler;
    r.seed = p.seed;
    if (p.width > 0) r.width = p.width;
    if (p.height > 0) r.height = p.height;
    static const char* forms[] = {"fixed", "fully", "semi"};
    if (generationJob_ >= 0) engine_->cancel();
    generationJob_ = engine_->resolutionSweep(job, qs(t.ref.name), QString::fromLatin1(forms[int(t.ref.form)]));
  } catch (const std::exception& e) {
    showMessage(tr("Cannot sweep: %1").arg(errorText(e)), true);
  }
}

// The images just written (by the engine thread) go on top of the history without
// reading the folder again.
void MainWindow::addToHistory(const QVector<QImage>& images, const QStringList& parameters, const QStringList& saved) {
  for (int i = 0; i < images.size() && i < saved.size(); ++i) {
    if (saved[i].isEmpty()) continue;
    const QString params = parameters.value(i);
    auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(images[i])),
                                     QFileInfo(saved[i]).fileName() + QLatin1Char('\n') +
                                         params.section(QLatin1Char('\n'), 0, 0).left(80));
    item->setData(Qt::UserRole, params);
    item->setToolTip(params);
    history_->insertItem(0, item);
  }
  while (history_->count() > kMaxHistory) delete history_->takeItem(history_->count() - 1);
}

void MainWindow::refreshHistory() {
  history_->clear();
  const QDir dir(outputDir_);
  const auto files = dir.entryInfoList({QStringLiteral("*.png")}, QDir::Files, QDir::Name | QDir::Reversed);
  for (const auto& fi : files.mid(0, kMaxHistory)) {
    QString params;
    try {
      params = qs(studio::png_parameters(ss(fi.absoluteFilePath())));
    } catch (const std::exception&) {
      continue;  // not a readable PNG
    }
    auto* item = new QListWidgetItem(QIcon(fi.absoluteFilePath()),
                                     fi.fileName() + QLatin1Char('\n') + params.section(QLatin1Char('\n'), 0, 0).left(80));
    item->setData(Qt::UserRole, params);
    item->setToolTip(params);
    history_->addItem(item);
  }
}

void MainWindow::showSettings() {
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Settings"));
  auto* device = new QComboBox;
  device->addItems({QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")});
  device->setCurrentText(device_);
  auto* dtype = new QComboBox;
  dtype->addItems({QStringLiteral("auto"), QStringLiteral("fp32"), QStringLiteral("bf16"), QStringLiteral("fp16")});
  dtype->setCurrentText(dtype_);
  dtype->setToolTip(tr("auto: fp16 on a GPU, fp32 on the CPU. bf16 halves the model's memory; on a CPU without "
                       "AVX512-BF16 or AMX it keeps the bf16 weights and computes in fp32, which is many times "
                       "faster there. fp16 needs a GPU."));
  auto* int8 = new QCheckBox(tr("Int8 weights in the UNet's linear layers"));
  int8->setObjectName(QStringLiteral("int8WeightsCheck"));
  int8->setChecked(int8_);
  int8->setToolTip(tr("Faster generation on the CPU with nearly the same pictures; training reloads the model "
                      "without them."));
  auto* concepts = new QLineEdit(conceptDirectory());
  auto* output = new QLineEdit(outputDir_);
  auto* runs = new QLineEdit(training_->runsDirectory());
  // Empty means the shipped model, so a later install's copy is found wherever it lives.
  auto* defaultModel = new QLineEdit(defaultModelSetting());
  defaultModel->setObjectName(QStringLiteral("defaultModelEdit"));
  defaultModel->setPlaceholderText(tr("The shipped model (%1)").arg(shippedModelPath()));
  defaultModel->setToolTip(tr("A diffusers model folder or a .safetensors checkpoint file"));
  auto* browseModel = new QPushButton(tr("Browse…"));
  connect(browseModel, &QPushButton::clicked, &dialog, [&dialog, defaultModel] {
    const QString dir = QFileDialog::getExistingDirectory(&dialog, tr("Default model folder"), defaultModel->text());
    if (!dir.isEmpty()) defaultModel->setText(dir);
  });
  auto* shippedModel = new QPushButton(tr("Use the shipped model"));
  shippedModel->setObjectName(QStringLiteral("useShippedModelButton"));
  connect(shippedModel, &QPushButton::clicked, defaultModel, &QLineEdit::clear);
  auto* modelRow = new QHBoxLayout;
  modelRow->addWidget(defaultModel, 1);
  modelRow->addWidget(browseModel);
  modelRow->addWidget(shippedModel);
  auto* form = new QFormLayout(&dialog);
  form->addRow(tr("Default model"), modelRow);
  form->addRow(new QLabel(tr("The default model opens when MRTI Studio starts without one named.")));
  form->addRow(tr("Device"), device);
  form->addRow(tr("Precision"), dtype);
  form->addRow(QString(), int8);
  form->addRow(tr("Concept library folder"), concepts);
  form->addRow(tr("Output folder"), output);
  form->addRow(tr("Training runs folder"), runs);
  form->addRow(new QLabel(tr("The open model reloads when the device, precision or int8 setting changes.")));
  auto* language = new QComboBox;
  language->setObjectName(QStringLiteral("languageCombo"));
  for (const auto& l : availableLanguages()) language->addItem(l.name, l.code);
  language->setCurrentIndex(qMax(0, language->findData(languageSetting())));
  form->addRow(tr("Language"), language);
  // Widgets take their texts when they are built, so switching needs a restart.
  form->addRow(new QLabel(tr("The language changes the next time MRTI Studio starts.")));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return;
  const bool modelSettingsChanged =
      device->currentText() != device_ || dtype->currentText() != dtype_ || int8->isChecked() != int8_;
  device_ = device->currentText();
  dtype_ = dtype->currentText();
  int8_ = int8->isChecked();
  if (language->currentData().toString() != languageSetting()) {
    setLanguageSetting(language->currentData().toString());
    showMessage(tr("The language changes the next time MRTI Studio starts."), false);
  }
  setDefaultModelSetting(defaultModel->text());
  QSettings s;
  s.setValue(QStringLiteral("model/device"), device_);
  s.setValue(QStringLiteral("model/dtype"), dtype_);
  s.setValue(QStringLiteral("model/int8"), int8_);
  if (concepts->text() != conceptDirectory()) setConceptDirectory(concepts->text());
  if (output->text() != outputDir_) setOutputDirectory(output->text());
  if (runs->text() != training_->runsDirectory()) {
    training_->setRunsDirectory(runs->text());
    s.setValue(QStringLiteral("paths/runs"), runs->text());
  }
  rebuildRecent();  // the default model or the runs folder may have changed
  if (modelSettingsChanged && engine_->hasModel()) {
    // The open model takes the new device, precision and weights at once, unless work is running.
    if (engine_->isBusy())
      showMessage(tr("Work is running: the new device and precision apply to the next model loaded."), false);
    else
      loadModel(engine_->model().source, engine_->model().configDir);
  }
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About MRTI Studio"),
                     tr("<h3>MRTI Studio %1</h3><p>Stable Diffusion with Multiresolution Textual Inversion "
                        "concepts, on LibTorch %2.</p>")
                         .arg(QStringLiteral(MRTI_VERSION), qs(studio::libtorch_version())));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings s;
  s.setValue(QStringLiteral("window/geometry"), saveGeometry());
  s.setValue(QStringLiteral("window/state"), saveState());
  s.setValue(QStringLiteral("prompt/positive"), prompt_->toPlainText());
  s.setValue(QStringLiteral("prompt/negative"), negative_->toPlainText());
  engine_->cancel();
  QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  const auto urls = event->mimeData()->urls();
  if (urls.size() == 1 && urls.front().isLocalFile() && looksLikeModel(urls.front().toLocalFile()))
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const auto urls = event->mimeData()->urls();
  if (urls.size() != 1 || !urls.front().isLocalFile()) return;
  event->acceptProposedAction();
  loadModel(urls.front().toLocalFile());
}

}  // namespace mrti::ui
