// The training workspace: the dataset drop zone's used/skipped marks, live validation of
// the concept name and the initializer word, and (with the tiny fixture model) a short
// run through EngineController that fills the plot and the preview matrix and ends with
// the concept in the browser; cancel then resume continues the curve at the right step;
// a paused run can be tried from the Generate tab. Screenshots of the workspace mid-run
// are written next to the test executable.
#include "test_support.h"

#include <cmath>

#include <QApplication>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <QTabWidget>

#include "concept_browser.h"
#include "dataset_view.h"
#include "engine_controller.h"
#include "image_grid.h"
#include "loss_plot.h"
#include "main_window.h"
#include "model_list.h"
#include "multires/concept_library.h"
#include "parameters_panel.h"
#include "preview_matrix.h"
#include "prompt_editor.h"
#include "training_workspace.h"

using namespace mrti::ui;

namespace {

// A picture with some structure (a disc on a gradient), different per `seed`.
QImage drawn(int size, int seed) {
  QImage img(size, size, QImage::Format_RGB888);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      img.setPixelColor(x, y, QColor((x * 255 / size + seed * 40) % 256, (y * 255 / size) % 256, (seed * 70) % 256));
  QPainter p(&img);
  p.setBrush(QColor(240, 200 - seed * 20, 30));
  p.drawEllipse(QPointF(size / 2.0 + seed * 3, size / 2.0), size / 4.0, size / 5.0);
  return img;
}

// good: 3 images; skipped: corrupt.png, notes.md, tiny.png (too small), copy.png (duplicate).
QString writeDataset(const std::string& name) {
  const QString dir = QString::fromStdString(mrti_test::temp_dir(name));
  for (int i = 0; i < 3; ++i)
    if (!drawn(96, i).save(dir + QStringLiteral("/good%1.png").arg(i))) return {};
  drawn(96, 1).save(dir + QStringLiteral("/good_jpeg.jpg"), "JPEG", 95);
  QFile corrupt(dir + QStringLiteral("/corrupt.png"));
  if (!corrupt.open(QIODevice::WriteOnly)) return {};
  corrupt.write("\x89PNG\r\n\x1a\n this is not really a png");
  corrupt.close();
  QFile notes(dir + QStringLiteral("/notes.md"));
  if (!notes.open(QIODevice::WriteOnly)) return {};
  notes.write("# my cat photos\n");
  notes.close();
  drawn(16, 5).save(dir + QStringLiteral("/tiny.png"));
  QFile::copy(dir + QStringLiteral("/good0.png"), dir + QStringLiteral("/z_copy.png"));
  return dir;
}

void dropOn(QWidget* target, const QList<QUrl>& urls) {
  auto* mime = new QMimeData;
  mime->setUrls(urls);
  const QPoint pos = target->rect().center();
  QDragEnterEvent enter(pos, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &enter);
  QVERIFY(enter.isAccepted());
  QDropEvent drop(QPointF(pos), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &drop);
  QVERIFY(drop.isAccepted());
  delete mime;
}

void saveShot(QWidget& w, const QString& name) {
  QApplication::processEvents();
  const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
  QDir().mkpath(dir);
  const QPixmap pm = w.grab();
  QVERIFY(!pm.isNull());
  QVERIFY(pm.save(dir + QLatin1Char('/') + name));
}

// The window on the tiny model with the Train tab in front; its concept library, output and
// runs folders are new ones named after `tag`.
void openTrainTabOnTinyModel(MainWindow& w, const std::string& tag) {
  w.resize(1400, 900);
  w.setConceptDirectory(QString::fromStdString(mrti_test::temp_dir(tag + "-lib")));
  w.setOutputDirectory(QString::fromStdString(mrti_test::temp_dir(tag + "-out")));
  w.trainingWorkspace()->setRunsDirectory(QString::fromStdString(mrti_test::temp_dir(tag + "-runs")));
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QSignalSpy loaded(w.engine(), &EngineController::modelLoaded);
  w.loadModel(QString::fromStdString(mrti_test::fixture("tiny-sd15")));
  QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 120000);
  w.tabs()->setCurrentIndex(1);
}

// One small picture of `prompt` from the Generate tab: "" (its parameters in `parameters`)
// or why there is none.
QString generateSmall(MainWindow& w, const QString& prompt, QString* parameters) {
  w.tabs()->setCurrentIndex(0);
  w.promptEditor()->setPlainText(prompt);
  w.parameters()->widthBox()->setValue(64);
  w.parameters()->heightBox()->setValue(64);
  w.parameters()->stepsBox()->setValue(4);
  w.parameters()->batchBox()->setValue(1);
  QSignalSpy generated(w.engine(), &EngineController::generationFinished);
  QSignalSpy failed(w.engine(), &EngineController::generationFailed);
  w.generate();
  if (!QTest::qWaitFor([&] { return !generated.isEmpty() || !failed.isEmpty(); }, 120000))
    return QStringLiteral("no picture within two minutes");
  if (!failed.isEmpty()) return failed.first().at(1).toString();
  *parameters = generated.first().at(2).toStringList().value(0);
  return {};
}

}  // namespace

class TestGuiTraining : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    qputenv("XDG_RUNTIME_DIR", QDir::tempPath().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("mrti-test-training"));
    QSettings().clear();
  }

  void dropFolderMarksFiles() {
    const QString dir = writeDataset("gui-train-drop");
    QVERIFY(!dir.isEmpty());
    EngineController engine;
    TrainingWorkspace ws(&engine);
    ws.setRunsDirectory(QString::fromStdString(mrti_test::temp_dir("gui-train-drop-runs")));
    ws.resize(1200, 800);
    ws.show();
    QSignalSpy scanned(&engine, &EngineController::datasetScanned);
    dropOn(ws.datasetView()->viewport(), {QUrl::fromLocalFile(dir)});
    QTRY_VERIFY_WITH_TIMEOUT(!scanned.isEmpty(), 30000);
    QVERIFY2(scanned.first().at(3).toString().isEmpty(), qPrintable(scanned.first().at(3).toString()));
    DatasetView* view = ws.datasetView();
    // The spy hears the scan on its thread; the view updates when the GUI thread gets it.
    QTRY_COMPARE(view->count(), 8);
    QCOMPARE(view->usedCount(), 4);
    QCOMPARE(view->skippedCount(), 4);
    for (const char* good : {"good0.png", "good1.png", "good2.png", "good_jpeg.jpg"})
      QVERIFY2(view->isUsed(QString::fromLatin1(good)), good);
    QVERIFY(!view->isUsed(QStringLiteral("corrupt.png")));
    QVERIFY2(view->reasonOf(QStringLiteral("corrupt.png")).contains(QStringLiteral("unreadable")),
             qPrintable(view->reasonOf(QStringLiteral("corrupt.png"))));
    QVERIFY(view->reasonOf(QStringLiteral("notes.md")).contains(QStringLiteral("not an image")));
    QVERIFY(view->reasonOf(QStringLiteral("tiny.png")).contains(QStringLiteral("smaller")));
    QVERIFY(view->reasonOf(QStringLiteral("z_copy.png")).contains(QStringLiteral("duplicate of good0.png")));
    QCOMPARE(QDir(ws.dataFolder()), QDir(dir));

    // Single files are copied into a new folder under the runs folder first.
    scanned.clear();
    dropOn(view->viewport(), {QUrl::fromLocalFile(dir + QStringLiteral("/good1.png")),
                              QUrl::fromLocalFile(dir + QStringLiteral("/notes.md"))});
    QTRY_VERIFY_WITH_TIMEOUT(!scanned.isEmpty(), 30000);
    QTRY_COMPARE(view->count(), 2);
    QCOMPARE(view->usedCount(), 1);
    QVERIFY(ws.dataFolder().startsWith(ws.runsDirectory()));
    QVERIFY(QFileInfo::exists(ws.dataFolder() + QStringLiteral("/good1.png")));

    // An empty folder: nothing to train on, said plainly, and Start stays off.
    scanned.clear();
    const QString empty = QString::fromStdString(mrti_test::temp_dir("gui-train-empty"));
    dropOn(view->viewport(), {QUrl::fromLocalFile(empty)});
    QTRY_VERIFY_WITH_TIMEOUT(!scanned.isEmpty(), 30000);
    QVERIFY(scanned.first().at(3).toString().contains(QStringLiteral("no usable image")));
    QTRY_COMPARE(QDir(ws.dataFolder()), QDir(empty));
    QCOMPARE(view->count(), 0);
    QCOMPARE(view->usedCount(), 0);
    QVERIFY(!ws.startButton()->isEnabled());
  }

  void validatesNameAndInitializer() {
    const std::string lib = mrti_test::temp_dir("gui-train-validate-lib");
    mrti::ConceptLibrary(lib, true).save(mrti::make_concept("taken", torch::randn({4, 32}), "", "tiny", 10));
    EngineController engine;
    TrainingWorkspace ws(&engine);
    ws.setLibraryDirectory(QString::fromStdString(lib));
    ws.nameEdit()->setText(QStringLiteral("my cat!"));
    QVERIFY(!ws.nameProblem().isEmpty());
    ws.nameEdit()->setText(QStringLiteral("taken"));
    QVERIFY2(ws.nameProblem().contains(QStringLiteral("already")), qPrintable(ws.nameProblem()));
    ws.nameEdit()->setText(QStringLiteral("my_cat"));
    QVERIFY2(ws.nameProblem().isEmpty(), qPrintable(ws.nameProblem()));

    ws.initTokenEdit()->setText(QStringLiteral("cat"));
    QVERIFY2(ws.initTokenProblem().isEmpty(), qPrintable(ws.initTokenProblem()));
    ws.initTokenEdit()->setText(QStringLiteral("photorealistic"));
    QVERIFY2(ws.initTokenProblem().contains(QStringLiteral("tokens")), qPrintable(ws.initTokenProblem()));
    ws.initTokenEdit()->setText(QStringLiteral("two words"));
    QVERIFY(ws.initTokenProblem().contains(QStringLiteral("2 tokens")));
    // Without a model and a dataset the run cannot start, and the button says why.
    ws.initTokenEdit()->setText(QStringLiteral("cat"));
    QVERIFY(!ws.startButton()->isEnabled());
    QVERIFY(!ws.startButton()->toolTip().isEmpty());
  }

  void trainPauseProbeCancelResume() {
    MRTI_REQUIRE_FIXTURES();
    const QString data = writeDataset("gui-train-run-data");
    MainWindow w;
    openTrainTabOnTinyModel(w, "gui-train-run");
    if (QTest::currentTestFailed()) return;
    TrainingWorkspace* ws = w.trainingWorkspace();
    EngineController* engine = w.engine();

    ws->setDataPaths({data});
    QTRY_VERIFY_WITH_TIMEOUT(ws->datasetView()->usedCount() == 4, 30000);
    ws->nameEdit()->setText(QStringLiteral("probe_cat"));
    ws->initTokenEdit()->setText(QStringLiteral("cat"));
    ws->stepsBox()->setValue(30);
    ws->scalesBox()->setValue(4);
    ws->resolutionBox()->setValue(64);
    ws->previewEveryBox()->setValue(5);
    ws->checkpointEveryBox()->setValue(10);
    QVERIFY2(ws->startButton()->isEnabled(), qPrintable(ws->startButton()->toolTip()));

    // ---- start, then pause at step >= 6 and generate with the concept as it is ----
    QSignalSpy started(engine, &EngineController::trainingStarted);
    QSignalSpy steps(engine, &EngineController::trainingStep);
    QSignalSpy paused(engine, &EngineController::trainingPaused);
    QSignalSpy failed(engine, &EngineController::trainingFailed);
    ws->start();
    QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty() || !failed.isEmpty(), 60000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
    const QString runDir = started.first().at(0).toString();
    QTRY_VERIFY_WITH_TIMEOUT(steps.size() >= 6 || !failed.isEmpty(), 120000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
    ws->pauseButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty() && paused.last().at(0).toBool(), 60000);
    QVERIFY(engine->isTrainingPaused());
    const qint64 pausedAt = steps.last().at(0).value<TrainingStepInfo>().step;

    // Pause and probe: the Generate tab knows the concept and draws with it.
    QString parameters;
    const QString problem = generateSmall(w, QStringLiteral("a painting of <probe_cat(1)>"), &parameters);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(parameters.contains(QStringLiteral("probe_cat")));
    QCOMPARE(steps.last().at(0).value<TrainingStepInfo>().step, pausedAt);  // no step while paused

    // Continue, let a few more steps run, then cancel: a checkpoint is written.
    w.tabs()->setCurrentIndex(1);
    ws->pauseButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!paused.last().at(0).toBool(), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(steps.last().at(0).value<TrainingStepInfo>().step >= pausedAt + 6, 120000);
    QSignalSpy cancelled(engine, &EngineController::trainingCancelled);
    ws->cancelButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!cancelled.isEmpty(), 60000);
    const qint64 cancelStep = cancelled.first().at(1).toLongLong();
    QVERIFY(cancelStep > pausedAt && cancelStep < 30);
    QTRY_VERIFY(!engine->isTraining());
    LossPlot* plot = ws->lossPlot();
    QCOMPARE(plot->rawPointCount(), int(cancelStep));
    QCOMPARE(plot->smoothedPointCount(), int(cancelStep));
    QCOMPARE(plot->learningRatePointCount(), int(cancelStep));
    QCOMPARE(plot->numScales(), 4);
    int scalePoints = 0;
    for (int k = 0; k < 4; ++k) scalePoints += plot->scalePointCount(k);
    QCOMPARE(scalePoints, int(cancelStep));  // batch 1: one sampled scale per step
    QVERIFY(ws->previews()->previewCount() >= 3);

    // ---- resume from the runs list: the curve continues at the next step ----
    QCOMPARE(ws->runsList()->count(), 1);
    ws->runsList()->setCurrentRow(0);
    started.clear();
    steps.clear();
    QSignalSpy finished(engine, &EngineController::trainingFinished);
    ws->resumeSelected();
    QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty() || !failed.isEmpty(), 60000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
    QCOMPARE(started.first().at(0).toString(), runDir);
    QCOMPARE(started.first().at(1).toLongLong(), cancelStep);
    QTRY_VERIFY_WITH_TIMEOUT(!steps.isEmpty(), 60000);
    QCOMPARE(steps.first().at(0).value<TrainingStepInfo>().step, cancelStep + 1);
    QTRY_VERIFY_WITH_TIMEOUT(steps.size() >= 4, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(plot->rawPointCount() >= int(cancelStep) + 4, 30000);
    saveShot(w, QStringLiteral("training-mid-run.png"));
    saveShot(*ws, QStringLiteral("training-workspace.png"));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 300000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
    QCOMPARE(finished.first().at(2).toLongLong(), qint64(30));
    QTRY_COMPARE(plot->rawPointCount(), 30);  // history + live, no step twice
    QCOMPARE(plot->lastStep(), 30.0);
    // previews at steps 5, 10, ..., 30 for scales 0, 2, 3 (those of a step the cancel cut
    // short stay partial): the matrix shows every preview file of the run
    const QStringList files = QDir(runDir + QStringLiteral("/previews")).entryList({QStringLiteral("*.png")}, QDir::Files);
    QSet<QString> fileSteps;
    for (const auto& f : files) fileSteps.insert(f.section(QLatin1Char('-'), 0, 0));
    QVERIFY(files.size() >= 5 * 3);
    QVERIFY(fileSteps.size() >= 5);
    QTRY_COMPARE(ws->previews()->previewCount(), int(files.size()));
    QCOMPARE(ws->previews()->steps().size(), int(fileSteps.size()));
    QVERIFY(!ws->previews()->previewAt(30, 3).isNull());

    // The concept is in the browser at once.
    QTRY_VERIFY(w.conceptBrowser()->model()->scales().count("probe_cat") == 1);
    QCOMPARE(w.conceptBrowser()->model()->scales().at("probe_cat"), int64_t(4));

    const QString png = runDir + QStringLiteral("/loss-export.png");
    QVERIFY(plot->exportPng(png));
    QVERIFY(QImage(png).width() == 1200);
  }

  void trainingReloadsAnInt8Model() {
    // Int8 weights are for generation: the Train tab reloads the model without them first.
    MRTI_REQUIRE_FIXTURES();
    const QString data = writeDataset("gui-train-int8-data");
    QSettings().setValue(QStringLiteral("model/int8"), true);
    MainWindow w;
    QSettings().remove(QStringLiteral("model/int8"));
    openTrainTabOnTinyModel(w, "gui-train-int8");
    if (QTest::currentTestFailed()) return;
    EngineController* engine = w.engine();
    QTRY_VERIFY(engine->model().int8Layers > 0 && !engine->isBusy());
    TrainingWorkspace* ws = w.trainingWorkspace();
    ws->setDataPaths({data});
    QTRY_VERIFY_WITH_TIMEOUT(ws->datasetView()->usedCount() == 4, 30000);
    ws->nameEdit()->setText(QStringLiteral("int8_cat"));
    ws->initTokenEdit()->setText(QStringLiteral("cat"));
    ws->stepsBox()->setValue(2);
    ws->scalesBox()->setValue(2);
    ws->resolutionBox()->setValue(64);
    ws->previewEveryBox()->setValue(0);
    ws->checkpointEveryBox()->setValue(0);
    QSignalSpy finished(engine, &EngineController::trainingFinished);
    QSignalSpy failed(engine, &EngineController::trainingFailed);
    ws->start();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 300000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
    QTRY_COMPARE(engine->model().int8Layers, qint64(0));
    QCOMPARE(finished.first().at(2).toLongLong(), qint64(2));
  }

  void trainOnTwoProcesses() {
    MRTI_REQUIRE_FIXTURES();
    // The workers are the command line program of this build.
    qputenv("MRTI_WORKER_PROGRAM", MRTI_CLI_PATH);
    const QString data = writeDataset("gui-train-two-data");
    MainWindow w;
    openTrainTabOnTinyModel(w, "gui-train-two");
    if (QTest::currentTestFailed()) return;
    TrainingWorkspace* ws = w.trainingWorkspace();
    EngineController* engine = w.engine();
    ws->setDataPaths({data});
    QTRY_VERIFY_WITH_TIMEOUT(ws->datasetView()->usedCount() == 4, 30000);
    ws->nameEdit()->setText(QStringLiteral("two_cat"));
    ws->initTokenEdit()->setText(QStringLiteral("cat"));
    ws->stepsBox()->setValue(8);
    ws->scalesBox()->setValue(3);
    ws->resolutionBox()->setValue(64);
    ws->batchBox()->setValue(2);
    ws->previewEveryBox()->setValue(4);
    ws->checkpointEveryBox()->setValue(0);
    ws->processesBox()->setValue(2);
    QSignalSpy started(engine, &EngineController::trainingStarted);
    QSignalSpy steps(engine, &EngineController::trainingStep);
    QSignalSpy finished(engine, &EngineController::trainingFinished);
    QSignalSpy failed(engine, &EngineController::trainingFailed);
    ws->start();
    QTRY_VERIFY_WITH_TIMEOUT(!steps.isEmpty() || !failed.isEmpty(), 120000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
    // A run on several processes cannot pause; it can still be cancelled.
    QTRY_VERIFY(!ws->pauseButton()->isEnabled());
    QVERIFY(ws->cancelButton()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 300000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
    QCOMPARE(finished.first().at(2).toLongLong(), qint64(8));
    // The plot shows the whole batch's loss of every step, the previews came from rank 0.
    QTRY_COMPARE(ws->lossPlot()->rawPointCount(), 8);
    for (const auto& s : steps) QVERIFY(std::isfinite(s.at(0).value<TrainingStepInfo>().loss));
    const QString runDir = started.first().at(0).toString();
    QCOMPARE(QDir(runDir + QStringLiteral("/previews")).entryList({QStringLiteral("*.png")}, QDir::Files).size(), 6);
    QTRY_VERIFY(w.conceptBrowser()->model()->scales().count("two_cat") == 1);
    saveShot(*ws, QStringLiteral("training-two-processes.png"));
  }

  void dreamBoothFromTheTrainTab() {
    MRTI_REQUIRE_FIXTURES();
    const QString data = writeDataset("gui-db-data");
    const QString tiny = QString::fromStdString(mrti_test::fixture("tiny-sd15"));
    MainWindow w;
    openTrainTabOnTinyModel(w, "gui-db");
    if (QTest::currentTestFailed()) return;
    TrainingWorkspace* ws = w.trainingWorkspace();
    EngineController* engine = w.engine();

    // The method shows DreamBooth's own settings, validated as they are typed.
    QVERIFY(!ws->classPromptEdit()->isVisible());
    ws->methodBox()->setCurrentIndex(ws->methodBox()->findData(QStringLiteral("dreambooth")));
    QVERIFY(ws->dreamBooth());
    QVERIFY(ws->classPromptEdit()->isVisible());
    ws->setDataPaths({data});
    QTRY_VERIFY_WITH_TIMEOUT(ws->datasetView()->usedCount() == 4, 30000);
    ws->nameEdit()->setText(QStringLiteral("db_cat"));
    ws->initTokenEdit()->setText(QStringLiteral("cat"));
    ws->stepsBox()->setValue(30);
    ws->scalesBox()->setValue(2);
    ws->resolutionBox()->setValue(64);
    ws->previewEveryBox()->setValue(0);
    ws->checkpointEveryBox()->setValue(4);
    ws->classImagesBox()->setValue(2);
    QVERIFY(!ws->classProblem().isEmpty());
    QVERIFY(!ws->startButton()->isEnabled());
    QCOMPARE(ws->startButton()->toolTip(), ws->classProblem());
    ws->classPromptEdit()->setText(QStringLiteral("a photo of a cat"));
    QVERIFY2(ws->classProblem().isEmpty(), qPrintable(ws->classProblem()));
    QVERIFY2(ws->startButton()->isEnabled(), qPrintable(ws->startButton()->toolTip()));
    QCOMPARE(ws->dreamBoothJob().training.num_class_images, 2);
    QCOMPARE(ws->dreamBoothJob().training.lr, ws->unetLrBox()->value());
    // Its disk and memory needs, from the loaded model's size.
    QVERIFY2(ws->needsLabel()->text().contains(QStringLiteral("GB of free disk")), qPrintable(ws->needsLabel()->text()));
    const QString withoutTextEncoder = ws->needsLabel()->text();
    ws->trainTextEncoderBox()->setChecked(true);
    QVERIFY(ws->needsLabel()->text() != withoutTextEncoder);
    ws->trainTextEncoderBox()->setChecked(false);
    saveShot(w, QStringLiteral("dreambooth-form.png"));

    // It trains, pauses, goes on and finishes.
    QSignalSpy started(engine, &EngineController::trainingStarted);
    QSignalSpy steps(engine, &EngineController::trainingStep);
    QSignalSpy paused(engine, &EngineController::trainingPaused);
    QSignalSpy failed(engine, &EngineController::trainingFailed);
    QSignalSpy finished(engine, &EngineController::trainingFinished);
    ws->start();
    QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty() || !failed.isEmpty(), 120000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
    const QString runDir = started.first().at(0).toString();
    QCOMPARE(QDir(runDir + QStringLiteral("/class-images")).entryList({QStringLiteral("*.png")}).size(), 2);
    QTRY_COMPARE(ws->classImagesView()->count(), 2);  // and shown in the form
    QTRY_VERIFY_WITH_TIMEOUT(steps.size() >= 3 || !failed.isEmpty(), 120000);
    ws->pauseButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!paused.isEmpty() && paused.last().at(0).toBool(), 60000);
    const qint64 pausedAt = steps.last().at(0).value<TrainingStepInfo>().step;
    QTest::qWait(300);
    QCOMPARE(steps.last().at(0).value<TrainingStepInfo>().step, pausedAt);  // no step while paused
    ws->pauseButton()->click();
    // Cancelled, it keeps a checkpoint and the base model's weights come back; resumed from
    // the runs list, it goes on from there to the end.
    QTRY_VERIFY_WITH_TIMEOUT(steps.last().at(0).value<TrainingStepInfo>().step >= pausedAt + 2, 120000);
    QSignalSpy cancelled(engine, &EngineController::trainingCancelled);
    ws->cancelButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!cancelled.isEmpty() || !finished.isEmpty(), 60000);
    QVERIFY(finished.isEmpty());
    {
      const qint64 cancelStep = cancelled.first().at(1).toLongLong();
      QTRY_VERIFY(!engine->isTraining());
      QCOMPARE(engine->model().source, tiny);
      QTRY_VERIFY(ws->runsList()->count() == 1);
      ws->runsList()->setCurrentRow(0);
      started.clear();
      steps.clear();
      ws->resumeSelected();
      QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty() || !failed.isEmpty(), 60000);
      QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
      QCOMPARE(started.first().at(1).toLongLong(), cancelStep);
      QTRY_VERIFY_WITH_TIMEOUT(!steps.isEmpty(), 60000);
      QCOMPARE(steps.first().at(0).value<TrainingStepInfo>().step, cancelStep + 1);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 300000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
    QCOMPARE(finished.first().at(2).toLongLong(), qint64(30));
    const QString modelDir = finished.first().at(4).toString();
    QVERIFY(QFileInfo::exists(modelDir + QStringLiteral("/model_index.json")));
    QTRY_VERIFY(ws->runsList()->count() == 1 && ws->runsList()->item(0)->text().contains(QStringLiteral("DreamBooth")));

    // The new model is in the model list and in use; its concept token works in prompts.
    QTRY_VERIFY_WITH_TIMEOUT(w.modelList()->models().contains(modelDir), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(engine->model().source == modelDir, 120000);
    QTRY_COMPARE(w.modelList()->loaded(), modelDir);
    QString parameters;
    const QString problem = generateSmall(w, QStringLiteral("a photo of <db_cat|0|>"), &parameters);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(parameters.contains(QStringLiteral("db_cat")));
    saveShot(w, QStringLiteral("dreambooth-finished.png"));
  }
};

QTEST_MAIN(TestGuiTraining)
#include "test_gui_training.moc"
