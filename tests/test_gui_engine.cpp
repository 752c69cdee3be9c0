// EngineController with the tiny fixture model: previews and final images arrive as
// queued signals, cancel stops within one step, the GUI thread keeps running; and the
// main window's answers to bad input.
#include "test_support.h"

#include <QApplication>
#include <QDropEvent>
#include <QMimeData>
#include <QSignalSpy>
#include <QElapsedTimer>
#include <QSettings>
#include <QThread>
#include <QToolButton>
#include <QTimer>
#include <atomic>
#include <fstream>

#include "engine_controller.h"
#include "image_grid.h"
#include "multires/concept_library.h"
#include "main_window.h"
#include "prompt_editor.h"

using namespace mrti::ui;

namespace {

QString tinyModel() { return QString::fromStdString(mrti_test::fixture("tiny-sd15")); }

GenerationJob smallJob(int steps) {
  GenerationJob job;
  job.request.prompt = "a photo of a cat";
  job.request.steps = steps;
  job.request.width = job.request.height = 64;
  job.request.seed = 42;
  job.request.guidance = 7.5;
  job.request.sampler = "euler";
  return job;
}

void loadTiny(EngineController& engine) {
  QSignalSpy loaded(&engine, &EngineController::modelLoaded);
  QSignalSpy failed(&engine, &EngineController::modelLoadFailed);
  engine.loadModel(tinyModel(), QStringLiteral("cpu"), QStringLiteral("fp32"));
  QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty() || !failed.isEmpty(), 120000);
  QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(2).toString()));
  QTRY_VERIFY(engine.hasModel());
}

}  // namespace

class TestGuiEngine : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("mrti-test"));
    QSettings().clear();
  }

  void generationSendsPreviewsAndFinalImages() {
    MRTI_REQUIRE_FIXTURES();
    EngineController engine;
    QSignalSpy loadProgress(&engine, &EngineController::modelLoadProgress);
    loadTiny(engine);
    QVERIFY(!loadProgress.isEmpty());
    QCOMPARE(engine.model().tokenWidth, 32);
    QCOMPARE(engine.model().device, QStringLiteral("cpu"));

    // A timer on the GUI thread keeps firing while the engine works: the engine thread
    // holds step 1 until the GUI thread has counted three ticks (a blocked GUI thread
    // would never get there).
    std::atomic<int> ticks{0};
    int ticksBeforeEnd = -1;
    bool sawTicksDuringStep = false;
    QTimer timer;
    connect(&timer, &QTimer::timeout, [&] { ++ticks; });
    timer.start(5);
    connect(
        &engine, &EngineController::stepProgress, &engine,
        [&](int, int step) {
          if (step != 1) return;
          QElapsedTimer clock;
          clock.start();
          while (ticks.load() < 3 && clock.elapsed() < 60000) QThread::msleep(1);
          sawTicksDuringStep = ticks.load() >= 3;
        },
        Qt::DirectConnection);
    QSignalSpy steps(&engine, &EngineController::stepProgress);
    QSignalSpy finished(&engine, &EngineController::generationFinished);
    QSignalSpy failed(&engine, &EngineController::generationFailed);
    connect(&engine, &EngineController::generationFinished, [&] { ticksBeforeEnd = ticks.load(); });
    GenerationJob job = smallJob(6);
    job.request.batch = 2;
    const int id = engine.generate(job);
    QVERIFY(engine.isBusy());  // returned at once, work queued
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 120000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(1).toString()));
    QVERIFY(sawTicksDuringStep);
    QVERIFY2(ticksBeforeEnd >= 3, qPrintable(QString::number(ticksBeforeEnd)));
    QCOMPARE(steps.size(), 6);
    for (int i = 0; i < steps.size(); ++i) {
      QCOMPARE(steps[i].at(0).toInt(), id);
      QCOMPARE(steps[i].at(1).toInt(), i + 1);
      QCOMPARE(steps[i].at(2).toInt(), 6);
      const auto previews = steps[i].at(3).value<QVector<QImage>>();
      QCOMPARE(previews.size(), 2);
      QVERIFY(!previews[0].isNull());
    }
    const auto images = finished.first().at(1).value<QVector<QImage>>();
    const auto params = finished.first().at(2).toStringList();
    const auto seeds = finished.first().at(3).value<QVector<qint64>>();
    QCOMPARE(images.size(), 2);
    QCOMPARE(images[0].size(), QSize(64, 64));
    QCOMPARE(seeds, (QVector<qint64>{42, 43}));
    QVERIFY(params[0].contains(QStringLiteral("Seed: 42")));
    QVERIFY(params[1].contains(QStringLiteral("Seed: 43")));
    QVERIFY(params[0].contains(QStringLiteral("Sampler: Euler")));
    QTRY_VERIFY(!engine.isBusy());
  }

  void cancelStopsWithinOneStep() {
    MRTI_REQUIRE_FIXTURES();
    EngineController engine;
    loadTiny(engine);
    // Cancel as step 3 is reported, on the engine thread itself: step 4 must not run.
    std::atomic<int> lastStep{0};
    auto c = connect(
        &engine, &EngineController::stepProgress, &engine,
        [&](int, int step, int, const QVector<QImage>&) {
          lastStep = step;
          if (step == 3) engine.cancel();
        },
        Qt::DirectConnection);
    QSignalSpy cancelled(&engine, &EngineController::generationCancelled);
    QSignalSpy finished(&engine, &EngineController::generationFinished);
    engine.generate(smallJob(40));
    QTRY_VERIFY_WITH_TIMEOUT(cancelled.size() == 1, 120000);
    QCOMPARE(lastStep.load(), 3);
    QVERIFY(finished.isEmpty());
    disconnect(c);

    // From the GUI thread, on the first preview that arrives. The engine thread waits in
    // step 1's report until the GUI thread has cancelled, so the cancel lands mid-job.
    std::atomic<bool> guiCancelled{false};
    std::atomic<int> lastSecond{0};
    int second = -1;
    auto gui = connect(&engine, &EngineController::stepProgress, this, [&](int job) {
      if (job != second || guiCancelled) return;
      engine.cancel();
      guiCancelled = true;
    });
    auto hold = connect(
        &engine, &EngineController::stepProgress, &engine,
        [&](int, int step) {
          lastSecond = step;
          QElapsedTimer clock;
          clock.start();
          while (!guiCancelled && clock.elapsed() < 60000) QThread::msleep(1);
        },
        Qt::DirectConnection);
    second = engine.generate(smallJob(40));
    QTRY_VERIFY_WITH_TIMEOUT(cancelled.size() == 2, 120000);
    QVERIFY(guiCancelled);
    QCOMPARE(lastSecond.load(), 1);
    QVERIFY(finished.isEmpty());
    // and the controller works on afterwards
    disconnect(gui);
    disconnect(hold);
    engine.generate(smallJob(2));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 120000);
  }

  void sweepTilesAreCaptionedWithTheirDetailLevel() {
    MRTI_REQUIRE_FIXTURES();
    const std::string lib = mrti_test::temp_dir("gui-sweep-lib");
    mrti::ConceptLibrary(lib, true).save(mrti::make_concept("cube", torch::randn({3, 32}), "", "tiny", 10));
    EngineController engine;
    loadTiny(engine);
    GenerationJob job = smallJob(2);
    job.request.prompt = "a painting of {}";
    job.request.concept_dir = lib;
    QSignalSpy finished(&engine, &EngineController::generationFinished);
    QSignalSpy failed(&engine, &EngineController::generationFailed);
    engine.resolutionSweep(job, QStringLiteral("cube"), QStringLiteral("fully"));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 120000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(1).toString()));
    const auto args = finished.first();
    const QStringList labels = args.at(6).toStringList();
    QCOMPARE(labels, QStringList({"<cube[0]>", "<cube[1]>", "<cube[2]>"}));
    // The grid shows them under the tiles, where a plain batch shows seeds.
    ImageGrid grid;
    grid.beginJob(3);
    grid.finishJob(args.at(1).value<QVector<QImage>>(), args.at(2).toStringList(), args.at(3).value<QVector<qint64>>(),
                   args.at(5).toStringList(), labels);
    QCOMPARE(grid.item(0)->text(), QStringLiteral("<cube[0]>"));
    QCOMPARE(grid.item(2)->text(), QStringLiteral("<cube[2]>"));
    grid.beginJob(1);
    grid.finishJob(args.at(1).value<QVector<QImage>>().mid(0, 1), args.at(2).toStringList().mid(0, 1), {7});
    QCOMPARE(grid.item(0)->text(), QStringLiteral("seed 7"));
  }

  void singleFileAsksForItsConfigFolder() {
    MRTI_REQUIRE_FIXTURES();
    QSettings().remove(QStringLiteral("model/configDirs"));
    const QString file = QString::fromStdString(mrti_test::fixture("single-file/tiny-sd15-fp16.safetensors"));
    MainWindow w;
    w.show();
    QSignalSpy failed(w.engine(), &EngineController::modelLoadFailed);
    QSignalSpy loaded(w.engine(), &EngineController::modelLoaded);
    w.loadModel(file);
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 60000);
    QVERIFY(failed.first().at(3).toBool());  // a config folder would let it load
    // The window asks for the folder itself, naming no command-line flag.
    QTRY_VERIFY(w.configFolderButton()->isVisible());
    QVERIFY2(w.messageText().contains(QStringLiteral("config folder")) && !w.messageText().contains(QStringLiteral("--")),
             qPrintable(w.messageText()));
    w.loadModel(file, tinyModel());
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 120000);
    QTRY_VERIFY(!w.configFolderButton()->isVisible());
    QCOMPARE(w.engine()->model().configDir, tinyModel());
    // Opened again (from the recent list, say), it remembers its folder.
    loaded.clear();
    w.loadModel(file);
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty() || failed.size() > 1, 120000);
    QCOMPARE(failed.size(), 1);
    QCOMPARE(w.engine()->model().source, file);
  }

  void unknownConceptIsReportedInTheWindow() {
    MainWindow w;
    const std::string lib = mrti_test::temp_dir("gui-lib-empty");
    w.setConceptDirectory(QString::fromStdString(lib));
    w.promptEditor()->setPlainText(QStringLiteral("a painting of <nosuch|2|>"));
    w.generate();
    QVERIFY(w.messageIsError());
    QVERIFY2(w.messageText().contains(QStringLiteral("nosuch")), qPrintable(w.messageText()));
    QVERIFY(!w.engine()->isBusy());
    // still usable: the prompt can be fixed and edited
    w.promptEditor()->setPlainText(QStringLiteral("a painting"));
    QVERIFY(w.promptEditor()->problem().isEmpty());
  }

  void folderThatIsNotAModel() {
    MainWindow w;
    const std::string dir = mrti_test::temp_dir("gui-not-a-model");
    std::ofstream(dir + "/readme.txt") << "nothing here";
    QSignalSpy failed(w.engine(), &EngineController::modelLoadFailed);
    // dropped on the window, as a user would
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(QString::fromStdString(dir))});
    QDragEnterEvent enter(QPoint(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &drop);
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 60000);
    const QString reason = failed.first().at(2).toString();
    QVERIFY(!reason.isEmpty());
    QTRY_VERIFY(w.messageText().contains(reason));
    QVERIFY(w.messageIsError());
    QVERIFY(!w.engine()->hasModel());
    QVERIFY(w.showingWelcome());
    QTRY_VERIFY(!w.engine()->isBusy());
  }

  void cancelledLoadLeavesTheWindowUsable() {
    MRTI_REQUIRE_FIXTURES();
    MainWindow w;
    QSignalSpy cancelled(w.engine(), &EngineController::modelLoadCancelled);
    QSignalSpy loaded(w.engine(), &EngineController::modelLoaded);
    w.loadModel(tinyModel());
    w.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(!cancelled.isEmpty(), 60000);
    QVERIFY(loaded.isEmpty());
    QTRY_VERIFY(w.messageText().contains(QStringLiteral("cancelled")));
    QVERIFY(!w.engine()->hasModel());
    // a later load works
    w.loadModel(tinyModel());
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 120000);
    QTRY_VERIFY(!w.showingWelcome());
  }
};

QTEST_MAIN(TestGuiEngine)
#include "test_gui_engine.moc"
