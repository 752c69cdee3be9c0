#pragma once
// The main window: a first-run page until a model is loaded, then the generation
// workspace (concept browser, prompt editors with the detail-level slider, parameters,
// the image grid and the history) and the training workspace as tabs. Started without a
// model, it opens the default one (Settings, else the shipped model).
#include <QElapsedTimer>
#include <QMainWindow>

#include "engine_controller.h"
#include "studio/studio_engine.h"

class QAction;
class QLabel;
class QListWidget;
class QPushButton;
class QMenu;
class QProgressBar;
class QStackedWidget;
class QTabWidget;
class QToolButton;

namespace mrti::ui {

class ConceptBrowser;
class DetailLevelPanel;
class ImageGrid;
class ModelList;
class ParametersPanel;
class PromptEditor;
class TrainingWorkspace;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // `configDir` "": the config folder chosen earlier for this file, if any.
  void loadModel(const QString& path, const QString& configDir = QString());
  // Asks for a config folder for the single file whose load needed one, and loads with it.
  void chooseConfigFolder();
  // The model chosen in Settings, else the shipped one; a missing one is only reported.
  void loadDefaultModel();
  // Copies the shipped concepts (from `dir`, "" = studio::shipped_concepts_dir()) that the
  // library has never had into it, once per name.
  void seedShippedConcepts(const QString& dir = QString());
  void setConceptDirectory(const QString& dir);
  void setOutputDirectory(const QString& dir);
  QString conceptDirectory() const;
  QString outputDirectory() const { return outputDir_; }

  // The message line above the workspace ("" when hidden).
  QString messageText() const;
  bool messageIsError() const { return messageError_; }
  bool showingWelcome() const;

  EngineController* engine() const { return engine_; }
  PromptEditor* promptEditor() const { return prompt_; }
  PromptEditor* negativeEditor() const { return negative_; }
  ConceptBrowser* conceptBrowser() const { return browser_; }
  DetailLevelPanel* detailPanel() const { return detail_; }
  ParametersPanel* parameters() const { return params_; }
  ImageGrid* grid() const { return grid_; }
  QListWidget* history() const { return history_; }
  TrainingWorkspace* trainingWorkspace() const { return training_; }
  QTabWidget* tabs() const { return tabs_; }
  QToolButton* configFolderButton() const { return configFolder_; }
  ModelList* modelList() const { return models_; }
  QToolButton* examplesButton() const { return examples_; }
  QPushButton* generateButton() const { return generateBtn_; }

 public Q_SLOTS:
  void generate();
  void cancel();
  void showMessage(const QString& text, bool error);
  void openModelFolder();
  void openCheckpointFile();
  void showSettings();
  void showAbout();
  void refreshHistory();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
  // Generate is off, saying why, while a training run (not paused) holds the model.
  void updateGenerateEnabled();
  // The Recent menu and the model list: the shipped model, recent ones, DreamBooth outputs.
  void rebuildRecent();
  QStringList modelPaths() const;
  void updateConcepts();
  mrti::studio::Scales knownScales() const;  // the library's concepts and an active run's
  void updateSchedule();
  void offerExamples(bool shippedModel);
  void applyParameters(const QString& parameters);
  void sweepFrom(const QString& parameters);
  void addToHistory(const QVector<QImage>& images, const QStringList& parameters, const QStringList& saved);
  GenerationJob currentJob() const;

  EngineController* engine_;
  QStackedWidget* stack_;
  QTabWidget* tabs_;
  TrainingWorkspace* training_;
  QLabel* message_;
  QToolButton* messageClose_;
  QToolButton* configFolder_;  // shown while the message is a single file's call for a config folder
  QString needsConfig_;        // that file
  bool messageError_ = false;
  PromptEditor* prompt_;
  PromptEditor* negative_;
  QLabel* tokenCounter_;
  QToolButton* examples_;
  DetailLevelPanel* detail_;
  ParametersPanel* params_;
  ImageGrid* grid_;
  QPushButton* generateBtn_;
  QAction* generateAct_ = nullptr;
  ConceptBrowser* browser_;
  QListWidget* history_;
  ModelList* models_;
  QMenu* recentMenu_ = nullptr;
  QLabel* deviceLabel_;
  QLabel* modelLabel_;
  QLabel* torchLabel_;
  QProgressBar* progress_;
  QString outputDir_;
  QString device_ = QStringLiteral("auto"), dtype_ = QStringLiteral("auto");
  bool int8_ = false;  // int8 weights in the UNet's linear layers
  int loadingJob_ = -1;
  QString loadingPath_;
  int generationJob_ = -1;
  QElapsedTimer generationClock_;
  qint64 lastSeed_ = -1;
};

}  // namespace mrti::ui
