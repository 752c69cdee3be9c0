// Screenshots of the main window (first run, a concept selected with the detail-level
// slider showing, a finished grid), written as PNGs next to the test executable.
#include "test_support.h"

#include <QApplication>
#include <QDir>
#include <QListView>
#include <QListWidget>
#include <QSpinBox>
#include <QSignalSpy>
#include <QSlider>

#include "concept_browser.h"
#include "detail_level_panel.h"
#include "engine_controller.h"
#include "image_grid.h"
#include "main_window.h"
#include "multires/concept_library.h"
#include "parameters_panel.h"
#include "prompt_editor.h"

using namespace mrti::ui;

namespace {

QString shotPath(const QString& name) {
  const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
  QDir().mkpath(dir);
  return dir + QLatin1Char('/') + name;
}

void saveShot(QWidget& w, const QString& name) {
  QApplication::processEvents();
  const QPixmap pm = w.grab();
  QVERIFY(!pm.isNull());
  QVERIFY(pm.save(shotPath(name)));
  QVERIFY(QFileInfo(shotPath(name)).size() > 1000);
}

void saveConcept(const std::string& dir, const std::string& name, int64_t n, uint8_t shade) {
  auto c = mrti::make_concept(name, torch::randn({n, 32}), "", "tiny-sd15", 500);
  auto t = torch::zeros({32, 32, 3}, torch::kUInt8);
  t.index_put_({torch::indexing::Slice(), torch::indexing::Slice(), 0}, shade);
  t.index_put_({torch::indexing::Slice(0, 16), torch::indexing::Slice(), 2}, 255 - shade);
  c.thumbnail = t;
  mrti::ConceptLibrary(dir, true).save(c);
}

}  // namespace

class TestGuiScreenshots : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    qputenv("XDG_RUNTIME_DIR", QDir::tempPath().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("mrti-test-shots"));
    QSettings().clear();
  }

  void screenshots() {
    const std::string lib = mrti_test::temp_dir("gui-shots-lib");
    const std::string out = mrti_test::temp_dir("gui-shots-out");
    saveConcept(lib, "watercolor", 10, 40);
    saveConcept(lib, "my_cat", 6, 200);
    saveConcept(lib, "old_oak", 8, 120);

    MainWindow w;
    w.resize(1280, 820);
    w.setConceptDirectory(QString::fromStdString(lib));
    w.setOutputDirectory(QString::fromStdString(out));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.showingWelcome());
    saveShot(w, QStringLiteral("first-run.png"));

    if (mrti_test::fixtures_dir().empty()) QSKIP("MRTI_FIXTURES_DIR is not set: the model screenshots need tiny-sd15");
    QSignalSpy loaded(w.engine(), &EngineController::modelLoaded);
    w.loadModel(QString::fromStdString(mrti_test::fixture("tiny-sd15")));
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 120000);
    QTRY_VERIFY(!w.showingWelcome());

    QSignalSpy strip(w.engine(), &EngineController::stripReady);
    w.conceptBrowser()->select(QStringLiteral("my_cat"));
    QTRY_VERIFY_WITH_TIMEOUT(!strip.isEmpty(), 120000);
    QTRY_COMPARE(w.conceptBrowser()->stripImageCount(), 6);
    // rendered once, then cached as PNGs in the library's cache folder
    const QDir cache(QString::fromStdString(lib + "/.cache/strips"));
    QCOMPARE(cache.entryList({QStringLiteral("my_cat-*.png")}, QDir::Files).size(), 6);
    const QString prompt = QStringLiteral("a watercolor painting of <my_cat[3]> under <old_oak|5|>, soft light");
    w.promptEditor()->setPlainText(prompt);
    w.negativeEditor()->setPlainText(QStringLiteral("blurry, <watercolor(2)>"));
    w.promptEditor()->setFocus();
    QTextCursor c = w.promptEditor()->textCursor();
    c.setPosition(prompt.indexOf(QStringLiteral("my_cat")) + 2);
    w.promptEditor()->setTextCursor(c);
    QVERIFY(w.detailPanel()->hasToken());
    QCOMPARE(w.detailPanel()->slider()->value(), 3);
    saveShot(w, QStringLiteral("concept-and-detail-level.png"));

    w.parameters()->widthBox()->setValue(64);
    w.parameters()->heightBox()->setValue(64);
    w.parameters()->stepsBox()->setValue(8);
    w.parameters()->batchBox()->setValue(4);
    QSignalSpy finished(w.engine(), &EngineController::generationFinished);
    w.generate();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 120000);
    QTRY_COMPARE(w.grid()->finalCount(), 4);
    QTRY_VERIFY(w.history()->count() >= 4);  // saved to the output folder, read back
    saveShot(w, QStringLiteral("finished-grid.png"));

    // The history entries carry the parameters read back from the saved PNGs; sending an
    // image's parameters back restores the prompts, steps and its seed.
    const QString params = w.grid()->item(2)->data(ImageGrid::ParametersRole).toString();
    const qint64 seed = w.grid()->item(2)->data(ImageGrid::SeedRole).toLongLong();
    QVERIFY(params.contains(QStringLiteral("Seed: %1").arg(seed)));
    bool inHistory = false;
    for (int i = 0; i < w.history()->count(); ++i)
      inHistory = inHistory || w.history()->item(i)->data(Qt::UserRole).toString() == params;
    QVERIFY(inHistory);
    w.promptEditor()->clear();
    w.parameters()->stepsBox()->setValue(30);
    Q_EMIT w.grid()->sendParameters(params);
    QCOMPARE(w.promptEditor()->toPlainText(), prompt);
    QCOMPARE(w.negativeEditor()->toPlainText(), QStringLiteral("blurry, <watercolor(2)>"));
    QCOMPARE(w.parameters()->stepsBox()->value(), 8);
    mrti::ui::GenerationJob job;
    w.parameters()->fill(job);
    QCOMPARE(job.request.seed, seed);

    // A resolution sweep from that image: one image per scale of the first concept.
    finished.clear();
    const int before = w.grid()->finalCount();
    QSignalSpy failed(w.engine(), &EngineController::generationFailed);
    Q_EMIT w.grid()->sweepRequested(params);
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty() || w.messageIsError(), 120000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(1).toString()));
    QVERIFY2(!w.messageIsError(), qPrintable(w.messageText()));
    const auto sweepParams = finished.first().at(2).toStringList();
    QCOMPARE(sweepParams.size(), 6);
    QVERIFY2(sweepParams[4].contains(QStringLiteral("<my_cat[4]>")), qPrintable(sweepParams[4]));
    QVERIFY(sweepParams[4].contains(QStringLiteral("Seed: %1").arg(seed)));
    QTRY_COMPARE(w.grid()->finalCount(), before + 6);
  }
};

QTEST_MAIN(TestGuiScreenshots)
#include "test_gui_screenshots.moc"
