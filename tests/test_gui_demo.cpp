// The app on its shipped model, as a person meets it: started without a model it opens
// shapes64 with an example prompt, generating shows the asked colours and shape, and the
// shipped concept's detail level changes what the pictures show. The screenshots (written
// next to the test executable) are the README's.
#include "test_support.h"

#include <QApplication>
#include <QCheckBox>
#include <QDialog>
#include <QDir>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>

#include "concept_browser.h"
#include "detail_level_panel.h"
#include "engine_controller.h"
#include "image_grid.h"
#include "imaging/shapes.h"
#include "main_window.h"
#include "parameters_panel.h"
#include "prompt_editor.h"
#include "qt_convert.h"
#include "shipped_content.h"

using namespace mrti::ui;

namespace {

void saveShot(QWidget& w, const QString& name) {
  const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
  QDir().mkpath(dir);
  QApplication::processEvents();
  const QPixmap pm = w.grab();
  QVERIFY(!pm.isNull());
  QVERIFY(pm.save(dir + QLatin1Char('/') + name));
}

// Generates with the window's current settings; the finished pictures.
QVector<QImage> generateAndWait(MainWindow& w) {
  QSignalSpy finished(w.engine(), &EngineController::generationFinished);
  QSignalSpy failed(w.engine(), &EngineController::generationFailed);
  w.generate();
  if (!QTest::qWaitFor([&] { return !finished.isEmpty() || !failed.isEmpty(); }, 300000)) return {};
  if (!failed.isEmpty()) qWarning("generation failed: %s", qPrintable(failed.first().at(1).toString()));
  return finished.isEmpty() ? QVector<QImage>() : finished.first().at(1).value<QVector<QImage>>();
}

struct Count {
  int asked = 0, dotted = 0;
};

Count judge(const QVector<QImage>& images, const std::string& colour, const std::string& shape,
            const std::string& background, const std::string& dot) {
  Count c;
  for (const auto& img : images) {
    const mrti::ShapeVerdict v = mrti::judge_shape(fromQImage(img));
    c.asked += v.foreground == colour && v.shape == shape && v.background == background;
    c.dotted += !dot.empty() && mrti::shows_dot(v, dot);
  }
  return c;
}

}  // namespace

class TestGuiDemo : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    qputenv("XDG_RUNTIME_DIR", QDir::tempPath().toUtf8());
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("mrti-test-demo"));
    QSettings().clear();
    QVERIFY2(shippedModelPresent(), qPrintable(shippedModelPath()));
  }

  void firstRunOnTheShippedModel() {
    MainWindow w;
    w.resize(1280, 820);
    w.setConceptDirectory(QString::fromStdString(mrti_test::temp_dir("gui-demo-lib")));
    w.setOutputDirectory(QString::fromStdString(mrti_test::temp_dir("gui-demo-out")));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.seedShippedConcepts();
    QSignalSpy loaded(w.engine(), &EngineController::modelLoaded);
    w.loadDefaultModel();
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty(), 120000);
    QTRY_VERIFY(!w.showingWelcome());
    QVERIFY2(!w.messageIsError(), qPrintable(w.messageText()));
    QVERIFY(!w.examplesButton()->isHidden());
    QCOMPARE(w.promptEditor()->toPlainText(), examplePrompts(false).front());
    QCOMPARE(w.parameters()->widthBox()->value(), 64);

    // The example prompt, as the first run offers it: a big yellow star on purple.
    w.parameters()->batchBox()->setValue(8);
    w.parameters()->setSeed(7);
    const auto stars = generateAndWait(w);
    QCOMPARE(stars.size(), 8);
    QTRY_COMPARE(w.grid()->finalCount(), 8);
    const Count s = judge(stars, "yellow", "star", "purple", "");
    qInfo("yellow stars on purple: %d of 8", s.asked);
    QVERIFY(s.asked >= 6);
    saveShot(w, QStringLiteral("app.png"));

    // The same pictures with feature reuse and token merging: still the asked stars, and
    // both settings in each picture's parameters.
    w.parameters()->deepCacheBox()->setValue(3);
    w.parameters()->tokenMergingBox()->setValue(0.6);
    QSignalSpy fast(w.engine(), &EngineController::generationFinished);
    const Count quick = judge(generateAndWait(w), "yellow", "star", "purple", "");
    qInfo("yellow stars on purple with DeepCache 3 and token merging 0.6: %d of 8", quick.asked);
    QVERIFY(quick.asked >= 6);
    QCOMPARE(fast.size(), 1);
    for (const QString& parameters : fast.first().at(2).toStringList()) {
      QVERIFY2(parameters.contains(QStringLiteral("DeepCache: 3")), qPrintable(parameters));
      QVERIFY2(parameters.contains(QStringLiteral("Token merging ratio: 0.6")), qPrintable(parameters));
    }
    w.parameters()->deepCacheBox()->setValue(1);
    w.parameters()->tokenMergingBox()->setValue(0);

    // The shipped concept at its finest and its coarsest level: the blue dot at the centre
    // is its fine detail.
    QSignalSpy strip(w.engine(), &EngineController::stripReady);
    // The library lists the seeded concept once its refresh has come back.
    QTRY_VERIFY((w.conceptBrowser()->select(kDemoConcept), w.conceptBrowser()->selectedName() == kDemoConcept));
    QTRY_VERIFY_WITH_TIMEOUT(!strip.isEmpty(), 120000);
    const QString prompt = QStringLiteral("a <%1|0|> on a red background").arg(kDemoConcept);
    w.promptEditor()->setPlainText(prompt);
    w.promptEditor()->setFocus();
    QTextCursor cursor = w.promptEditor()->textCursor();
    cursor.setPosition(prompt.indexOf(kDemoConcept) + 2);
    w.promptEditor()->setTextCursor(cursor);
    QVERIFY(w.detailPanel()->hasToken());
    QCOMPARE(w.detailPanel()->slider()->value(), 0);
    const Count fine = judge(generateAndWait(w), "yellow", "star", "red", "blue");
    saveShot(w, QStringLiteral("concept-and-detail-level.png"));
    w.detailPanel()->slider()->setValue(w.detailPanel()->slider()->maximum());
    QVERIFY(w.promptEditor()->toPlainText() != prompt);  // the slider edits the token
    const Count coarse = judge(generateAndWait(w), "yellow", "star", "red", "blue");
    qInfo("blue dot shown: %d of 8 at the finest level, %d of 8 at the coarsest", fine.dotted, coarse.dotted);
    QVERIFY(fine.dotted >= coarse.dotted + 3);
  }

  void int8WeightsFromTheSettings() {
    // Ticking "Int8 weights" in the Settings dialog reloads the open model with the UNet's
    // linear layers in int8; the pictures keep the asked stars and record it.
    MainWindow w;
    w.setConceptDirectory(QString::fromStdString(mrti_test::temp_dir("gui-int8-lib")));
    w.setOutputDirectory(QString::fromStdString(mrti_test::temp_dir("gui-int8-out")));
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QSignalSpy loaded(w.engine(), &EngineController::modelLoaded);
    w.loadDefaultModel();
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty() && !w.engine()->isBusy() && w.engine()->hasModel(), 120000);
    QCOMPARE(w.engine()->model().int8Layers, 0);

    QSignalSpy failed(w.engine(), &EngineController::modelLoadFailed);
    loaded.clear();
    bool ticked = false;
    QTimer::singleShot(0, &w, [&] {
      auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
      if (!dialog) return;
      auto* box = dialog->findChild<QCheckBox*>(QStringLiteral("int8WeightsCheck"));
      if (!box) return dialog->reject();
      box->setChecked(true);
      ticked = true;
      saveShot(*dialog, QStringLiteral("settings-int8.png"));
      dialog->accept();
    });
    w.showSettings();
    QSettings settings;
    const bool stored = settings.value(QStringLiteral("model/int8")).toBool();
    settings.remove(QStringLiteral("model/int8"));
    QVERIFY(ticked);
    QVERIFY(stored);
    QTRY_VERIFY_WITH_TIMEOUT(!loaded.isEmpty() || !failed.isEmpty(), 120000);
    if (!failed.isEmpty()) {  // a LibTorch without int8 kernels says so
      QVERIFY2(failed.first().at(2).toString().contains(QStringLiteral("int8 kernels")),
               qPrintable(failed.first().at(2).toString()));
      return;
    }
    // The spy hears the engine thread; the controller's copy of the model follows on this one.
    QTRY_VERIFY(w.engine()->model().int8Layers > 0 && !w.engine()->isBusy());
    w.promptEditor()->setPlainText(examplePrompts(false).front());  // a big yellow star on purple
    w.parameters()->batchBox()->setValue(8);
    w.parameters()->setSeed(7);
    QSignalSpy finished(w.engine(), &EngineController::generationFinished);
    const Count s = judge(generateAndWait(w), "yellow", "star", "purple", "");
    qInfo("yellow stars on purple with int8 weights: %d of 8", s.asked);
    QVERIFY(s.asked >= 6);
    QCOMPARE(finished.size(), 1);
    for (const QString& parameters : finished.first().at(2).toStringList())
      QVERIFY2(parameters.contains(QStringLiteral("Int8 weights: UNet linear layers")), qPrintable(parameters));
    saveShot(w, QStringLiteral("int8-weights.png"));
  }
};

QTEST_MAIN(TestGuiDemo)
#include "test_gui_demo.moc"
